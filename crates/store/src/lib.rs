//! Agentdesk's SQLite cache: schema, migrations and queries; knows SQL, not HTTP (filled by its own issue).
