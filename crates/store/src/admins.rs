//! The `admins` table: teammates, for assignee names and the acting-admin choice.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::database::{Reader, Store};
use crate::error::Result;

/// A teammate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Admin {
    /// Intercom id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Teams the admin belongs to.
    pub team_ids: Vec<String>,
}

impl Store {
    /// Replaces the cached admins with Intercom's full list (admins no longer listed are removed).
    pub fn replace_admins(&mut self, admins: &[Admin]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM admins", [])?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO admins (id, name, email, team_ids) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for a in admins {
                stmt.execute(params![
                    a.id,
                    a.name,
                    a.email,
                    serde_json::to_string(&a.team_ids)?
                ])?;
            }
            Ok(())
        })
    }
}

impl Reader {
    /// Every cached admin, by name.
    pub fn admins(&self) -> Result<Vec<Admin>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, email, team_ids FROM admins ORDER BY name, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let team_ids: String = r.get(3)?;
                Ok(Admin {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    email: r.get(2)?,
                    team_ids: serde_json::from_str(&team_ids).unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
