//! Tickets (issue 14): the `ticket_types` (+ `ticket_type_attributes`), `ticket_states`,
//! `tickets`, `ticket_parts` and `ticket_read_marks` tables, and the queries behind
//! `list_tickets`, `get_ticket`, `list_ticket_types` and the `tickets` count.
//!
//! - Shown columns (`state`, `state_id`, `open`, `attributes`, `tags`) are the server's values
//!   (`srv_*`) with the ticket's unconfirmed outbox items laid over them in order
//!   (`ticket_effects.rs`), as for conversations: a page upsert never makes a pending state
//!   change flicker back, and a discard reverts exactly.
//! - Unread, for the acting admin: a contact wrote a part after the ticket's read mark, or the
//!   agent marked it unread. The first ticket sync seeds marks at each new ticket's
//!   `updated_at` (Intercom has no per-admin read flag on tickets), so the agent does not
//!   start with every old ticket unread; later tickets start unread once a contact part
//!   is cached.
//! - The `tickets` count: open tickets (not `resolved`) assigned to the acting admin, or to
//!   no admin and no team, with their unread share; kept by triggers in `view_counters`
//!   (`ticket_admin:<id>`, `ticket_unassigned`; see migration V8).
//! - A ticket's type need not be cached (a type made after `GET /ticket_types`): the row
//!   keeps the type's id and name from the ticket itself.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::conversations::{normalize_assignee, PageOutcome, Tag};
use crate::database::{now, Reader, Store};
use crate::error::{Result, StoreError};
use crate::fts::{FtsBatch, FtsIndex};
use crate::outbox::OutboxEntry;
use crate::ticket_effects::{
    apply_overlay, ensure_ticket, mark_read_in, refresh_aggregates, refresh_unread,
    TICKET_PARTS_FTS,
};

pub(crate) const TICKETS_FTS: FtsIndex = FtsIndex {
    fts: "tickets_fts",
    content: "tickets",
    columns: &["title", "description_text"],
};

/// The four state categories Intercom has.
pub const TICKET_STATES: [&str; 4] = [
    "submitted",
    "in_progress",
    "waiting_on_customer",
    "resolved",
];

/// One attribute of a ticket type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TicketAttributeDef {
    /// Intercom's attribute id.
    pub id: String,
    /// The key in a ticket's attributes (`_default_title_`, `severity`).
    pub name: String,
    /// What the agent sees; `None` when Intercom gave none (show `name`).
    pub label: Option<String>,
    /// `string`, `integer`, `float`, `boolean`, `datetime`, `list` (Intercom's `decimal` is
    /// stored as `float`; other types are kept as Intercom names them).
    pub data_type: String,
    /// Required to create (an update may not empty it).
    pub required: bool,
    /// One of the two default attributes (title, description).
    pub is_default: bool,
    /// A list attribute's options, `(id, label)`, in order.
    pub options: Vec<(String, String)>,
    /// Order in the type.
    pub position: i64,
    /// Archived attributes are kept (old tickets carry them) but not editable.
    pub archived: bool,
}

/// A ticket type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TicketType {
    /// Intercom's id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// An emoji.
    pub icon: Option<String>,
    /// `Customer`, `Back-office`, `Tracker`.
    pub category: Option<String>,
    /// Archived types are kept for their tickets but not listed for new work.
    pub archived: bool,
    /// Its attributes, in order.
    pub attributes: Vec<TicketAttributeDef>,
}

/// A ticket state of the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketStateDef {
    /// Intercom's id (what `PUT /tickets/{id}` takes as `ticket_state_id`).
    pub id: String,
    /// `submitted`, `in_progress`, `waiting_on_customer`, `resolved`.
    pub category: String,
    /// The teammates' label.
    pub internal_label: Option<String>,
    /// The customers' label.
    pub external_label: Option<String>,
    /// Archived states are kept for old tickets.
    pub archived: bool,
}

/// A ticket as Intercom lists it (no parts), as the sync engine hands it to the store.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ticket {
    /// Intercom's `id` (not the customer-facing number).
    pub id: String,
    /// The customer-facing `ticket_id`.
    pub number: Option<String>,
    /// `_default_title_`.
    pub title: Option<String>,
    /// `_default_description_` (stored as plain text).
    pub description: Option<String>,
    /// The type's id (it may not be cached).
    pub ticket_type_id: Option<String>,
    /// The type's name as the ticket carried it.
    pub ticket_type_name: Option<String>,
    /// The state category (`submitted`, ...); an unknown one is kept as given.
    pub state: String,
    /// The state's id.
    pub state_id: Option<String>,
    /// Intercom's `open`.
    pub open: bool,
    /// `None` when unassigned (`"0"` too).
    pub admin_assignee_id: Option<String>,
    /// `None` when unassigned.
    pub team_assignee_id: Option<String>,
    /// The first contact.
    pub contact_id: Option<String>,
    /// Every attribute as Intercom gave it.
    pub attributes: Map<String, Value>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Intercom's JSON.
    pub raw: Option<String>,
}

/// A part of a ticket.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TicketPart {
    /// Intercom's id, or `local:<uuid>` while an outbox reply is pending.
    pub id: String,
    /// `comment`, `note`, `ticket_state_updated_by_admin`, ...
    pub part_type: String,
    /// HTML.
    pub body_html: Option<String>,
    /// The body as plain text (derived when written).
    pub body_text: Option<String>,
    /// `admin`, `user`, `bot`, ...
    pub author_type: Option<String>,
    /// The author's id.
    pub author_id: Option<String>,
    /// The author's name.
    pub author_name: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// For a state change: the category before.
    pub previous_state: Option<String>,
    /// The ticket's state category at this part.
    pub state: Option<String>,
    /// The outbox item of a pending part.
    pub outbox_id: Option<i64>,
}

/// One row of the ticket list (`TicketRow` of the IPC contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketRow {
    /// Id.
    pub id: String,
    /// Customer-facing number.
    pub number: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Type id.
    pub ticket_type_id: Option<String>,
    /// Type name (the cached type's, else the ticket's own).
    pub ticket_type_name: Option<String>,
    /// State category (with the outbox overlay).
    pub state: String,
    /// The contact's name (or email) when cached.
    pub contact_name: Option<String>,
    /// Sort key.
    pub last_activity_at: i64,
    /// The assigned admin's name (or team's), when cached.
    pub assignee_name: Option<String>,
    /// Unread for the acting admin.
    pub unread: bool,
    /// Unconfirmed outbox items (pending, sending, in doubt).
    pub pending: i64,
    /// Failed outbox items.
    pub failed: i64,
    /// Tags (with the outbox overlay).
    pub tags: Vec<Tag>,
}

/// A page position in the ticket list: `(last_activity_at, id)` of the last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCursor {
    /// Sort key of the last row.
    pub last_activity_at: i64,
    /// Id of the last row.
    pub id: String,
}

/// An attribute with its value on one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketAttributeValue {
    /// The definition (from the cached type; a bare `string` one when the type is unknown).
    pub def: TicketAttributeDef,
    /// The value (with the outbox overlay), `Null` when unset.
    pub value: Value,
}

/// Everything the ticket view shows (`TicketDetail` of the IPC contract).
#[derive(Debug, Clone, PartialEq)]
pub struct TicketDetail {
    /// The ticket as shown (overlay applied).
    pub ticket: Ticket,
    /// Its type's name (cached type first).
    pub ticket_type_name: Option<String>,
    /// The contact's name or email.
    pub contact_name: Option<String>,
    /// Unread.
    pub unread: bool,
    /// Sort key.
    pub last_activity_at: i64,
    /// The type's attributes with values, in the type's order, then attributes the type
    /// does not (or no longer) define.
    pub attributes: Vec<TicketAttributeValue>,
    /// Parts in order, pending outbox parts included.
    pub parts: Vec<TicketPart>,
    /// Unconfirmed outbox items.
    pub outbox: Vec<OutboxEntry>,
    /// When its parts were last fetched (None: never).
    pub details_at: Option<i64>,
}

/// Sidebar count of tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketCount {
    /// Open tickets assigned to the acting admin or unassigned.
    pub total: i64,
    /// Of those, unread.
    pub unread: i64,
}

fn tags_json(tags: &[Tag]) -> Result<String> {
    Ok(serde_json::to_string(tags)?)
}

fn conv_err(i: usize, e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

impl Store {
    /// Replaces the cached ticket types and their attributes with `types` (a type no longer
    /// listed is kept: its tickets still name it).
    pub fn upsert_ticket_types(&mut self, types: &[TicketType]) -> Result<()> {
        self.write(|tx| {
            for t in types {
                tx.execute(
                    "INSERT INTO ticket_types (id, name, description, icon, category, archived)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(id) DO UPDATE SET name = excluded.name, description = excluded.description,
                       icon = excluded.icon, category = excluded.category, archived = excluded.archived",
                    params![t.id, t.name, t.description, t.icon, t.category, t.archived],
                )?;
                tx.execute("DELETE FROM ticket_type_attributes WHERE ticket_type_id = ?1", [&t.id])?;
                for a in &t.attributes {
                    tx.execute(
                        "INSERT INTO ticket_type_attributes (ticket_type_id, id, name, label, data_type, required,
                           is_default, options, position, archived)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                         ON CONFLICT DO NOTHING",
                        params![
                            t.id,
                            a.id,
                            a.name,
                            a.label,
                            a.data_type,
                            a.required,
                            a.is_default,
                            serde_json::to_string(&a.options)?,
                            a.position,
                            a.archived
                        ],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Upserts the workspace's ticket states.
    pub fn upsert_ticket_states(&mut self, states: &[TicketStateDef]) -> Result<()> {
        self.write(|tx| {
            for s in states {
                tx.execute(
                    "INSERT INTO ticket_states (id, category, internal_label, external_label, archived)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(id) DO UPDATE SET category = excluded.category,
                       internal_label = excluded.internal_label, external_label = excluded.external_label,
                       archived = excluded.archived",
                    params![s.id, s.category, s.internal_label, s.external_label, s.archived],
                )?;
            }
            Ok(())
        })
    }

    /// Upserts one page of tickets AND saves `cursor` for `sync_resource` in the same
    /// transaction, so a crash resumes from the last saved page. `seed_marks` (the first
    /// ticket sync) gives every ticket seen for the first time a read mark at its
    /// `updated_at`. Rows older than the cached copy are ignored.
    #[tracing::instrument(skip_all, fields(rows = tickets.len(), sync_resource), err)]
    pub fn upsert_tickets_page(
        &mut self,
        tickets: &[Ticket],
        sync_resource: &str,
        cursor: Option<&str>,
        seed_marks: bool,
    ) -> Result<PageOutcome> {
        self.write(|tx| {
            let outcome = upsert_tickets(tx, tickets)?;
            if seed_marks {
                for id in &outcome.new_ids {
                    tx.execute(
                        "INSERT INTO ticket_read_marks (ticket_id, read_up_to, marked_at)
                         SELECT id, updated_at, ?2 FROM tickets WHERE id = ?1 ON CONFLICT DO NOTHING",
                        params![id, now()],
                    )?;
                    refresh_unread(tx, id)?;
                }
            }
            crate::sync_state::save_page_cursor(tx, sync_resource, cursor)?;
            Ok(outcome)
        })
    }

    /// Upserts tickets without touching a cursor (one fetched by id, a write's answer).
    pub fn upsert_tickets(&mut self, tickets: &[Ticket]) -> Result<PageOutcome> {
        self.write(|tx| upsert_tickets(tx, tickets))
    }

    /// Stores a ticket's parts as fetched (existing ids updated, new ones added) and records
    /// when they were fetched.
    pub fn upsert_ticket_parts(&mut self, ticket_id: &str, parts: &[TicketPart]) -> Result<()> {
        self.write(|tx| {
            let mut batch = FtsBatch::new(TICKET_PARTS_FTS);
            for p in parts {
                let text = p
                    .body_text
                    .clone()
                    .or_else(|| p.body_html.as_deref().map(agentdesk_content::plain_text));
                let old: Option<(i64, Option<String>)> = tx
                    .query_row(
                        "SELECT seq, body_text FROM ticket_parts WHERE id = ?1",
                        [&p.id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                tx.execute(
                    "INSERT INTO ticket_parts (id, ticket_id, part_type, body_html, body_text, author_type, author_id,
                       author_name, created_at, previous_state, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT(id) DO UPDATE SET part_type = excluded.part_type, body_html = excluded.body_html,
                       body_text = excluded.body_text, author_type = excluded.author_type,
                       author_id = excluded.author_id, author_name = excluded.author_name,
                       created_at = excluded.created_at, previous_state = excluded.previous_state,
                       state = excluded.state",
                    params![
                        p.id,
                        ticket_id,
                        p.part_type,
                        p.body_html,
                        text,
                        p.author_type,
                        p.author_id,
                        p.author_name,
                        p.created_at,
                        p.previous_state,
                        p.state
                    ],
                )?;
                match old {
                    None => batch.inserted(tx.last_insert_rowid()),
                    Some((seq, old_text)) if old_text != text => {
                        batch.changed(seq, &[old_text.as_deref()])
                    }
                    Some(_) => {}
                }
            }
            batch.apply(tx)?;
            tx.execute(
                "UPDATE tickets SET details_at = ?2, details_version = updated_at WHERE id = ?1",
                params![ticket_id, now()],
            )?;
            refresh_aggregates(tx, ticket_id)
        })
    }

    /// Removes a ticket Intercom deleted, with its parts and read mark. Its unconfirmed
    /// outbox items fail with a reason (nothing else is touched). Returns whether it was cached.
    pub fn delete_ticket(&mut self, id: &str) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "UPDATE outbox SET status = 'failed', updated_at = ?2,
                   last_error = 'the ticket was deleted in Intercom; this change cannot be sent'
                 WHERE conversation_id = ?1 AND status IN ('pending', 'in_doubt')
                   AND kind LIKE 'ticket\\_%' ESCAPE '\\'",
                params![id, now()],
            )?;
            Ok(tx.execute("DELETE FROM tickets WHERE id = ?1", [id])? > 0)
        })
    }

    /// The agent opened the ticket: every cached contact part is read.
    pub fn mark_ticket_read(&mut self, id: &str) -> Result<()> {
        self.write(|tx| mark_read_in(tx, id, now()))
    }

    /// The agent marked the ticket unread.
    pub fn mark_ticket_unread(&mut self, id: &str) -> Result<()> {
        self.write(|tx| {
            ensure_ticket(tx, id)?;
            tx.execute(
                "INSERT INTO ticket_read_marks (ticket_id, read_up_to, marked_at, manual_unread)
                 VALUES (?1, 0, ?2, 1)
                 ON CONFLICT(ticket_id) DO UPDATE SET manual_unread = 1, marked_at = excluded.marked_at",
                params![id, now()],
            )?;
            refresh_unread(tx, id)
        })
    }
}

fn upsert_tickets(tx: &Transaction<'_>, tickets: &[Ticket]) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    let mut fts = FtsBatch::new(TICKETS_FTS);
    for t in tickets {
        type Before = (i64, i64, Option<String>, Option<String>, i64);
        let before: Option<Before> = tx
            .query_row(
                "SELECT seq, updated_at, title, description_text, outbox_active FROM tickets WHERE id = ?1",
                [&t.id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        if let Some((_, updated_at, ..)) = &before {
            if t.updated_at < *updated_at {
                outcome.unchanged += 1;
                continue;
            }
        }
        let admin = normalize_assignee(t.admin_assignee_id.as_deref());
        let team = normalize_assignee(t.team_assignee_id.as_deref());
        let attributes = Value::Object(t.attributes.clone()).to_string();
        let tags = tags_json(&t.tags)?;
        // Descriptions may hold HTML: the search text is derived here, as for parts.
        let description = t.description.as_deref().map(agentdesk_content::plain_text);
        let open = t.state != "resolved" && t.open;
        tx.prepare_cached(
            "INSERT INTO tickets (id, number, title, description_text, ticket_type_id, ticket_type_name,
               state, state_id, open, admin_assignee_id, team_assignee_id, attributes, srv_state, srv_state_id,
               srv_attributes, contact_id, tags, srv_tags, created_at, updated_at, last_activity_at, raw, synced_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?7, ?8, ?12, ?13, ?14, ?14, ?15, ?16, ?16, ?17, ?18)
             ON CONFLICT(id) DO UPDATE SET number = excluded.number, title = excluded.title,
               description_text = excluded.description_text, ticket_type_id = excluded.ticket_type_id,
               ticket_type_name = excluded.ticket_type_name, state = excluded.state, state_id = excluded.state_id,
               open = excluded.open, admin_assignee_id = excluded.admin_assignee_id,
               team_assignee_id = excluded.team_assignee_id, attributes = excluded.attributes,
               srv_state = excluded.srv_state, srv_state_id = excluded.srv_state_id,
               srv_attributes = excluded.srv_attributes, contact_id = excluded.contact_id, tags = excluded.tags,
               srv_tags = excluded.srv_tags, created_at = excluded.created_at, updated_at = excluded.updated_at,
               last_activity_at = max(tickets.last_activity_at, excluded.updated_at), raw = excluded.raw,
               synced_at = excluded.synced_at",
        )?
        .execute(params![
            t.id,
            t.number,
            t.title,
            description,
            t.ticket_type_id,
            t.ticket_type_name,
            t.state,
            t.state_id,
            open,
            admin,
            team,
            attributes,
            t.contact_id,
            tags,
            t.created_at,
            t.updated_at,
            t.raw,
            now()
        ])?;
        match before {
            None => {
                fts.inserted(tx.last_insert_rowid());
                refresh_unread(tx, &t.id)?;
                outcome.new_ids.push(t.id.clone());
            }
            Some((seq, updated_at, old_title, old_desc, outbox_active)) => {
                if old_title != t.title || old_desc != description {
                    fts.changed(seq, &[old_title.as_deref(), old_desc.as_deref()]);
                }
                if t.updated_at > updated_at {
                    outcome.moved_ids.push(t.id.clone());
                } else {
                    outcome.unchanged += 1;
                }
                tx.execute(
                    "UPDATE outbox SET settled = 1 WHERE conversation_id = ?1 AND status = 'sent' AND settled = 0",
                    [&t.id],
                )?;
                if outbox_active > 0 {
                    apply_overlay(tx, &t.id)?;
                }
            }
        }
    }
    fts.apply(tx)?;
    Ok(outcome)
}

const TICKET_COLUMNS: &str = "t.id, t.number, t.title, t.description_text, t.ticket_type_id, t.ticket_type_name, \
  t.state, t.state_id, t.open, t.admin_assignee_id, t.team_assignee_id, t.contact_id, t.attributes, t.tags, \
  t.created_at, t.updated_at, t.raw";

fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    let attributes: String = r.get(12)?;
    let tags: String = r.get(13)?;
    Ok(Ticket {
        id: r.get(0)?,
        number: r.get(1)?,
        title: r.get(2)?,
        description: r.get(3)?,
        ticket_type_id: r.get(4)?,
        ticket_type_name: r.get(5)?,
        state: r.get(6)?,
        state_id: r.get(7)?,
        open: r.get(8)?,
        admin_assignee_id: r.get(9)?,
        team_assignee_id: r.get(10)?,
        contact_id: r.get(11)?,
        attributes: serde_json::from_str(&attributes).map_err(|e| conv_err(12, e))?,
        tags: serde_json::from_str(&tags).map_err(|e| conv_err(13, e))?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
        raw: r.get(16)?,
    })
}

fn part_from_row(r: &Row<'_>) -> rusqlite::Result<TicketPart> {
    Ok(TicketPart {
        id: r.get(0)?,
        part_type: r.get(1)?,
        body_html: r.get(2)?,
        body_text: r.get(3)?,
        author_type: r.get(4)?,
        author_id: r.get(5)?,
        author_name: r.get(6)?,
        created_at: r.get(7)?,
        previous_state: r.get(8)?,
        state: r.get(9)?,
        outbox_id: r.get(10)?,
    })
}

impl Reader {
    /// `list_tickets`: tickets in `state` (None: every open state, i.e. not `resolved`), of
    /// `ticket_type_id` when given, newest activity first, after `cursor`, at most `limit`
    /// (1..=200). Returns the rows and the cursor of the next page.
    pub fn list_tickets(
        &self,
        state: Option<&str>,
        ticket_type_id: Option<&str>,
        cursor: Option<&TicketCursor>,
        limit: usize,
    ) -> Result<(Vec<TicketRow>, Option<TicketCursor>)> {
        let limit = limit.clamp(1, 200);
        // No cursor: before (MAX, "") is every row.
        let (at, after_id) = cursor.map_or((i64::MAX, String::new()), |c| {
            (c.last_activity_at, c.id.clone())
        });
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.id, t.number, t.title, t.ticket_type_id, coalesce(tt.name, t.ticket_type_name), t.state,
                   coalesce(k.name, k.email), t.last_activity_at, coalesce(a.name, tm.name), t.unread,
                   (SELECT count(*) FROM outbox o WHERE o.conversation_id = t.id
                      AND o.status IN ('pending', 'sending', 'in_doubt')),
                   (SELECT count(*) FROM outbox o WHERE o.conversation_id = t.id AND o.status = 'failed'),
                   t.tags
                 FROM tickets t
                 LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id
                 LEFT JOIN contacts k ON k.id = t.contact_id
                 LEFT JOIN admins a ON a.id = t.admin_assignee_id
                 LEFT JOIN teams tm ON tm.id = t.team_assignee_id
                 WHERE (CASE WHEN ?1 IS NULL THEN t.state <> 'resolved' ELSE t.state = ?1 END)
                   AND (?2 IS NULL OR t.ticket_type_id = ?2)
                   AND (t.last_activity_at, t.id) < (?3, ?4)
                 ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?5",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt
            .query_map(
                params![state, ticket_type_id, at, after_id, (limit + 1) as i64],
                |r| {
                    let tags: String = r.get(12)?;
                    Ok(TicketRow {
                        id: r.get(0)?,
                        number: r.get(1)?,
                        title: r.get(2)?,
                        ticket_type_id: r.get(3)?,
                        ticket_type_name: r.get(4)?,
                        state: r.get(5)?,
                        contact_name: r.get(6)?,
                        last_activity_at: r.get(7)?,
                        assignee_name: r.get(8)?,
                        unread: r.get(9)?,
                        pending: r.get(10)?,
                        failed: r.get(11)?,
                        tags: serde_json::from_str(&tags).map_err(|e| conv_err(12, e))?,
                    })
                },
            )
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        let next = (rows.len() > limit).then(|| {
            rows.truncate(limit);
            rows.last().map(|r| TicketCursor {
                last_activity_at: r.last_activity_at,
                id: r.id.clone(),
            })
        });
        Ok((rows, next.flatten()))
    }

    /// One ticket as cached (overlay applied), without parts.
    pub fn ticket(&self, id: &str) -> Result<Option<Ticket>> {
        self.conn
            .query_row(
                &format!("SELECT {TICKET_COLUMNS} FROM tickets t WHERE t.id = ?1"),
                [id],
                ticket_from_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Open tickets (not resolved), whoever they are assigned to: what `list_tickets` lists
    /// with no filter.
    pub fn open_ticket_total(&self) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM tickets WHERE state <> 'resolved'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Number of cached tickets.
    pub fn ticket_count_all(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// `get_ticket`: the ticket with its attributes (typed by its type), parts and pending items.
    pub fn ticket_detail(&self, id: &str) -> Result<Option<TicketDetail>> {
        let Some(ticket) = self.ticket(id)? else {
            return Ok(None);
        };
        let (unread, last_activity_at, details_at, contact_name, type_name): (
            bool,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
        ) = self
            .conn
            .query_row(
                "SELECT t.unread, t.last_activity_at, t.details_at, coalesce(k.name, k.email),
                   coalesce(tt.name, t.ticket_type_name)
                 FROM tickets t LEFT JOIN contacts k ON k.id = t.contact_id
                 LEFT JOIN ticket_types tt ON tt.id = t.ticket_type_id WHERE t.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(|e| self.err(e))?;
        let parts = self
            .conn
            .prepare_cached(
                "SELECT id, part_type, body_html, body_text, author_type, author_id, author_name, created_at,
                   previous_state, state, outbox_id FROM ticket_parts WHERE ticket_id = ?1
                 ORDER BY created_at, seq",
            )
            .map_err(|e| self.err(e))?
            .query_map([id], part_from_row)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        let defs = match &ticket.ticket_type_id {
            Some(t) => self.ticket_attribute_defs(t)?,
            None => Vec::new(),
        };
        let mut attributes: Vec<TicketAttributeValue> = defs
            .into_iter()
            .map(|def| TicketAttributeValue {
                value: ticket
                    .attributes
                    .get(&def.name)
                    .cloned()
                    .unwrap_or(Value::Null),
                def,
            })
            .collect();
        for (name, value) in &ticket.attributes {
            if !attributes.iter().any(|a| &a.def.name == name) {
                attributes.push(TicketAttributeValue {
                    def: TicketAttributeDef {
                        name: name.clone(),
                        data_type: guess_type(value).to_owned(),
                        ..Default::default()
                    },
                    value: value.clone(),
                });
            }
        }
        let outbox = self.outbox_for_conversation(id)?;
        Ok(Some(TicketDetail {
            ticket,
            ticket_type_name: type_name,
            contact_name,
            unread,
            last_activity_at,
            attributes,
            parts,
            outbox,
            details_at,
        }))
    }

    fn ticket_attribute_defs(&self, type_id: &str) -> Result<Vec<TicketAttributeDef>> {
        self.conn
            .prepare_cached(
                "SELECT id, name, label, data_type, required, is_default, options, position, archived
                 FROM ticket_type_attributes WHERE ticket_type_id = ?1 ORDER BY position, id",
            )
            .map_err(|e| self.err(e))?
            .query_map([type_id], |r| {
                let options: String = r.get(6)?;
                Ok(TicketAttributeDef {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    label: r.get(2)?,
                    data_type: r.get(3)?,
                    required: r.get(4)?,
                    is_default: r.get(5)?,
                    options: serde_json::from_str(&options).map_err(|e| conv_err(6, e))?,
                    position: r.get(7)?,
                    archived: r.get(8)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// `list_ticket_types`: cached types with attributes, by name; archived ones only when
    /// `include_archived`.
    pub fn ticket_types(&self, include_archived: bool) -> Result<Vec<TicketType>> {
        let mut types = self
            .conn
            .prepare_cached(
                "SELECT id, name, description, icon, category, archived FROM ticket_types
                 WHERE ?1 OR archived = 0 ORDER BY name, id",
            )
            .map_err(|e| self.err(e))?
            .query_map([include_archived], |r| {
                Ok(TicketType {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    description: r.get(2)?,
                    icon: r.get(3)?,
                    category: r.get(4)?,
                    archived: r.get(5)?,
                    attributes: Vec::new(),
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        for t in &mut types {
            t.attributes = self.ticket_attribute_defs(&t.id)?;
        }
        Ok(types)
    }

    /// The workspace's ticket states.
    pub fn ticket_states(&self) -> Result<Vec<TicketStateDef>> {
        self.conn
            .prepare_cached(
                "SELECT id, category, internal_label, external_label, archived FROM ticket_states ORDER BY id",
            )
            .map_err(|e| self.err(e))?
            .query_map([], |r| {
                Ok(TicketStateDef {
                    id: r.get(0)?,
                    category: r.get(1)?,
                    internal_label: r.get(2)?,
                    external_label: r.get(3)?,
                    archived: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The `tickets` count for `acting_admin`, from the trigger-kept counters.
    pub fn ticket_count(&self, acting_admin: &str) -> Result<TicketCount> {
        self.conn
            .query_row(
                "SELECT coalesce(sum(total), 0), coalesce(sum(unread), 0) FROM view_counters
                 WHERE key IN ('ticket_admin:' || ?1, 'ticket_unassigned')",
                [acting_admin],
                |r| {
                    Ok(TicketCount {
                        total: r.get(0)?,
                        unread: r.get(1)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// The same count by scanning the tickets: the reference the counters are tested against.
    pub fn ticket_count_exact(&self, acting_admin: &str) -> Result<TicketCount> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(unread), 0) FROM tickets WHERE state <> 'resolved'
                   AND (admin_assignee_id = ?1 OR (admin_assignee_id IS NULL AND team_assignee_id IS NULL))",
                [acting_admin],
                |r| {
                    Ok(TicketCount {
                        total: r.get(0)?,
                        unread: r.get(1)?,
                    })
                },
            )
            .map_err(|e| self.err(e))
    }

    /// Tickets whose parts are older than their metadata (never fetched; a newer version
    /// listed since, compared by Intercom's `updated_at` alone, never against our clock; or
    /// fetched in the very second of their last change: Intercom's times are whole seconds,
    /// so a later change in that second would keep `updated_at`, and the next fetch, a
    /// second on, settles it), at most `limit`, by priority: open ones of `acting_admin` or unassigned (the ones the
    /// `tickets` count shows), then other open ones, then resolved ones; newest first in
    /// each. What the detail pass fetches.
    pub fn tickets_needing_details(&self, acting_admin: &str, limit: usize) -> Result<Vec<String>> {
        self.conn
            .prepare_cached(
                "SELECT id FROM tickets WHERE details_version IS NULL OR details_version < updated_at
                   OR (details_version = updated_at AND details_at = updated_at)
                 ORDER BY (state = 'resolved'),
                   NOT (admin_assignee_id IS ?1 OR (admin_assignee_id IS NULL AND team_assignee_id IS NULL)),
                   updated_at DESC, id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?
            .query_map(params![acting_admin, limit as i64], |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Tickets matching `query` (titles, descriptions, part text), newest activity first.
    /// Each hit says it is a ticket ([`TicketHit`]).
    pub fn search_tickets(&self, query: &str, limit: usize) -> Result<Vec<TicketHit>> {
        let Some(fts) = crate::search::fts_query(query) else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, 200);
        let per_source = (limit * 3) as i64;
        let mut found: std::collections::HashMap<String, (bool, String, i64)> =
            std::collections::HashMap::new();
        let sources: [(bool, &str); 2] = [
            (
                false,
                "SELECT t.id, f.snip, t.last_activity_at FROM
                   (SELECT rowid AS r, snippet(tickets_fts, -1, char(2), char(3), '…', 16) AS snip
                    FROM tickets_fts WHERE tickets_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
                 JOIN tickets t ON t.seq = f.r",
            ),
            (
                true,
                "SELECT t.id, f.snip, t.last_activity_at FROM
                   (SELECT rowid AS r, snippet(ticket_parts_fts, 0, char(2), char(3), '…', 16) AS snip
                    FROM ticket_parts_fts WHERE ticket_parts_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
                 JOIN ticket_parts p ON p.seq = f.r JOIN tickets t ON t.id = p.ticket_id",
            ),
        ];
        for (in_part, sql) in sources {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            let mut rows = stmt
                .query(params![fts, per_source])
                .map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let id: String = row.get(0).map_err(|e| self.err(e))?;
                let snip: Option<String> = row.get(1).map_err(|e| self.err(e))?;
                let at: i64 = row.get(2).map_err(|e| self.err(e))?;
                found
                    .entry(id)
                    .or_insert((in_part, snip.unwrap_or_default(), at));
            }
        }
        let mut hits: Vec<TicketHit> = found
            .into_iter()
            .map(|(ticket_id, (in_part, snip, at))| TicketHit {
                ticket_id,
                in_part,
                snippet: crate::search::segments(&snip),
                last_activity_at: at,
            })
            .collect();
        hits.sort_by(|a, b| {
            b.last_activity_at
                .cmp(&a.last_activity_at)
                .then_with(|| b.ticket_id.cmp(&a.ticket_id))
        });
        hits.truncate(limit);
        Ok(hits)
    }
}

/// One ticket found by [`Reader::search_tickets`]: the app maps it to a `SearchHit` with
/// `kind: "ticket"` and `ticketId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketHit {
    /// The ticket.
    pub ticket_id: String,
    /// Matched in a part (else in the title or description).
    pub in_part: bool,
    /// Text around the match.
    pub snippet: Vec<crate::search::SnippetSegment>,
    /// Sort key.
    pub last_activity_at: i64,
}

/// An attribute as a message names it: its label and its name when they differ.
fn shown(def: &TicketAttributeDef) -> String {
    match def.label.as_deref() {
        Some(l) if l != def.name => format!("'{l}' ({})", def.name),
        _ => format!("'{}'", def.name),
    }
}

fn guess_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() => "integer",
        Value::Number(_) => "float",
        _ => "string",
    }
}

impl Reader {
    /// Checks an `update_ticket` before it is queued: the ticket is cached, `state` is one of
    /// the four categories, and each attribute is one of its type's (not archived), of the
    /// type's data type, a list value one of its options (by id or label), and a required
    /// one not emptied. `InvalidInput` names the attribute and what is wrong. A ticket whose
    /// type is not cached accepts only attributes it already has, with values of their kind.
    pub fn validate_ticket_update(
        &self,
        id: &str,
        state: Option<&str>,
        attributes: &Map<String, Value>,
    ) -> Result<()> {
        let ticket = self.ticket(id)?.ok_or_else(|| StoreError::NotFound {
            what: "ticket",
            id: id.to_owned(),
        })?;
        if let Some(s) = state {
            if !TICKET_STATES.contains(&s) {
                return Err(StoreError::InvalidInput(format!(
                    "'{s}' is not a ticket state; use one of {}",
                    TICKET_STATES.join(", ")
                )));
            }
        }
        let defs = match &ticket.ticket_type_id {
            Some(t) => self.ticket_attribute_defs(t)?,
            None => Vec::new(),
        };
        for (name, value) in attributes {
            let def = match defs.iter().find(|d| &d.name == name) {
                Some(d) if d.archived => {
                    return Err(StoreError::InvalidInput(format!(
                        "the attribute '{name}' is archived and cannot be changed"
                    )))
                }
                Some(d) => d.clone(),
                None if defs.is_empty() && ticket.attributes.contains_key(name) => {
                    TicketAttributeDef {
                        name: name.clone(),
                        data_type: guess_type(&ticket.attributes[name]).to_owned(),
                        ..Default::default()
                    }
                }
                None => {
                    return Err(StoreError::InvalidInput(format!(
                        "'{name}' is not an attribute of this ticket's type"
                    )))
                }
            };
            let empty = value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty());
            if empty {
                if def.required {
                    return Err(StoreError::InvalidInput(format!(
                        "the attribute {} is required and cannot be emptied",
                        shown(&def)
                    )));
                }
                continue;
            }
            let fits = match def.data_type.as_str() {
                "string" => value.is_string(),
                "integer" | "datetime" => value.is_i64(),
                "float" | "decimal" => value.is_number(),
                "boolean" => value.is_boolean(),
                "list" => value
                    .as_str()
                    .is_some_and(|v| def.options.iter().any(|(id, label)| id == v || label == v)),
                _ => true,
            };
            if !fits {
                let what = match def.data_type.as_str() {
                    "list" => format!(
                        "one of {}",
                        def.options
                            .iter()
                            .map(|(_, l)| l.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    other => format!("a {other} value"),
                };
                return Err(StoreError::InvalidInput(format!(
                    "the attribute {} takes {what}, not {value}",
                    shown(&def)
                )));
            }
        }
        Ok(())
    }

    /// The state id to send for `category` (the first one that is not archived).
    pub fn ticket_state_id(&self, category: &str) -> Result<Option<String>> {
        Ok(self
            .ticket_states()?
            .into_iter()
            .find(|s| s.category == category && !s.archived)
            .map(|s| s.id))
    }
}
