//! The `sync_state` and `sync_kv` tables: per sync resource its cursor, last attempt, last
//! success and last error; and key/values such as the incremental high-water mark.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::database::{now, Reader, Store};
use crate::error::Result;

/// The sync status of one resource (e.g. `"conversations"` or `"backfill:2024-01"`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// The resource name the engine chose.
    pub resource: String,
    /// Cursor of the next page, `None` when done or not started.
    pub cursor: Option<String>,
    /// Unix seconds of the last attempt.
    pub last_attempt_at: Option<i64>,
    /// Unix seconds of the last success.
    pub last_success_at: Option<i64>,
    /// The last error's message, cleared by a success.
    pub last_error: Option<String>,
}

pub(crate) fn save_page_cursor(
    tx: &Transaction<'_>,
    resource: &str,
    cursor: Option<&str>,
) -> Result<()> {
    let t = now();
    tx.execute(
        "INSERT INTO sync_state (resource, cursor, last_attempt_at, last_success_at, last_error)
         VALUES (?1, ?2, ?3, ?3, NULL)
         ON CONFLICT(resource) DO UPDATE SET cursor = excluded.cursor, last_attempt_at = excluded.last_attempt_at,
           last_success_at = excluded.last_success_at, last_error = NULL",
        params![resource, cursor, t],
    )?;
    Ok(())
}

impl Store {
    /// Records that a sync of `resource` is starting (last attempt = now).
    pub fn record_sync_attempt(&mut self, resource: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (resource, last_attempt_at) VALUES (?1, ?2)
                 ON CONFLICT(resource) DO UPDATE SET last_attempt_at = excluded.last_attempt_at",
                params![resource, now()],
            )?;
            Ok(())
        })
    }

    /// Records a success of `resource` and its cursor (clears the last error).
    pub fn record_sync_success(&mut self, resource: &str, cursor: Option<&str>) -> Result<()> {
        self.write(|tx| save_page_cursor(tx, resource, cursor))
    }

    /// Forgets `resource`'s cursor and history, so its next walk starts afresh (a listing
    /// whose cursors looped must not resume from one of them).
    pub fn forget_sync_state(&mut self, resource: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM sync_state WHERE resource = ?1", [resource])?;
            Ok(())
        })
    }

    /// Records a failure of `resource` (keeps the cursor, so the next attempt resumes).
    pub fn record_sync_error(&mut self, resource: &str, message: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_state (resource, last_attempt_at, last_error) VALUES (?1, ?2, ?3)
                 ON CONFLICT(resource) DO UPDATE SET last_attempt_at = excluded.last_attempt_at,
                   last_error = excluded.last_error",
                params![resource, now(), message],
            )?;
            Ok(())
        })
    }

    /// Sets a key/value (e.g. `"conversations.high_water"` = `"1700000000"`).
    pub fn set_sync_value(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO sync_kv (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }
}

impl Reader {
    /// The state of one resource, or `None` if it never ran.
    pub fn sync_state(&self, resource: &str) -> Result<Option<SyncState>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT resource, cursor, last_attempt_at, last_success_at, last_error FROM sync_state WHERE resource = ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_row([resource], row_to_state)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every resource's state, by name (for `agentdesk status`).
    pub fn sync_states(&self) -> Result<Vec<SyncState>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT resource, cursor, last_attempt_at, last_success_at, last_error FROM sync_state ORDER BY resource",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], row_to_state).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// A key/value, or `None`.
    pub fn sync_value(&self, key: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM sync_kv WHERE key = ?1")
            .map_err(|e| self.err(e))?;
        stmt.query_row([key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }
}

fn row_to_state(r: &rusqlite::Row<'_>) -> rusqlite::Result<SyncState> {
    Ok(SyncState {
        resource: r.get(0)?,
        cursor: r.get(1)?,
        last_attempt_at: r.get(2)?,
        last_success_at: r.get(3)?,
        last_error: r.get(4)?,
    })
}
