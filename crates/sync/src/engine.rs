//! The running engine: one spawned task that `select!`s over a ticker (missed ticks
//! skipped), a command channel, the current sync cycle and a retry timer, and a
//! cancellation token. Failures back off with jitter; unauthorized stops syncing (no retry
//! storm); network loss shows offline and resumes by itself. [`SyncHandle::stop`] cancels
//! and waits with a timeout; dropping the last handle cancels too.

use std::sync::Arc;
use std::time::Duration;

use agentdesk_store::Store;
use rand::Rng;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::budget::Budget;
use crate::config::EngineConfig;
use crate::core::Core;
use crate::db::Db;
use crate::error::{Deferred, SyncError};
use crate::events::{SyncEvent, SyncStatus};
use crate::outbox::{Command, CommandOutcome};

enum Msg {
    SyncNow,
    SetVisible(bool),
    SetPollInterval(Duration),
    Open(String),
    OpenTicket(String),
    Execute(Command, oneshot::Sender<Result<CommandOutcome, SyncError>>),
}

/// Controls a running engine. Cheap to clone; when the last clone is dropped the engine stops.
#[derive(Clone)]
pub struct SyncHandle {
    tx: mpsc::UnboundedSender<Msg>,
    status: watch::Receiver<SyncStatus>,
    cancel: CancellationToken,
    task: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
    _guard: Arc<DropGuard>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle").finish_non_exhaustive()
    }
}

impl SyncHandle {
    /// Runs a sync cycle now (or right after the current one).
    pub fn sync_now(&self) {
        let _ = self.tx.send(Msg::SyncNow);
    }

    /// Tells the engine whether the window is shown. Showing it syncs at once; hiding it
    /// keeps the poll interval (the tray badge and notifications depend on it).
    pub fn set_visible(&self, visible: bool) {
        let _ = self.tx.send(Msg::SetVisible(visible));
    }

    /// Changes the poll interval (a setting), shown or hidden; takes effect from the next
    /// tick.
    pub fn set_poll_interval(&self, interval: Duration) {
        let _ = self.tx.send(Msg::SetPollInterval(interval));
    }

    /// Fetches this conversation's parts, contacts and their events now, then announces it
    /// changed. Call it when the agent opens the conversation, not when the window reads it
    /// again: the app calls it once per open (`agentdesk_app`'s `set_open_conversation`),
    /// so the change event it causes, which makes the window read the thread again, never
    /// asks for another fetch.
    pub fn open_conversation(&self, id: &str) {
        let _ = self.tx.send(Msg::Open(id.to_owned()));
    }

    /// Fetches this ticket's parts now (`GET /tickets/{id}`), then announces it changed
    /// (`TicketsChanged`); a ticket deleted in Intercom leaves the cache. Call it once per
    /// open, as [`SyncHandle::open_conversation`].
    pub fn open_ticket(&self, id: &str) {
        let _ = self.tx.send(Msg::OpenTicket(id.to_owned()));
    }

    /// Runs a command (writes go through the engine, the one writer).
    pub async fn execute(&self, cmd: Command) -> Result<CommandOutcome, SyncError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Execute(cmd, reply))
            .map_err(|_| SyncError::Stopped)?;
        rx.await.map_err(|_| SyncError::Stopped)?
    }

    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn watch_status(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Stops the engine: the current store transaction finishes, then every task ends.
    /// Waits at most `timeout`, then abandons the task (it is aborted).
    pub async fn stop(self, timeout: Duration) {
        self.cancel.cancel();
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let abort = task.abort_handle();
            if tokio::time::timeout(timeout, task).await.is_err() {
                tracing::warn!("the sync engine did not stop in time; aborting it");
                abort.abort();
            }
        }
    }
}

/// Starts the engine task on the current tokio runtime. The engine owns the store's writer
/// connection: every write in the app goes through it, so it alone emits count changes.
pub fn spawn(
    client: intercom::Client,
    store: Store,
    config: EngineConfig,
) -> (SyncHandle, mpsc::UnboundedReceiver<SyncEvent>) {
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (tx, rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let core = Core::new(
        client,
        Db::new(store),
        config,
        Some(events_tx),
        None,
        cancel.clone(),
    );
    let status = core.subscribe_status();
    let task = tokio::spawn(run(core, rx));
    let handle = SyncHandle {
        tx,
        status,
        cancel: cancel.clone(),
        task: Arc::new(std::sync::Mutex::new(Some(task))),
        _guard: Arc::new(cancel.drop_guard()),
    };
    (handle, events_rx)
}

fn interval(period: Duration) -> tokio::time::Interval {
    let period = period.max(Duration::from_millis(10));
    let mut i = tokio::time::interval_at(Instant::now() + period, period);
    i.set_missed_tick_behavior(MissedTickBehavior::Skip);
    i
}

/// One cycle: directory (first time), backfill (until done), then unless metadata only:
/// incremental poll, changed conversations and the priority views, new-message
/// announcements, the outbox. Returns whether the background passes (the rest of the details,
/// contacts, events) are still to run: once the first sync is done they run beside the polls
/// ([`background_passes`]), so a new customer message never waits behind them. During the
/// first sync they run here, in line, before the parts already cached are marked as not news.
///
/// An error confined to one page or item (see [`SyncError::stops_cycle`]) does not stop the
/// cycle: the rest is done and the error is reported at the end, so one conversation
/// Intercom cannot serve never holds back the others or the agent's replies. While the
/// backfill is incomplete there is no high-water mark, so the incremental poll waits for it.
async fn cycle(core: Arc<Core>, first: bool) -> Result<bool, SyncError> {
    // Every request of the cycle is within this budget (see `budget.rs`); the background
    // passes have one of their own.
    let budget = Arc::new(Budget::default());
    if first {
        core.refresh_directory(&budget).await?;
    }
    let mut deferred = Deferred::default();
    // Tickets beside the conversations' backfill, so the inbox never waits for them; a 403
    // on tickets is reported once and skips them, the conversations go on (see `tickets.rs`).
    let (backfilled, tickets) = tokio::join!(core.backfill(&budget), core.tickets_pass(&budget));
    let backfilled = deferred.absorb(backfilled)?;
    deferred.absorb(tickets)?;
    if core.config.metadata_only {
        return deferred.finish().map(|()| false);
    }
    if backfilled.is_some() {
        deferred.absorb(core.incremental(&budget).await)?;
    }
    // Changed conversations and the priority views first (a limit of 0 skips the background
    // tier), so a new customer message is announced as soon as its parts are in. Tickets'
    // parts are background work: fetched one after another, 200 of them made every cycle
    // ten seconds longer, and a customer's reply waited that much more to be announced.
    deferred.absorb(core.detail_pass(0, &budget).await)?;
    if backfilled.is_some_and(|b| b.already_done) {
        core.announce_new_messages().await?;
        core.drain_outbox().await?;
        core.emit_counts(false).await?;
        return deferred.finish().map(|()| true);
    }
    // The first sync: writes waiting from before (queued offline) go out before the
    // background tier, which it runs in line (the priority tiers were just done above).
    core.drain_outbox().await?;
    deferred.absorb(background_passes(core.clone()).await)?;
    core.drain_outbox().await?;
    if backfilled.is_some() {
        // Contact parts already cached at the end of the initial sync are not news: only
        // parts that arrive in later polls are announced.
        let existing = core
            .db
            .run({
                let since = core.started_at;
                let admin = core.config.acting_admin_id.clone();
                move |s| {
                    s.unnotified_contact_parts_since(
                        since,
                        &[
                            agentdesk_store::View::AllOpen,
                            agentdesk_store::View::Snoozed,
                            agentdesk_store::View::Closed,
                        ],
                        &admin,
                    )
                }
            })
            .await?;
        crate::core::lock(&core.announced).extend(existing.into_iter().map(|c| c.part_id));
    }
    core.emit_counts(false).await?;
    deferred.finish().map(|()| false)
}

/// The rest of the details (the background tier, within its budget: the cycle itself did
/// the changed conversations and the priority views), the contacts they reference, the
/// events of priority contacts, and the parts of changed tickets. Errors confined to one item are reported at the end.
async fn background_passes(core: Arc<Core>) -> Result<(), SyncError> {
    let budget = Arc::new(Budget::default());
    let mut deferred = Deferred::default();
    deferred.absorb(
        core.background_details(core.config.background_detail_budget, &budget)
            .await,
    )?;
    deferred.absorb(core.contacts_pass(&budget).await)?;
    deferred.absorb(core.events_pass(&budget).await)?;
    deferred.absorb(core.ticket_details_pass(&budget, false).await)?;
    core.emit_counts(false).await?;
    deferred.finish()
}

async fn run(core: Arc<Core>, mut rx: mpsc::UnboundedReceiver<Msg>) {
    let mut visible = true;
    let mut ticker = interval(core.config.poll_interval);
    let mut current: Option<JoinHandle<Result<bool, SyncError>>> = None;
    // The background passes of the last cycle, at most one at a time, beside the polls.
    let mut background: Option<JoinHandle<Result<(), SyncError>>> = None;
    // After background passes stopped by their request budget: not before this instant, and
    // their error stays in the status until they run clean.
    let mut background_hold: Option<Instant> = None;
    let mut background_failures: u32 = 0;
    let mut background_error: Option<crate::error::StatusError> = None;
    let mut again = true; // the first cycle starts at once
    let mut first = true;
    let mut failures: u32 = 0;
    let mut retry_at: Option<Instant> = None;
    let cancel = core.cancel.clone();
    seed_last_sync(&core).await;
    loop {
        if again && current.is_none() && !core.status().auth_failed && !cancel.is_cancelled() {
            again = false;
            retry_at = None;
            current = Some(tokio::spawn(cycle(core.clone(), first)));
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            msg = rx.recv() => match msg {
                None => break,
                Some(Msg::SyncNow) => again = true,
                Some(Msg::SetVisible(v)) => {
                    // The interval stays: a hidden window still drives the tray badge and
                    // the notifications. Showing it catches up at once.
                    if v && !visible {
                        again = true;
                    }
                    visible = v;
                }
                Some(Msg::SetPollInterval(d)) => {
                    ticker = interval(d);
                }
                Some(Msg::Open(id)) => {
                    let core = core.clone();
                    tokio::spawn(async move {
                        if let Err(e) = core.open_conversation(&id).await {
                            report(&core, &e);
                        }
                    });
                }
                Some(Msg::OpenTicket(id)) => {
                    let core = core.clone();
                    tokio::spawn(async move {
                        if let Err(e) = core.open_ticket(&id).await {
                            report(&core, &e);
                        }
                    });
                }
                Some(Msg::Execute(cmd, reply)) => {
                    let core = core.clone();
                    let sends = !matches!(
                        cmd,
                        Command::MarkNotified(_)
                            | Command::MarkUnread(_)
                            | Command::MarkTicketRead(_)
                            | Command::SaveDraft { .. }
                    );
                    tokio::spawn(async move {
                        let result = core.execute(cmd).await;
                        let ok = result.is_ok();
                        let _ = reply.send(result);
                        // Sent at once unless the engine knows it cannot be: offline, or
                        // the token refused. Not waiting for a cycle to end first: the first
                        // one can take minutes, and the agent's write would wait for all of it.
                        let status = core.status();
                        if ok && sends && status.offline_since.is_none() && !status.auth_failed {
                            if let Err(e) = core.drain_outbox().await {
                                report(&core, &e);
                            }
                        }
                    });
                }
            },
            result = async { current.as_mut().expect("guarded by the select condition").await }, if current.is_some() => {
                current = None;
                let result = result.unwrap_or_else(|e| Err(SyncError::Internal(format!("a sync cycle failed: {e}"))));
                // An idle app keeps no page cache from the cycle (a few ms to refill from
                // the OS next time).
                core.db.release_memory().await;
                match result {
                    Ok(more) => {
                        let held = background_hold.is_some_and(|t| Instant::now() < t);
                        if more && background.is_none() && !held {
                            background = Some(tokio::spawn(background_passes(core.clone())));
                        }
                        first = false;
                        failures = 0;
                        let now = core.now();
                        core.update_status(|s| {
                            s.online = true;
                            s.offline_since = None;
                            s.error = background_error.clone();
                            s.last_sync_at = Some(now);
                        });
                    }
                    Err(SyncError::Stopped) => break,
                    Err(e) => {
                        report(&core, &e);
                        if !matches!(e, SyncError::Unauthorized(_)) {
                            failures = failures.saturating_add(1);
                            retry_at = Some(Instant::now() + backoff(failures, core.config.max_backoff));
                        }
                    }
                }
            }
            result = async { background.as_mut().expect("guarded by the select condition").await }, if background.is_some() => {
                background = None;
                let result = result.unwrap_or_else(|e| Err(SyncError::Internal(format!("the background passes failed: {e}"))));
                core.db.release_memory().await;
                match result {
                    Ok(()) => {
                        background_failures = 0;
                        background_hold = None;
                        if background_error.take().is_some() {
                            core.update_status(|s| s.error = None);
                        }
                    }
                    Err(SyncError::Stopped) => {}
                    // Spent its budget: the polls go on, the background passes wait (backing
                    // off) and the status keeps saying why.
                    Err(e @ SyncError::BudgetExceeded { .. }) => {
                        report(&core, &e);
                        background_failures = background_failures.saturating_add(1);
                        background_hold = Some(Instant::now() + backoff(background_failures, core.config.max_backoff));
                        background_error = Some(e.to_status());
                    }
                    // The next cycle's poll goes on regardless; the item is retried next time.
                    Err(e) => report(&core, &e),
                }
            }
            _ = ticker.tick() => again = true,
            _ = async { tokio::time::sleep_until(retry_at.expect("guarded by the select condition")).await }, if retry_at.is_some() => {
                retry_at = None;
                again = true;
            }
        }
    }
    cancel.cancel();
    // Let the cycle and the background passes finish their current store call (they check
    // the token between pages and items).
    if let Some(task) = current {
        let _ = task.await;
    }
    if let Some(task) = background {
        let _ = task.await;
    }
    // A clean stop leaves an empty write-ahead log, so the next open needs no integrity check.
    if let Err(e) = core.db.run(|s| s.checkpoint()).await {
        tracing::debug!(error = %e, "could not checkpoint the cache at stop");
    }
}

/// Exponential backoff with full jitter: 1 s, 2 s, 4 s ... up to `max`.
fn backoff(failures: u32, max: Duration) -> Duration {
    let base = Duration::from_secs(1u64 << failures.saturating_sub(1).min(10)).min(max);
    let jitter = rand::thread_rng().gen_range(0.5..=1.0);
    base.mul_f64(jitter)
}

/// Puts an error in the status.
/// A restart knows when the cache was last brought up to date (the incremental poll's last
/// stored page), so the window can say "Synced HH:MM", or offline "showing what was cached at
/// HH:MM", before this run's first cycle ends instead of nothing, or the time it went offline.
async fn seed_last_sync(core: &Core) {
    let last = core
        .db
        .run(|s| {
            Ok(s.sync_state(crate::incremental::RESOURCE)?
                .and_then(|st| st.last_success_at))
        })
        .await;
    match last {
        Ok(Some(at)) => core.update_status(|s| {
            s.last_sync_at.get_or_insert(at);
        }),
        Ok(None) => {}
        Err(e) => tracing::debug!(error = %e, "no last sync time from the cache"),
    }
}

fn report(core: &Core, e: &SyncError) {
    let now = core.now();
    tracing::warn!(code = e.code(), error = %e, "sync step failed");
    let status_error = e.to_status();
    core.update_status(|s| {
        s.error = Some(status_error);
        match e {
            SyncError::Unauthorized(_) => {
                s.auth_failed = true;
                s.online = true;
                s.offline_since = None;
            }
            SyncError::Offline(_) => {
                if s.offline_since.is_none() {
                    s.offline_since = Some(now);
                }
                s.online = false;
            }
            SyncError::Api(_) | SyncError::Malformed { .. } | SyncError::CursorStuck { .. } => {
                s.online = true;
                s.offline_since = None;
            }
            _ => {}
        }
    });
}
