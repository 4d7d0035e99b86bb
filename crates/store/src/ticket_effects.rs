//! What the outbox does to the ticket tables (issue 14): the overlay of unconfirmed ticket
//! items on a ticket's shown state, attributes and tags; pending reply parts; and the part
//! aggregates and unread flag they move. Below both `outbox.rs` (which calls it as items are
//! enqueued, sent, failed or discarded) and `tickets.rs` (the tables' queries), so neither
//! imports the other back.

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Map, Value};

use crate::authors::contact_author_types_sql;
use crate::error::{Result, StoreError};
use crate::fts::FtsIndex;

pub(crate) const TICKET_PARTS_FTS: FtsIndex = FtsIndex {
    fts: "ticket_parts_fts",
    content: "ticket_parts",
    columns: &["body_text"],
};

pub(crate) fn ensure_ticket(tx: &Transaction<'_>, id: &str) -> Result<()> {
    let n: i64 = tx.query_row("SELECT count(*) FROM tickets WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "ticket",
            id: id.to_owned(),
        });
    }
    Ok(())
}

pub(crate) fn mark_read_in(tx: &Transaction<'_>, id: &str, at: i64) -> Result<()> {
    ensure_ticket(tx, id)?;
    tx.execute(
        "INSERT INTO ticket_read_marks (ticket_id, read_up_to, marked_at, manual_unread)
         SELECT id, coalesce(last_contact_part_at, 0), ?2, 0 FROM tickets WHERE id = ?1
         ON CONFLICT(ticket_id) DO UPDATE SET read_up_to = max(read_up_to, excluded.read_up_to),
           marked_at = excluded.marked_at, manual_unread = 0",
        params![id, at],
    )?;
    refresh_unread(tx, id)
}

/// Sets `unread` from the read mark and `last_contact_part_at` (the unread model of `tickets.rs`).
pub(crate) fn refresh_unread(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.prepare_cached(
        "UPDATE tickets SET unread = coalesce(
           (SELECT m.manual_unread OR (tickets.last_contact_part_at IS NOT NULL
              AND tickets.last_contact_part_at > m.read_up_to)
            FROM ticket_read_marks m WHERE m.ticket_id = tickets.id),
           tickets.last_contact_part_at IS NOT NULL)
         WHERE id = ?1",
    )?
    .execute([id])?;
    Ok(())
}

/// Recomputes a ticket's part times, activity and unread from its parts.
pub(crate) fn refresh_aggregates(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.prepare_cached(concat!(
        "UPDATE tickets SET
           last_part_at = (SELECT max(created_at) FROM ticket_parts WHERE ticket_id = ?1),
           last_contact_part_at = (SELECT max(created_at) FROM ticket_parts WHERE ticket_id = ?1
             AND author_type IN ",
        contact_author_types_sql!(),
        "),
           last_activity_at = max(updated_at,
             coalesce((SELECT max(created_at) FROM ticket_parts WHERE ticket_id = ?1), 0))
         WHERE id = ?1"
    ))?
    .execute([id])?;
    refresh_unread(tx, id)
}

/// Recomputes a ticket's shown state, attributes and tags from its server values and its
/// unconfirmed outbox items in order, and its `outbox_active` count. Nothing when the id is
/// not a cached ticket.
pub(crate) fn apply_overlay(tx: &Transaction<'_>, id: &str) -> Result<()> {
    type Server = (String, Option<String>, String, String);
    let server: Option<Server> = tx
        .query_row(
            "SELECT srv_state, srv_state_id, srv_attributes, srv_tags FROM tickets WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((mut state, mut state_id, attributes, tags)) = server else {
        return Ok(());
    };
    let mut attributes: Map<String, Value> = serde_json::from_str(&attributes).unwrap_or_default();
    let mut tags: Vec<Value> = serde_json::from_str(&tags).unwrap_or_default();
    let payloads = tx
        .prepare_cached(
            "SELECT payload FROM outbox WHERE conversation_id = ?1 AND (status <> 'sent' OR settled = 0)
               AND kind IN ('ticket_update', 'ticket_tag', 'ticket_untag') ORDER BY id",
        )?
        .query_map([id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // The payload is the outbox's `{admin_id, kind: {type, ...}}`, read as JSON so this
    // module stays below the outbox (which calls it).
    for payload in payloads {
        let payload: Value = serde_json::from_str(&payload)?;
        let kind = &payload["kind"];
        let tag_id = kind["tag_id"].as_str().map(str::to_owned);
        match kind["type"].as_str() {
            Some("ticket_update") => {
                if let Some(s) = kind["state"].as_str() {
                    state = s.to_owned();
                    state_id = kind["state_id"].as_str().map(str::to_owned);
                }
                if let Some(a) = kind["attributes"].as_object() {
                    for (k, v) in a {
                        attributes.insert(k.clone(), v.clone());
                    }
                }
            }
            Some("ticket_tag") => {
                if let Some(tag_id) = tag_id.filter(|t| !tags.iter().any(|x| x["id"] == t.as_str()))
                {
                    tags.push(json!({"id": tag_id, "name": kind["tag_name"].as_str().unwrap_or_default()}));
                }
            }
            Some("ticket_untag") => {
                tags.retain(|x| Some(x["id"].as_str().unwrap_or_default()) != tag_id.as_deref())
            }
            _ => {}
        }
    }
    let title = attributes
        .get("_default_title_")
        .and_then(Value::as_str)
        .map(str::to_owned);
    tx.execute(
        "UPDATE tickets SET state = ?2, state_id = ?3, open = (?2 <> 'resolved'), attributes = ?4, tags = ?5,
           title = coalesce(?6, title),
           outbox_active = (SELECT count(*) FROM outbox WHERE conversation_id = ?1
                              AND status IN ('pending', 'sending', 'in_doubt', 'failed'))
         WHERE id = ?1",
        params![
            id,
            state,
            state_id,
            Value::Object(attributes).to_string(),
            Value::Array(tags).to_string(),
            title
        ],
    )?;
    Ok(())
}

/// The pending part of a ticket reply or note (`outbox.rs` makes it at enqueue).
pub(crate) struct LocalPart<'a> {
    pub ticket_id: &'a str,
    pub admin_id: &'a str,
    /// `local:<uuid>`.
    pub local_id: &'a str,
    /// `comment` or `note`.
    pub part_type: &'a str,
    pub body: &'a str,
    pub outbox_id: i64,
    pub at: i64,
}

/// Adds the pending part, refreshes the ticket and marks it read (the agent wrote last).
pub(crate) fn insert_local_part(tx: &Transaction<'_>, p: &LocalPart<'_>) -> Result<()> {
    let admin_name: Option<String> = tx
        .query_row("SELECT name FROM admins WHERE id = ?1", [p.admin_id], |r| {
            r.get(0)
        })
        .optional()?;
    tx.execute(
        "INSERT INTO ticket_parts (id, ticket_id, part_type, body_html, body_text, author_type, author_id,
           author_name, created_at, outbox_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'admin', ?6, ?7, ?8, ?9)",
        params![
            p.local_id,
            p.ticket_id,
            p.part_type,
            p.body,
            agentdesk_content::plain_text(p.body),
            p.admin_id,
            admin_name,
            p.at,
            p.outbox_id
        ],
    )?;
    crate::fts::index_rows(tx, TICKET_PARTS_FTS, &[tx.last_insert_rowid()])?;
    refresh_aggregates(tx, p.ticket_id)?;
    mark_read_in(tx, p.ticket_id, p.at)
}

/// A sent reply's local part takes the server's id (or goes, if sync already cached it).
pub(crate) fn settle_local_part(
    tx: &Transaction<'_>,
    local_id: &str,
    server_id: &str,
) -> Result<()> {
    let cached: bool = tx.query_row(
        "SELECT count(*) FROM ticket_parts WHERE id = ?1",
        [server_id],
        |r| r.get(0),
    )?;
    if cached {
        tx.execute("DELETE FROM ticket_parts WHERE id = ?1", [local_id])?;
    } else {
        tx.execute(
            "UPDATE ticket_parts SET id = ?2, outbox_id = NULL WHERE id = ?1",
            params![local_id, server_id],
        )?;
    }
    Ok(())
}

/// A discarded reply's local part goes.
pub(crate) fn drop_local_part(
    tx: &Transaction<'_>,
    ticket_id: &str,
    local_id: &str,
    outbox_id: i64,
) -> Result<()> {
    tx.execute(
        "DELETE FROM ticket_parts WHERE id = ?1 AND outbox_id = ?2",
        params![local_id, outbox_id],
    )?;
    refresh_aggregates(tx, ticket_id)
}

/// Whether `id` is a cached ticket.
pub(crate) fn exists(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    Ok(
        tx.query_row("SELECT count(*) FROM tickets WHERE id = ?1", [id], |r| {
            r.get::<_, i64>(0)
        })? > 0,
    )
}
