//! The `record_aliases` table: ids Intercom no longer serves as they were. A contact fetched by
//! id that comes back with another id was merged (a lead into a user): the old id maps to the
//! new one, and conversations that still name the old id are linked to the new one. A record
//! Intercom answers 404 or 410 for is gone (deleted, or merged without saying into what): it
//! maps to nothing, and is not asked for again.
//!
//! Conversations merged the same way map too; their cached row moves to the new id.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::database::{Reader, Store};
use crate::error::Result;

/// Which kind of record an alias is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A contact (`GET /contacts/{id}`).
    Contact,
    /// A conversation (`GET /conversations/{id}`).
    Conversation,
}

impl RecordKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Conversation => "conversation",
        }
    }
}

impl Store {
    /// Records that contact `old` is now `new` (merged): `old` maps to `new` (and so does
    /// every id that mapped to `old`), conversations naming `old` name `new` instead, and the
    /// cached `old` contact with its events goes. The caller stores the `new` contact.
    #[tracing::instrument(skip_all, err)]
    pub fn record_contact_merged(&mut self, old: &str, new: &str) -> Result<()> {
        if old == new {
            return Ok(());
        }
        self.write(|tx| {
            put_alias(tx, RecordKind::Contact, old, Some(new))?;
            relink_conversations(tx, old, Some(new))?;
            delete_contact_rows(tx, old)
        })
    }

    /// Records contacts Intercom answered 404 or 410 for: they map to nothing, are not fetched
    /// again, and their cached rows and events go. Conversations keep naming them (Intercom
    /// still does); the window shows such a contact as unknown.
    #[tracing::instrument(skip_all, fields(ids = ids.len()), err)]
    pub fn record_contacts_gone(&mut self, ids: &[String]) -> Result<()> {
        self.write(|tx| {
            for id in ids {
                put_alias(tx, RecordKind::Contact, id, None)?;
                delete_contact_rows(tx, id)?;
            }
            Ok(())
        })
    }

    /// Records that conversation `old` is now `new` (merged): the alias, and the cached `old`
    /// row goes with its parts, while its read mark and its unsettled outbox items move to
    /// `new` (a reply written before the merge is still sent, to the conversation it became).
    /// The caller stores the `new` conversation in the same cycle.
    #[tracing::instrument(skip_all, err)]
    pub fn record_conversation_merged(&mut self, old: &str, new: &str) -> Result<()> {
        if old == new {
            return Ok(());
        }
        self.write(|tx| {
            put_alias(tx, RecordKind::Conversation, old, Some(new))?;
            tx.execute(
                "UPDATE outbox SET conversation_id = ?2 WHERE conversation_id = ?1 AND settled = 0",
                params![old, new],
            )?;
            tx.execute(
                "INSERT OR IGNORE INTO read_marks (conversation_id, read_up_to, marked_at, manual_unread, source)
                 SELECT ?2, read_up_to, marked_at, manual_unread, source FROM read_marks
                 WHERE conversation_id = ?1 AND EXISTS (SELECT 1 FROM conversations WHERE id = ?2)",
                params![old, new],
            )?;
            tx.execute("DELETE FROM conversations WHERE id = ?1", [old])?;
            Ok(())
        })
    }
}

impl Reader {
    /// What `id` maps to: `None` when it is not an alias, `Some(None)` when the record is
    /// gone, `Some(Some(new))` when it was merged into `new`.
    pub fn alias(&self, kind: RecordKind, id: &str) -> Result<Option<Option<String>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT now_id FROM record_aliases WHERE kind = ?1 AND id = ?2")
            .map_err(|e| self.err(e))?;
        stmt.query_row(params![kind.as_str(), id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

fn put_alias(tx: &Transaction<'_>, kind: RecordKind, id: &str, now: Option<&str>) -> Result<()> {
    tx.execute(
        "INSERT INTO record_aliases (kind, id, now_id, at) VALUES (?1, ?2, ?3, unixepoch())
         ON CONFLICT(kind, id) DO UPDATE SET now_id = excluded.now_id, at = excluded.at",
        params![kind.as_str(), id, now],
    )?;
    // A chain (a merged into b, then b into c) maps a straight to c.
    if let Some(now) = now {
        tx.execute(
            "UPDATE record_aliases SET now_id = ?3 WHERE kind = ?1 AND now_id = ?2",
            params![kind.as_str(), id, now],
        )?;
    }
    Ok(())
}

/// Conversations naming contact `old` name `new` instead (in `contact_ids` order, without
/// duplicates), in the link table and the row.
fn relink_conversations(tx: &Transaction<'_>, old: &str, new: Option<&str>) -> Result<()> {
    let Some(new) = new else { return Ok(()) };
    let ids: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT c.id, c.contact_ids FROM conversation_contacts cc
             JOIN conversations c ON c.id = cc.conversation_id WHERE cc.contact_id = ?1",
        )?;
        let rows = stmt.query_map([old], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (conversation, contact_ids) in ids {
        let list: Vec<String> = serde_json::from_str(&contact_ids)?;
        let mapped = map_ids(list, |id| (id == old).then(|| new.to_owned()));
        tx.execute(
            "UPDATE conversations SET contact_ids = ?2, primary_contact_id = ?3 WHERE id = ?1",
            params![
                conversation,
                serde_json::to_string(&mapped)?,
                mapped.first()
            ],
        )?;
        tx.execute(
            "DELETE FROM conversation_contacts WHERE conversation_id = ?1 AND contact_id = ?2",
            params![conversation, old],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO conversation_contacts (conversation_id, contact_id) VALUES (?1, ?2)",
            params![conversation, new],
        )?;
    }
    Ok(())
}

/// Applies `map` to each id, keeping the first of any duplicates it makes.
pub(crate) fn map_ids(
    ids: Vec<String>,
    mut map: impl FnMut(&str) -> Option<String>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = map(&id).unwrap_or(id);
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// Maps contact ids merged into others to the contacts they became, for conversations about
/// to be stored. [`MergedContacts::load`] is `None` when no contact was ever merged (the common
/// case: one query per page instead of one per contact).
pub(crate) struct MergedContacts<'a> {
    stmt: rusqlite::CachedStatement<'a>,
}

impl<'a> MergedContacts<'a> {
    pub(crate) fn load(tx: &'a Transaction<'_>) -> Result<Option<Self>> {
        let any: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM record_aliases WHERE kind = 'contact' AND now_id IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        if !any {
            return Ok(None);
        }
        let stmt = tx.prepare_cached(
            "SELECT now_id FROM record_aliases WHERE kind = 'contact' AND id = ?1 AND now_id IS NOT NULL",
        )?;
        Ok(Some(Self { stmt }))
    }

    /// The contact `id` became, if it was merged.
    pub(crate) fn get(&mut self, id: &str) -> Result<Option<String>> {
        Ok(self.stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    /// `ids` with merged contacts replaced, or `None` when none of them was merged.
    pub(crate) fn map(&mut self, ids: &[String]) -> Result<Option<Vec<String>>> {
        let mut changed = false;
        let mut mapped = Vec::with_capacity(ids.len());
        for id in ids {
            match self.get(id)? {
                Some(now) => {
                    changed = true;
                    mapped.push(now);
                }
                None => mapped.push(id.clone()),
            }
        }
        Ok(changed.then(|| map_ids(mapped, |_| None)))
    }
}

fn delete_contact_rows(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute("DELETE FROM data_events WHERE contact_id = ?1", [id])?;
    tx.execute("DELETE FROM event_summaries WHERE contact_id = ?1", [id])?;
    tx.execute(
        "DELETE FROM contact_events_fetched WHERE contact_id = ?1",
        [id],
    )?;
    tx.execute("DELETE FROM contacts WHERE id = ?1", [id])?;
    Ok(())
}
