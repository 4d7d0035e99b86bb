//! `run_once` for the headless CLI (`agentdesk sync --once [--metadata-only]`): backfill
//! (resuming from stored cursors), then one incremental poll, details by priority, contacts
//! and events, and an outbox drain, reporting progress through a callback.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use agentdesk_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backfill::BackfillReport;
use crate::config::EngineConfig;
use crate::core::Core;
use crate::db::Db;
use crate::error::{Deferred, SyncError};
use crate::events::Progress;

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
    let work = {
        let core = core.clone();
        async move {
            core.refresh_directory().await?;
            // As the engine's cycle: an error confined to one page or item is reported at
            // the end, after everything else was done (see `SyncError::stops_cycle`).
            let mut deferred = Deferred::default();
            let backfill = deferred.absorb(core.backfill().await)?;
            if !core.config.metadata_only {
                if backfill.is_some() {
                    deferred.absorb(core.incremental().await)?;
                }
                deferred.absorb(core.detail_pass(core.config.background_detail_budget).await)?;
                deferred.absorb(core.contacts_pass().await)?;
                deferred.absorb(core.events_pass().await)?;
                core.drain_outbox().await?;
            }
            deferred.finish()?;
            Ok::<_, SyncError>(backfill.unwrap_or_default())
        }
    };
    tokio::pin!(work);
    let backfill = loop {
        tokio::select! {
            r = &mut work => break r,
            Some(p) = prx.recv() => progress(p),
        }
    };
    while let Ok(p) = prx.try_recv() {
        progress(p);
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
        elapsed: start.elapsed(),
    })
}
