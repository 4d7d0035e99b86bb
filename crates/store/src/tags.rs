//! The workspace's tags (`tags`) and the definitions of its conversation attributes
//! (`conversation_attributes`): names for tag chips and the tag picker, types and options for
//! the attribute editor. Each is replaced whole from Intercom's list at a sync.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::database::{Reader, Store};
use crate::error::Result;

/// A tag: of the workspace, or applied to a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tag {
    /// Tag id.
    pub id: String,
    /// Tag name.
    pub name: String,
}

/// A conversation attribute's definition.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttributeDef {
    /// The key in `custom_attributes`.
    pub name: String,
    /// What the agent sees (the name when Intercom gives no label).
    pub label: String,
    /// `string`, `integer`, `float`, `boolean`, `date` (Intercom's names; others kept).
    pub data_type: String,
    /// The choices of a list attribute (empty for a free value).
    pub options: Vec<String>,
}

impl Store {
    /// Replaces the cached tags with Intercom's full list.
    pub fn replace_tags(&mut self, tags: &[Tag]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM tags", [])?;
            let mut stmt =
                tx.prepare_cached("INSERT OR REPLACE INTO tags (id, name) VALUES (?1, ?2)")?;
            for t in tags {
                stmt.execute(params![t.id, t.name])?;
            }
            Ok(())
        })
    }

    /// Replaces the cached conversation attribute definitions, keeping Intercom's order.
    pub fn replace_conversation_attributes(&mut self, defs: &[AttributeDef]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM conversation_attributes", [])?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO conversation_attributes (name, label, data_type, options, position)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (i, d) in defs.iter().enumerate() {
                stmt.execute(params![
                    d.name,
                    d.label,
                    d.data_type,
                    serde_json::to_string(&d.options)?,
                    i as i64
                ])?;
            }
            Ok(())
        })
    }
}

impl Reader {
    /// Every cached tag, by name (case-insensitively), then id.
    pub fn tags(&self) -> Result<Vec<Tag>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name FROM tags ORDER BY name COLLATE NOCASE, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Tag {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// The cached tag with this id, if any.
    pub fn tag(&self, id: &str) -> Result<Option<Tag>> {
        Ok(self.tags()?.into_iter().find(|t| t.id == id))
    }

    /// The conversation attribute definitions, in Intercom's order.
    pub fn conversation_attributes(&self) -> Result<Vec<AttributeDef>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, label, data_type, options FROM conversation_attributes ORDER BY position",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let options: String = r.get(3)?;
                Ok(AttributeDef {
                    name: r.get(0)?,
                    label: r.get(1)?,
                    data_type: r.get(2)?,
                    options: serde_json::from_str(&options).unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
