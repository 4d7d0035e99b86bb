//! The types the UI sees over IPC, and their building from the core's types (the cache's
//! rows, the engine's status, the token check). Serialization is a compatibility promise
//! with `ui/src/lib/ipc.ts` (docs/IPC.md): camelCase fields, declared once here and once
//! there. The thread of one conversation is built in `dto/thread.rs`.

use agentdesk_store as store;
use serde::{Deserialize, Serialize};

use crate::workspaces::Workspace;

mod thread;

pub(crate) use thread::conversation_detail;

/// What `get_app_info` returns: enough for the About line and for support requests.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    /// What the tray's tooltip says now (`Agentdesk: 5 unread (Your inbox 3, Unassigned 2)`):
    /// the About panel shows it, and tests read the tray through it.
    pub tray_tooltip: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Admin {
    pub id: String,
    pub name: String,
    pub email: String,
    pub away: bool,
}

impl From<&intercom::models::Admin> for Admin {
    fn from(a: &intercom::models::Admin) -> Admin {
        Admin {
            id: a.id.clone(),
            name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            email: a.email.clone().unwrap_or_default(),
            away: a.away_mode_enabled.unwrap_or(false),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub workspace_id: String,
    pub workspace_name: String,
    pub region: String,
    pub admin_id: String,
    pub admin_name: String,
    pub demo: bool,
    pub teams: Vec<Team>,
}

impl Session {
    /// The session of `workspace`, with the acting admin's `teams`.
    pub fn of(workspace: &Workspace, teams: Vec<store::Team>) -> Session {
        Session {
            workspace_id: workspace.id.clone(),
            workspace_name: workspace.name.clone(),
            region: region_label(workspace),
            admin_id: workspace.admin_id.clone(),
            admin_name: workspace.admin_name.clone(),
            demo: workspace.demo,
            teams: teams.into_iter().map(Team::from).collect(),
        }
    }
}

impl From<store::Team> for Team {
    fn from(t: store::Team) -> Team {
        Team {
            id: t.id,
            name: t.name,
        }
    }
}

/// The region the UI shows: `demo` for the demo (its URL changes every start), else the
/// region's label.
fn region_label(w: &Workspace) -> String {
    if w.demo {
        "demo".into()
    } else {
        w.region.label()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    pub workspace_id: String,
    pub workspace_name: String,
    pub region: String,
    pub token_admin_id: String,
    pub admins: Vec<Admin>,
}

impl From<&crate::connect::TokenCheck> for TokenCheck {
    fn from(check: &crate::connect::TokenCheck) -> TokenCheck {
        TokenCheck {
            workspace_id: check.workspace_id.clone(),
            workspace_name: check.workspace_name.clone(),
            region: check.region.label(),
            token_admin_id: check.token_admin_id.clone(),
            admins: check.admins.iter().map(Admin::from).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub region: String,
    pub admin_name: String,
    pub active: bool,
    pub demo: bool,
}

impl WorkspaceSummary {
    /// A saved workspace in the switcher; `active` when its session is the open one.
    pub fn of(w: &Workspace, active: bool) -> WorkspaceSummary {
        WorkspaceSummary {
            id: w.id.clone(),
            name: w.name.clone(),
            region: region_label(w),
            admin_name: w.admin_name.clone(),
            active,
            demo: w.demo,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ViewCount {
    pub id: String,
    pub name: String,
    pub total: i64,
    pub unread: i64,
}

impl From<store::ViewCount> for ViewCount {
    fn from(v: store::ViewCount) -> ViewCount {
        ViewCount {
            id: v.id,
            name: v.name,
            total: v.total,
            unread: v.unread,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRow {
    pub id: String,
    pub contact_name: String,
    pub subject: String,
    pub snippet: String,
    pub last_activity_at: i64,
    pub assignee_name: Option<String>,
    pub unread: bool,
    pub pending: bool,
    pub failed: bool,
    pub state: String,
}

impl From<store::ListRow> for ConversationRow {
    fn from(r: store::ListRow) -> ConversationRow {
        ConversationRow {
            id: r.id,
            contact_name: r.contact_name,
            snippet: String::new(),
            subject: r.subject,
            last_activity_at: r.last_activity_at,
            assignee_name: r.assignee_name,
            unread: r.unread,
            pending: r.pending_send,
            failed: r.failed_send,
            state: r.state,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    pub rows: Vec<ConversationRow>,
    pub next_cursor: Option<String>,
}

impl ConversationPage {
    /// A page of a view from the rows read with `limit`: a full page has a next cursor.
    pub fn of(rows: Vec<store::ListRow>, limit: usize) -> ConversationPage {
        let next_cursor = (rows.len() == limit)
            .then(|| rows.last().map(|r| encode_cursor(&r.cursor())))
            .flatten();
        ConversationPage {
            rows: rows.into_iter().map(ConversationRow::from).collect(),
            next_cursor,
        }
    }
}

/// Keyset cursors travel to the UI as opaque strings: `<last_activity_at>:<id>`.
pub fn encode_cursor(c: &store::PageCursor) -> String {
    format!("{}:{}", c.last_activity_at, c.id)
}

pub fn decode_cursor(s: &str) -> Option<store::PageCursor> {
    let (at, id) = s.split_once(':')?;
    Some(store::PageCursor {
        last_activity_at: at.parse().ok()?,
        id: id.to_string(),
    })
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub name: String,
    pub url: String,
    pub size_bytes: i64,
    pub content_type: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    pub id: String,
    pub kind: &'static str,
    pub author_kind: &'static str,
    pub author_name: String,
    pub created_at: i64,
    pub body_html: String,
    pub event_text: Option<String>,
    pub attachments: Vec<Attachment>,
    pub redacted: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    pub id: String,
    pub conversation_id: String,
    pub kind: &'static str,
    pub summary: String,
    pub state: &'static str,
    pub error: Option<String>,
    pub created_at: i64,
}

impl From<&store::OutboxEntry> for OutboxItem {
    fn from(e: &store::OutboxEntry) -> OutboxItem {
        use store::{OutboxKind as K, OutboxStatus as S};
        let (kind, summary) = match &e.kind {
            K::Reply { body } => ("reply", agentdesk_content::snippet(body, 120)),
            K::Note { body } => ("note", agentdesk_content::snippet(body, 120)),
            K::Close => ("close", "Close".to_string()),
            K::Reopen => ("reopen", "Reopen".to_string()),
            K::Snooze { until } => (
                "snooze",
                format!("Snooze until {}", crate::time::short(*until)),
            ),
            K::Assign { assignee } => (
                "assign",
                match assignee {
                    store::Assignee::Admin(id) => format!("Assign to admin {id}"),
                    store::Assignee::Team(id) => format!("Assign to team {id}"),
                    store::Assignee::Nobody => "Unassign".to_string(),
                },
            ),
            K::MarkRead => ("mark_read", "Mark read".to_string()),
            K::TrackEvent { name, .. } => ("track_event", format!("Track event {name}")),
        };
        OutboxItem {
            id: e.id.to_string(),
            conversation_id: e.conversation_id.clone(),
            kind,
            summary,
            state: match e.status {
                S::Pending | S::Sending => "pending",
                S::InDoubt => "in_doubt",
                S::Sent => "sent",
                S::Failed => "failed",
            },
            error: e.last_error.clone(),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    pub id: String,
    pub title: String,
    pub state: String,
    pub snoozed_until: Option<i64>,
    pub admin_assignee_id: Option<String>,
    pub team_assignee_id: Option<String>,
    pub contact_id: String,
    pub contact_name: String,
    pub parts: Vec<Part>,
    pub pending: Vec<OutboxItem>,
    pub remote_images_blocked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentConversation {
    pub id: String,
    pub subject: String,
    pub state: String,
    pub last_activity_at: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactEvent {
    pub name: String,
    pub created_at: i64,
    pub metadata: Vec<KeyValue>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    pub name: String,
    pub count: i64,
    pub first: i64,
    pub last: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPanel {
    pub id: String,
    pub name: String,
    pub email: String,
    pub company: String,
    pub location: String,
    pub custom_attributes: Vec<KeyValue>,
    pub recent_conversations: Vec<RecentConversation>,
    pub events: Vec<ContactEvent>,
    pub summaries: Vec<EventSummary>,
}

impl ContactPanel {
    /// The customer panel: the contact, their recent conversations, their latest events and
    /// the summaries of every event name (Intercom's ISO 8601 times become unix seconds).
    pub fn of(
        contact: &store::Contact,
        recent: Vec<store::ContactConversation>,
        events: Vec<store::DataEvent>,
        summaries: Vec<store::EventSummary>,
    ) -> ContactPanel {
        let time = |t: Option<&str>| t.and_then(crate::time::parse_iso).unwrap_or(0);
        ContactPanel {
            id: contact.id.clone(),
            name: contact.display_name().to_string(),
            email: contact.email.clone().unwrap_or_default(),
            company: contact.companies.join(", "),
            location: contact.location.clone().unwrap_or_default(),
            custom_attributes: key_values(&contact.custom_attributes),
            recent_conversations: recent
                .into_iter()
                .map(|c| RecentConversation {
                    id: c.id,
                    subject: c.subject.unwrap_or_default(),
                    state: c.state,
                    last_activity_at: c.last_activity_at,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| ContactEvent {
                    name: e.event_name,
                    created_at: e.created_at,
                    metadata: key_values(&e.metadata),
                })
                .collect(),
            summaries: summaries
                .into_iter()
                .map(|e| EventSummary {
                    first: time(e.first.as_deref()),
                    last: time(e.last.as_deref()),
                    name: e.name,
                    count: e.count,
                })
                .collect(),
        }
    }
}

/// A JSON value as one line of text for the panel (strings without quotes).
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub fn key_values(v: &serde_json::Value) -> Vec<KeyValue> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| KeyValue {
                    key: k.clone(),
                    value: value_text(v),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
pub struct SnippetSegment {
    pub text: String,
    #[serde(rename = "match")]
    pub matched: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub conversation_id: String,
    pub contact_name: String,
    pub subject: String,
    pub last_activity_at: i64,
    pub snippet: Vec<SnippetSegment>,
}

impl SearchHit {
    /// A hit with what the result list shows of its conversation (`detail`, when cached):
    /// the contact's name and the subject.
    pub fn of(hit: store::SearchHit, detail: Option<&store::ConversationDetail>) -> SearchHit {
        let (contact_name, subject) = match detail {
            Some(d) => (
                d.contacts
                    .first()
                    .map(|c| c.display_name().to_string())
                    .unwrap_or_default(),
                d.conversation
                    .title
                    .clone()
                    .or_else(|| d.conversation.source_subject.clone())
                    .unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        SearchHit {
            conversation_id: hit.conversation_id,
            contact_name,
            subject,
            last_activity_at: hit.last_activity_at,
            snippet: hit
                .snippet
                .into_iter()
                .map(|s| SnippetSegment {
                    text: s.text,
                    matched: s.highlighted,
                })
                .collect(),
        }
    }
}

/// The teammates and teams to assign to (`get_directory`).
#[derive(Debug, Clone, Serialize)]
pub struct Directory {
    pub admins: Vec<Admin>,
    pub teams: Vec<Team>,
}

impl Directory {
    /// From the cached admins and teams.
    pub fn of(admins: Vec<store::Admin>, teams: Vec<store::Team>) -> Directory {
        Directory {
            admins: admins
                .into_iter()
                .map(|a| Admin {
                    id: a.id,
                    name: a.name,
                    email: a.email.unwrap_or_default(),
                    away: false,
                })
                .collect(),
            teams: teams.into_iter().map(Team::from).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedReply {
    pub id: String,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub online: bool,
    pub last_sync_at: Option<i64>,
    pub offline_since: Option<i64>,
    pub backfill: Option<Progress>,
    pub error: Option<StatusError>,
    pub notifications_available: bool,
    pub notifications_problem: Option<String>,
    /// Set while the open workspace's token sits in the private file because no keychain
    /// service answered: the sentence that says so (issue 6, Security).
    pub token_notice: Option<String>,
}

impl SyncStatus {
    /// No session, or one that has not reported yet: online, notifications assumed to work.
    pub fn idle() -> SyncStatus {
        SyncStatus {
            online: true,
            notifications_available: true,
            ..Default::default()
        }
    }

    /// Takes the engine's new status; where the token is stored belongs to the session, not
    /// to the engine, so it stays.
    pub fn apply_engine(
        &mut self,
        s: &agentdesk_sync::SyncStatus,
        notifications_problem: Option<String>,
    ) {
        let token_notice = self.token_notice.take();
        *self = SyncStatus::from_engine(s, notifications_problem);
        self.token_notice = token_notice;
    }

    /// The status the window shows for the engine's.
    pub fn from_engine(
        s: &agentdesk_sync::SyncStatus,
        notifications_problem: Option<String>,
    ) -> SyncStatus {
        SyncStatus {
            // Offline means Intercom stopped answering, not "no request finished yet".
            online: s.online || s.offline_since.is_none(),
            last_sync_at: s.last_sync_at,
            offline_since: s.offline_since,
            backfill: s.backfill.map(|(done, total)| Progress { done, total }),
            error: s.error.as_ref().map(|e| StatusError {
                code: e.code.clone(),
                message: e.message.clone(),
            }),
            notifications_available: notifications_problem.is_none(),
            notifications_problem,
            token_notice: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationsChanged {
    pub conversation_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OpenConversation {
    pub id: String,
    pub prefill: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = store::PageCursor {
            last_activity_at: 1_700_000_000,
            id: "123:x".into(),
        };
        assert_eq!(
            decode_cursor(&encode_cursor(&c)),
            Some(c),
            "the UI hands back what it got"
        );
        assert_eq!(
            decode_cursor("nonsense"),
            None,
            "a made-up cursor is refused, not guessed"
        );
        assert_eq!(decode_cursor("abc:1"), None);
    }

    #[test]
    fn failed_send_showed_as_sending_forever() {
        let row = |pending_send, failed_send| store::ListRow {
            id: "1".into(),
            contact_name: "Ann".into(),
            subject: "Refund".into(),
            last_activity_at: 1_700_000_000,
            assignee_name: None,
            unread: false,
            pending_send,
            failed_send,
            priority: false,
            state: "open".into(),
        };
        let refused = ConversationRow::from(row(false, true));
        assert!(
            refused.failed,
            "a refused send reaches the list as Failed, with Retry and Discard in the thread"
        );
        assert!(
            !refused.pending,
            "and not as Sending, which it will never finish"
        );
        let waiting = ConversationRow::from(row(true, false));
        assert!(
            waiting.pending && !waiting.failed,
            "an item on its way says Sending"
        );
    }
}
