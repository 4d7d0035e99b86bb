//! The `notified_parts` table: contact parts a desktop notification was raised for, so no
//! part is ever notified twice, and the query that finds the ones not notified yet.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::authors::contact_author_types_sql;
use crate::database::{now, Reader, Store};
use crate::error::Result;
use crate::text::preview;
use crate::views::View;

/// A contact part that may deserve a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationCandidate {
    /// The part.
    pub part_id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// The contact's name as written on the part.
    pub author_name: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The first words of the part (the app hides them under the privacy setting).
    pub preview: String,
}

impl Store {
    /// Remembers that these parts were notified (idempotent).
    pub fn mark_notified(&mut self, part_ids: &[String]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO notified_parts (part_id, notified_at) VALUES (?1, ?2)",
            )?;
            let t = now();
            for id in part_ids {
                stmt.execute(params![id, t])?;
            }
            Ok(())
        })
    }
}

impl Reader {
    /// Contact parts created at or after `since` (e.g. the app's start) in conversations of
    /// `views` that were never notified and are still unread, oldest first.
    pub fn unnotified_contact_parts_since(
        &self,
        since: i64,
        views: &[View],
        acting_admin: &str,
    ) -> Result<Vec<NotificationCandidate>> {
        if views.is_empty() {
            return Ok(Vec::new());
        }
        let mut args: Vec<rusqlite::types::Value> = vec![since.into()];
        let predicates: Vec<String> = views
            .iter()
            .map(|v| format!("({})", v.predicate(acting_admin, &mut args)))
            .collect();
        let sql = format!(
            "SELECT p.id, p.conversation_id, p.author_name, p.created_at, p.body_text
             FROM parts p JOIN conversations c ON c.id = p.conversation_id
             WHERE p.author_type IN {} AND p.created_at >= ?1 AND c.unread = 1
               AND ({})
               AND NOT EXISTS (SELECT 1 FROM notified_parts n WHERE n.part_id = p.id)
             ORDER BY p.created_at, p.seq LIMIT 500",
            contact_author_types_sql!(),
            predicates.join(" OR ")
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                let text: Option<String> = r.get(4)?;
                Ok(NotificationCandidate {
                    part_id: r.get(0)?,
                    conversation_id: r.get(1)?,
                    author_name: r.get(2)?,
                    created_at: r.get(3)?,
                    preview: preview(text.as_deref().unwrap_or(""), 120),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
