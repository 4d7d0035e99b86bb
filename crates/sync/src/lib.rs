//! Agentdesk's sync engine and outbox, over the Intercom client (`intercom`) and the SQLite
//! cache (`agentdesk-store`). It knows neither Tauri nor the UI: the shell and the CLI drive
//! it through [`spawn`] / [`SyncHandle`] and [`run_once`], and hear from it through
//! [`SyncEvent`]s carrying ids and counts, never rows.
//!
//! # Data path
//! Intercom page → client (shared rate-limit governor) → engine → store (one transaction per
//! page, its cursor saved in the same transaction) → [`SyncEvent`] → shell → UI.
//!
//! # Steps of a cycle
//! 1. **Backfill** (until it completes once): `created_at` windows paged concurrently
//!    (see the `backfill` module in the source); resumable per window.
//! 2. **Incremental poll**: `updated_at >= high_water - overlap`, ascending.
//! 3. **Details by priority**: pending refetches, Your inbox and Unassigned, my teams, then
//!    the rest within a budget. Opening a conversation fetches it at once.
//! 4. **Contacts** referenced by conversations; **events** (90 days + summaries) of contacts
//!    in open priority conversations and on demand.
//! 5. **Outbox**: in order per conversation; in-doubt writes reconciled before any resend.
//!
//! # Unread
//! The store defines the unread model; the engine seeds read marks from Intercom's `read`
//! flag only for conversations first stored by the initial backfill.

mod backfill;
mod budget;
mod config;
mod convert;
mod core;
mod db;
mod details;
mod engine;
mod error;
mod events;
mod incremental;
mod mutex;
mod outbox;
mod run;
mod tickets;
mod walk;

pub use backfill::BackfillReport;
pub use config::{Clock, EngineConfig, SystemClock};
pub use engine::{spawn, SyncHandle};
pub use error::{ErrorClass, StatusError, SyncError};
pub use events::{Phase, Progress, SyncEvent, SyncStatus};
pub use outbox::{new_client_uuid, Command, CommandOutcome};
pub use run::{run_once, send_outbox, RunReport};

/// Conversions used by the benchmark's baseline (a plain cursor walk into the same store).
#[doc(hidden)]
pub mod bench_support {
    /// A listed conversation as the store keeps it.
    pub fn store_conversation(c: &intercom::models::Conversation) -> agentdesk_store::Conversation {
        crate::convert::conversation(c)
    }
}
