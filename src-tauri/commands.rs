//! Tauri commands: the only surface the UI can call (docs/IPC.md), grouped by what they act
//! on. Each is `verb_noun` and thin: it parses what the webview sent, calls the app layer
//! (`agentdesk_app`), and returns its DTOs or its `{code, message}` error as they are. No
//! SQL, no HTTP, no rule of the app here.

pub(crate) mod app;
pub(crate) mod contacts;
pub(crate) mod conversations;
pub(crate) mod outbox;
pub(crate) mod workspaces;
