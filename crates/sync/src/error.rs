//! `SyncError`: every failure of the engine, classified for exit codes and status
//! ([`SyncError::kind`], [`SyncError::code`]), with sources chained.

use agentdesk_store::StoreError;
use intercom::{ApiError, ErrorKind};
use serde::{Deserialize, Serialize};

/// A failure of a sync step or a command.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The token was rejected: sync stops until a new token is given.
    #[error("{0}")]
    Unauthorized(#[source] ApiError),
    /// Intercom could not be reached (or did not answer): the engine retries with backoff.
    #[error("{0}")]
    Offline(#[source] ApiError),
    /// Any other refusal from Intercom (403, 404, 400, 5xx after retries, 429 after retries).
    #[error("{0}")]
    Api(#[source] ApiError),
    /// The local cache failed (full disk, read-only folder, ...).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Intercom sent a page that cannot be read: reported, never skipped silently.
    #[error("Intercom sent an unreadable page while syncing {resource}; nothing from it was stored and the sync will retry it: {source}")]
    Malformed {
        /// The sync resource (`backfill:...`, `incremental`, `conversation:<id>`).
        resource: String,
        /// The decode error (endpoint and field path).
        #[source]
        source: ApiError,
    },
    /// A listing did not advance: its next cursor is one this walk already used, or a page
    /// repeats the previous page's items. The walk ends (what was stored stays) and the next
    /// cycle starts it afresh.
    #[error("Intercom's {endpoint} did not advance while syncing {resource} ({why}); the sync stopped that listing, kept what it had stored, and will start it afresh next time")]
    CursorStuck {
        /// The sync resource.
        resource: String,
        /// The endpoint (`POST /conversations/search`).
        endpoint: &'static str,
        /// What repeated.
        why: &'static str,
    },
    /// One record was asked for a third time in one pass (a loop): the request was not sent,
    /// and the rest of the pass went on (see `budget.rs`).
    #[error("the sync asked Intercom for {record} a third time in one pass and skipped it, to save the workspace's rate limit; a later cycle fetches it")]
    Repeated {
        /// The record (`contact:<id>`, `conversation:<id>`, `page:<listing>:<cursor>`).
        record: String,
    },
    /// A pass spent more requests than the work it found allows (see `budget.rs`): it stopped,
    /// and the engine backs off before the next cycle.
    #[error("the sync stopped after {spent} requests for {work} items of work (at most {per_unit} per item plus {slack}), to keep the workspace's rate limit for the agent and its other apps; it will try again after a pause", per_unit = crate::config::PER_UNIT, slack = crate::config::SLACK)]
    BudgetExceeded {
        /// Requests the pass sent.
        spent: u64,
        /// Units of work it found.
        work: u64,
    },
    /// The engine stopped (or its handle was dropped) before the command ran.
    #[error("the sync engine has stopped: restart the sync to continue")]
    Stopped,
    /// A background task failed unexpectedly.
    #[error("internal error in the sync engine: {0}")]
    Internal(String),
    /// Intercom refused tickets (403): the app lacks the tickets permission. Conversations
    /// go on; tickets are skipped until the engine restarts.
    #[error("tickets are not synced: {0}")]
    TicketsForbidden(#[source] ApiError),
}

/// The class of an error, for exit codes: auth 3, network 4, other 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The token was rejected.
    Auth,
    /// No network or no answer.
    Network,
    /// Anything else.
    Other,
}

impl SyncError {
    /// Classifies an API error of a step on `resource`.
    pub(crate) fn from_api(e: ApiError, resource: &str) -> Self {
        match e.kind() {
            ErrorKind::Unauthorized => Self::Unauthorized(e),
            ErrorKind::Transport => Self::Offline(e),
            ErrorKind::Decode => Self::Malformed {
                resource: resource.to_owned(),
                source: e,
            },
            _ => Self::Api(e),
        }
    }

    /// Whether the error stops all work of a sync cycle (the token, the network, the cache or
    /// the engine itself failed, or Intercom refuses every request alike: rate limit,
    /// missing permission). Other errors belong to one page or one item (an unreadable page,
    /// a 5xx that outlived its retries): the cycle goes on with everything else and reports
    /// them at the end, and the item is retried in the next cycle.
    pub fn stops_cycle(&self) -> bool {
        match self {
            Self::Unauthorized(_)
            | Self::Offline(_)
            | Self::Store(_)
            | Self::Stopped
            | Self::Internal(_)
            | Self::BudgetExceeded { .. } => true,
            Self::Api(e) => matches!(
                e.kind(),
                ErrorKind::RateLimited | ErrorKind::Forbidden { .. }
            ),
            Self::Malformed { .. }
            | Self::CursorStuck { .. }
            | Self::Repeated { .. }
            | Self::TicketsForbidden(_) => false,
        }
    }

    /// The class, for exit codes.
    pub fn kind(&self) -> ErrorClass {
        match self {
            Self::Unauthorized(_) => ErrorClass::Auth,
            Self::Offline(_) => ErrorClass::Network,
            _ => ErrorClass::Other,
        }
    }

    /// A stable code for the UI: `unauthorized`, `offline`, `malformed`, `store`,
    /// `repeated`, `budget_exceeded`, or the API error's code (`forbidden`, `not_found`, `rate_limited`, `server_error`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "unauthorized",
            Self::Offline(_) => "offline",
            Self::Api(e) => e.kind().code(),
            Self::Store(_) => "store",
            Self::Malformed { .. } | Self::CursorStuck { .. } => "malformed",
            Self::Repeated { .. } => "repeated",
            Self::BudgetExceeded { .. } => "budget_exceeded",
            Self::Stopped => "stopped",
            Self::Internal(_) => "internal",
            Self::TicketsForbidden(_) => "forbidden",
        }
    }

    /// The `{code, message}` form shown in the status.
    pub fn to_status(&self) -> StatusError {
        StatusError {
            code: self.code().to_owned(),
            message: self.to_string(),
        }
    }
}

/// The first error of a cycle that does not stop it (see [`SyncError::stops_cycle`]): the
/// rest of the work goes on, and the error is reported when the cycle ends.
#[derive(Debug, Default)]
pub(crate) struct Deferred(Option<SyncError>);

impl Deferred {
    /// `Ok(Some(value))`, or `Ok(None)` after keeping an error that does not stop the cycle,
    /// or the error that does.
    pub(crate) fn absorb<T>(&mut self, r: Result<T, SyncError>) -> Result<Option<T>, SyncError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.stops_cycle() => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "sync goes on past an error it will report");
                self.0.get_or_insert(e);
                Ok(None)
            }
        }
    }

    /// Keeps `e` if it is the first (for errors already known not to stop the cycle).
    pub(crate) fn keep(&mut self, e: SyncError) {
        self.0.get_or_insert(e);
    }

    /// The kept error, if any: the cycle's outcome.
    pub(crate) fn finish(self) -> Result<(), SyncError> {
        self.0.map_or(Ok(()), Err)
    }
}

/// An error as the status carries it: a code the UI branches on and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusError {
    /// `unauthorized`, `offline`, `malformed`, `store`, `forbidden`, ...
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}
