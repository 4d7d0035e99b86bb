//! Details by priority: the parts of conversations (merged by id, so cached parts older than
//! Intercom's 500-part window stay), the contacts they reference, and the data events of
//! contacts in open conversations.
//!
//! Order of a detail pass: conversations pending a refetch (new or moved in a poll, or
//! opened), then open ones in Your inbox and Unassigned, then the acting admin's teams (all
//! of these without limit), then everything else by recent activity within
//! `background_detail_budget` per pass, continuing where the previous pass stopped.

use std::collections::BTreeSet;
use std::sync::Arc;

use agentdesk_store::{PageCursor, View};
use futures_util::stream::{self, StreamExt};
use intercom::{ContactKey, ErrorKind};

use crate::budget::Budget;
use crate::core::{lock, Core, Counters};
use crate::error::{Deferred, SyncError};
use crate::events::{Phase, SyncEvent};
use crate::incremental::{read_pending, write_pending};
use crate::walk::Walk;

/// Conversations fetched per store transaction.
const BATCH: usize = 25;

impl Core {
    /// Fetches the given conversations with their parts and stores them in batches.
    /// Conversations Intercom no longer has are removed; one that comes back under another
    /// id (merged) is stored under that id and the old one maps to it. Returns how many were
    /// stored. A conversation that cannot be read (an unreadable answer, a 5xx past its
    /// retries) is left for the next pass and the others are fetched; the first such error is
    /// returned at the end. Errors that stop the cycle stop here (after storing the batch in
    /// hand). Each conversation is asked for at most twice in one pass (`budget`).
    pub(crate) async fn fetch_details(
        self: &Arc<Self>,
        ids: Vec<String>,
        budget: &Budget,
    ) -> Result<usize, SyncError> {
        let mut stored = 0;
        let mut deferred = Deferred::default();
        for chunk in ids.chunks(BATCH) {
            self.check_cancel()?;
            let mut admitted = Vec::with_capacity(chunk.len());
            for id in chunk {
                match budget.admit_record(&format!("conversation:{id}")) {
                    Ok(()) => admitted.push(id.clone()),
                    Err(e) if e.stops_cycle() => return Err(e),
                    Err(e) => deferred.keep(e),
                }
            }
            let results: Vec<(
                String,
                Result<intercom::models::Conversation, intercom::ApiError>,
            )> = stream::iter(admitted)
                .map(|id| {
                    let client = self.client.clone();
                    async move {
                        let r = client.get_conversation(&id, false).await;
                        (id, r)
                    }
                })
                .buffer_unordered(self.config.detail_concurrency.max(1))
                .collect()
                .await;
            let mut rows = Vec::new();
            let mut parts = Vec::new();
            let mut gone = Vec::new();
            let mut done = Vec::new();
            let mut merged = Vec::new();
            let mut first_err = None;
            for (id, r) in results {
                match r {
                    Ok(c) => {
                        if c.id != id {
                            // Merged into another conversation: stored under the id it has
                            // now, and not asked for again in this pass under either.
                            tracing::info!(old = %id, new = %c.id, "a conversation came back under another id");
                            budget.admit_record(&format!("conversation:{}", c.id)).ok();
                            merged.push((id.clone(), c.id.clone()));
                            done.push(c.id.clone());
                        }
                        rows.push(crate::convert::conversation(&c));
                        parts.extend(crate::convert::parts(&c));
                        done.push(id);
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                        gone.push(id.clone());
                        done.push(id);
                    }
                    Err(e) => {
                        let err = SyncError::from_api(e, &format!("conversation:{id}"));
                        if err.stops_cycle() {
                            first_err.get_or_insert(err);
                        } else {
                            deferred.keep(err);
                        }
                    }
                }
            }
            let n = rows.len();
            let fetched_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let changed: Vec<String> = done.clone();
            let done_set: BTreeSet<String> = done.iter().cloned().collect();
            self.db
                .run(move |s| {
                    s.upsert_conversations(&rows)?;
                    s.upsert_parts_batch(&parts)?;
                    s.mark_details_fetched(&fetched_ids)?;
                    for (old, new) in &merged {
                        s.record_conversation_merged(old, new)?;
                    }
                    for id in &gone {
                        s.delete_conversation(id)?;
                    }
                    let mut pending = read_pending(s)?;
                    let before = pending.len();
                    pending.retain(|id| !done_set.contains(id));
                    if pending.len() != before {
                        write_pending(s, &pending)?;
                    }
                    Ok(())
                })
                .await?;
            lock(&self.details_fetched).extend(done.iter().cloned());
            self.touch(done.iter().map(String::as_str));
            stored += n;
            Counters::add(&self.counters.details, n as u64);
            if !changed.is_empty() {
                self.emit(SyncEvent::ConversationsChanged(changed));
            }
            if let Some(e) = first_err {
                return Err(e);
            }
        }
        deferred.finish().map(|()| stored)
    }

    /// Ids of `view` (all of it) whose parts were never fetched in this session and are
    /// not cached.
    async fn undetailed_in_view(
        self: &Arc<Self>,
        view: View,
        limit: usize,
        start: Option<PageCursor>,
    ) -> Result<(Vec<String>, Option<PageCursor>), SyncError> {
        let admin = self.config.acting_admin_id.clone();
        let fetched = lock(&self.details_fetched).clone();
        self.db
            .run(move |s| {
                let mut out = Vec::new();
                let mut cursor = start;
                loop {
                    let rows = s.list_view(&view, &admin, cursor.as_ref(), 500)?;
                    let Some(last) = rows.last() else {
                        return Ok((out, None));
                    };
                    cursor = Some(last.cursor());
                    for row in &rows {
                        // Fetched in this session, or ever (a conversation may have no
                        // parts, so an empty thread is not proof of a missing fetch).
                        if !fetched.contains(&row.id) && !s.details_fetched(&row.id)? {
                            out.push(row.id.clone());
                            if out.len() >= limit {
                                return Ok((out, Some(row.cursor())));
                            }
                        }
                    }
                }
            })
            .await
    }

    /// One detail pass in priority order (see the module docs).
    /// A conversation that cannot be read is skipped (and retried in the next pass); the
    /// first such error is returned once every tier has been worked through.
    pub(crate) async fn detail_pass(
        self: &Arc<Self>,
        limit: usize,
        budget: &Budget,
    ) -> Result<usize, SyncError> {
        let mut total = 0;
        let mut deferred = Deferred::default();
        let pending: Vec<String> = self
            .db
            .run(|s| read_pending(s))
            .await?
            .into_iter()
            .collect();
        let skip: BTreeSet<String> = pending.iter().cloned().collect();
        total += deferred
            .absorb(self.fetch_details(pending, budget).await)?
            .unwrap_or(0);
        let teams = lock(&self.team_ids).clone();
        let mut priority = vec![View::Mine, View::Unassigned];
        priority.extend(teams.into_iter().map(View::Team));
        for view in priority {
            let (ids, _) = self.undetailed_in_view(view, usize::MAX, None).await?;
            // A pending conversation that failed above is not asked for twice in one pass.
            let ids = ids.into_iter().filter(|id| !skip.contains(id)).collect();
            total += deferred
                .absorb(self.fetch_details(ids, budget).await)?
                .unwrap_or(0);
            self.progress(Phase::Details, total as u64, 0);
        }
        total += deferred
            .absorb(self.background_details(limit, budget).await)?
            .unwrap_or(0);
        self.emit_counts(false).await?;
        deferred.finish().map(|()| total)
    }

    /// The background tier alone: everything outside the priority views, by recent activity,
    /// within `budget`, continuing where the previous pass stopped. Once the first sync is done
    /// the engine runs it beside the polls, whose cycles already cover the priority tiers.
    pub(crate) async fn background_details(
        self: &Arc<Self>,
        limit: usize,
        budget: &Budget,
    ) -> Result<usize, SyncError> {
        let mut total = 0;
        let mut deferred = Deferred::default();
        let views = [View::AllOpen, View::Snoozed, View::Closed];
        let mut left = limit;
        let mut visited = 0;
        while left > 0 && visited <= views.len() {
            let (index, cursor) = lock(&self.background_scan).clone();
            let index = index % views.len();
            let (ids, next) = self
                .undetailed_in_view(views[index].clone(), left, cursor)
                .await?;
            left = left.saturating_sub(ids.len());
            *lock(&self.background_scan) = match next {
                Some(c) => (index, Some(c)),
                None => {
                    visited += 1;
                    (index + 1, None)
                }
            };
            total += deferred
                .absorb(self.fetch_details(ids, budget).await)?
                .unwrap_or(0);
            self.progress(Phase::Details, total as u64, 0);
        }
        deferred.finish().map(|()| total)
    }

    /// Fetches contacts referenced by cached conversations that are not cached yet. A contact
    /// that cannot be read is left for the next pass; one that comes back under another id
    /// (merged) is stored under that id and the conversations follow; one Intercom no longer
    /// has is recorded as gone. No contact is asked for twice in one run of this pass, so it
    /// ends whatever Intercom answers; the first error is returned when the others are in.
    pub(crate) async fn contacts_pass(
        self: &Arc<Self>,
        budget: &Budget,
    ) -> Result<usize, SyncError> {
        let mut total = 0;
        let mut deferred = Deferred::default();
        let mut tried: BTreeSet<String> = BTreeSet::new();
        loop {
            self.check_cancel()?;
            let skip = tried.len();
            let ids: Vec<String> = self
                .db
                .run(move |s| s.missing_contact_ids(200 + skip))
                .await?
                .into_iter()
                .filter(|id| !tried.contains(id) && !lock(&self.gone_contacts).contains(id))
                .take(200)
                .collect();
            if ids.is_empty() {
                return deferred.finish().map(|()| total);
            }
            tried.extend(ids.iter().cloned());
            let (n, errors) = self.fetch_contacts_batch(ids, budget).await?;
            total += n;
            for (_, e) in errors {
                deferred.keep(e);
            }
            self.progress(Phase::Contacts, total as u64, 0);
        }
    }

    /// Fetches and stores contacts; the first error is returned after the others are stored.
    pub(crate) async fn fetch_contacts(
        self: &Arc<Self>,
        ids: Vec<String>,
        budget: &Budget,
    ) -> Result<usize, SyncError> {
        let (n, errors) = self.fetch_contacts_batch(ids, budget).await?;
        match errors.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(n),
        }
    }

    /// Fetches and stores contacts. Returns how many were stored and, per contact that could
    /// not be read, its error; an error that stops the cycle is returned as such (after the
    /// others are stored). A contact answered under another id was merged into it: it is
    /// stored under the id it has now, the old id maps to it, and the conversations that
    /// named the old id name the new one. A 404 or 410 records the contact as gone.
    async fn fetch_contacts_batch(
        self: &Arc<Self>,
        ids: Vec<String>,
        budget: &Budget,
    ) -> Result<(usize, Vec<(String, SyncError)>), SyncError> {
        let mut errors = Vec::new();
        let mut admitted = Vec::with_capacity(ids.len());
        for id in ids {
            match budget.admit_record(&format!("contact:{id}")) {
                Ok(()) => admitted.push(id),
                Err(e) if e.stops_cycle() => return Err(e),
                Err(e) => errors.push((id, e)),
            }
        }
        let results: Vec<(
            String,
            Result<intercom::models::Contact, intercom::ApiError>,
        )> = stream::iter(admitted)
            .map(|id| {
                let client = self.client.clone();
                async move {
                    let r = client.get_contact(&id).await;
                    (id, r)
                }
            })
            .buffer_unordered(self.config.detail_concurrency.max(1))
            .collect()
            .await;
        let mut rows = Vec::new();
        let mut merged = Vec::new();
        let mut gone = Vec::new();
        let mut fatal = None;
        for (id, r) in results {
            match r {
                Ok(c) => {
                    if c.id != id {
                        tracing::info!(old = %id, new = %c.id, "a contact came back under another id (merged)");
                        // Not asked for again under its new id in this pass.
                        budget.admit_record(&format!("contact:{}", c.id)).ok();
                        merged.push((id, c.id.clone()));
                    }
                    rows.push(crate::convert::contact(&c));
                }
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                    gone.push(id);
                }
                Err(e) => {
                    let err = SyncError::from_api(e, &format!("contact:{id}"));
                    if err.stops_cycle() {
                        fatal.get_or_insert(err);
                    } else {
                        errors.push((id, err));
                    }
                }
            }
        }
        let n = rows.len();
        lock(&self.gone_contacts).extend(gone.iter().cloned());
        lock(&self.gone_contacts).extend(merged.iter().map(|(old, _)| old.clone()));
        self.db
            .run(move |s| {
                s.upsert_contacts(&rows)?;
                for (old, new) in &merged {
                    s.record_contact_merged(old, new)?;
                }
                if !gone.is_empty() {
                    s.record_contacts_gone(&gone)?;
                }
                Ok(())
            })
            .await?;
        Counters::add(&self.counters.contacts, n as u64);
        match fatal {
            Some(e) => Err(e),
            None => Ok((n, errors)),
        }
    }

    /// Events (last 90 days, all pages) and summaries of one contact. The pages are one walk
    /// (see `walk.rs`): a `next` link already followed, or a page repeating the previous one,
    /// ends it with an error instead of following it for ever.
    pub(crate) async fn fetch_events(
        self: &Arc<Self>,
        contact_id: &str,
        budget: &Budget,
    ) -> Result<(), SyncError> {
        let key = ContactKey::IntercomId(contact_id.to_owned());
        let resource = format!("events:{contact_id}");
        let mut walk = Walk::new(resource.clone(), "GET /events", self.client.per_page());
        let mut next: Option<String> = None;
        let mut events = Vec::new();
        loop {
            self.check_cancel()?;
            walk.admit(budget, next.as_deref())?;
            let page = match self.client.list_events_page(&key, next.as_deref()).await {
                Ok(p) => p,
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                    lock(&self.gone_contacts).insert(contact_id.to_owned());
                    return Ok(());
                }
                Err(e) => return Err(SyncError::from_api(e, &resource)),
            };
            let keys: Vec<String> = page
                .items
                .iter()
                .map(|e| {
                    format!(
                        "{}@{}",
                        e.event_name.as_deref().unwrap_or(""),
                        e.created_at.unwrap_or(0)
                    )
                })
                .collect();
            if let Err(e) = walk.check(
                budget,
                next.as_deref(),
                page.next.as_deref(),
                keys.iter().map(String::as_str),
                None,
            ) {
                // The events read so far are kept; the contact is not marked fetched, so a
                // later pass reads them afresh.
                self.db.run(move |s| s.upsert_data_events(&events)).await?;
                return Err(e);
            }
            events.extend(
                page.items
                    .iter()
                    .filter_map(|e| crate::convert::event(contact_id, e)),
            );
            match page.next {
                Some(n) => next = Some(n),
                None => break,
            }
        }
        budget.admit_record(&format!("summary:{contact_id}"))?;
        let summaries = self
            .client
            .event_summaries(&key)
            .await
            .map_err(|e| SyncError::from_api(e, &resource))?;
        let summaries: Vec<_> = summaries
            .events
            .iter()
            .filter_map(|s| crate::convert::summary(contact_id, s))
            .collect();
        let id = contact_id.to_owned();
        self.db
            .run(move |s| {
                s.upsert_data_events(&events)?;
                s.replace_event_summaries(&id, &summaries)?;
                s.mark_events_fetched(&id)
            })
            .await?;
        lock(&self.events_fetched).insert(contact_id.to_owned());
        Counters::add(&self.counters.event_contacts, 1);
        Ok(())
    }

    /// Events of contacts in open conversations of the priority views, once per session.
    pub(crate) async fn events_pass(
        self: &Arc<Self>,
        budget: &Arc<Budget>,
    ) -> Result<usize, SyncError> {
        if !self.config.events_for_open_contacts {
            return Ok(0);
        }
        let admin = self.config.acting_admin_id.clone();
        let mut views = vec![View::Mine, View::Unassigned];
        views.extend(lock(&self.team_ids).iter().cloned().map(View::Team));
        let contacts: BTreeSet<String> = self
            .db
            .run(move |s| {
                let mut out = BTreeSet::new();
                for view in &views {
                    let mut cursor = None;
                    loop {
                        let rows = s.list_view(view, &admin, cursor.as_ref(), 500)?;
                        let Some(last) = rows.last() else { break };
                        cursor = Some(last.cursor());
                        for row in &rows {
                            if let Some(c) = s.conversation(&row.id)? {
                                out.extend(c.contact_ids);
                            }
                        }
                    }
                }
                // Contacts whose events an earlier session fetched (even none) are not
                // fetched again at start-up (opening a conversation still refreshes its
                // contact's events).
                let mut fresh = BTreeSet::new();
                for c in out {
                    if !s.events_fetched(&c)? {
                        fresh.insert(c);
                    }
                }
                Ok(fresh)
            })
            .await?;
        let todo: Vec<String> = {
            let fetched = lock(&self.events_fetched);
            let gone = lock(&self.gone_contacts);
            contacts
                .into_iter()
                .filter(|c| !fetched.contains(c) && !gone.contains(c))
                // Bounded per cycle like the background details, so one cycle never holds the
                // next poll (and new customer messages) for minutes.
                .take(self.config.background_detail_budget.max(1))
                .collect()
        };
        let n = todo.len();
        let results: Vec<Result<(), SyncError>> = stream::iter(todo)
            .map(|id| {
                let core = self.clone();
                let budget = budget.clone();
                async move { core.fetch_events(&id, &budget).await }
            })
            .buffer_unordered(self.config.detail_concurrency.max(1))
            .collect()
            .await;
        let mut deferred = Deferred::default();
        for r in results {
            deferred.absorb(r)?;
        }
        deferred.finish().map(|()| n)
    }

    /// A conversation was opened: its parts, contacts and their events now, within a budget
    /// of their own.
    pub(crate) async fn open_conversation(self: &Arc<Self>, id: &str) -> Result<(), SyncError> {
        let budget = Budget::default();
        self.fetch_details(vec![id.to_owned()], &budget).await?;
        let cid = id.to_owned();
        let contacts = self
            .db
            .run(move |s| {
                Ok(s.conversation(&cid)?
                    .map(|c| c.contact_ids)
                    .unwrap_or_default())
            })
            .await?;
        let missing: Vec<String> = {
            let gone = lock(&self.gone_contacts);
            contacts
                .iter()
                .filter(|c| !gone.contains(*c))
                .cloned()
                .collect()
        };
        self.fetch_contacts(missing.clone(), &budget).await?;
        for c in missing {
            self.fetch_events(&c, &budget).await?;
        }
        self.emit(SyncEvent::ConversationsChanged(vec![id.to_owned()]));
        self.emit_counts(false).await
    }
}
