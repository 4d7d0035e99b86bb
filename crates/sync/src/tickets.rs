//! Tickets (issue 14): a listing pass per cycle, run beside the conversations' backfill (on
//! its own counted client handle, so `run_once` reports its requests apart), and a details
//! pass after the conversations' priority details.
//!
//! 1. **Types and states**, once per engine run (and per `run_once`): `GET /ticket_types`
//!    and `GET /ticket_states`.
//! 2. **Backfill** until it completes once: `POST /tickets/search` in a few `created_at`
//!    windows walked at once, each sorted by `created_at` ascending (a key that never
//!    changes, so the stateless cursor stays valid while tickets are updated), each page
//!    stored with its window's cursor in one transaction, so a killed backfill resumes
//!    after its last page (see `tickets/backfill.rs`). Read marks are seeded for the tickets
//!    it stores first (see the store's unread model). When it ends, the high-water mark is
//!    the time it started.
//! 3. **Poll**: `updated_at > high_water - overlap`, ascending; the mark advances to the
//!    newest `updated_at` seen.
//! 4. **Details** (`GET /tickets/{id}`, parts included) of tickets whose parts are older
//!    than their metadata, open ones first; a 404 removes the ticket and fails its waiting
//!    outbox items with a reason.
//!
//! Every listing is a [`Walk`] and every request is admitted by the pass's [`Budget`]. A 403
//! (the app lacks the tickets permission) ends ticket sync for this engine run with one
//! [`SyncError::TicketsForbidden`] naming the permission; conversations go on.

mod backfill;
pub(crate) mod outbox;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use agentdesk_store::tickets::{Ticket, TicketPart, TicketType};
use agentdesk_store::{Tag, TicketAttributeDef, TicketStateDef};
use intercom::{ErrorKind, Order, Query, SearchRequest};
use serde_json::Value;

use crate::budget::Budget;
use crate::core::Core;
use crate::error::SyncError;
use crate::events::SyncEvent;
use crate::walk::Walk;

/// The backfill's sync-state resource (its cursor is the next page's).
pub(crate) const BACKFILL_RESOURCE: &str = "tickets:backfill";
/// The poll's sync-state resource.
pub(crate) const POLL_RESOURCE: &str = "tickets:poll";
/// `sync_kv`: set once the backfill has completed.
const DONE_KEY: &str = "tickets.backfill_done";
/// `sync_kv`: the newest `updated_at` the poll has seen.
const HWM_KEY: &str = "tickets.high_water";
/// Ticket details fetched per pass at most (the rest next cycle).
const DETAILS_PER_PASS: usize = 200;

/// A listed or retrieved ticket as the store keeps it.
pub(crate) fn ticket(t: &intercom::models::Ticket) -> Ticket {
    let state = t
        .ticket_state
        .as_ref()
        .and_then(|s| s.category.as_ref())
        .map_or_else(|| "submitted".to_owned(), |c| c.as_str().to_owned());
    let description = t
        .ticket_attributes
        .get("_default_description_")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let tags = t
        .tags
        .iter()
        .flat_map(|l| l.tags.iter())
        .map(|x| Tag {
            id: x.id.clone(),
            name: x.name.clone().unwrap_or_default(),
        })
        .collect();
    let created_at = t.created_at.unwrap_or(0);
    Ticket {
        id: t.id.clone(),
        number: t.ticket_id.clone(),
        title: t.title().map(str::to_owned),
        description,
        ticket_type_id: t.ticket_type.as_ref().map(|x| x.id.clone()),
        ticket_type_name: t.ticket_type.as_ref().and_then(|x| x.name.clone()),
        open: t.open.unwrap_or(state != "resolved"),
        state,
        state_id: t.ticket_state.as_ref().map(|s| s.id.clone()),
        admin_assignee_id: t.admin_assignee_id.clone(),
        team_assignee_id: t.team_assignee_id.clone(),
        contact_id: t.contact_id().map(str::to_owned),
        attributes: t.ticket_attributes.clone(),
        tags,
        created_at,
        updated_at: t.updated_at.unwrap_or(created_at),
        raw: None,
    }
}

/// A ticket part as the store keeps it.
pub(crate) fn part(p: &intercom::models::TicketPart) -> TicketPart {
    let author = p.author.as_ref();
    TicketPart {
        id: p.id.clone(),
        part_type: p.part_type.clone().unwrap_or_else(|| "comment".into()),
        body_html: p.body.clone(),
        body_text: None,
        author_type: author
            .and_then(|a| a.kind.as_ref())
            .map(|k| k.as_str().to_owned()),
        author_id: author.and_then(|a| a.id.clone()),
        author_name: author.and_then(|a| a.name.clone()),
        created_at: p.created_at.unwrap_or(0),
        previous_state: p
            .previous_ticket_state
            .as_ref()
            .map(|s| s.as_str().to_owned()),
        state: p.ticket_state.as_ref().map(|s| s.as_str().to_owned()),
        outbox_id: None,
    }
}

/// A ticket type as the store keeps it (`decimal` stored as `float`).
pub(crate) fn ticket_type(t: &intercom::models::TicketType) -> TicketType {
    let attributes = t
        .attributes()
        .iter()
        .enumerate()
        .map(|(i, a)| TicketAttributeDef {
            id: a.id.clone(),
            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            // Intercom shows a ticket attribute by its name; its description is help text
            // for whoever fills the form in ("Amount of the ticket"), not a label.
            label: None,
            data_type: match a.data_type.as_deref() {
                Some("decimal") => "float".to_owned(),
                Some(other) => other.to_owned(),
                None => "string".to_owned(),
            },
            required: a.required_to_create.unwrap_or(false),
            is_default: a.default.unwrap_or(false),
            options: a.options(),
            position: a.order.unwrap_or(i as i64),
            archived: a.archived.unwrap_or(false),
        })
        .collect();
    TicketType {
        id: t.id.clone(),
        name: t.name.clone().unwrap_or_else(|| t.id.clone()),
        description: t.description.clone(),
        icon: t.icon.clone(),
        category: t.category.clone(),
        archived: t.archived.unwrap_or(false),
        attributes,
    }
}

impl Core {
    /// The listing half of the ticket pass (types and states, then the backfill or the
    /// poll; see the module docs). It runs beside the conversations' backfill, so "a usable
    /// inbox" never waits for tickets. Does nothing once tickets were found forbidden.
    pub(crate) async fn tickets_pass(self: &Arc<Self>, budget: &Budget) -> Result<(), SyncError> {
        self.forbidden_once(async {
            if !self.ticket_meta_fetched.load(Ordering::Relaxed) {
                self.fetch_ticket_meta(budget).await?;
                self.ticket_meta_fetched.store(true, Ordering::Relaxed);
            }
            if self.db.run(|s| s.sync_value(DONE_KEY)).await?.is_some() {
                self.poll_tickets(budget).await
            } else {
                self.backfill_tickets(budget).await
            }
        })
        .await
    }

    /// The details half: parts of tickets whose parts are older than their metadata (not in
    /// metadata-only runs), [`DETAILS_PER_PASS`] of them, or with `all` every one
    /// (`run_once`, "one complete pass": a cache it leaves needs no catching up).
    pub(crate) async fn ticket_details_pass(
        self: &Arc<Self>,
        budget: &Budget,
        all: bool,
    ) -> Result<(), SyncError> {
        self.forbidden_once(async {
            let mut asked = std::collections::HashSet::new();
            loop {
                let admin = self.config.acting_admin_id.clone();
                let ids = self
                    .db
                    .run(move |s| s.tickets_needing_details(&admin, DETAILS_PER_PASS))
                    .await?;
                // Only tickets not asked for in this pass: one whose answer still leaves it
                // wanted (a change in the second of the fetch) waits for the next pass, so
                // this loop ends whatever Intercom answers.
                let fresh: Vec<String> = ids
                    .into_iter()
                    .filter(|id| asked.insert(id.clone()))
                    .collect();
                if fresh.is_empty() {
                    return Ok(());
                }
                self.fetch_tickets(fresh, budget).await?;
                if !all {
                    return Ok(());
                }
            }
        })
        .await
    }

    /// Runs `pass` unless tickets were found forbidden in this run; a 403 is reported once
    /// and ends ticket sync until the engine restarts (a new token or permission restarts
    /// it), conversations go on.
    async fn forbidden_once(
        &self,
        pass: impl std::future::Future<Output = Result<(), SyncError>>,
    ) -> Result<(), SyncError> {
        if self.tickets_forbidden.load(Ordering::Relaxed) {
            return Ok(());
        }
        match pass.await {
            Err(SyncError::Api(e)) if matches!(e.kind(), ErrorKind::Forbidden { .. }) => {
                if self.tickets_forbidden.swap(true, Ordering::Relaxed) {
                    return Ok(());
                }
                let err = SyncError::TicketsForbidden(e);
                let message = err.to_string();
                self.db
                    .run(move |s| s.record_sync_error(BACKFILL_RESOURCE, &message))
                    .await?;
                tracing::warn!(error = %err, "tickets are not synced");
                Err(err)
            }
            other => other,
        }
    }

    async fn fetch_ticket_meta(&self, budget: &Budget) -> Result<(), SyncError> {
        budget.admit_record("ticket_types")?;
        let types = self
            .tickets_client
            .list_ticket_types()
            .await
            .map_err(|e| SyncError::from_api(e, "ticket_types"))?;
        budget.admit_record("ticket_states")?;
        let states = self
            .tickets_client
            .list_ticket_states()
            .await
            .map_err(|e| SyncError::from_api(e, "ticket_states"))?;
        let types: Vec<TicketType> = types.iter().map(ticket_type).collect();
        let states: Vec<TicketStateDef> = states
            .iter()
            .map(|s| TicketStateDef {
                id: s.id.clone(),
                category: s
                    .category
                    .as_ref()
                    .map_or_else(|| "submitted".to_owned(), |c| c.as_str().to_owned()),
                internal_label: s.internal_label.clone(),
                external_label: s.external_label.clone(),
                archived: s.archived.unwrap_or(false),
            })
            .collect();
        self.db
            .run(move |s| {
                s.upsert_ticket_types(&types)?;
                s.upsert_ticket_states(&states)
            })
            .await
    }

    async fn poll_tickets(self: &Arc<Self>, budget: &Budget) -> Result<(), SyncError> {
        let hwm = self
            .db
            .run(|s| s.sync_value(HWM_KEY))
            .await?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        let since = (hwm - self.config.overlap_secs.max(0)).max(0);
        let request =
            SearchRequest::new(Query::updated_since(since)).sort("updated_at", Order::Ascending);
        let mut walk = Walk::new(
            POLL_RESOURCE,
            "POST /tickets/search",
            self.client.per_page(),
        );
        let mut cursor: Option<String> = None;
        let mut max_seen = hwm;
        loop {
            self.check_cancel()?;
            walk.admit(budget, cursor.as_deref())?;
            let page = self
                .tickets_client
                .search_tickets_page(&request, cursor.as_deref())
                .await
                .map_err(|e| SyncError::from_api(e, POLL_RESOURCE))?;
            walk.check(
                budget,
                cursor.as_deref(),
                page.next.as_deref(),
                page.items.iter().map(|t| t.id.as_str()),
                page.total_count,
            )?;
            let rows: Vec<Ticket> = page.items.iter().map(ticket).collect();
            max_seen = rows.iter().map(|t| t.updated_at).fold(max_seen, i64::max);
            let next = page.next.clone();
            let cur = next.clone();
            let outcome = self
                .db
                .run(move |s| s.upsert_tickets_page(&rows, POLL_RESOURCE, cur.as_deref(), false))
                .await?;
            self.emit_tickets(outcome.changed_ids().map(str::to_owned).collect());
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
        self.emit_counts(false).await
    }

    /// Fetches one ticket's parts now (the agent opened it), whatever the pass did.
    pub(crate) async fn open_ticket(self: &Arc<Self>, id: &str) -> Result<(), SyncError> {
        if self.tickets_forbidden.load(Ordering::Relaxed) {
            return Ok(());
        }
        let budget = Budget::default();
        self.fetch_tickets(vec![id.to_owned()], &budget).await
    }

    async fn fetch_tickets(
        self: &Arc<Self>,
        ids: Vec<String>,
        budget: &Budget,
    ) -> Result<(), SyncError> {
        let mut changed = Vec::new();
        let mut first_error = None;
        for id in ids {
            self.check_cancel()?;
            if budget.admit_record(&format!("ticket:{id}")).is_err() {
                continue;
            }
            match self.tickets_client.get_ticket(&id).await {
                Ok(t) => {
                    let row = ticket(&t);
                    let parts: Vec<TicketPart> = t.parts().iter().map(part).collect();
                    let tid = id.clone();
                    self.db
                        .run(move |s| {
                            s.upsert_tickets(std::slice::from_ref(&row))?;
                            s.upsert_ticket_parts(&tid, &parts)
                        })
                        .await?;
                    changed.push(id);
                }
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                    tracing::info!(ticket_id = %id, "a ticket was deleted in Intercom; removing it");
                    let tid = id.clone();
                    self.db.run(move |s| s.delete_ticket(&tid)).await?;
                    changed.push(id);
                }
                Err(e) => {
                    let err = SyncError::from_api(e, &format!("ticket:{id}"));
                    if err.stops_cycle() {
                        self.emit_tickets(changed);
                        return Err(err);
                    }
                    first_error.get_or_insert(err);
                }
            }
        }
        self.emit_tickets(changed);
        self.emit_outbox().await?;
        self.emit_counts(false).await?;
        first_error.map_or(Ok(()), Err)
    }

    pub(crate) fn emit_tickets(&self, ids: Vec<String>) {
        if !ids.is_empty() {
            self.emit(SyncEvent::TicketsChanged(ids));
        }
    }
}
