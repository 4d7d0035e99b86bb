//! The incremental poll: `updated_at >= high_water - overlap`, sorted ascending, upserted
//! page by page (a row whose `updated_at` did not move is left alone), then the high-water
//! mark advances to the newest `updated_at` seen. An idle poll is one request.
//!
//! Conversations that are new or whose `updated_at` moved are recorded in the
//! `details.pending` key *before* their page is written, so a crash between the two never
//! loses a refetch; the detail pass removes them once their parts are stored.

use std::collections::BTreeSet;
use std::sync::Arc;

use intercom::{Order, Query, SearchRequest};

use crate::backfill::HWM_KEY;
use crate::budget::Budget;
use crate::core::{lock, Core, Counters};
use crate::error::SyncError;
use crate::events::{Phase, SyncEvent};
use crate::walk::Walk;

/// `sync_kv` key: ids whose details must be (re)fetched, as a JSON array.
pub(crate) const PENDING_KEY: &str = "details.pending";
/// The poll's sync-state resource: its `last_success_at` is when the cache was last brought
/// up to date with Intercom.
pub(crate) const RESOURCE: &str = "incremental";

pub(crate) fn read_pending(
    s: &agentdesk_store::Store,
) -> agentdesk_store::Result<BTreeSet<String>> {
    Ok(s.sync_value(PENDING_KEY)?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

pub(crate) fn write_pending(
    s: &mut agentdesk_store::Store,
    ids: &BTreeSet<String>,
) -> agentdesk_store::Result<()> {
    let json = serde_json::to_string(ids).map_err(agentdesk_store::StoreError::Json)?;
    s.set_sync_value(PENDING_KEY, &json)
}

impl Core {
    /// One incremental poll. Returns the ids that changed.
    pub(crate) async fn incremental(
        self: &Arc<Self>,
        budget: &Budget,
    ) -> Result<Vec<String>, SyncError> {
        let hwm = self
            .db
            .run(|s| s.sync_value(HWM_KEY))
            .await?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        let since = (hwm - self.config.overlap_secs.max(0)).max(0);
        let request =
            SearchRequest::new(Query::updated_since(since)).sort("updated_at", Order::Ascending);
        let mut cursor: Option<String> = None;
        let mut max_seen = hwm;
        let mut changed_all = Vec::new();
        let mut walk = Walk::new(
            RESOURCE,
            "POST /conversations/search",
            self.client.per_page(),
        );
        loop {
            self.check_cancel()?;
            walk.admit(budget, cursor.as_deref())?;
            let page = self
                .client
                .search_conversations_page(&request, cursor.as_deref())
                .await
                .map_err(|e| SyncError::from_api(e, RESOURCE))?;
            // A poll that does not advance ends here; its pages so far are stored and the
            // high-water mark stays, so the next poll walks it afresh.
            walk.check(
                budget,
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
            max_seen = rows.iter().map(|c| c.updated_at).fold(max_seen, i64::max);
            let next = page.next.clone();
            let cur = next.clone();
            let touched: Vec<(String, i64)> = {
                let t = lock(&self.touched);
                rows.iter()
                    .filter_map(|c| t.get(&c.id).map(|at| (c.id.clone(), *at)))
                    .collect()
            };
            let outcome = self
                .db
                .run(move |s| {
                    let mut pending = read_pending(s)?;
                    let before = pending.len();
                    for c in &rows {
                        let same_second = touched
                            .iter()
                            .any(|(id, at)| *id == c.id && c.updated_at >= *at);
                        if same_second
                            || s.conversation_updated_at(&c.id)?
                                .is_none_or(|u| u < c.updated_at)
                        {
                            pending.insert(c.id.clone());
                        }
                    }
                    if pending.len() != before {
                        write_pending(s, &pending)?;
                    }
                    s.upsert_conversations_page(&rows, RESOURCE, cur.as_deref())
                })
                .await?;
            let changed: Vec<String> = outcome.changed_ids().map(str::to_owned).collect();
            if !changed.is_empty() {
                Counters::add(&self.counters.incremental_changed, changed.len() as u64);
                self.emit(SyncEvent::ConversationsChanged(changed.clone()));
                changed_all.extend(changed);
            }
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        if max_seen > hwm {
            self.db
                .run(move |s| s.set_sync_value(HWM_KEY, &max_seen.to_string()))
                .await?;
        }
        self.progress(Phase::Incremental, changed_all.len() as u64, 0);
        self.emit_counts(false).await?;
        Ok(changed_all)
    }
}
