//! Unsent replies and notes, one per conversation or ticket (their ids never collide), kept
//! in the workspace's cache so a crash, a quit or an update loses none of them, and logout,
//! which deletes the cache, deletes them with it. A reply or note queued in the outbox
//! consumes its item's draft in the same transaction (`outbox.rs`), so after a kill the
//! agent finds either the draft or the queued reply, never both and never neither.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::database::{now, Reader, Store};
use crate::error::{Result, StoreError};

/// The most text a draft keeps (characters' UTF-8 bytes): far above any reply Intercom takes.
pub const MAX_DRAFT_BYTES: usize = 256 * 1024;

/// A draft as the composer holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// The conversation's or ticket's id.
    pub id: String,
    /// `comment` (a reply the customer sees) or `note`.
    pub kind: String,
    /// The text as typed.
    pub body: String,
    /// Unix seconds of the last save.
    pub updated_at: i64,
}

impl Store {
    /// Keeps `body` as the draft of `id`; a blank one deletes it (nothing to keep).
    pub fn save_draft(&mut self, id: &str, kind: &str, body: &str) -> Result<()> {
        if id.trim().is_empty() {
            return Err(StoreError::InvalidInput("a draft needs an item id".into()));
        }
        if !matches!(kind, "comment" | "note") {
            return Err(StoreError::InvalidInput(format!(
                "a draft is a comment or a note, not {kind:?}"
            )));
        }
        if body.len() > MAX_DRAFT_BYTES {
            return Err(StoreError::InvalidInput(format!(
                "a draft holds at most {} KB of text",
                MAX_DRAFT_BYTES / 1024
            )));
        }
        self.write(|tx| {
            if body.trim().is_empty() {
                tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
            } else {
                tx.execute(
                    "INSERT INTO drafts (id, kind, body, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                       updated_at = excluded.updated_at",
                    params![id, kind, body, now()],
                )?;
            }
            Ok(())
        })
    }

    /// Forgets the draft of `id` (discarded by the agent).
    pub fn delete_draft(&mut self, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
            Ok(())
        })
    }
}

impl Reader {
    /// Every draft, the most recently saved first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, kind, body, updated_at FROM drafts ORDER BY updated_at DESC, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], draft_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The draft of `id`, if any.
    pub fn draft(&self, id: &str) -> Result<Option<Draft>> {
        self.conn
            .query_row(
                "SELECT id, kind, body, updated_at FROM drafts WHERE id = ?1",
                [id],
                draft_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

fn draft_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    Ok(Draft {
        id: r.get(0)?,
        kind: r.get(1)?,
        body: r.get(2)?,
        updated_at: r.get(3)?,
    })
}
