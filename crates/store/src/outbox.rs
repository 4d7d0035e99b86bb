//! The `outbox` table: what the agent wrote or did, recorded together with its optimistic
//! effect on the cache in one transaction, then sent in order per conversation by the sync
//! engine. Statuses: `pending` → `sending` → `sent`, or `in_doubt` (the request may have been
//! applied: reconcile before any resend), or `failed` (with a reason; retry or discard).
//!
//! Optimistic state changes are an overlay: `conversations.srv_*` hold Intercom's values and
//! the shown columns are recomputed as server values + unconfirmed items in order, so a page
//! upsert never makes a pending close flicker back to open, and a discard reverts exactly.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use crate::database::{now, Reader, Store};
use crate::error::{Result, StoreError};

/// Whom to assign a conversation to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Assignee {
    /// An admin (the team assignee is kept).
    Admin(String),
    /// A team (the admin assignee is kept).
    Team(String),
    /// No admin and no team (the Unassigned view).
    Nobody,
}

/// What an outbox item does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutboxKind {
    /// A reply to the customer (HTML body).
    Reply {
        /// Body.
        body: String,
    },
    /// An internal note (HTML body).
    Note {
        /// Body.
        body: String,
    },
    /// Close.
    Close,
    /// Reopen.
    Reopen,
    /// Snooze until a unix time.
    Snooze {
        /// Unix seconds.
        until: i64,
    },
    /// Assign.
    Assign {
        /// To whom.
        assignee: Assignee,
    },
    /// Send `read: true` to Intercom (the local read mark is set at enqueue).
    MarkRead,
    /// Tag the conversation (`name` for the optimistic chip until Intercom answers).
    Tag {
        /// Tag id.
        tag_id: String,
        /// Tag name as cached when the agent tagged.
        name: String,
    },
    /// Remove a tag from the conversation.
    Untag {
        /// Tag id.
        tag_id: String,
        /// Tag name as shown when the agent removed it (for the pending item's summary).
        #[serde(default)]
        name: String,
    },
    /// Mark priority or not.
    Priority {
        /// The new flag.
        priority: bool,
    },
    /// Set custom attributes (merged into the conversation's; `null` clears one).
    Attributes {
        /// Attribute name to value.
        values: serde_json::Map<String, serde_json::Value>,
    },
    /// Post a data event for a contact (`created_at` is the item's `created_at`, so resending
    /// is deduplicated by Intercom).
    TrackEvent {
        /// The contact.
        contact_id: String,
        /// Event name.
        name: String,
        /// Up to 10 flat metadata pairs.
        metadata: serde_json::Value,
    },
    /// Change a ticket's state and/or attributes (`PUT /tickets/{id}`); the item's
    /// `conversation_id` is the ticket's id.
    TicketUpdate {
        /// The state category asked for (shown at once), when the state changes.
        state: Option<String>,
        /// The workspace state id sent to Intercom for it.
        state_id: Option<String>,
        /// Attributes set (name to value; `null` empties one).
        #[serde(default)]
        attributes: serde_json::Map<String, serde_json::Value>,
    },
    /// A comment on a ticket the customer sees (HTML).
    TicketReply {
        /// Body.
        body: String,
    },
    /// An internal note on a ticket (HTML).
    TicketNote {
        /// Body.
        body: String,
    },
    /// Tag a ticket with an existing tag.
    TicketTag {
        /// The tag.
        tag_id: String,
        /// Its name, shown until Intercom confirms.
        tag_name: Option<String>,
    },
    /// Remove a tag from a ticket.
    TicketUntag {
        /// The tag.
        tag_id: String,
    },
}

impl OutboxKind {
    /// Whether the item acts on a ticket (its `conversation_id` is then a ticket id).
    pub fn is_ticket(&self) -> bool {
        matches!(
            self,
            OutboxKind::TicketUpdate { .. }
                | OutboxKind::TicketReply { .. }
                | OutboxKind::TicketNote { .. }
                | OutboxKind::TicketTag { .. }
                | OutboxKind::TicketUntag { .. }
        )
    }

    fn name(&self) -> &'static str {
        match self {
            OutboxKind::Reply { .. } => "reply",
            OutboxKind::Note { .. } => "note",
            OutboxKind::Close => "close",
            OutboxKind::Reopen => "reopen",
            OutboxKind::Snooze { .. } => "snooze",
            OutboxKind::Assign { .. } => "assign",
            OutboxKind::MarkRead => "mark_read",
            OutboxKind::Tag { .. } => "tag",
            OutboxKind::Untag { .. } => "untag",
            OutboxKind::Priority { .. } => "priority",
            OutboxKind::Attributes { .. } => "attributes",
            OutboxKind::TrackEvent { .. } => "track_event",
            OutboxKind::TicketUpdate { .. } => "ticket_update",
            OutboxKind::TicketReply { .. } => "ticket_reply",
            OutboxKind::TicketNote { .. } => "ticket_note",
            OutboxKind::TicketTag { .. } => "ticket_tag",
            OutboxKind::TicketUntag { .. } => "ticket_untag",
        }
    }
}

/// A new outbox item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The conversation it concerns (for TrackEvent: the one it was posted from).
    pub conversation_id: String,
    /// The acting admin who does it (Intercom's requests need `admin_id`).
    pub admin_id: String,
    /// What to do.
    pub kind: OutboxKind,
    /// A unique nonce the engine puts in what it sends, so the reconciler can find it in
    /// the conversation after a timeout. Enqueueing the same uuid twice is a no-op.
    pub client_uuid: String,
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting to be sent.
    Pending,
    /// Handed to the network (becomes `InDoubt` if the app stops before the answer).
    Sending,
    /// May or may not have been applied: reconcile before resending.
    InDoubt,
    /// Intercom confirmed it.
    Sent,
    /// Permanently refused (reason in `last_error`); the user retries or discards.
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::InDoubt => "in_doubt",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> OutboxStatus {
        match s {
            "sending" => OutboxStatus::Sending,
            "in_doubt" => OutboxStatus::InDoubt,
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            _ => OutboxStatus::Pending,
        }
    }
}

/// A stored outbox item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Local id (order of enqueueing).
    pub id: i64,
    /// The conversation.
    pub conversation_id: String,
    /// The acting admin.
    pub admin_id: String,
    /// What to do.
    pub kind: OutboxKind,
    /// The nonce to match after a timeout.
    pub client_uuid: String,
    /// Where it stands.
    pub status: OutboxStatus,
    /// How many sends were started.
    pub attempts: i64,
    /// Why it failed (or was put in doubt).
    pub last_error: Option<String>,
    /// Unix seconds, when enqueued.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// The part Intercom created for it, once sent.
    pub server_part_id: Option<String>,
}

/// Counts for the status line and `agentdesk status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxSummary {
    /// Pending or being sent.
    pub pending: i64,
    /// Awaiting reconciliation.
    pub in_doubt: i64,
    /// Refused, awaiting the user.
    pub failed: i64,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    admin_id: String,
    kind: OutboxKind,
}

const ENTRY_COLUMNS: &str =
    "o.id, o.conversation_id, o.payload, o.client_uuid, o.status, o.attempts, \
  o.last_error, o.created_at, o.updated_at, o.server_part_id";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let payload: String = r.get(2)?;
    let payload: Payload = serde_json::from_str(&payload).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let status: String = r.get(4)?;
    Ok(OutboxEntry {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        admin_id: payload.admin_id,
        kind: payload.kind,
        client_uuid: r.get(3)?,
        status: OutboxStatus::parse(&status),
        attempts: r.get(5)?,
        last_error: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        server_part_id: r.get(9)?,
    })
}

fn local_part_id(client_uuid: &str) -> String {
    format!("local:{client_uuid}")
}

fn load(tx: &Transaction<'_>, id: i64) -> Result<OutboxEntry> {
    tx.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM outbox o WHERE o.id = ?1"),
        [id],
        entry_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound {
        what: "outbox item",
        id: id.to_string(),
    })
}

fn set_status(
    tx: &Transaction<'_>,
    id: i64,
    status: OutboxStatus,
    error: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET status = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, status.as_str(), error, now()],
    )?;
    Ok(())
}

/// Recomputes a conversation's shown state, assignees, priority, tags and custom attributes
/// from its server values and its unconfirmed state-changing items, and its `outbox_active`
/// count.
pub(crate) fn apply_overlay(tx: &Transaction<'_>, conversation_id: &str) -> Result<()> {
    type ServerValues = (
        (bool, String, Option<i64>, Option<String>, Option<String>),
        (bool, String, String),
    );
    let server: Option<ServerValues> = tx
        .query_row(
            "SELECT srv_open, srv_state, srv_snoozed_until, srv_admin_assignee_id, srv_team_assignee_id,
                    srv_priority, srv_tags, srv_custom_attributes
             FROM conversations WHERE id = ?1",
            [conversation_id],
            |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    (r.get(5)?, r.get(6)?, r.get(7)?),
                ))
            },
        )
        .optional()?;
    let Some((
        (mut open, mut state, mut snoozed_until, mut admin, mut team),
        (mut priority, tags, attrs),
    )) = server
    else {
        // Not a conversation: a ticket's items overlay the ticket (ids never collide).
        return crate::ticket_effects::apply_overlay(tx, conversation_id);
    };
    let mut tags: Vec<crate::tags::Tag> = serde_json::from_str(&tags).unwrap_or_default();
    let mut attrs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&attrs).unwrap_or_default();
    let mut stmt = tx.prepare_cached(
        "SELECT payload FROM outbox WHERE conversation_id = ?1 AND (status <> 'sent' OR settled = 0)
           AND kind IN ('close', 'reopen', 'snooze', 'assign', 'tag', 'untag', 'priority', 'attributes')
         ORDER BY id",
    )?;
    let payloads = stmt
        .query_map([conversation_id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for payload in payloads {
        let payload: Payload = serde_json::from_str(&payload)?;
        match payload.kind {
            OutboxKind::Close => {
                (open, state, snoozed_until) = (false, "closed".to_owned(), None);
            }
            OutboxKind::Reopen => {
                (open, state, snoozed_until) = (true, "open".to_owned(), None);
            }
            OutboxKind::Snooze { until } => {
                (open, state, snoozed_until) = (true, "snoozed".to_owned(), Some(until));
            }
            OutboxKind::Assign { assignee } => match assignee {
                Assignee::Admin(id) => admin = Some(id),
                Assignee::Team(id) => team = Some(id),
                Assignee::Nobody => (admin, team) = (None, None),
            },
            OutboxKind::Tag { tag_id, name } if !tags.iter().any(|t| t.id == tag_id) => {
                tags.push(crate::tags::Tag { id: tag_id, name });
            }
            OutboxKind::Untag { tag_id, .. } => tags.retain(|t| t.id != tag_id),
            OutboxKind::Priority { priority: p } => priority = p,
            OutboxKind::Attributes { values } => {
                for (k, v) in values {
                    if v.is_null() {
                        attrs.remove(&k);
                    } else {
                        attrs.insert(k, v);
                    }
                }
            }
            _ => {}
        }
    }
    tx.execute(
        "UPDATE conversations SET open = ?2, state = ?3, snoozed_until = ?4, admin_assignee_id = ?5,
           team_assignee_id = ?6, priority = ?7, tags = ?8, custom_attributes = ?9,
           outbox_active = (SELECT count(*) FROM outbox WHERE conversation_id = ?1
                              AND status IN ('pending', 'sending', 'in_doubt', 'failed'))
         WHERE id = ?1",
        params![
            conversation_id,
            open,
            state,
            snoozed_until,
            admin,
            team,
            priority,
            serde_json::to_string(&tags)?,
            serde_json::to_string(&attrs)?
        ],
    )?;
    Ok(())
}

impl Store {
    /// Records an item and applies its optimistic effect in one transaction: a reply or note
    /// appears as a pending part (`local:<uuid>`, `outbox_id` set) and marks the conversation
    /// read; close/reopen/snooze/assign change the shown state, tag/untag/priority/attributes the
    /// shown tags, flag and values; mark-read sets the read mark;
    /// track-event adds the event to the contact's timeline. Returns the item's id (the existing
    /// one if this `client_uuid` was already enqueued).
    #[tracing::instrument(skip_all, fields(conversation_id = %item.conversation_id, kind = item.kind.name()), err)]
    pub fn enqueue(&mut self, item: OutboxItem) -> Result<i64> {
        if item.client_uuid.trim().is_empty() {
            return Err(StoreError::InvalidInput(
                "an outbox item needs a client uuid".into(),
            ));
        }
        self.write(|tx| {
            if let Some(id) = tx
                .query_row("SELECT id FROM outbox WHERE client_uuid = ?1", [&item.client_uuid], |r| r.get(0))
                .optional()?
            {
                return Ok(id);
            }
            if item.kind.is_ticket() {
                if !crate::ticket_effects::exists(tx, &item.conversation_id)? {
                    return Err(StoreError::NotFound { what: "ticket", id: item.conversation_id.clone() });
                }
            } else {
                let exists: bool =
                    tx.query_row("SELECT count(*) FROM conversations WHERE id = ?1", [&item.conversation_id], |r| r.get(0))?;
                if !exists {
                    return Err(StoreError::NotFound { what: "conversation", id: item.conversation_id.clone() });
                }
            }
            let t = now();
            let payload = serde_json::to_string(&Payload { admin_id: item.admin_id.clone(), kind: item.kind.clone() })?;
            tx.execute(
                "INSERT INTO outbox (client_uuid, conversation_id, kind, payload, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
                params![item.client_uuid, item.conversation_id, item.kind.name(), payload, t],
            )?;
            let id = tx.last_insert_rowid();
            if matches!(
                item.kind,
                OutboxKind::Reply { .. }
                    | OutboxKind::Note { .. }
                    | OutboxKind::TicketReply { .. }
                    | OutboxKind::TicketNote { .. }
            ) {
                // The queued reply is what the draft became (see `drafts.rs`).
                tx.execute("DELETE FROM drafts WHERE id = ?1", [&item.conversation_id])?;
            }
            match &item.kind {
                OutboxKind::Reply { body } | OutboxKind::Note { body } => {
                    let part_type = if matches!(item.kind, OutboxKind::Reply { .. }) { "comment" } else { "note" };
                    let admin_name: Option<String> = tx
                        .query_row("SELECT name FROM admins WHERE id = ?1", [&item.admin_id], |r| r.get(0))
                        .optional()?;
                    tx.execute(
                        "INSERT INTO parts (id, conversation_id, part_type, body_html, body_text, author_type, author_id,
                           author_name, created_at, updated_at, outbox_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'admin', ?6, ?7, ?8, ?8, ?9)",
                        params![
                            local_part_id(&item.client_uuid),
                            item.conversation_id,
                            part_type,
                            body,
                            agentdesk_content::plain_text(body),
                            item.admin_id,
                            admin_name,
                            t,
                            id
                        ],
                    )?;
                    crate::fts::index_rows(tx, crate::fts::PARTS_FTS, &[tx.last_insert_rowid()])?;
                    crate::parts::refresh_aggregates(tx, &item.conversation_id)?;
                    crate::read_marks::mark_read(tx, &item.conversation_id, t, "local")?;
                }
                OutboxKind::MarkRead => crate::read_marks::mark_read(tx, &item.conversation_id, t, "local")?,
                OutboxKind::TrackEvent { contact_id, name, metadata } => {
                    tx.execute(
                        "INSERT INTO data_events (contact_id, event_name, created_at, metadata) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT DO NOTHING",
                        params![contact_id, name, t, metadata.to_string()],
                    )?;
                }
                OutboxKind::TicketReply { body } | OutboxKind::TicketNote { body } => {
                    let part_type = if matches!(item.kind, OutboxKind::TicketReply { .. }) { "comment" } else { "note" };
                    crate::ticket_effects::insert_local_part(
                        tx,
                        &crate::ticket_effects::LocalPart {
                            ticket_id: &item.conversation_id,
                            admin_id: &item.admin_id,
                            local_id: &local_part_id(&item.client_uuid),
                            part_type,
                            body,
                            outbox_id: id,
                            at: t,
                        },
                    )?;
                }
                OutboxKind::Close
                | OutboxKind::Reopen
                | OutboxKind::Snooze { .. }
                | OutboxKind::Assign { .. }
                | OutboxKind::Tag { .. }
                | OutboxKind::Untag { .. }
                | OutboxKind::Priority { .. }
                | OutboxKind::Attributes { .. }
                | OutboxKind::TicketUpdate { .. }
                | OutboxKind::TicketTag { .. }
                | OutboxKind::TicketUntag { .. } => {}
            }
            apply_overlay(tx, &item.conversation_id)?;
            Ok(id)
        })
    }

    /// Marks an item as handed to the network (counts an attempt). Only a pending item can be sent.
    pub fn mark_sending(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            if entry.status != OutboxStatus::Pending {
                return Err(StoreError::InvalidInput(format!("outbox item {id} is {:?}, not pending", entry.status)));
            }
            tx.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1", params![id, now()])?;
            Ok(())
        })
    }

    /// Intercom confirmed the item. For a reply or note, `server_part_id` is the part it
    /// created: the pending part takes that id (or is dropped if sync already cached it).
    pub fn mark_sent(&mut self, id: i64, server_part_id: Option<&str>) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            tx.execute(
                "UPDATE outbox SET status = 'sent', last_error = NULL, server_part_id = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, server_part_id, now()],
            )?;
            if let (Some(server_id), true) = (server_part_id, entry.kind.is_ticket()) {
                crate::ticket_effects::settle_local_part(tx, &local_part_id(&entry.client_uuid), server_id)?;
            } else if let Some(server_id) = server_part_id {
                let local = local_part_id(&entry.client_uuid);
                let cached: bool = tx.query_row("SELECT count(*) FROM parts WHERE id = ?1", [server_id], |r| r.get(0))?;
                if cached {
                    tx.execute("DELETE FROM parts WHERE id = ?1", [&local])?;
                } else {
                    tx.execute("UPDATE parts SET id = ?2, outbox_id = NULL WHERE id = ?1", params![local, server_id])?;
                }
            }
            apply_overlay(tx, &entry.conversation_id)
        })
    }

    /// The send may have been applied (e.g. a timeout after the request left): the engine
    /// must fetch the conversation and look for the item's uuid before any resend.
    pub fn mark_in_doubt(&mut self, id: i64, reason: &str) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            set_status(tx, id, OutboxStatus::InDoubt, Some(reason))?;
            apply_overlay(tx, &entry.conversation_id)
        })
    }

    /// Intercom refused the item for good (403, 404, validation): shown with the reason.
    pub fn mark_failed(&mut self, id: i64, reason: &str) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            set_status(tx, id, OutboxStatus::Failed, Some(reason))?;
            apply_overlay(tx, &entry.conversation_id)
        })
    }

    /// Puts a failed item (or an in-doubt one the reconciler did not find) back to pending.
    pub fn retry(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            if !matches!(entry.status, OutboxStatus::Failed | OutboxStatus::InDoubt) {
                return Err(StoreError::InvalidInput(format!(
                    "outbox item {id} is {:?}: only failed or in-doubt items are retried",
                    entry.status
                )));
            }
            set_status(tx, id, OutboxStatus::Pending, None)
        })
    }

    /// Drops an item the user gave up on and reverts its optimistic effect (pending part
    /// removed, state and assignees recomputed without it, tracked event removed). An item
    /// being sent or already sent cannot be discarded.
    pub fn discard(&mut self, id: i64) -> Result<()> {
        self.write(|tx| {
            let entry = load(tx, id)?;
            if matches!(entry.status, OutboxStatus::Sending | OutboxStatus::Sent) {
                return Err(StoreError::InvalidInput(format!("outbox item {id} is {:?} and cannot be discarded", entry.status)));
            }
            tx.execute("DELETE FROM parts WHERE id = ?1 AND outbox_id = ?2", params![local_part_id(&entry.client_uuid), id])?;
            if let OutboxKind::TrackEvent { contact_id, name, .. } = &entry.kind {
                tx.execute(
                    "DELETE FROM data_events WHERE contact_id = ?1 AND event_name = ?2 AND created_at = ?3 AND id IS NULL",
                    params![contact_id, name, entry.created_at],
                )?;
            }
            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
            if entry.kind.is_ticket() {
                crate::ticket_effects::drop_local_part(tx, &entry.conversation_id, &local_part_id(&entry.client_uuid), id)?;
            }
            crate::parts::refresh_aggregates(tx, &entry.conversation_id)?;
            apply_overlay(tx, &entry.conversation_id)
        })
    }

    /// Deletes confirmed items older than `before` (unix seconds), keeping the table small.
    pub fn prune_sent(&mut self, before: i64) -> Result<usize> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM outbox WHERE status = 'sent' AND settled = 1 AND updated_at < ?1",
                [before],
            )?)
        })
    }

    /// At open: items left `sending` by a crash may have been applied, so they become in doubt.
    pub(crate) fn recover_interrupted_sends(&mut self) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET status = 'in_doubt', last_error = 'the app stopped while sending', updated_at = ?1
                 WHERE status = 'sending'",
                [now()],
            )?;
            Ok(())
        })
    }
}

impl Reader {
    /// The items that may be sent now: for each conversation, its oldest unconfirmed item,
    /// if that one is pending (an in-doubt or failed item holds back the ones after it).
    pub fn next_sendable(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox_query(
            "o.status = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.conversation_id = o.conversation_id
               AND p.id < o.id AND p.status <> 'sent') ORDER BY o.id",
            [],
        )
    }

    /// Items awaiting reconciliation, oldest first.
    pub fn in_doubt_items(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox_query("o.status = 'in_doubt' ORDER BY o.id", [])
    }

    /// Failed items, oldest first (the UI lists them with retry and discard).
    pub fn failed_items(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox_query("o.status = 'failed' ORDER BY o.id", [])
    }

    /// One item.
    pub fn outbox_item(&self, id: i64) -> Result<Option<OutboxEntry>> {
        Ok(self.outbox_query("o.id = ?1", [id])?.into_iter().next())
    }

    /// Unconfirmed items of a conversation, in order.
    pub fn outbox_for_conversation(&self, conversation_id: &str) -> Result<Vec<OutboxEntry>> {
        self.outbox_query(
            "o.conversation_id = ?1 AND o.status <> 'sent' ORDER BY o.id",
            [conversation_id],
        )
    }

    fn outbox_query<P: rusqlite::Params>(
        &self,
        condition: &str,
        params: P,
    ) -> Result<Vec<OutboxEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox o WHERE {condition}");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params, entry_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Pending (incl. sending), in-doubt and failed counts.
    pub fn outbox_summary(&self) -> Result<OutboxSummary> {
        self.conn
            .query_row(
                "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending')),
                        count(*) FILTER (WHERE status = 'in_doubt'),
                        count(*) FILTER (WHERE status = 'failed')
                 FROM outbox",
                [],
                |r| {
                    Ok(OutboxSummary {
                        pending: r.get(0)?,
                        in_doubt: r.get(1)?,
                        failed: r.get(2)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Items not confirmed by Intercom (pending, sending, in doubt, failed): logout refuses
    /// while this is above zero unless forced.
    pub fn pending_count(&self) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM outbox WHERE status <> 'sent'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}
