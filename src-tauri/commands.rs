//! Tauri commands: the only surface the UI can call (docs/IPC.md), grouped by what they act
//! on. Each is `verb_noun` and thin: it parses what the webview sent, calls the app layer
//! (`agentdesk_app`), and returns its DTOs or its `{code, message}` error as they are. No
//! SQL, no HTTP, no rule of the app here.

pub mod app;
pub mod contacts;
pub mod conversations;
pub mod outbox;
pub mod workspaces;
