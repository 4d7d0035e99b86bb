//! Agentdesk's application layer: everything the desktop app does that is not Tauri. It owns
//! the session (one open workspace over the sync engine), connect and login (one flow for
//! the window and the CLI), the workspace list, tokens, settings, saved replies, paths and
//! logging, `agentdesk://` links, the tray's count and badge, notifications and the policy
//! deciding them, the types the UI sees and their building, and the command line's logic.
//!
//! It builds and tests with no WebKit and no display. The shell (`src-tauri/`) implements
//! [`session::Ui`] for its window and tray and calls this crate from thin commands.
//!
//! Modules depend one way: `session` (state, life cycle, events, alerts) on the leaf
//! modules; `inbox` (reads) and `outbox` (writes) on `session`; `cli` on `connect`,
//! `workspaces` and the stores; nothing imports `cli`.

pub mod badge;
pub mod cli;
pub mod connect;
pub mod crash;
pub mod deeplink;
pub mod drafts;
pub mod dto;
pub mod error;
pub mod ids;
pub mod images;
pub mod inbox;
pub mod links;
pub mod logging;
pub mod notify;
pub mod outbox;
pub mod paths;
pub mod saved_replies;
pub mod secrets;
pub mod session;
pub mod settings;
pub mod time;
pub mod workspaces;

pub use error::{AppError, AppResult};
pub use session::{AppState, Ui, UiEvent};

/// Process exit codes shared by every subcommand, so scripts can branch on them.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Any other failure.
    pub const OTHER: i32 = 1;
    /// A usage error (wrong arguments, nothing connected).
    pub const USAGE: i32 = 2;
    /// Authentication: the token was refused, or none is stored.
    pub const AUTH: i32 = 3;
    /// Network: Intercom could not be reached.
    pub const NETWORK: i32 = 4;
    /// The process stopped on a panic (a bug), after writing the report to the log.
    pub const CRASH: i32 = crate::crash::EXIT_CODE;
}
