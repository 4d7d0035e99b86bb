//! Inbox views over `conversations`: their ids and names, counts (total and unread) for all
//! views in one query, and keyset-paged list rows sorted by last activity. Membership is
//! defined once, in Rust ([`View::contains`]); its SQL forms (each view's predicate, which
//! matches a partial index in `migrations.rs` literally, and the counter triggers there) are
//! tested against it.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::conversations::{Conversation, ConversationState};
use crate::database::Reader;
use crate::error::{Result, StoreError};

/// An inbox view. String ids: `mine`, `unassigned`, `team:<id>`, `all_open`, `snoozed`, `closed`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum View {
    /// Open and assigned to the acting admin ("Your inbox").
    Mine,
    /// Open, assigned to no admin and no team (Intercom's "Unassigned").
    Unassigned,
    /// Open and assigned to this team (whatever the admin assignee).
    Team(String),
    /// Every open conversation (snoozed ones are not open here).
    AllOpen,
    /// Snoozed.
    Snoozed,
    /// Closed.
    Closed,
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::Mine => f.write_str("mine"),
            View::Unassigned => f.write_str("unassigned"),
            View::Team(id) => write!(f, "team:{id}"),
            View::AllOpen => f.write_str("all_open"),
            View::Snoozed => f.write_str("snoozed"),
            View::Closed => f.write_str("closed"),
        }
    }
}

impl FromStr for View {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<View> {
        Ok(match s {
            "mine" => View::Mine,
            "unassigned" => View::Unassigned,
            "all_open" => View::AllOpen,
            "snoozed" => View::Snoozed,
            "closed" => View::Closed,
            _ => match s.strip_prefix("team:") {
                Some(id) if !id.is_empty() => View::Team(id.to_owned()),
                _ => {
                    return Err(StoreError::InvalidInput(format!(
                        "unknown view {s:?}: expected mine, unassigned, team:<id>, all_open, snoozed or closed"
                    )))
                }
            },
        })
    }
}

impl Serialize for View {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for View {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<View, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What decides which views hold a conversation: its state and its assignees (`None` for
/// unassigned; the sync engine stores Intercom's `0` and `""` as `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment<'a> {
    /// Open, snoozed or closed.
    pub state: ConversationState,
    /// The assigned admin.
    pub admin_assignee_id: Option<&'a str>,
    /// The assigned team.
    pub team_assignee_id: Option<&'a str>,
}

impl<'a> From<&'a Conversation> for Assignment<'a> {
    fn from(c: &'a Conversation) -> Assignment<'a> {
        Assignment {
            state: c.state,
            admin_assignee_id: c.admin_assignee_id.as_deref(),
            team_assignee_id: c.team_assignee_id.as_deref(),
        }
    }
}

impl View {
    /// Whether a conversation is in this view for `acting_admin`: the one definition of view
    /// membership. The SQL that lists and counts views says the same in SQL
    /// (`View::predicate` and the `view_counters` triggers in `migrations.rs`); the store's
    /// tests check both against this function.
    pub fn contains(&self, c: Assignment<'_>, acting_admin: &str) -> bool {
        let open = c.state == ConversationState::Open;
        match self {
            View::Mine => open && c.admin_assignee_id == Some(acting_admin),
            View::Unassigned => {
                open && c.admin_assignee_id.is_none() && c.team_assignee_id.is_none()
            }
            View::Team(id) => open && c.team_assignee_id == Some(id.as_str()),
            View::AllOpen => open,
            View::Snoozed => c.state == ConversationState::Snoozed,
            View::Closed => c.state == ConversationState::Closed,
        }
    }

    /// The `view_counters` key holding this view's counts.
    fn counter_key(&self, acting_admin: &str) -> String {
        match self {
            View::Mine => format!("admin:{acting_admin}"),
            View::Unassigned => "unassigned".to_owned(),
            View::Team(id) => format!("team:{id}"),
            View::AllOpen => "state:open".to_owned(),
            View::Snoozed => "state:snoozed".to_owned(),
            View::Closed => "state:closed".to_owned(),
        }
    }

    /// The SQL condition on `conversations c` for this view, pushing its parameters onto `args`.
    /// The state literals must stay literal: partial indexes only match literal predicates.
    pub(crate) fn predicate(&self, acting_admin: &str, args: &mut Vec<Value>) -> String {
        match self {
            View::Mine => {
                args.push(acting_admin.to_owned().into());
                format!("c.state = 'open' AND c.admin_assignee_id = ?{}", args.len())
            }
            View::Unassigned => {
                "c.state = 'open' AND c.admin_assignee_id IS NULL AND c.team_assignee_id IS NULL"
                    .to_owned()
            }
            View::Team(id) => {
                args.push(id.clone().into());
                format!("c.state = 'open' AND c.team_assignee_id = ?{}", args.len())
            }
            View::AllOpen => "c.state = 'open'".to_owned(),
            View::Snoozed => "c.state = 'snoozed'".to_owned(),
            View::Closed => "c.state = 'closed'".to_owned(),
        }
    }
}

/// A view with its counts, as `agentdesk status --json` and the sidebar show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewCount {
    /// `mine`, `unassigned`, `team:<id>`, `all_open`, `snoozed` or `closed`.
    pub id: String,
    /// Display name ("Your inbox", "Unassigned", the team's name, "All open", "Snoozed", "Closed").
    pub name: String,
    /// Conversations in the view.
    pub total: i64,
    /// Unread ones among them.
    pub unread: i64,
}

/// The position after the last row of a page: pass it as `before` to get the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCursor {
    /// `last_activity_at` of the last row shown.
    pub last_activity_at: i64,
    /// Id of the last row shown.
    pub id: String,
    /// The last row's priority, in a priority-first listing (`None` in a newest-first one).
    #[serde(default)]
    pub priority: Option<bool>,
}

/// How to narrow and order a view's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only conversations carrying this tag (shown tags, pending changes included).
    pub tag_id: Option<String>,
    /// Priority conversations first, each group newest activity first.
    pub priority_first: bool,
}

/// One row of a conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    /// Conversation id.
    pub id: String,
    /// Contact name, else email, else the source author's name, else "Unknown".
    pub contact_name: String,
    /// Title, else the source subject, else a snippet of the latest message.
    pub subject: String,
    /// Sort key: the latest of `updated_at` and the newest part.
    pub last_activity_at: i64,
    /// Assigned admin's name, else the team's name.
    pub assignee_name: Option<String>,
    /// Unread for the acting admin.
    pub unread: bool,
    /// The outbox holds items for it still on their way (pending, sending or in doubt).
    pub pending_send: bool,
    /// The outbox holds items for it that Intercom refused: the agent retries or discards.
    pub failed_send: bool,
    /// Priority flag.
    pub priority: bool,
    /// State as shown.
    pub state: String,
    /// Tags as shown (pending changes included).
    pub tags: Vec<crate::tags::Tag>,
    /// The SLA applied, if any.
    pub sla: Option<crate::conversations::Sla>,
}

impl ListRow {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> PageCursor {
        PageCursor {
            last_activity_at: self.last_activity_at,
            id: self.id.clone(),
            priority: None,
        }
    }

    /// The cursor that continues after this row in a priority-first listing.
    pub fn priority_cursor(&self) -> PageCursor {
        PageCursor {
            priority: Some(self.priority),
            ..self.cursor()
        }
    }
}

/// The views of the sidebar, in order: Your inbox, Unassigned, each team, All open, Snoozed, Closed.
pub fn sidebar_views(team_ids: &[String]) -> Vec<View> {
    let mut views = vec![View::Mine, View::Unassigned];
    views.extend(team_ids.iter().map(|t| View::Team(t.clone())));
    views.extend([View::AllOpen, View::Snoozed, View::Closed]);
    views
}

/// The sidebar views (for an admin in `team_ids`) that hold a conversation, in sidebar order.
pub fn views_of(c: Assignment<'_>, acting_admin: &str, team_ids: &[String]) -> Vec<View> {
    sidebar_views(team_ids)
        .into_iter()
        .filter(|v| v.contains(c, acting_admin))
        .collect()
}

impl Reader {
    /// Totals and unread counts of every sidebar view, read from the trigger-kept
    /// `view_counters` table in one statement (a few key lookups at any size).
    pub fn view_counts(&self, acting_admin: &str, team_ids: &[String]) -> Result<Vec<ViewCount>> {
        let views = sidebar_views(team_ids);
        let keys: Vec<String> = views.iter().map(|v| v.counter_key(acting_admin)).collect();
        let placeholders = (1..=keys.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("SELECT key, total, unread FROM view_counters WHERE key IN ({placeholders})");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let found: std::collections::HashMap<String, (i64, i64)> = stmt
            .query_map(rusqlite::params_from_iter(&keys), |r| {
                Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        let counts: Vec<i64> = keys
            .iter()
            .flat_map(|k| {
                let (total, unread) = found.get(k).copied().unwrap_or((0, 0));
                [total, unread]
            })
            .collect();
        self.name_counts(&views, &counts)
    }

    /// The same counts computed by scanning the conversations (slow at scale): the reference
    /// the trigger-kept counters are checked against.
    pub fn view_counts_exact(
        &self,
        acting_admin: &str,
        team_ids: &[String],
    ) -> Result<Vec<ViewCount>> {
        let views = sidebar_views(team_ids);
        let mut args = Vec::new();
        let mut columns = Vec::with_capacity(views.len() * 2);
        for view in &views {
            let p = view.predicate(acting_admin, &mut args);
            columns.push(format!("(SELECT count(*) FROM conversations c WHERE {p})"));
            columns.push(format!(
                "(SELECT count(*) FROM conversations c WHERE {p} AND c.unread = 1)"
            ));
        }
        let sql = format!("SELECT {}", columns.join(", "));
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let counts: Vec<i64> = stmt
            .query_row(rusqlite::params_from_iter(args), |r| {
                (0..views.len() * 2).map(|i| r.get(i)).collect()
            })
            .map_err(|e| self.err(e))?;
        self.name_counts(&views, &counts)
    }

    fn name_counts(&self, views: &[View], counts: &[i64]) -> Result<Vec<ViewCount>> {
        let team_names: std::collections::HashMap<String, String> =
            self.teams()?.into_iter().map(|t| (t.id, t.name)).collect();
        Ok(views
            .iter()
            .enumerate()
            .map(|(i, view)| ViewCount {
                id: view.to_string(),
                name: match view {
                    View::Mine => "Your inbox".to_owned(),
                    View::Unassigned => "Unassigned".to_owned(),
                    View::Team(id) => team_names
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("Team {id}")),
                    View::AllOpen => "All open".to_owned(),
                    View::Snoozed => "Snoozed".to_owned(),
                    View::Closed => "Closed".to_owned(),
                },
                total: counts[2 * i],
                unread: counts[2 * i + 1],
            })
            .collect())
    }

    /// One page of a view, newest activity first, starting after `before` (keyset paging: stable
    /// while rows change, and as fast on page 1,000 as on page 1). `limit` is capped at 500.
    pub fn list_view(
        &self,
        view: &View,
        acting_admin: &str,
        before: Option<&PageCursor>,
        limit: usize,
    ) -> Result<Vec<ListRow>> {
        self.list_view_filtered(view, acting_admin, &ListFilter::default(), before, limit)
    }

    /// One page of a view narrowed to a tag and/or ordered priority first (see
    /// [`ListFilter`]), keyset-paged like [`Reader::list_view`]: a priority-first page
    /// continues from a cursor made by [`ListRow::priority_cursor`].
    pub fn list_view_filtered(
        &self,
        view: &View,
        acting_admin: &str,
        filter: &ListFilter,
        before: Option<&PageCursor>,
        limit: usize,
    ) -> Result<Vec<ListRow>> {
        let mut args = Vec::new();
        let mut predicate = view.predicate(acting_admin, &mut args);
        if let Some(tag) = &filter.tag_id {
            args.push(tag.clone().into());
            predicate.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(c.tags) j WHERE json_extract(j.value, '$.id') = ?{})",
                args.len()
            ));
        }
        if let Some(cursor) = before {
            args.push(cursor.last_activity_at.into());
            args.push(cursor.id.clone().into());
            match (filter.priority_first, cursor.priority) {
                (true, Some(p)) => {
                    args.push((p as i64).into());
                    predicate.push_str(&format!(
                        " AND (c.priority, c.last_activity_at, c.id) < (?{}, ?{}, ?{})",
                        args.len(),
                        args.len() - 2,
                        args.len() - 1
                    ));
                }
                _ => predicate.push_str(&format!(
                    " AND (c.last_activity_at, c.id) < (?{}, ?{})",
                    args.len() - 1,
                    args.len()
                )),
            }
        }
        let order = if filter.priority_first {
            "c.priority DESC, c.last_activity_at DESC, c.id DESC"
        } else {
            "c.last_activity_at DESC, c.id DESC"
        };
        args.push((limit.min(500) as i64).into());
        let sql = format!(
            "SELECT c.id,
                    coalesce(nullif(k.name, ''), nullif(k.email, ''), nullif(c.source_author_name, ''), 'Unknown'),
                    coalesce(nullif(c.title, ''), nullif(c.source_subject, ''), c.preview, ''),
                    c.last_activity_at, coalesce(a.name, t.name), c.unread, c.outbox_active,
                    CASE WHEN c.outbox_active > 0 THEN
                      (SELECT count(*) FROM outbox o WHERE o.conversation_id = c.id AND o.status = 'failed')
                    ELSE 0 END,
                    c.priority, c.state, c.tags, c.sla_name, c.sla_status
             FROM conversations c
             LEFT JOIN contacts k ON k.id = c.primary_contact_id
             LEFT JOIN admins a ON a.id = c.admin_assignee_id
             LEFT JOIN teams t ON t.id = c.team_assignee_id
             WHERE {predicate}
             ORDER BY {order} LIMIT ?{}",
            args.len()
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |r| {
                // `outbox_active` counts every unconfirmed item, failed ones included; the
                // outbox is only consulted for the few rows that have any.
                let (active, failed): (i64, i64) = (r.get(6)?, r.get(7)?);
                Ok(ListRow {
                    id: r.get(0)?,
                    contact_name: r.get(1)?,
                    subject: r.get(2)?,
                    last_activity_at: r.get(3)?,
                    assignee_name: r.get(4)?,
                    unread: r.get(5)?,
                    pending_send: active > failed,
                    failed_send: failed > 0,
                    priority: r.get(8)?,
                    state: r.get(9)?,
                    tags: serde_json::from_str(&r.get::<_, String>(10)?).unwrap_or_default(),
                    sla: r
                        .get::<_, Option<String>>(11)?
                        .map(|name| -> rusqlite::Result<_> {
                            Ok(crate::conversations::Sla {
                                name,
                                status: r.get(12)?,
                            })
                        })
                        .transpose()?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }
}
