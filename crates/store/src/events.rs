//! The `data_events` and `event_summaries` tables: a contact's data-events timeline (deduplicated
//! on Intercom's own key: contact, event name, created_at) and its summary counts.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::database::{Reader, Store};
use crate::error::Result;

/// One data event of a contact.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DataEvent {
    /// The contact (Intercom id).
    pub contact_id: String,
    /// Event name.
    pub event_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Intercom's event id, when given.
    pub id: Option<String>,
    /// Metadata (flat map).
    pub metadata: serde_json::Value,
}

/// Summary counts of one event name for a contact (`first`/`last` are ISO strings, as Intercom sends).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventSummary {
    /// The contact.
    pub contact_id: String,
    /// Event name.
    pub name: String,
    /// First occurrence (ISO-8601).
    pub first: Option<String>,
    /// Last occurrence (ISO-8601).
    pub last: Option<String>,
    /// How many times.
    pub count: i64,
    /// Description.
    pub description: Option<String>,
}

impl Store {
    /// Inserts events, ignoring ones already cached (same contact, name and second).
    /// Returns how many were new.
    pub fn upsert_data_events(&mut self, events: &[DataEvent]) -> Result<usize> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO data_events (contact_id, event_name, created_at, id, metadata) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO UPDATE SET id = coalesce(excluded.id, id), metadata = excluded.metadata",
            )?;
            let mut new = 0;
            for e in events {
                let before: i64 = tx.query_row(
                    "SELECT count(*) FROM data_events WHERE contact_id = ?1 AND event_name = ?2 AND created_at = ?3",
                    params![e.contact_id, e.event_name, e.created_at],
                    |r| r.get(0),
                )?;
                let metadata = if e.metadata.is_null() { "{}".to_owned() } else { e.metadata.to_string() };
                stmt.execute(params![e.contact_id, e.event_name, e.created_at, e.id, metadata])?;
                new += usize::from(before == 0);
            }
            Ok(new)
        })
    }

    /// Replaces a contact's summary counts with Intercom's current list.
    pub fn replace_event_summaries(
        &mut self,
        contact_id: &str,
        summaries: &[EventSummary],
    ) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM event_summaries WHERE contact_id = ?1", [contact_id])?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO event_summaries (contact_id, name, first, last, count, description)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in summaries {
                stmt.execute(params![contact_id, s.name, s.first, s.last, s.count, s.description])?;
            }
            Ok(())
        })
    }
}

impl Reader {
    /// A contact's events, newest first.
    pub fn data_events(&self, contact_id: &str, limit: usize) -> Result<Vec<DataEvent>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT contact_id, event_name, created_at, id, metadata FROM data_events
                 WHERE contact_id = ?1 ORDER BY created_at DESC, event_name LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![contact_id, limit as i64], |r| {
                let metadata: String = r.get(4)?;
                Ok(DataEvent {
                    contact_id: r.get(0)?,
                    event_name: r.get(1)?,
                    created_at: r.get(2)?,
                    id: r.get(3)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// A contact's summary counts, by name.
    pub fn event_summaries(&self, contact_id: &str) -> Result<Vec<EventSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT contact_id, name, first, last, count, description FROM event_summaries
                 WHERE contact_id = ?1 ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([contact_id], |r| {
                Ok(EventSummary {
                    contact_id: r.get(0)?,
                    name: r.get(1)?,
                    first: r.get(2)?,
                    last: r.get(3)?,
                    count: r.get(4)?,
                    description: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
