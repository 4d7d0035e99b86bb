//! The ticket backfill: as the conversations' (see `backfill.rs`), the workspace's tickets
//! are cut into `created_at` windows (an immutable key, so no ticket moves between pages
//! while it is walked), planned before the first page, and the windows are walked at once
//! through the client's shared governor. Each page is stored with its window's cursor in one
//! transaction, so a killed backfill resumes every window from its last stored page.
//!
//! Tickets are about a fifth as many as conversations, so the plan is simpler: a fixed
//! number of windows for the size the probe reports (one per [`PAGES_PER_WINDOW`] pages, at
//! most [`MAX_WINDOWS`]), never split while walked. With 20,000 tickets that is four
//! windows of 34 pages, which end before the conversations' twelve windows do.

use std::sync::Arc;

use agentdesk_store::tickets::Ticket;
use futures_util::future::join_all;
use intercom::{Op, Order, Query, SearchRequest};

use super::{ticket, BACKFILL_RESOURCE, DONE_KEY, HWM_KEY};
use crate::backfill::{split, Plan};
use crate::budget::Budget;
use crate::core::Core;
use crate::error::{Deferred, SyncError};
use crate::walk::Walk;

/// `sync_kv`: the plan while the backfill runs.
const PLAN_KEY: &str = "tickets.backfill_plan";
/// The endpoint the windows walk.
const ENDPOINT: &str = "POST /tickets/search";
/// Pages a window is planned to hold.
const PAGES_PER_WINDOW: u64 = 24;
/// Windows walked at once at most.
const MAX_WINDOWS: u64 = 4;

fn resource(w: (i64, i64)) -> String {
    format!("{BACKFILL_RESOURCE}:{}-{}", w.0, w.1)
}

fn search(w: (i64, i64)) -> SearchRequest {
    SearchRequest::new(Query::between("created_at", w.0, w.1)).sort("created_at", Order::Ascending)
}

impl Core {
    /// Runs (or resumes) the ticket backfill. When every window is done, the poll's
    /// high-water mark is the time the plan was made: the first poll (minus its overlap)
    /// catches what changed while it ran.
    pub(super) async fn backfill_tickets(
        self: &Arc<Self>,
        budget: &Budget,
    ) -> Result<(), SyncError> {
        let plan = match self.db.run(|s| s.sync_value(PLAN_KEY)).await? {
            Some(json) => match serde_json::from_str::<Plan>(&json) {
                Ok(plan) => plan,
                Err(_) => self.plan_tickets(budget).await?,
            },
            None => self.plan_tickets(budget).await?,
        };
        let mut pending = Vec::new();
        for &w in &plan.windows {
            let r = resource(w);
            let state = self.db.run(move |s| s.sync_state(&r)).await?;
            let done = state.is_some_and(|st| st.cursor.is_none() && st.last_success_at.is_some());
            if !done {
                pending.push(w);
            }
        }
        let walked = join_all(pending.into_iter().map(|w| self.ticket_window(budget, w))).await;
        let mut deferred = Deferred::default();
        for r in walked {
            deferred.absorb(r)?;
        }
        deferred.finish()?;
        let started = plan.started_at;
        self.db
            .run(move |s| {
                s.set_sync_value(HWM_KEY, &started.to_string())?;
                s.set_sync_value(DONE_KEY, "1")?;
                s.record_sync_success(BACKFILL_RESOURCE, None)
            })
            .await?;
        self.emit_counts(false).await
    }

    /// One cheap request (a page of one) for the total and the oldest ticket, then the
    /// windows from the oldest to now, stored before any page is fetched.
    async fn plan_tickets(&self, budget: &Budget) -> Result<Plan, SyncError> {
        let started_at = self.now();
        budget.found(1);
        budget.admit("page:tickets:probe")?;
        let probe = SearchRequest::new(Query::filter("created_at", Op::Gt, 0))
            .sort("created_at", Order::Ascending)
            .per_page(1);
        let page = self
            .tickets_client
            .search_tickets_page(&probe, None)
            .await
            .map_err(|e| SyncError::from_api(e, BACKFILL_RESOURCE))?;
        let total = page.total_count.unwrap_or(0).max(0) as u64;
        let oldest = page.items.first().and_then(|t| t.created_at);
        let pages = total.div_ceil(u64::from(self.client.per_page()).max(1));
        let n = pages.div_ceil(PAGES_PER_WINDOW).clamp(1, MAX_WINDOWS) as usize;
        let windows = match oldest {
            Some(oldest) if total > 0 => split(oldest, started_at.max(oldest), n),
            _ => Vec::new(),
        };
        let plan = Plan {
            started_at,
            total,
            windows,
        };
        let json = serde_json::to_string(&plan)
            .map_err(|e| SyncError::Internal(format!("the ticket backfill plan: {e}")))?;
        self.db
            .run(move |s| s.set_sync_value(PLAN_KEY, &json))
            .await?;
        Ok(plan)
    }

    /// Walks one window from its stored cursor, each page stored with the next cursor. A
    /// window whose cursors loop (`CursorStuck`) forgets its cursor, as the conversations'
    /// do: the next run walks it from its start instead of resuming into the same loop.
    async fn ticket_window(
        self: &Arc<Self>,
        budget: &Budget,
        w: (i64, i64),
    ) -> Result<(), SyncError> {
        let walked = self.walk_ticket_window(budget, w).await;
        if let Err(SyncError::CursorStuck { .. }) = &walked {
            let r = resource(w);
            self.db.run(move |s| s.forget_sync_state(&r)).await?;
        }
        walked
    }

    async fn walk_ticket_window(
        self: &Arc<Self>,
        budget: &Budget,
        w: (i64, i64),
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
            walk.admit(budget, cursor.as_deref())?;
            let page = self
                .tickets_client
                .search_tickets_page(&request, cursor.as_deref())
                .await
                .map_err(|e| SyncError::from_api(e, &res))?;
            walk.check(
                budget,
                cursor.as_deref(),
                page.next.as_deref(),
                page.items.iter().map(|t| t.id.as_str()),
                page.total_count,
            )?;
            let rows: Vec<Ticket> = page.items.iter().map(ticket).collect();
            let (r, next) = (res.clone(), page.next.clone());
            let cur = next.clone();
            let outcome = self
                .db
                .run(move |s| s.upsert_tickets_page(&rows, &r, cur.as_deref(), true))
                .await?;
            self.emit_tickets(outcome.changed_ids().map(str::to_owned).collect());
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        let r = res.clone();
        self.db.run(move |s| s.record_sync_success(&r, None)).await
    }
}
