//! The sync state shared by the engine's tasks and `run_once`: the client, the store, the
//! configuration, the status channel and the event sink, plus the bookkeeping that spans
//! steps (last counts emitted, contacts known gone, parts already announced).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use agentdesk_store::{View, ViewCount};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::EngineConfig;
use crate::db::Db;
use crate::error::SyncError;
use crate::events::{Phase, SyncEvent, SyncStatus};

/// Counters reported by `run_once` and the benchmark.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub backfill_pages: AtomicU64,
    pub backfill_new: AtomicU64,
    pub incremental_changed: AtomicU64,
    pub details: AtomicU64,
    pub contacts: AtomicU64,
    pub event_contacts: AtomicU64,
    pub sent: AtomicU64,
    pub failed: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// Everything a sync step needs.
pub(crate) struct Core {
    pub client: intercom::Client,
    /// The ticket passes' handle on `client`: they run beside the conversations' backfill,
    /// and `run_once` reports their requests apart with `tickets_requests`.
    pub tickets_client: intercom::Client,
    pub tickets_requests: intercom::RequestCount,
    pub db: Db,
    pub config: EngineConfig,
    pub cancel: CancellationToken,
    /// Unix seconds when this engine started: older contact parts are never announced.
    pub started_at: i64,
    pub counters: Counters,
    events: Option<mpsc::UnboundedSender<SyncEvent>>,
    /// `(phase, done, total)` progress for `run_once`'s callback.
    progress: Option<mpsc::UnboundedSender<crate::events::Progress>>,
    status: watch::Sender<SyncStatus>,
    last_counts: Mutex<Option<Vec<ViewCount>>>,
    last_counts_at: Mutex<Option<Instant>>,
    pub team_ids: Mutex<Vec<String>>,
    /// Serialises outbox drains: items are sent in order, by one sender.
    pub outbox_lock: tokio::sync::Mutex<()>,
    /// Contacts Intercom answered 404/410 for (merged or deleted): not asked again.
    pub gone_contacts: Mutex<HashSet<String>>,
    /// Contacts whose events were fetched in this session.
    pub events_fetched: Mutex<HashSet<String>>,
    /// Conversations whose details were fetched in this session.
    pub details_fetched: Mutex<HashSet<String>>,
    /// When (our clock, unix seconds) each conversation was last read or written in full.
    /// Timestamps are seconds: a change in that same second leaves `updated_at` equal, so
    /// the poll refetches a conversation whose `updated_at` is not older than this.
    pub touched: Mutex<std::collections::HashMap<String, i64>>,
    /// Contact parts already announced in `NewContactMessages`.
    pub announced: Mutex<HashSet<String>>,
    /// Where the background detail scan continues: (view index, cursor).
    pub background_scan: Mutex<(usize, Option<agentdesk_store::PageCursor>)>,
    /// Intercom refused tickets (403) in this run: ticket sync is skipped until a restart.
    pub tickets_forbidden: AtomicBool,
    /// Ticket types and states were fetched in this run.
    pub ticket_meta_fetched: AtomicBool,
    /// The last `(done, total)` reported per phase, repeated by [`Core::phase_spent`].
    last_progress: Mutex<std::collections::HashMap<Phase, (u64, u64)>>,
}

pub(crate) use crate::mutex::lock;

impl Core {
    pub(crate) fn new(
        client: intercom::Client,
        db: Db,
        config: EngineConfig,
        events: Option<mpsc::UnboundedSender<SyncEvent>>,
        progress: Option<mpsc::UnboundedSender<crate::events::Progress>>,
        cancel: CancellationToken,
    ) -> Arc<Self> {
        let started_at = config.clock.now();
        let (status, _) = watch::channel(SyncStatus::default());
        let (tickets_client, tickets_requests) = client.counted();
        Arc::new(Self {
            client,
            tickets_client,
            tickets_requests,
            db,
            config,
            cancel,
            started_at,
            counters: Counters::default(),
            events,
            progress,
            status,
            last_counts: Mutex::new(None),
            last_counts_at: Mutex::new(None),
            team_ids: Mutex::new(Vec::new()),
            outbox_lock: tokio::sync::Mutex::new(()),
            gone_contacts: Mutex::new(HashSet::new()),
            events_fetched: Mutex::new(HashSet::new()),
            details_fetched: Mutex::new(HashSet::new()),
            announced: Mutex::new(HashSet::new()),
            touched: Mutex::new(std::collections::HashMap::new()),
            background_scan: Mutex::new((0, None)),
            last_progress: Mutex::new(std::collections::HashMap::new()),
            tickets_forbidden: AtomicBool::new(false),
            ticket_meta_fetched: AtomicBool::new(false),
        })
    }

    pub(crate) fn now(&self) -> i64 {
        self.config.clock.now()
    }

    /// Records that `ids` were fetched or written now (see `touched`), forgetting old entries.
    pub(crate) fn touch<'a>(&self, ids: impl IntoIterator<Item = &'a str>) {
        let now = self.now();
        let horizon = now - 2 * self.config.overlap_secs.max(1);
        let mut t = lock(&self.touched);
        if t.len() > 10_000 {
            t.retain(|_, at| *at >= horizon);
        }
        for id in ids {
            t.insert(id.to_owned(), now);
        }
    }

    pub(crate) fn emit(&self, event: SyncEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    pub(crate) fn progress(&self, phase: Phase, done: u64, total: u64) {
        if phase == Phase::Backfill {
            self.emit(SyncEvent::Progress { done, total });
        }
        lock(&self.last_progress).insert(phase, (done, total));
        if let Some(tx) = &self.progress {
            let _ = tx.send(crate::events::Progress {
                phase,
                done,
                total,
                spent: None,
            });
        }
    }

    /// Reports that `phase` ended having sent `spent` requests (`run_once`'s callback only).
    /// It repeats the phase's last progress, so a consumer of `done`/`total` sees no change.
    pub(crate) fn phase_spent(&self, phase: Phase, spent: u64) {
        let (done, total) = lock(&self.last_progress)
            .get(&phase)
            .copied()
            .unwrap_or_default();
        if let Some(tx) = &self.progress {
            let _ = tx.send(crate::events::Progress {
                phase,
                done,
                total,
                spent: Some(spent),
            });
        }
    }

    pub(crate) fn subscribe_status(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// Changes the status; emits `Status` only when it really changed.
    pub(crate) fn update_status(&self, f: impl FnOnce(&mut SyncStatus)) {
        let mut changed = None;
        self.status.send_if_modified(|s| {
            let before = s.clone();
            f(s);
            if *s != before {
                changed = Some(s.clone());
                true
            } else {
                false
            }
        });
        if let Some(s) = changed {
            self.emit(SyncEvent::Status(s));
        }
    }

    pub(crate) fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Fails with `Stopped` once the engine is cancelled (checked between pages).
    pub(crate) fn check_cancel(&self) -> Result<(), SyncError> {
        if self.cancel.is_cancelled() {
            Err(SyncError::Stopped)
        } else {
            Ok(())
        }
    }

    /// Recomputes the view counts and emits them if they differ from the last emitted.
    /// With `throttle`, skips when counts were computed less than 250 ms ago.
    pub(crate) async fn emit_counts(&self, throttle: bool) -> Result<(), SyncError> {
        if self.events.is_none() {
            return Ok(());
        }
        if throttle {
            let last = *lock(&self.last_counts_at);
            if last.is_some_and(|t| t.elapsed().as_millis() < 250) {
                return Ok(());
            }
        }
        *lock(&self.last_counts_at) = Some(Instant::now());
        let admin = self.config.acting_admin_id.clone();
        let teams = lock(&self.team_ids).clone();
        let counts = self.db.run(move |s| s.view_counts(&admin, &teams)).await?;
        let mut last = lock(&self.last_counts);
        if last.as_ref() != Some(&counts) {
            *last = Some(counts.clone());
            drop(last);
            self.emit(SyncEvent::CountsChanged(counts));
        }
        Ok(())
    }

    pub(crate) async fn emit_outbox(&self) -> Result<(), SyncError> {
        if self.events.is_none() {
            return Ok(());
        }
        let summary = self.db.run(|s| s.outbox_summary()).await?;
        self.emit(SyncEvent::OutboxChanged(summary));
        Ok(())
    }

    /// Announces contact parts that arrived since the engine started and were never
    /// notified (only after incremental polls, never for the initial backfill).
    pub(crate) async fn announce_new_messages(&self) -> Result<(), SyncError> {
        if self.events.is_none() {
            return Ok(());
        }
        let since = self.started_at;
        let admin = self.config.acting_admin_id.clone();
        let candidates = self
            .db
            .run(move |s| {
                s.unnotified_contact_parts_since(
                    since,
                    &[View::AllOpen, View::Snoozed, View::Closed],
                    &admin,
                )
            })
            .await?;
        let mut announced = lock(&self.announced);
        let fresh: Vec<_> = candidates
            .into_iter()
            .filter(|c| announced.insert(c.part_id.clone()))
            .collect();
        drop(announced);
        if !fresh.is_empty() {
            self.emit(SyncEvent::NewContactMessages(fresh));
        }
        Ok(())
    }

    /// Refreshes admins and teams (two requests) and the acting admin's teams.
    pub(crate) async fn refresh_directory(
        &self,
        budget: &crate::budget::Budget,
    ) -> Result<(), SyncError> {
        budget.admit_record("directory:admins")?;
        let admins = self
            .client
            .list_admins()
            .await
            .map_err(|e| SyncError::from_api(e, "admins"))?;
        budget.admit_record("directory:teams")?;
        let teams = self
            .client
            .list_teams()
            .await
            .map_err(|e| SyncError::from_api(e, "teams"))?;
        let admins: Vec<_> = admins.iter().map(crate::convert::admin).collect();
        let teams: Vec<_> = teams.iter().map(crate::convert::team).collect();
        // Tags and attribute definitions name and type what conversations carry; a token
        // without their permission still syncs conversations (chips then show the names the
        // conversations bring, and attributes are edited as text).
        budget.admit_record("directory:tags")?;
        let tags = optional(self.client.list_tags().await, "tags")?;
        budget.admit_record("directory:attributes")?;
        let attributes = optional(
            self.client.list_conversation_attributes().await,
            "conversation attributes",
        )?;
        let tags: Option<Vec<_>> =
            tags.map(|t| t.iter().filter_map(crate::convert::workspace_tag).collect());
        let attributes: Option<Vec<_>> = attributes.map(|a| {
            a.iter()
                .filter(|a| a.is_editable_conversation_attribute())
                .map(crate::convert::attribute_def)
                .collect()
        });
        let admin = self.config.acting_admin_id.clone();
        let team_ids = self
            .db
            .run(move |s| {
                s.replace_admins(&admins)?;
                s.replace_teams(&teams)?;
                if let Some(tags) = tags {
                    s.replace_tags(&tags)?;
                }
                if let Some(attributes) = attributes {
                    s.replace_conversation_attributes(&attributes)?;
                }
                s.team_ids_of(&admin)
            })
            .await?;
        *lock(&self.team_ids) = team_ids;
        Ok(())
    }
}

/// A directory list the sync can do without: `None` (with a warning naming the permission)
/// when the token may not read it, the error otherwise.
fn optional<T>(
    answer: Result<Vec<T>, intercom::ApiError>,
    what: &str,
) -> Result<Option<Vec<T>>, SyncError> {
    match answer {
        Ok(list) => Ok(Some(list)),
        Err(e) if matches!(e.kind(), intercom::ErrorKind::Forbidden { .. }) => {
            tracing::warn!(what, error = %e, "the token may not read this list; syncing without it");
            Ok(None)
        }
        Err(e) => Err(SyncError::from_api(e, what)),
    }
}
