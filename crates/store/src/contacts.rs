//! The `contacts` table: the customers in conversations, for list names, the customer panel
//! and search by name or email.

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::database::{Reader, Store};
use crate::error::{Result, StoreError};
use crate::fts::{FtsBatch, CONTACTS_FTS};

/// A contact (user or lead).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Contact {
    /// Intercom id.
    pub id: String,
    /// The workspace's own id for the user.
    pub external_id: Option<String>,
    /// `user` or `lead`.
    pub role: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// Location as one display string ("Paris, Île-de-France, France").
    pub location: Option<String>,
    /// Company names.
    pub companies: Vec<String>,
    /// Custom attributes (heterogeneous values, kept as JSON).
    pub custom_attributes: serde_json::Value,
    /// Unix seconds.
    pub created_at: Option<i64>,
    /// Unix seconds.
    pub updated_at: Option<i64>,
    /// Unix seconds.
    pub last_seen_at: Option<i64>,
    /// The object as Intercom returned it.
    pub raw: serde_json::Value,
}

impl Contact {
    /// What lists show for this contact: name, else email, else "Unknown".
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.email.as_deref().filter(|s| !s.is_empty()))
            .unwrap_or("Unknown")
    }
}

impl Store {
    /// Upserts contacts by id in one transaction.
    #[tracing::instrument(skip_all, fields(rows = contacts.len()), err)]
    pub fn upsert_contacts(&mut self, contacts: &[Contact]) -> Result<()> {
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(UPSERT_SQL)?;
            let mut existing =
                tx.prepare_cached("SELECT seq, name, email FROM contacts WHERE id = ?1")?;
            let mut fts = FtsBatch::new(CONTACTS_FTS);
            for c in contacts {
                if c.id.is_empty() {
                    return Err(StoreError::InvalidInput(
                        "a contact without an id cannot be cached".into(),
                    ));
                }
                let before: Option<(i64, Option<String>, Option<String>)> = existing
                    .query_row([&c.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                stmt.execute(params![
                    c.id,
                    c.external_id,
                    c.role,
                    c.name,
                    c.email,
                    c.phone,
                    c.avatar_url,
                    c.location,
                    serde_json::to_string(&c.companies)?,
                    if c.custom_attributes.is_null() {
                        "{}".to_owned()
                    } else {
                        c.custom_attributes.to_string()
                    },
                    c.created_at,
                    c.updated_at,
                    c.last_seen_at,
                    if c.raw.is_null() {
                        None
                    } else {
                        Some(c.raw.to_string())
                    },
                ])?;
                match before {
                    None => fts.inserted(tx.last_insert_rowid()),
                    Some((seq, name, email)) if (&name, &email) != (&c.name, &c.email) => {
                        fts.changed(seq, &[name.as_deref(), email.as_deref()]);
                    }
                    Some(_) => {}
                }
            }
            fts.apply(tx)
        })
    }

    /// Removes a contact (deleted or merged away in Intercom) with its events.
    pub fn delete_contact(&mut self, id: &str) -> Result<bool> {
        self.write(|tx| {
            tx.execute("DELETE FROM data_events WHERE contact_id = ?1", [id])?;
            tx.execute("DELETE FROM event_summaries WHERE contact_id = ?1", [id])?;
            Ok(tx.execute("DELETE FROM contacts WHERE id = ?1", [id])? > 0)
        })
    }
}

const UPSERT_SQL: &str = "
INSERT INTO contacts (id, external_id, role, name, email, phone, avatar_url, location, companies,
  custom_attributes, created_at, updated_at, last_seen_at, raw)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT(id) DO UPDATE SET
  external_id = excluded.external_id, role = excluded.role, name = excluded.name, email = excluded.email,
  phone = excluded.phone, avatar_url = excluded.avatar_url, location = excluded.location,
  companies = excluded.companies, custom_attributes = excluded.custom_attributes,
  created_at = excluded.created_at, updated_at = excluded.updated_at,
  last_seen_at = excluded.last_seen_at, raw = excluded.raw";

fn contact_from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    let companies: String = r.get(8)?;
    let custom: String = r.get(9)?;
    let raw: Option<String> = r.get(13)?;
    Ok(Contact {
        id: r.get(0)?,
        external_id: r.get(1)?,
        role: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        phone: r.get(5)?,
        avatar_url: r.get(6)?,
        location: r.get(7)?,
        companies: serde_json::from_str(&companies).unwrap_or_default(),
        custom_attributes: serde_json::from_str(&custom).unwrap_or(serde_json::Value::Null),
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        last_seen_at: r.get(12)?,
        raw: raw
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null),
    })
}

/// One of a contact's conversations, for the customer panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactConversation {
    /// Conversation id.
    pub id: String,
    /// Title, else subject, else the latest message's snippet.
    pub subject: Option<String>,
    /// `open`, `closed` or `snoozed`.
    pub state: String,
    /// Last activity, unix seconds.
    pub last_activity_at: i64,
}

impl Reader {
    /// One cached contact.
    pub fn contact(&self, id: &str) -> Result<Option<Contact>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, external_id, role, name, email, phone, avatar_url, location, companies,
                        custom_attributes, created_at, updated_at, last_seen_at, raw
                 FROM contacts WHERE id = ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_row([id], contact_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Contact ids referenced by cached conversations but not cached themselves (to fetch),
    /// leaving out ids known to be merged or gone (`aliases`).
    pub fn missing_contact_ids(&self, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT cc.contact_id FROM conversation_contacts cc
                 WHERE NOT EXISTS (SELECT 1 FROM contacts k WHERE k.id = cc.contact_id)
                   AND NOT EXISTS (SELECT 1 FROM record_aliases a
                                   WHERE a.kind = 'contact' AND a.id = cc.contact_id)
                 LIMIT ?1",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([limit as i64], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .map_err(|e| self.err(e))
    }

    /// A contact's most recent conversations (id, title or subject, state, last activity).
    pub fn contact_conversations(
        &self,
        contact_id: &str,
        limit: usize,
    ) -> Result<Vec<ContactConversation>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.id, coalesce(nullif(c.title, ''), nullif(c.source_subject, ''), c.preview), c.state, c.last_activity_at
                 FROM conversation_contacts cc JOIN conversations c ON c.id = cc.conversation_id
                 WHERE cc.contact_id = ?1 ORDER BY c.last_activity_at DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![contact_id, limit as i64], |r| {
                Ok(ContactConversation {
                    id: r.get(0)?,
                    subject: r.get(1)?,
                    state: r.get(2)?,
                    last_activity_at: r.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
