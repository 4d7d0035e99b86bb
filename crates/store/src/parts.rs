//! The `parts` table: conversation parts merged by id (cached parts older than Intercom's
//! 500-part window are kept), their plain text for search, and the conversation aggregates
//! (last part time, last contact part time, preview) that lists and unread counts read.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use crate::authors::{contact_author_types_sql, is_contact_type, Author};
use crate::database::{now, Reader, Store};
use crate::error::{Result, StoreError};
use crate::fts::{FtsBatch, PARTS_FTS};
use crate::text::preview;
use agentdesk_content::plain_text;

/// One conversation part.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Part {
    /// Intercom id (`local:<client uuid>` for a reply or note still in the outbox).
    pub id: String,
    /// The conversation.
    pub conversation_id: String,
    /// Intercom's open `part_type` (`comment`, `note`, `close`, `assignment`, ...).
    pub part_type: String,
    /// HTML body as Intercom sent it (unsanitized: the app sanitizes before rendering).
    pub body_html: Option<String>,
    /// Plain text of the body. Derived from `body_html` when `None` on upsert.
    pub body_text: Option<String>,
    /// Who wrote it.
    pub author: Author,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Attachments as Intercom lists them (`[{name, url, content_type, filesize, ...}]`).
    pub attachments: serde_json::Value,
    /// Whether Intercom redacted it.
    pub redacted: bool,
    /// `assigned_to.type` (`admin`, `team`, `nobody_admin`).
    pub assigned_to_type: Option<String>,
    /// `assigned_to.id`.
    pub assigned_to_id: Option<String>,
    /// Set only on a part the outbox created optimistically (ignored by `upsert_parts`).
    #[serde(default)]
    pub outbox_id: Option<i64>,
}

impl Store {
    /// Records that these conversations' parts were fetched now (even if they have none).
    pub fn mark_details_fetched(&mut self, conversation_ids: &[String]) -> Result<()> {
        self.write(|tx| {
            let mut stmt =
                tx.prepare_cached("UPDATE conversations SET details_at = ?2 WHERE id = ?1")?;
            let at = now();
            for id in conversation_ids {
                stmt.execute(params![id, at])?;
            }
            Ok(())
        })
    }

    /// Records that this contact's events were fetched now (even if there were none).
    pub fn mark_events_fetched(&mut self, contact_id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO contact_events_fetched (contact_id, fetched_at) VALUES (?1, ?2)
                 ON CONFLICT(contact_id) DO UPDATE SET fetched_at = excluded.fetched_at",
                params![contact_id, now()],
            )?;
            Ok(())
        })
    }

    /// Merges parts of one conversation by id (never deletes), then refreshes the
    /// conversation's last activity, last contact part time (unread) and preview.
    /// The conversation must be cached first.
    #[tracing::instrument(skip_all, fields(conversation_id, rows = parts.len()), err)]
    pub fn upsert_parts(&mut self, conversation_id: &str, parts: &[Part]) -> Result<()> {
        self.write(|tx| {
            let mut fts = FtsBatch::new(PARTS_FTS);
            upsert_parts(tx, conversation_id, parts, &mut fts)?;
            fts.apply(tx)
        })
    }

    /// Merges the parts of many conversations in one transaction (grouped by each part's
    /// `conversation_id`, which must be cached): the batched form for detail fetching.
    #[tracing::instrument(skip_all, fields(rows = parts.len()), err)]
    pub fn upsert_parts_batch(&mut self, parts: &[Part]) -> Result<()> {
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut groups: Vec<(&str, Vec<&Part>)> = Vec::new();
        for p in parts {
            let i = *index.entry(&p.conversation_id).or_insert_with(|| {
                groups.push((&p.conversation_id, Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push(p);
        }
        self.write(|tx| {
            let mut fts = FtsBatch::new(PARTS_FTS);
            for (conversation_id, group) in &groups {
                upsert_parts(tx, conversation_id, group, &mut fts)?;
            }
            fts.apply(tx)
        })
    }
}

/// Upserts `parts` of one conversation; their full-text changes are collected in `fts`
/// (the caller applies them once per transaction, see `fts.rs`).
pub(crate) fn upsert_parts<P: std::borrow::Borrow<Part>>(
    tx: &Transaction<'_>,
    conversation_id: &str,
    parts: &[P],
    fts: &mut FtsBatch,
) -> Result<()> {
    let exists: bool = tx
        .prepare_cached("SELECT count(*) FROM conversations WHERE id = ?1")?
        .query_row([conversation_id], |r| r.get(0))?;
    if !exists {
        return Err(StoreError::NotFound {
            what: "conversation",
            id: conversation_id.to_owned(),
        });
    }
    let mut stmt = tx.prepare_cached(UPSERT_SQL)?;
    let mut existing = tx.prepare_cached("SELECT seq, body_text FROM parts WHERE id = ?1")?;
    for p in parts {
        let p = p.borrow();
        if p.id.is_empty() {
            return Err(StoreError::InvalidInput(
                "a part without an id cannot be cached".into(),
            ));
        }
        let text = match (&p.body_text, &p.body_html) {
            (Some(t), _) => Some(plain_text(&html_escape_text(t))),
            (None, Some(html)) => Some(plain_text(html)),
            (None, None) => None,
        };
        let before: Option<(i64, Option<String>)> = existing
            .query_row([&p.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        stmt.execute(params![
            p.id,
            conversation_id,
            p.part_type,
            p.body_html,
            text,
            p.author.author_type,
            p.author.id,
            p.author.name,
            p.created_at,
            p.updated_at,
            if p.attachments.is_null() {
                "[]".to_owned()
            } else {
                p.attachments.to_string()
            },
            p.redacted,
            p.assigned_to_type,
            p.assigned_to_id,
        ])?;
        match before {
            None => fts.inserted(tx.last_insert_rowid()),
            Some((seq, old)) if old != text => fts.changed(seq, &[old.as_deref()]),
            Some(_) => {}
        }
    }
    // Intercom's copy of a confirmed reply is in this list now: drop its pending stand-in.
    tx.prepare_cached(
        "DELETE FROM parts WHERE conversation_id = ?1
           AND outbox_id IN (SELECT id FROM outbox WHERE status = 'sent')",
    )?
    .execute([conversation_id])?;
    refresh_aggregates(tx, conversation_id)
}

/// Plain text given by the caller goes through the same cleanup as HTML text (control
/// characters, whitespace) without treating `<` in it as markup.
fn html_escape_text(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;")
}

const UPSERT_SQL: &str = "
INSERT INTO parts (id, conversation_id, part_type, body_html, body_text, author_type, author_id,
  author_name, created_at, updated_at, attachments, redacted, assigned_to_type, assigned_to_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT(id) DO UPDATE SET
  part_type = excluded.part_type, body_html = excluded.body_html, body_text = excluded.body_text,
  author_type = excluded.author_type, author_id = excluded.author_id, author_name = excluded.author_name,
  created_at = excluded.created_at, updated_at = excluded.updated_at, attachments = excluded.attachments,
  redacted = excluded.redacted, assigned_to_type = excluded.assigned_to_type,
  assigned_to_id = excluded.assigned_to_id";

/// Recomputes the per-conversation aggregates from its parts (cheap: one index range).
pub(crate) fn refresh_aggregates(tx: &Transaction<'_>, conversation_id: &str) -> Result<()> {
    let (last_part_at, last_contact_part_at): (Option<i64>, Option<i64>) = tx
        .prepare_cached(concat!(
            "SELECT max(created_at), max(CASE WHEN author_type IN ",
            contact_author_types_sql!(),
            " THEN created_at END)
             FROM parts WHERE conversation_id = ?1"
        ))?
        .query_row([conversation_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let latest_text: Option<String> = tx
        .prepare_cached(
            "SELECT body_text FROM parts WHERE conversation_id = ?1 AND body_text <> '' AND part_type <> 'note'
             ORDER BY created_at DESC, seq DESC LIMIT 1",
        )?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?
        .flatten();
    let snippet = latest_text.as_deref().map(|t| preview(t, 140));
    tx.prepare_cached(
        "UPDATE conversations SET
           last_part_at = ?2,
           last_contact_part_at = CASE
             WHEN ?3 IS NULL THEN last_contact_part_at
             WHEN last_contact_part_at IS NULL THEN ?3
             ELSE max(last_contact_part_at, ?3) END,
           last_activity_at = max(updated_at, coalesce(?2, 0), last_activity_at),
           preview = coalesce(?4, preview)
         WHERE id = ?1",
    )?
    .execute(params![
        conversation_id,
        last_part_at,
        last_contact_part_at,
        snippet
    ])?;
    Ok(())
}

pub(crate) const PART_COLUMNS: &str = "id, conversation_id, part_type, body_html, body_text, author_type, author_id, \
  author_name, created_at, updated_at, attachments, redacted, assigned_to_type, assigned_to_id, outbox_id";

pub(crate) fn part_from_row(r: &Row<'_>) -> rusqlite::Result<Part> {
    let attachments: String = r.get(10)?;
    Ok(Part {
        id: r.get(0)?,
        conversation_id: r.get(1)?,
        part_type: r.get(2)?,
        body_html: r.get(3)?,
        body_text: r.get(4)?,
        author: Author {
            author_type: r.get(5)?,
            id: r.get(6)?,
            name: r.get(7)?,
        },
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
        attachments: serde_json::from_str(&attachments)
            .unwrap_or(serde_json::Value::Array(Vec::new())),
        redacted: r.get(11)?,
        assigned_to_type: r.get(12)?,
        assigned_to_id: r.get(13)?,
        outbox_id: r.get(14)?,
    })
}

impl Reader {
    /// A conversation's cached parts, oldest first (pending outbox parts last among equals).
    pub fn parts(&self, conversation_id: &str) -> Result<Vec<Part>> {
        let sql = format!(
            "SELECT {PART_COLUMNS} FROM parts WHERE conversation_id = ?1 ORDER BY created_at, seq"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([conversation_id], part_from_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Whether this conversation's parts were ever fetched (a conversation may have none).
    pub fn details_fetched(&self, conversation_id: &str) -> Result<bool> {
        let at: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT details_at FROM conversations WHERE id = ?1",
                [conversation_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(at.flatten().is_some())
    }

    /// Whether this contact's events were ever fetched (a contact may have none).
    pub fn events_fetched(&self, contact_id: &str) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM contact_events_fetched WHERE contact_id = ?1",
                [contact_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// Number of cached parts of a conversation.
    pub fn part_count(&self, conversation_id: &str) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT count(*) FROM parts WHERE conversation_id = ?1",
                [conversation_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

/// Whether a part's author is a contact.
pub fn is_contact_part(part: &Part) -> bool {
    is_contact_type(part.author.author_type.as_deref())
}
