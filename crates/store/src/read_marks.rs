//! The `read_marks` table: the acting admin's read mark per conversation. The `unread` column
//! of `conversations` is kept equal to the unread rule by triggers (see the crate docs).

use rusqlite::{params, Transaction};

use crate::database::{now, Store};
use crate::error::{Result, StoreError};

impl Store {
    /// Marks a conversation read at `at` (unix seconds): every contact part cached now counts
    /// as read. A contact part that arrives later (with a later `created_at`) makes it unread again.
    pub fn mark_read(&mut self, conversation_id: &str, at: i64) -> Result<()> {
        self.write(|tx| mark_read(tx, conversation_id, at, "local"))
    }

    /// Marks a conversation unread until the next `mark_read`, whoever wrote last.
    pub fn mark_unread(&mut self, conversation_id: &str) -> Result<()> {
        self.write(|tx| {
            ensure_conversation(tx, conversation_id)?;
            tx.execute(
                "INSERT INTO read_marks (conversation_id, read_up_to, marked_at, manual_unread, source)
                 VALUES (?1, 0, ?2, 1, 'local')
                 ON CONFLICT(conversation_id) DO UPDATE SET manual_unread = 1, marked_at = excluded.marked_at,
                   source = 'local'",
                params![conversation_id, now()],
            )?;
            Ok(())
        })
    }

    /// First sync: gives each listed conversation that has no read mark yet one derived from
    /// Intercom's `read` flag: `read: true` means read up to its latest contact part,
    /// `read: false` leaves it unread (if a contact ever wrote). Returns how many were seeded.
    pub fn seed_read_marks_from_intercom(&mut self, conversation_ids: &[String]) -> Result<usize> {
        self.write(|tx| seed_in(tx, conversation_ids))
    }
}

/// Seeds read marks inside a caller's transaction (see [`Store::seed_read_marks_from_intercom`]).
pub(crate) fn seed_in(tx: &Transaction<'_>, conversation_ids: &[String]) -> Result<usize> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO read_marks (conversation_id, read_up_to, marked_at, manual_unread, source)
         SELECT id, coalesce(last_contact_part_at, 0), ?2, 0, 'intercom'
         FROM conversations WHERE id = ?1 AND read = 1
         ON CONFLICT(conversation_id) DO NOTHING",
    )?;
    let mut seeded = 0;
    let t = now();
    for id in conversation_ids {
        seeded += stmt.execute(params![id, t])?;
    }
    Ok(seeded)
}

fn ensure_conversation(tx: &Transaction<'_>, conversation_id: &str) -> Result<()> {
    let n: i64 = tx.query_row(
        "SELECT count(*) FROM conversations WHERE id = ?1",
        [conversation_id],
        |r| r.get(0),
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: "conversation",
            id: conversation_id.to_owned(),
        });
    }
    Ok(())
}

pub(crate) fn mark_read(
    tx: &Transaction<'_>,
    conversation_id: &str,
    at: i64,
    source: &str,
) -> Result<()> {
    ensure_conversation(tx, conversation_id)?;
    tx.execute(
        "INSERT INTO read_marks (conversation_id, read_up_to, marked_at, manual_unread, source)
         SELECT id, coalesce(last_contact_part_at, 0), ?2, 0, ?3 FROM conversations WHERE id = ?1
         ON CONFLICT(conversation_id) DO UPDATE SET read_up_to = max(read_up_to, excluded.read_up_to),
           marked_at = excluded.marked_at, manual_unread = 0, source = excluded.source",
        params![conversation_id, at, source],
    )?;
    Ok(())
}
