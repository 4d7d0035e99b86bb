//! Agentdesk's sync engine and outbox over the Intercom client and the store (filled by its own issue).
