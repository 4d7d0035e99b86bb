//! `run_once` for the headless CLI (`agentdesk sync --once [--metadata-only]`): backfill
//! (resuming from stored cursors) with the tickets' listing beside it, then one incremental
//! poll, details by priority, contacts
//! and events, and an outbox drain, reporting progress through a callback.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentdesk_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backfill::BackfillReport;
use crate::budget::Budget;
use crate::config::EngineConfig;
use crate::core::Core;
use crate::db::Db;
use crate::error::{Deferred, SyncError};
use crate::events::{Phase, Progress};

/// What a `run_once` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The backfill's outcome.
    pub backfill: BackfillReport,
    /// Backfill pages stored in this run.
    pub backfill_pages: u64,
    /// Conversations first stored by the backfill in this run.
    pub backfill_new: u64,
    /// Conversations new or moved in the incremental poll.
    pub changed: u64,
    /// Conversations whose parts were fetched.
    pub details: u64,
    /// Contacts fetched.
    pub contacts: u64,
    /// Contacts whose events were fetched.
    pub event_contacts: u64,
    /// Outbox items confirmed.
    pub sent: u64,
    /// Outbox items refused for good (see the outbox for reasons).
    pub failed: u64,
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// HTTP requests per step, in the order the steps ran (retries included).
    pub phases: Vec<(Phase, u64)>,
    /// Units of work the run found (pages its listings promised, records it fetched): its
    /// requests are bounded by twice this plus a few (see `budget.rs`).
    pub work: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Runs one complete sync and returns what it did. The store is closed at the end.
pub async fn run_once(
    client: intercom::Client,
    store: Store,
    config: EngineConfig,
    mut progress: impl FnMut(Progress),
) -> Result<RunReport, SyncError> {
    let start = Instant::now();
    let before = client.stats();
    let (ptx, mut prx) = mpsc::unbounded_channel();
    let core = Core::new(
        client.clone(),
        Db::new(store),
        config,
        None,
        Some(ptx),
        CancellationToken::new(),
    );
    let budget = Arc::new(Budget::default());
    let work = {
        let core = core.clone();
        let budget = budget.clone();
        async move {
            // Each step's requests are reported as it ends, even by an error.
            let step = |phase: Phase, since: u64| {
                core.phase_spent(phase, core.client.stats().requests - since);
            };
            let mut since = core.client.stats().requests;
            let directory = core.refresh_directory(&budget).await;
            step(Phase::Directory, since);
            directory?;
            // As the engine's cycle: an error confined to one page or item is reported at
            // the end, after everything else was done (see `SyncError::stops_cycle`).
            let mut deferred = Deferred::default();
            // Tickets beside the backfill (as the engine's cycle): their requests go through
            // a counted handle, so both steps report what they spent.
            since = core.client.stats().requests;
            let tickets_since = core.tickets_requests.get();
            let (backfill, tickets) =
                tokio::join!(core.backfill(&budget), core.tickets_pass(&budget));
            let tickets_spent = core.tickets_requests.get() - tickets_since;
            core.phase_spent(
                Phase::Backfill,
                core.client.stats().requests - since - tickets_spent,
            );
            core.phase_spent(Phase::Tickets, tickets_spent);
            let backfill = deferred.absorb(backfill)?;
            deferred.absorb(tickets)?;
            if !core.config.metadata_only {
                if backfill.is_some() {
                    since = core.client.stats().requests;
                    let r = core.incremental(&budget).await;
                    step(Phase::Incremental, since);
                    deferred.absorb(r)?;
                }
                since = core.client.stats().requests;
                let r = core
                    .detail_pass(core.config.background_detail_budget, &budget)
                    .await;
                let t = core.ticket_details_pass(&budget, true).await;
                step(Phase::Details, since);
                deferred.absorb(r)?;
                deferred.absorb(t)?;
                since = core.client.stats().requests;
                let r = core.contacts_pass(&budget).await;
                step(Phase::Contacts, since);
                deferred.absorb(r)?;
                since = core.client.stats().requests;
                let r = core.events_pass(&budget).await;
                step(Phase::Events, since);
                deferred.absorb(r)?;
                since = core.client.stats().requests;
                let r = core.drain_outbox().await;
                step(Phase::Outbox, since);
                r?;
            }
            deferred.finish()?;
            Ok::<_, SyncError>(backfill.unwrap_or_default())
        }
    };
    tokio::pin!(work);
    let mut phases = Vec::new();
    let mut report = |p: Progress| {
        if let Some(spent) = p.spent {
            phases.push((p.phase, spent));
        }
        progress(p);
    };
    let backfill = loop {
        tokio::select! {
            r = &mut work => break r,
            Some(p) = prx.recv() => report(p),
        }
    };
    while let Ok(p) = prx.try_recv() {
        report(p);
    }
    let backfill = backfill?;
    let after = client.stats();
    let c = &core.counters;
    Ok(RunReport {
        backfill,
        backfill_pages: c.backfill_pages.load(Ordering::Relaxed),
        backfill_new: c.backfill_new.load(Ordering::Relaxed),
        changed: c.incremental_changed.load(Ordering::Relaxed),
        details: c.details.load(Ordering::Relaxed),
        contacts: c.contacts.load(Ordering::Relaxed),
        event_contacts: c.event_contacts.load(Ordering::Relaxed),
        sent: c.sent.load(Ordering::Relaxed),
        failed: c.failed.load(Ordering::Relaxed),
        requests: after.requests - before.requests,
        rate_limited: after.rate_limited - before.rate_limited,
        phases,
        work: budget.figures().1,
        elapsed: start.elapsed(),
    })
}

/// Sends the outbox and nothing else (`agentdesk reply`, `agentdesk close`): items left in
/// doubt are reconciled first, then pending ones are sent in order, as the engine does.
/// Returns how many were confirmed; what became of each item is in the store. The store is
/// closed at the end.
pub async fn send_outbox(
    client: intercom::Client,
    store: Store,
    config: EngineConfig,
) -> Result<u64, SyncError> {
    let core = Core::new(
        client,
        Db::new(store),
        config,
        None,
        None,
        CancellationToken::new(),
    );
    core.drain_outbox().await
}
