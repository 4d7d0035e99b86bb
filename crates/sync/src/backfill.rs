//! The conversation backfill: the workspace is partitioned into `created_at` windows (an
//! immutable field, so no conversation moves between pages while it is walked), paged
//! concurrently through the client's shared governor, each page written with its cursor in
//! one transaction, so a crash resumes every window from its last stored page.
//!
//! The plan (start time, total, windows) is stored in `sync_kv` before any page is fetched.
//! A window whose first page reveals it is much bigger than average is split: its remainder
//! becomes new windows added to the plan *before* the parent is marked done, so a crash in
//! between only walks some range twice, never skips one. When every window is done, the
//! incremental high-water mark is set to the backfill's start time: the first poll (minus
//! its overlap) catches everything that changed while the backfill ran.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use intercom::{Op, Order, Query, SearchRequest};
use serde::{Deserialize, Serialize};

use agentdesk_store::PageOutcome;

use crate::budget::Budget;
use crate::core::{lock, Core, Counters};
use crate::error::{Deferred, SyncError};
use crate::events::Phase;
use crate::walk::Walk;

/// The endpoint the backfill walks.
const ENDPOINT: &str = "POST /conversations/search";

/// `sync_kv` key: the backfill plan while it runs.
pub(crate) const PLAN_KEY: &str = "backfill.plan";
/// `sync_kv` key: the start time of the completed backfill (absent until it completes).
pub(crate) const DONE_KEY: &str = "backfill.done_at";
/// `sync_kv` key: the incremental high-water mark (unix seconds of `updated_at`).
pub(crate) const HWM_KEY: &str = "conversations.high_water";

/// A backfill's plan, stored before its first page (the tickets' backfill keeps one too).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Plan {
    pub started_at: i64,
    pub total: u64,
    /// Inclusive `created_at` ranges.
    pub windows: Vec<(i64, i64)>,
}

fn resource(w: (i64, i64)) -> String {
    format!("backfill:{}-{}", w.0, w.1)
}

fn search(w: (i64, i64)) -> SearchRequest {
    SearchRequest::new(Query::between("created_at", w.0, w.1)).sort("created_at", Order::Ascending)
}

/// Splits `[from, to]` into `n` contiguous inclusive windows of (nearly) equal length.
pub(crate) fn split(from: i64, to: i64, n: usize) -> Vec<(i64, i64)> {
    let span = (to - from + 1).max(1);
    let n = (n as i64).clamp(1, span);
    let mut out = Vec::with_capacity(n as usize);
    let mut start = from;
    for i in 1..=n {
        let end = if i == n { to } else { from + span * i / n - 1 };
        if end >= start {
            out.push((start, end));
            start = end + 1;
        }
    }
    out
}

/// What a backfill did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackfillReport {
    /// It had completed before: nothing was fetched.
    pub already_done: bool,
    /// Windows resumed from a stored cursor.
    pub resumed_windows: u64,
    /// Conversations in the workspace (`total_count`).
    pub total: u64,
}

struct Shared {
    queue: Mutex<VecDeque<(i64, i64)>>,
    plan: tokio::sync::Mutex<Plan>,
    done: AtomicU64,
    /// Set by the first worker that meets an error that stops the cycle: the others stop at
    /// their next page.
    failed: std::sync::atomic::AtomicBool,
    /// The first error confined to one window (an unreadable page): that window keeps its
    /// cursor for the next run, the others go on.
    deferred: Mutex<Deferred>,
    avg_pages: f64,
    per_page: u64,
    budget: Arc<Budget>,
}

impl Core {
    /// Runs (or resumes) the backfill; a no-op once it has completed.
    pub(crate) async fn backfill(
        self: &Arc<Self>,
        budget: &Arc<Budget>,
    ) -> Result<BackfillReport, SyncError> {
        if self.db.run(|s| s.sync_value(DONE_KEY)).await?.is_some() {
            return Ok(BackfillReport {
                already_done: true,
                ..Default::default()
            });
        }
        let plan = match self.db.run(|s| s.sync_value(PLAN_KEY)).await? {
            Some(json) => match serde_json::from_str::<Plan>(&json) {
                Ok(plan) => plan,
                Err(_) => self.new_plan(budget).await?,
            },
            None => self.new_plan(budget).await?,
        };
        let mut queue = VecDeque::new();
        let mut resumed = 0;
        for &w in &plan.windows {
            let r = resource(w);
            let state = self.db.run(move |s| s.sync_state(&r)).await?;
            match state {
                Some(st) if st.cursor.is_none() && st.last_success_at.is_some() => {}
                Some(st) if st.cursor.is_some() => {
                    resumed += 1;
                    queue.push_back(w);
                }
                _ => queue.push_back(w),
            }
        }
        let stored = self.db.run(|s| s.conversation_count()).await?.max(0) as u64;
        let per_page = u64::from(self.client.per_page());
        let total_pages = plan.total.div_ceil(per_page.max(1)).max(1);
        let shared = Arc::new(Shared {
            queue: Mutex::new(queue),
            avg_pages: total_pages as f64 / plan.windows.len().max(1) as f64,
            plan: tokio::sync::Mutex::new(plan.clone()),
            done: AtomicU64::new(stored.min(plan.total)),
            failed: std::sync::atomic::AtomicBool::new(false),
            deferred: Mutex::new(Deferred::default()),
            per_page,
            budget: budget.clone(),
        });
        self.update_status(|s| s.backfill = Some((stored.min(plan.total), plan.total)));
        self.progress(Phase::Backfill, stored.min(plan.total), plan.total);
        let workers = self.config.partitions.max(1);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let core = self.clone();
            let shared = shared.clone();
            handles.push(tokio::spawn(
                async move { core.backfill_worker(&shared).await },
            ));
        }
        let mut first_err = None;
        for h in handles {
            let res = h
                .await
                .map_err(|e| SyncError::Internal(format!("a backfill worker failed: {e}")))
                .and_then(|r| r);
            if let Err(e) = res {
                if first_err.is_none() {
                    first_err = Some(e);
                }
            }
        }
        if let Some(e) = first_err {
            self.update_status(|s| s.backfill = None);
            return Err(e);
        }
        let deferred = std::mem::take(&mut *lock(&shared.deferred));
        if let Err(e) = deferred.finish() {
            // Every other window is stored; the one with the unreadable page resumes from its
            // cursor next time.
            self.update_status(|s| s.backfill = None);
            self.emit_counts(false).await?;
            return Err(e);
        }
        if shared.failed.load(Ordering::Relaxed) || !lock(&shared.queue).is_empty() {
            return Err(SyncError::Internal(
                "the backfill stopped before every window was done".into(),
            ));
        }
        let started_at = plan.started_at;
        self.db
            .run(move |s| {
                if s.sync_value(HWM_KEY)?.is_none() {
                    s.set_sync_value(HWM_KEY, &started_at.to_string())?;
                }
                s.set_sync_value(DONE_KEY, &started_at.to_string())
            })
            .await?;
        let done = shared.done.load(Ordering::Relaxed).max(plan.total);
        self.progress(Phase::Backfill, done, plan.total);
        self.update_status(|s| s.backfill = None);
        self.emit_counts(false).await?;
        Ok(BackfillReport {
            already_done: false,
            resumed_windows: resumed,
            total: plan.total,
        })
    }

    /// Finds the oldest conversation and the total with one cheap request, then plans
    /// `2 × partitions` equal windows from the oldest to now.
    async fn new_plan(&self, budget: &Budget) -> Result<Plan, SyncError> {
        let started_at = self.now();
        budget.found(1);
        budget.admit("page:backfill:probe")?;
        let probe = SearchRequest::new(Query::filter("created_at", Op::Gt, 0))
            .sort("created_at", Order::Ascending)
            .per_page(1);
        let page = self
            .client
            .search_conversations_page(&probe, None)
            .await
            .map_err(|e| SyncError::from_api(e, "backfill:probe"))?;
        let total = page.total_count.unwrap_or(0).max(0) as u64;
        let oldest = page.items.first().and_then(|c| c.created_at);
        let windows = match oldest {
            Some(oldest) if total > 0 => split(
                oldest,
                started_at.max(oldest),
                self.config.partitions.max(1) * 2,
            ),
            _ => Vec::new(),
        };
        let plan = Plan {
            started_at,
            total,
            windows,
        };
        let json = serde_json::to_string(&plan)
            .map_err(|e| SyncError::Internal(format!("the backfill plan: {e}")))?;
        self.db
            .run(move |s| s.set_sync_value(PLAN_KEY, &json))
            .await?;
        Ok(plan)
    }

    async fn backfill_worker(self: &Arc<Self>, shared: &Shared) -> Result<(), SyncError> {
        loop {
            self.check_cancel()?;
            let Some(w) = lock(&shared.queue).pop_front() else {
                return Ok(());
            };
            match self.backfill_window(shared, w).await {
                Ok(()) => {}
                Err(e) if e.stops_cycle() => {
                    shared.failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "backfill window left for the next run");
                    lock(&shared.deferred).keep(e);
                }
            }
        }
    }

    /// Walks one window page by page. The write of a page overlaps the fetch of the next
    /// (its cursor is known as soon as the page arrives); at most one write per window is in
    /// flight, and the writer's queue is first in, first out, so a window's cursors are
    /// committed in order and a crash resumes from the last page actually stored.
    async fn backfill_window(
        self: &Arc<Self>,
        shared: &Shared,
        w: (i64, i64),
    ) -> Result<(), SyncError> {
        let mut in_flight: Option<tokio::task::JoinHandle<Result<PageOutcome, SyncError>>> = None;
        let walked = self.walk_window(shared, w, &mut in_flight).await;
        // Whatever stopped the walk, the page already fetched is stored and counted.
        let stored = match in_flight.take() {
            Some(write) => self.page_stored(shared, write).await,
            None => Ok(()),
        };
        if let (Err(SyncError::CursorStuck { .. }), Ok(())) = (&walked, &stored) {
            // Its cursors looped: the next run walks this window from its start, not from one
            // of them. The pages stored stay.
            let r = resource(w);
            self.db.run(move |s| s.forget_sync_state(&r)).await?;
        }
        walked.and(stored)
    }

    async fn walk_window(
        self: &Arc<Self>,
        shared: &Shared,
        w: (i64, i64),
        in_flight: &mut Option<tokio::task::JoinHandle<Result<PageOutcome, SyncError>>>,
    ) -> Result<(), SyncError> {
        let res = resource(w);
        let r = res.clone();
        let mut cursor = self
            .db
            .run(move |s| s.sync_state(&r))
            .await?
            .and_then(|s| s.cursor);
        let request = search(w);
        let mut walk = Walk::new(res.clone(), ENDPOINT, self.client.per_page());
        loop {
            self.check_cancel()?;
            if shared.failed.load(Ordering::Relaxed) {
                // Another window failed: stop here; this one resumes from its cursor.
                return Ok(());
            }
            let fresh = cursor.is_none();
            walk.admit(&shared.budget, cursor.as_deref())?;
            let page = self
                .client
                .search_conversations_page(&request, cursor.as_deref())
                .await
                .map_err(|e| SyncError::from_api(e, &res))?;
            walk.check(
                &shared.budget,
                cursor.as_deref(),
                page.next.as_deref(),
                page.items.iter().map(|c| c.id.as_str()),
                page.total_count,
            )?;
            let rows: Vec<_> = page
                .items
                .iter()
                .map(crate::convert::conversation)
                .collect();
            // The previous page's write finishes before this one is queued.
            if let Some(write) = in_flight.take() {
                self.page_stored(shared, write).await?;
            }
            let last_created = page.items.last().and_then(|c| c.created_at);
            let mut next = page.next.clone();
            // A window far bigger than average: split its remainder into new windows,
            // recorded in the plan before this one is marked done.
            if fresh && next.is_some() {
                let pages = page.total_count.unwrap_or(0).max(0) as u64;
                let pages = pages.div_ceil(shared.per_page.max(1));
                if let Some(t) = last_created.filter(|&t| t < w.1) {
                    if pages as f64 > 2.0 * shared.avg_pages.max(1.0) {
                        let n = (pages as f64 / shared.avg_pages.max(1.0)).ceil() as usize;
                        let children = split(t, w.1, n.max(2));
                        let mut plan = shared.plan.lock().await;
                        for c in &children {
                            if !plan.windows.contains(c) {
                                plan.windows.push(*c);
                            }
                        }
                        let json = serde_json::to_string(&*plan)
                            .map_err(|e| SyncError::Internal(format!("the backfill plan: {e}")))?;
                        drop(plan);
                        self.db
                            .run(move |s| s.set_sync_value(PLAN_KEY, &json))
                            .await?;
                        lock(&shared.queue).extend(children);
                        next = None;
                    }
                }
            }
            // First sync: the page, its cursor and the read marks seeded from Intercom's
            // `read` flag in one transaction (shared with pages of other windows that wait
            // for the writer at the same time).
            tracing::debug!(resource = %res, rows = rows.len(), "backfill page queued");
            let db = self.db.clone();
            let (r, cur) = (res.clone(), next.clone());
            *in_flight = Some(tokio::spawn(async move {
                db.write_first_sync_page(rows, r, cur).await
            }));
            match next {
                Some(n) => cursor = Some(n),
                None => return Ok(()),
            }
        }
    }

    /// Accounts for a stored page: counters, progress, and the events of what changed.
    async fn page_stored(
        self: &Arc<Self>,
        shared: &Shared,
        write: tokio::task::JoinHandle<Result<PageOutcome, SyncError>>,
    ) -> Result<(), SyncError> {
        let outcome = write
            .await
            .map_err(|e| SyncError::Internal(format!("a backfill page write failed: {e}")))??;
        Counters::add(&self.counters.backfill_pages, 1);
        Counters::add(&self.counters.backfill_new, outcome.new_ids.len() as u64);
        let done = shared
            .done
            .fetch_add(outcome.new_ids.len() as u64, Ordering::Relaxed)
            + outcome.new_ids.len() as u64;
        let total = shared.plan.lock().await.total;
        self.update_status(|s| s.backfill = Some((done.min(total), total)));
        self.progress(Phase::Backfill, done.min(total), total);
        let changed: Vec<String> = outcome.changed_ids().map(str::to_owned).collect();
        if !changed.is_empty() {
            self.emit(crate::events::SyncEvent::ConversationsChanged(changed));
            self.emit_counts(true).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn split_covers_the_range_without_gaps_or_overlap() {
        for (from, to, n) in [(0, 99, 7), (10, 10, 4), (5, 8, 10), (-3, 1_000_003, 16)] {
            let w = split(from, to, n);
            assert_eq!(
                w.first().map(|w| w.0),
                Some(from),
                "the first window starts at the range start"
            );
            assert_eq!(
                w.last().map(|w| w.1),
                Some(to),
                "the last window ends at the range end"
            );
            for pair in w.windows(2) {
                assert_eq!(
                    pair[0].1 + 1,
                    pair[1].0,
                    "windows are contiguous and disjoint"
                );
            }
            assert!(w.len() <= n.max(1), "never more windows than asked");
        }
    }
}
