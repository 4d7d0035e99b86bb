//! Typed, tolerant client for Intercom's REST API 2.14 with a shared rate-limit governor (filled by its own issue).
