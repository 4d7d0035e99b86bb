//! The `teams` table: team names for views and assignees.

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::database::{Reader, Store};
use crate::error::Result;

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Team {
    /// Intercom id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Member admins.
    pub admin_ids: Vec<String>,
}

impl Store {
    /// Replaces the cached teams with Intercom's full list.
    pub fn replace_teams(&mut self, teams: &[Team]) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM teams", [])?;
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO teams (id, name, admin_ids) VALUES (?1, ?2, ?3)",
            )?;
            for t in teams {
                stmt.execute(params![t.id, t.name, serde_json::to_string(&t.admin_ids)?])?;
            }
            Ok(())
        })
    }
}

impl Reader {
    /// Every cached team, by name.
    pub fn teams(&self) -> Result<Vec<Team>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, admin_ids FROM teams ORDER BY name, id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let admin_ids: String = r.get(2)?;
                Ok(Team {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    admin_ids: serde_json::from_str(&admin_ids).unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Ids of the teams an admin belongs to (from either side of the membership).
    pub fn team_ids_of(&self, admin_id: &str) -> Result<Vec<String>> {
        let mut ids: Vec<String> = self
            .teams()?
            .into_iter()
            .filter(|t| t.admin_ids.iter().any(|a| a == admin_id))
            .map(|t| t.id)
            .collect();
        for admin in self.admins()?.into_iter().filter(|a| a.id == admin_id) {
            ids.extend(admin.team_ids);
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }
}
