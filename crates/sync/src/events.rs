//! What the engine tells the shell: domain events carrying ids and counts (never rows), the
//! status snapshot, and backfill progress.

use agentdesk_store::{NotificationCandidate, OutboxSummary, ViewCount};
use serde::{Deserialize, Serialize};

use crate::error::StatusError;

/// A domain event. The shell maps it to UI events; rows stay in SQLite.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncEvent {
    /// Backfill progress: conversations stored out of Intercom's `total_count`.
    Progress {
        /// Conversations stored.
        done: u64,
        /// Conversations in the workspace.
        total: u64,
    },
    /// View totals and unread counts, emitted only when different from the last emitted.
    CountsChanged(Vec<ViewCount>),
    /// Conversations whose rows or parts changed.
    ConversationsChanged(Vec<String>),
    /// Tickets whose rows or parts changed (or that were deleted): the shell maps it to
    /// `inbox://changed {ticketIds}`; the `tickets` count is `Reader::ticket_count`.
    TicketsChanged(Vec<String>),
    /// Contact parts that arrived in incremental polls after the engine started and were
    /// never notified; the shell filters them and answers with `Command::MarkNotified`.
    NewContactMessages(Vec<NotificationCandidate>),
    /// The outbox counts changed.
    OutboxChanged(OutboxSummary),
    /// The status changed.
    Status(SyncStatus),
}

/// Where sync stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// The last request reached Intercom.
    pub online: bool,
    /// Unix seconds of the last complete sync cycle; at start, until this run's first cycle
    /// ends, the last time an earlier run's poll brought the cache up to date.
    pub last_sync_at: Option<i64>,
    /// Unix seconds since when Intercom has been unreachable.
    pub offline_since: Option<i64>,
    /// Backfill progress `(done, total)` while it runs.
    pub backfill: Option<(u64, u64)>,
    /// The last error, cleared by a successful cycle.
    pub error: Option<StatusError>,
    /// The token was rejected: sync is stopped until a new token is given.
    pub auth_failed: bool,
}

/// What a `run_once` step reports through its progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Which step.
    pub phase: Phase,
    /// Items done.
    pub done: u64,
    /// Items expected (0 when unknown).
    pub total: u64,
    /// Set once per step, when it has ended (even by an error): the HTTP requests it sent,
    /// retries included, so a runaway shows. `None` on ordinary progress.
    pub spent: Option<u64>,
}

/// The steps of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Admins, teams, tags and conversation attribute definitions.
    Directory,
    /// Conversation metadata backfill.
    Backfill,
    /// Tickets: types, states, and their backfill or poll, beside the conversations'
    /// backfill (issue 14). Their parts are fetched in [`Phase::Details`].
    Tickets,
    /// The incremental poll.
    Incremental,
    /// Parts of conversations, then of tickets.
    Details,
    /// Contacts referenced by conversations.
    Contacts,
    /// The data events of contacts.
    Events,
    /// Sending the outbox.
    Outbox,
}

impl Phase {
    /// The step's name as the CLI prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Directory => "directory",
            Self::Backfill => "backfill",
            Self::Tickets => "tickets",
            Self::Incremental => "poll",
            Self::Details => "details",
            Self::Contacts => "contacts",
            Self::Events => "events",
            Self::Outbox => "outbox",
        }
    }
}
