//! The outbox sender: items go out in order per conversation (the store hands out only the
//! oldest unconfirmed item of each conversation). A write whose error says it may have been
//! applied goes `in_doubt` and is reconciled before any resend: the conversation is fetched
//! and the item looked for (a reply or note by the client uuid embedded in its body as an
//! HTML comment, else by author, kind, text and time; a state change by the state it asked
//! for). Found: confirmed. Not found: sent again. 403/404/4xx: failed with the reason, for
//! the user to retry or discard. Nothing is dropped silently.

use std::sync::Arc;

use agentdesk_store::{Assignee, OutboxEntry, OutboxItem, OutboxKind, OutboxStatus};
use intercom::{Action, ApiError, ContactKey, DataEventRequest, ErrorKind, Reply};

use crate::core::{Core, Counters};
use crate::error::SyncError;
use crate::events::{Phase, SyncEvent};

/// A command from the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Record a write (applied to the cache at once, sent when online).
    Enqueue(OutboxItem),
    /// Mark read locally and send `read: true` to Intercom.
    MarkRead(String),
    /// Mark unread locally (Intercom has no per-admin unread).
    MarkUnread(String),
    /// Mark a ticket read (locally only: Intercom has no read flag on tickets).
    MarkTicketRead(String),
    /// Put a failed (or unreconciled) item back in the queue.
    Retry(i64),
    /// Drop an item and revert its optimistic effect.
    Discard(i64),
    /// Remember these contact parts were notified.
    MarkNotified(Vec<String>),
    /// Keep the unsent text of a conversation's or ticket's composer (blank deletes it; see
    /// the store's `drafts.rs`). Local only: nothing is sent.
    SaveDraft {
        /// The conversation's or ticket's id.
        id: String,
        /// `comment` or `note`.
        kind: String,
        /// The text as typed.
        body: String,
    },
}

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutcome {
    /// The outbox item's id.
    Outbox(i64),
    /// Done.
    Done,
}

/// The marker embedded in a reply or note so the reconciler can find it.
fn marker(uuid: &str) -> String {
    format!("<!-- agentdesk:{uuid} -->")
}

/// A fresh random client uuid (v4 format).
pub fn new_client_uuid() -> String {
    let b: [u8; 16] = rand::random();
    let mut b = b;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Text of an HTML body for loose comparison: tags and comments dropped, whitespace collapsed.
fn loose_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

enum Sent {
    Conversation(Box<intercom::models::Conversation>),
    Ticket(crate::tickets::outbox::TicketSent),
    Nothing,
}

impl Core {
    /// Runs a shell command against the store (the engine is the one writer).
    pub(crate) async fn execute(
        self: &Arc<Self>,
        cmd: Command,
    ) -> Result<CommandOutcome, SyncError> {
        let outcome = match cmd {
            Command::Enqueue(item) => {
                let conv = item.conversation_id.clone();
                let ticket = item.kind.is_ticket();
                let id = self.db.run(move |s| s.enqueue(item)).await?;
                if ticket {
                    self.emit_tickets(vec![conv]);
                } else {
                    self.emit(SyncEvent::ConversationsChanged(vec![conv]));
                }
                CommandOutcome::Outbox(id)
            }
            Command::MarkRead(conv) => {
                let item = OutboxItem {
                    conversation_id: conv.clone(),
                    admin_id: self.config.acting_admin_id.clone(),
                    kind: OutboxKind::MarkRead,
                    client_uuid: new_client_uuid(),
                };
                let id = self.db.run(move |s| s.enqueue(item)).await?;
                self.emit(SyncEvent::ConversationsChanged(vec![conv]));
                CommandOutcome::Outbox(id)
            }
            Command::MarkUnread(conv) => {
                let c = conv.clone();
                self.db.run(move |s| s.mark_unread(&c)).await?;
                self.emit(SyncEvent::ConversationsChanged(vec![conv]));
                CommandOutcome::Done
            }
            Command::SaveDraft { id, kind, body } => {
                self.db
                    .run(move |s| s.save_draft(&id, &kind, &body))
                    .await?;
                CommandOutcome::Done
            }
            Command::MarkTicketRead(ticket) => {
                let t = ticket.clone();
                self.db.run(move |s| s.mark_ticket_read(&t)).await?;
                self.emit_tickets(vec![ticket]);
                CommandOutcome::Done
            }
            Command::Retry(id) => {
                self.db.run(move |s| s.retry(id)).await?;
                CommandOutcome::Done
            }
            Command::Discard(id) => {
                let conv = self
                    .db
                    .run(move |s| {
                        let conv = s.outbox_item(id)?.map(|e| e.conversation_id);
                        s.discard(id)?;
                        Ok(conv)
                    })
                    .await?;
                if let Some(conv) = conv {
                    self.emit(SyncEvent::ConversationsChanged(vec![conv]));
                }
                CommandOutcome::Done
            }
            Command::MarkNotified(ids) => {
                self.db.run(move |s| s.mark_notified(&ids)).await?;
                CommandOutcome::Done
            }
        };
        self.emit_outbox().await?;
        self.emit_counts(false).await?;
        Ok(outcome)
    }

    /// Reconciles in-doubt items, then sends every sendable item, until nothing is left
    /// to do (at most a few rounds, so an item that keeps timing out cannot loop forever).
    /// Returns the number of items confirmed.
    pub(crate) async fn drain_outbox(self: &Arc<Self>) -> Result<u64, SyncError> {
        let _one_sender = self.outbox_lock.lock().await;
        let mut confirmed = 0;
        for _round in 0..4 {
            self.check_cancel()?;
            let in_doubt = self.db.run(|s| s.in_doubt_items()).await?;
            for entry in in_doubt {
                self.reconcile(&entry).await?;
            }
            let items = self.db.run(|s| s.next_sendable()).await?;
            if items.is_empty() {
                break;
            }
            for entry in items {
                self.check_cancel()?;
                if self.send_one(&entry).await? {
                    confirmed += 1;
                }
                self.progress(Phase::Outbox, confirmed, 0);
            }
        }
        self.emit_outbox().await?;
        self.emit_counts(false).await?;
        Ok(confirmed)
    }

    async fn send(&self, e: &OutboxEntry) -> Result<Sent, ApiError> {
        if e.kind.is_ticket() {
            return Ok(Sent::Ticket(self.send_ticket(e).await?));
        }
        let conv = e.conversation_id.as_str();
        let admin = e.admin_id.as_str();
        let c = match &e.kind {
            OutboxKind::Reply { body } => {
                let body = format!("{body}{}", marker(&e.client_uuid));
                self.client
                    .reply(conv, &Reply::comment(admin, body))
                    .await?
            }
            OutboxKind::Note { body } => {
                let body = format!("{body}{}", marker(&e.client_uuid));
                self.client.reply(conv, &Reply::note(admin, body)).await?
            }
            OutboxKind::Close => {
                self.client
                    .manage(conv, admin, &Action::Close { body: None })
                    .await?
            }
            OutboxKind::Reopen => self.client.manage(conv, admin, &Action::Open).await?,
            OutboxKind::Snooze { until } => {
                self.client
                    .manage(conv, admin, &Action::Snooze { until: *until })
                    .await?
            }
            OutboxKind::Assign { assignee } => {
                let to = match assignee {
                    Assignee::Admin(id) => intercom::Assignee::Admin(id.clone()),
                    Assignee::Team(id) => intercom::Assignee::Team(id.clone()),
                    Assignee::Nobody => intercom::Assignee::Nobody,
                };
                self.client
                    .manage(conv, admin, &Action::Assign { to, body: None })
                    .await?
            }
            OutboxKind::MarkRead => self.client.mark_read(conv).await?,
            OutboxKind::Priority { priority } => self.client.set_priority(conv, *priority).await?,
            OutboxKind::Attributes { values } => {
                self.client
                    .update_conversation(conv, &serde_json::json!({ "custom_attributes": values }))
                    .await?
            }
            OutboxKind::Tag { tag_id, .. } => {
                // Tagging twice leaves one tag: a resend is harmless. The answer is the tag;
                // the conversation comes with the next poll, and until then the sent item
                // keeps the chip (the overlay holds sent items until they settle).
                self.client.tag_conversation(conv, tag_id, admin).await?;
                return Ok(Sent::Nothing);
            }
            OutboxKind::Untag { tag_id, .. } => {
                match self.client.untag_conversation(conv, tag_id, admin).await {
                    Ok(_) => return Ok(Sent::Nothing),
                    // Someone removed it first (or a resend after a timeout): done if the
                    // conversation no longer carries it; otherwise the 404 stands.
                    Err(e) if matches!(e.kind(), ErrorKind::NotFound) => {
                        let c = self.client.get_conversation(conv, false).await?;
                        if has_tag(&c, tag_id) {
                            return Err(e);
                        }
                        c
                    }
                    Err(e) => return Err(e),
                }
            }
            OutboxKind::TrackEvent {
                contact_id,
                name,
                metadata,
            } => {
                let event = DataEventRequest {
                    event_name: name.clone(),
                    // The enqueue time: Intercom deduplicates a resend on it.
                    created_at: e.created_at,
                    contact: ContactKey::IntercomId(contact_id.clone()),
                    metadata: metadata.as_object().cloned().unwrap_or_default(),
                };
                self.client.track_event(&event).await?;
                return Ok(Sent::Nothing);
            }
            // Sent above (`send_ticket`).
            OutboxKind::TicketUpdate { .. }
            | OutboxKind::TicketReply { .. }
            | OutboxKind::TicketNote { .. }
            | OutboxKind::TicketTag { .. }
            | OutboxKind::TicketUntag { .. } => return Ok(Sent::Nothing),
        };
        Ok(Sent::Conversation(Box::new(c)))
    }

    /// Sends one pending item. Returns whether it was confirmed.
    async fn send_one(self: &Arc<Self>, entry: &OutboxEntry) -> Result<bool, SyncError> {
        let id = entry.id;
        self.db.run(move |s| s.mark_sending(id)).await?;
        match self.send(entry).await {
            Ok(sent) => {
                self.confirm(entry, sent).await?;
                Ok(true)
            }
            Err(e) => {
                let reason = e.to_string();
                let unauthorized = matches!(e.kind(), ErrorKind::Unauthorized);
                if e.may_have_been_applied() && !unauthorized {
                    tracing::info!(
                        outbox_id = id,
                        "a send may have been applied; reconciling before any resend"
                    );
                    self.db.run(move |s| s.mark_in_doubt(id, &reason)).await?;
                    Ok(false)
                } else if unauthorized || e.is_retryable() {
                    // Not applied: back to the queue, in order, for the next drain.
                    self.db
                        .run(move |s| {
                            s.mark_in_doubt(id, &reason)?;
                            s.retry(id)
                        })
                        .await?;
                    Err(SyncError::from_api(e, &format!("outbox:{id}")))
                } else if entry.kind.is_ticket() {
                    tracing::warn!(
                        outbox_id = id,
                        code = e.kind().code(),
                        "a ticket outbox item was refused"
                    );
                    self.fail_ticket_item(entry, &e).await?;
                    Ok(false)
                } else {
                    tracing::warn!(
                        outbox_id = id,
                        code = e.kind().code(),
                        "an outbox item was refused"
                    );
                    self.db.run(move |s| s.mark_failed(id, &reason)).await?;
                    Counters::add(&self.counters.failed, 1);
                    self.emit(SyncEvent::ConversationsChanged(vec![entry
                        .conversation_id
                        .clone()]));
                    Ok(false)
                }
            }
        }
    }

    /// Marks an item sent and stores what Intercom answered.
    async fn confirm(self: &Arc<Self>, entry: &OutboxEntry, sent: Sent) -> Result<(), SyncError> {
        let id = entry.id;
        let sent = match sent {
            Sent::Ticket(t) => return self.confirm_ticket(entry, t).await,
            other => other,
        };
        let (row, parts, part_id) = match sent {
            Sent::Conversation(c) => {
                let parts = crate::convert::parts(&c);
                let part_id = match entry.kind {
                    OutboxKind::Reply { .. } | OutboxKind::Note { .. } => {
                        find_part(entry, &c).or_else(|| parts.last().map(|p| p.id.clone()))
                    }
                    _ => None,
                };
                (Some(crate::convert::conversation(&c)), parts, part_id)
            }
            Sent::Nothing | Sent::Ticket(_) => (None, Vec::new(), None),
        };
        self.db
            .run(move |s| {
                s.mark_sent(id, part_id.as_deref())?;
                if let Some(row) = row {
                    s.upsert_conversations(std::slice::from_ref(&row))?;
                    if !parts.is_empty() {
                        s.upsert_parts(&row.id, &parts)?;
                    }
                }
                Ok(())
            })
            .await?;
        Counters::add(&self.counters.sent, 1);
        self.touch([entry.conversation_id.as_str()]);
        self.emit(SyncEvent::ConversationsChanged(vec![entry
            .conversation_id
            .clone()]));
        Ok(())
    }

    /// Looks for an in-doubt item in the conversation: confirms it if found, else puts it
    /// back to pending so it is sent again.
    async fn reconcile(self: &Arc<Self>, entry: &OutboxEntry) -> Result<(), SyncError> {
        let id = entry.id;
        if entry.kind.is_ticket() {
            return self.reconcile_ticket(entry).await;
        }
        if matches!(
            entry.kind,
            OutboxKind::MarkRead | OutboxKind::TrackEvent { .. }
        ) {
            // Idempotent (read: true) or deduplicated by Intercom (same created_at).
            self.db.run(move |s| s.retry(id)).await?;
            return Ok(());
        }
        let c = match self
            .client
            .get_conversation(&entry.conversation_id, false)
            .await
        {
            Ok(c) => c,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound) => {
                let reason = format!("the conversation no longer exists in Intercom: {e}");
                self.db.run(move |s| s.mark_failed(id, &reason)).await?;
                return Ok(());
            }
            Err(e) => return Err(SyncError::from_api(e, &format!("outbox:{id}"))),
        };
        let state = c.state.as_ref().map(|s| s.as_str().to_owned());
        let found = match &entry.kind {
            OutboxKind::Reply { .. } | OutboxKind::Note { .. } => find_part(entry, &c).map(Some),
            OutboxKind::Close => (state.as_deref() == Some("closed")).then_some(None),
            OutboxKind::Reopen => (state.as_deref() == Some("open")).then_some(None),
            OutboxKind::Snooze { .. } => (state.as_deref() == Some("snoozed")).then_some(None),
            OutboxKind::Assign { assignee } => {
                let ok = match assignee {
                    Assignee::Admin(a) => c.admin_assignee_id.as_deref() == Some(a.as_str()),
                    Assignee::Team(t) => c.team_assignee_id.as_deref() == Some(t.as_str()),
                    Assignee::Nobody => {
                        c.admin_assignee_id.is_none() && c.team_assignee_id.is_none()
                    }
                };
                ok.then_some(None)
            }
            OutboxKind::Tag { tag_id, .. } => has_tag(&c, tag_id).then_some(None),
            OutboxKind::Untag { tag_id, .. } => (!has_tag(&c, tag_id)).then_some(None),
            OutboxKind::Priority { priority } => {
                (c.priority.as_ref().is_some_and(|p| p.is_priority()) == *priority).then_some(None)
            }
            OutboxKind::Attributes { values } => values
                .iter()
                .all(|(k, v)| {
                    c.custom_attributes
                        .get(k)
                        .unwrap_or(&serde_json::Value::Null)
                        == v
                })
                .then_some(None),
            OutboxKind::MarkRead
            | OutboxKind::TrackEvent { .. }
            | OutboxKind::TicketUpdate { .. }
            | OutboxKind::TicketReply { .. }
            | OutboxKind::TicketNote { .. }
            | OutboxKind::TicketTag { .. }
            | OutboxKind::TicketUntag { .. } => None,
        };
        let row = crate::convert::conversation(&c);
        let parts = crate::convert::parts(&c);
        self.touch([entry.conversation_id.as_str()]);
        match found {
            Some(part_id) => {
                tracing::info!(outbox_id = id, "reconciled: Intercom had applied it");
                self.db
                    .run(move |s| {
                        s.mark_sent(id, part_id.as_deref())?;
                        s.upsert_conversations(std::slice::from_ref(&row))?;
                        s.upsert_parts(&row.id, &parts)
                    })
                    .await?;
                Counters::add(&self.counters.sent, 1);
            }
            None => {
                tracing::info!(outbox_id = id, "reconciled: not applied; sending again");
                self.db
                    .run(move |s| {
                        s.upsert_conversations(std::slice::from_ref(&row))?;
                        s.upsert_parts(&row.id, &parts)?;
                        let still = s.outbox_item(id)?.map(|e| e.status);
                        if still == Some(OutboxStatus::InDoubt) {
                            s.retry(id)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
        }
        self.emit(SyncEvent::ConversationsChanged(vec![entry
            .conversation_id
            .clone()]));
        Ok(())
    }
}

/// The part an outbox reply or note became: by its uuid marker, else by author, kind,
/// text and a creation time no earlier than the item (minus clock skew).
fn find_part(entry: &OutboxEntry, c: &intercom::models::Conversation) -> Option<String> {
    let (body, kind) = match &entry.kind {
        OutboxKind::Reply { body } => (body, "comment"),
        OutboxKind::Note { body } => (body, "note"),
        _ => return None,
    };
    let mark = format!("agentdesk:{}", entry.client_uuid);
    let parts = c.parts();
    if let Some(p) = parts
        .iter()
        .find(|p| p.body.as_deref().is_some_and(|b| b.contains(&mark)))
    {
        return Some(p.id.clone());
    }
    let want = loose_text(body);
    parts
        .iter()
        .rev()
        .find(|p| {
            p.author.as_ref().and_then(|a| a.id.as_deref()) == Some(entry.admin_id.as_str())
                && p.part_type.as_ref().map(|t| t.as_str()) == Some(kind)
                && p.created_at.unwrap_or(0) >= entry.created_at - 300
                && p.body.as_deref().map(loose_text).as_deref() == Some(want.as_str())
        })
        .map(|p| p.id.clone())
}

/// Whether Intercom's copy of a conversation carries a tag.
fn has_tag(c: &intercom::models::Conversation, tag_id: &str) -> bool {
    c.tags
        .iter()
        .flat_map(|l| l.tags.iter())
        .any(|t| t.id == tag_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_uuids_are_unique_v4() {
        let a = new_client_uuid();
        let b = new_client_uuid();
        assert_ne!(a, b, "two uuids must differ");
        assert_eq!(a.len(), 36, "a uuid has 36 characters");
        assert_eq!(&a[14..15], "4", "version 4");
    }

    #[test]
    fn loose_text_ignores_markup_and_the_marker() {
        assert_eq!(
            loose_text("<p>Hello   <b>there</b></p><!-- agentdesk:x -->"),
            "Hello there",
            "tags, comments and extra whitespace do not count"
        );
    }
}
