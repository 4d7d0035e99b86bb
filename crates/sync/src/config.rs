//! The engine's inputs: the acting admin, poll intervals, concurrency, budgets and the clock.
//! Time is an input so tests can drive the engine with a fake clock.

use std::sync::Arc;
use std::time::Duration;

/// The per-pass request budget (`budget.rs`): requests allowed per unit of work found.
pub(crate) const PER_UNIT: u64 = 2;
/// The per-pass request budget: requests allowed beyond that (the directory, probes, a
/// poll's first page).
pub(crate) const SLACK: u64 = 16;

/// Wall-clock time in unix seconds.
pub trait Clock: Send + Sync {
    /// Now, in unix seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// How the engine runs. Build with [`EngineConfig::new`] and adjust fields.
#[derive(Clone)]
pub struct EngineConfig {
    /// The admin the app acts as (Your inbox, unread marks, `admin_id` of writes).
    pub acting_admin_id: String,
    /// Poll interval (default 10 s; the agent's setting). It holds while the window is
    /// hidden in the tray too: the tray badge and the notifications are why an agent hides
    /// the window, so they must not wait longer then.
    pub poll_interval: Duration,
    /// Concurrent backfill partitions (default 12; the rate-limit governor is shared).
    pub partitions: usize,
    /// Concurrent detail, contact and event requests (default 16: at a 50-100 ms round trip,
    /// 8 in flight cannot reach the 166 requests/s a private app may send; the governor paces).
    pub detail_concurrency: usize,
    /// Stop after the conversation backfill: no details, contacts or events (CLI `--metadata-only`).
    pub metadata_only: bool,
    /// The clock (unix seconds).
    pub clock: Arc<dyn Clock>,
    /// The incremental poll asks for `updated_at >= high_water - overlap_secs` (default 60),
    /// so changes indexed late or within the same second are never missed.
    pub overlap_secs: i64,
    /// Detail fetches of the background tier (conversations outside the priority views)
    /// per poll (default 300). `usize::MAX` fetches everything in one go.
    pub background_detail_budget: usize,
    /// Fetch events (90 days and summaries) for contacts of open conversations in the
    /// priority views (Your inbox, Unassigned, my teams). Opening a conversation always does.
    pub events_for_open_contacts: bool,
    /// Upper bound of the retry backoff after failures (default 60 s).
    pub max_backoff: Duration,
}

impl EngineConfig {
    /// Defaults for `acting_admin_id`.
    pub fn new(acting_admin_id: impl Into<String>) -> Self {
        Self {
            acting_admin_id: acting_admin_id.into(),
            poll_interval: Duration::from_secs(10),
            partitions: 12,
            detail_concurrency: 16,
            metadata_only: false,
            clock: Arc::new(SystemClock),
            overlap_secs: 60,
            background_detail_budget: 300,
            events_for_open_contacts: true,
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("acting_admin_id", &self.acting_admin_id)
            .field("poll_interval", &self.poll_interval)
            .field("partitions", &self.partitions)
            .field("detail_concurrency", &self.detail_concurrency)
            .field("metadata_only", &self.metadata_only)
            .field("overlap_secs", &self.overlap_secs)
            .field("background_detail_budget", &self.background_detail_budget)
            .finish_non_exhaustive()
    }
}
