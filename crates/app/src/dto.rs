//! The types the UI sees over IPC, and their building from the core's types (the cache's
//! rows, the engine's status, the token check). Serialization is a compatibility promise
//! with `ui/src/lib/ipc.ts` (docs/IPC.md): camelCase fields, declared once here and once
//! there. The thread of one conversation is built in `dto/thread.rs`.

use agentdesk_store as store;
use serde::{Deserialize, Serialize};

use crate::workspaces::Workspace;

mod attributes;
mod thread;
mod tickets;

pub(crate) use tickets::ticket_detail;
pub use tickets::{
    decode_ticket_cursor, encode_ticket_cursor, TicketDetail, TicketPage, TicketRow, TicketType,
};

pub(crate) use attributes::{check_value, conversation_attributes};
pub use attributes::{Attribute, Sla, Tag};

pub(crate) use thread::conversation_detail;

/// What `get_app_info` returns: enough for the About line and for support requests.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's name.
    pub name: String,
    /// The app's version (the package's).
    pub version: String,
    /// The data directory in use.
    pub data_dir: String,
    /// Where the log files are.
    pub log_dir: String,
    /// What the tray's tooltip says now (`Agentdesk: 5 unread (Your inbox 3, Unassigned 2)`):
    /// the About panel shows it, and tests read the tray through it.
    pub tray_tooltip: String,
    /// Set when the previous run stopped unexpectedly (a panic): the window says so once,
    /// with where the log is.
    pub last_crash: Option<CrashNotice>,
}

/// The previous run stopped unexpectedly: when, and the log file that tells what happened.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CrashNotice {
    /// When it stopped, in unix seconds.
    pub at: i64,
    /// The log file with the report.
    pub log_file: String,
}

impl From<&crate::crash::CrashReport> for CrashNotice {
    fn from(report: &crate::crash::CrashReport) -> Self {
        CrashNotice {
            at: report.at,
            log_file: report.log_file.display().to_string(),
        }
    }
}

/// A team of the workspace.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Intercom's id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A teammate (Intercom admin) the agent may act as or assign to.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Admin {
    /// Intercom's id.
    pub id: String,
    /// Display name (the id when Intercom gives none).
    pub name: String,
    /// Email, empty when unknown.
    pub email: String,
    /// Whether their away mode is on.
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

/// The open workspace as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// Intercom's app id (`demo` for the demo).
    pub workspace_id: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// `us`, `eu`, `au`, a custom base URL, or `demo`.
    pub region: String,
    /// The acting admin.
    pub admin_id: String,
    /// The acting admin's name.
    pub admin_name: String,
    /// Whether this is the built-in demo workspace.
    pub demo: bool,
    /// The acting admin's teams (one view each).
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

/// What a checked token opens (the connect screen's second step).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    /// Intercom's app id.
    pub workspace_id: String,
    /// The workspace's name.
    pub workspace_name: String,
    /// The region it was checked against.
    pub region: String,
    /// The admin the token belongs to (the default acting admin).
    pub token_admin_id: String,
    /// Whom the agent may act as.
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

/// A saved workspace in the switcher.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    /// Intercom's app id (`demo` for the demo).
    pub id: String,
    /// The workspace's name.
    pub name: String,
    /// `us`, `eu`, `au`, a custom base URL, or `demo`.
    pub region: String,
    /// The acting admin's name.
    pub admin_name: String,
    /// Whether its session is the open one.
    pub active: bool,
    /// Whether this is the demo workspace.
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

/// A sidebar view with its counts (`inbox://counts`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ViewCount {
    /// `mine`, `unassigned`, `team:<id>`, `all_open`, `snoozed` or `closed`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Conversations in the view.
    pub total: i64,
    /// Unread ones among them.
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

/// One row of a conversation list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationRow {
    /// Conversation id.
    pub id: String,
    /// Who the conversation is with.
    pub contact_name: String,
    /// Title, subject, or the latest message's first words.
    pub subject: String,
    /// Reserved (always empty; the subject carries the preview).
    pub snippet: String,
    /// Unix seconds of the latest activity (the sort key).
    pub last_activity_at: i64,
    /// The assigned admin's or team's name.
    pub assignee_name: Option<String>,
    /// Unread for the acting admin.
    pub unread: bool,
    /// Something of the agent's is on its way to Intercom.
    pub pending: bool,
    /// Intercom refused something of the agent's (retry or discard in the thread).
    pub failed: bool,
    /// `open`, `snoozed` or `closed`.
    pub state: String,
    /// Marked priority.
    pub priority: bool,
    /// Tags as shown (pending changes included).
    pub tags: Vec<Tag>,
    /// The SLA applied, if any.
    pub sla: Option<Sla>,
}

impl ConversationRow {
    /// A list row, its tags named from the workspace's list when they came without names.
    pub fn of(
        r: store::ListRow,
        tag_names: &std::collections::HashMap<String, String>,
    ) -> ConversationRow {
        let tags = r.tags.iter().map(|t| Tag::of(t, tag_names)).collect();
        let sla = r.sla.as_ref().map(Sla::from);
        ConversationRow {
            tags,
            sla,
            ..ConversationRow::from(r)
        }
    }
}

impl From<store::ListRow> for ConversationRow {
    fn from(r: store::ListRow) -> ConversationRow {
        ConversationRow {
            priority: r.priority,
            tags: r
                .tags
                .iter()
                .map(|t| Tag::of(t, &Default::default()))
                .collect(),
            sla: r.sla.as_ref().map(Sla::from),
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

/// A page of a view.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    /// The rows, newest activity first.
    pub rows: Vec<ConversationRow>,
    /// Where the next page starts (an opaque string), or null on the last page.
    pub next_cursor: Option<String>,
}

impl ConversationPage {
    /// A page of a view from the rows read with `limit`: a full page has a next cursor.
    pub fn of(rows: Vec<store::ListRow>, limit: usize) -> ConversationPage {
        Self::listed(rows, limit, false, &Default::default())
    }

    /// As [`ConversationPage::of`], for a priority-first listing when `priority_first` (its
    /// cursor carries the priority), with tags named from `tag_names`.
    pub fn listed(
        rows: Vec<store::ListRow>,
        limit: usize,
        priority_first: bool,
        tag_names: &std::collections::HashMap<String, String>,
    ) -> ConversationPage {
        let next_cursor = (rows.len() == limit)
            .then(|| {
                rows.last().map(|r| {
                    encode_cursor(&if priority_first {
                        r.priority_cursor()
                    } else {
                        r.cursor()
                    })
                })
            })
            .flatten();
        ConversationPage {
            rows: rows
                .into_iter()
                .map(|r| ConversationRow::of(r, tag_names))
                .collect(),
            next_cursor,
        }
    }
}

/// Keyset cursors travel to the UI as opaque strings: `<last_activity_at>:<id>`, and
/// `p<0|1>:<last_activity_at>:<id>` in a priority-first listing.
pub fn encode_cursor(c: &store::PageCursor) -> String {
    match c.priority {
        None => format!("{}:{}", c.last_activity_at, c.id),
        Some(p) => format!("p{}:{}:{}", u8::from(p), c.last_activity_at, c.id),
    }
}

/// The cursor a UI string stands for; `None` for one this app did not make.
pub fn decode_cursor(s: &str) -> Option<store::PageCursor> {
    let (priority, rest) = match s.strip_prefix('p') {
        Some(r) => {
            let (flag, rest) = r.split_once(':')?;
            let p = match flag {
                "0" => false,
                "1" => true,
                _ => return None,
            };
            (Some(p), rest)
        }
        None => (None, s),
    };
    let (at, id) = rest.split_once(':')?;
    Some(store::PageCursor {
        last_activity_at: at.parse().ok()?,
        id: id.to_string(),
        priority,
    })
}

/// A file attached to a message (web links only).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Where it is (http or https; opened in the system browser).
    pub url: String,
    /// Size, 0 when unknown.
    pub size_bytes: i64,
    /// MIME type, empty when unknown.
    pub content_type: String,
}

/// One entry of a thread: a message, a note or an event.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Intercom's part id (`source-<id>` for the first message).
    pub id: String,
    /// `message`, `note` or `event`.
    pub kind: &'static str,
    /// `contact`, `admin` or `bot`.
    pub author_kind: &'static str,
    /// Who wrote it.
    pub author_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Sanitized HTML (empty for events).
    pub body_html: String,
    /// What happened, for events (`Ann closed the conversation`).
    pub event_text: Option<String>,
    /// Its attachments.
    pub attachments: Vec<Attachment>,
    /// Whether Intercom redacted it.
    pub redacted: bool,
}

/// Something the agent did that is on its way to Intercom (or refused).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    /// The outbox id (a number, as a string).
    pub id: String,
    /// Its conversation (empty for a contact's data event).
    pub conversation_id: String,
    /// `reply`, `note`, `close`, `reopen`, `snooze`, `assign`, `mark_read` or `track_event`.
    pub kind: &'static str,
    /// A short description for the thread.
    pub summary: String,
    /// `pending`, `in_doubt`, `sent` or `failed`.
    pub state: &'static str,
    /// Why Intercom refused it, when it did.
    pub error: Option<String>,
    /// Unix seconds.
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
            K::Tag { name, .. } => ("tag", format!("Tag {name}")),
            K::Untag { tag_id, name } if name.is_empty() => {
                ("untag", format!("Remove tag {tag_id}"))
            }
            K::Untag { name, .. } => ("untag", format!("Remove tag {name}")),
            K::Priority { priority: true } => ("priority", "Mark priority".to_string()),
            K::Priority { priority: false } => ("priority", "Remove priority".to_string()),
            K::Attributes { values } => (
                "attributes",
                format!(
                    "Set {}",
                    values.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ),
            // Issue 14's ticket writes (`conversation_id` is then the ticket's id).
            K::TicketUpdate { state, .. } => (
                "ticket_update",
                match state {
                    Some(s) => format!("Move ticket to {}", s.replace('_', " ")),
                    None => "Update ticket attributes".to_string(),
                },
            ),
            K::TicketReply { body } => ("ticket_reply", agentdesk_content::snippet(body, 120)),
            K::TicketNote { body } => ("ticket_note", agentdesk_content::snippet(body, 120)),
            K::TicketTag { tag_id, tag_name } => (
                "ticket_tag",
                format!("Tag {}", tag_name.as_deref().unwrap_or(tag_id)),
            ),
            K::TicketUntag { tag_id } => ("ticket_untag", format!("Remove tag {tag_id}")),
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

/// A conversation's thread as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    /// Conversation id.
    pub id: String,
    /// Title, subject, or the first message's first words.
    pub title: String,
    /// `open`, `snoozed` or `closed`.
    pub state: String,
    /// Unix seconds, when snoozed.
    pub snoozed_until: Option<i64>,
    /// The assigned admin.
    pub admin_assignee_id: Option<String>,
    /// The assigned team.
    pub team_assignee_id: Option<String>,
    /// The customer (for the contact panel).
    pub contact_id: String,
    /// The customer's name.
    pub contact_name: String,
    /// The thread, oldest first.
    pub parts: Vec<Part>,
    /// The agent's items not yet confirmed by Intercom.
    pub pending: Vec<OutboxItem>,
    /// Whether a remote image is still a placeholder ("Load images" offered).
    pub remote_images_blocked: bool,
    /// Marked priority.
    pub priority: bool,
    /// Tags as shown (pending changes included).
    pub tags: Vec<Tag>,
    /// The SLA applied, if any.
    pub sla: Option<Sla>,
    /// Custom attributes: the defined ones in Intercom's order, then undefined values.
    pub attributes: Vec<Attribute>,
}

/// A named value for the contact panel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyValue {
    /// The name.
    pub key: String,
    /// The value as one line of text.
    pub value: String,
}

/// One of a customer's recent conversations.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentConversation {
    /// Conversation id.
    pub id: String,
    /// Its subject or title.
    pub subject: String,
    /// `open`, `snoozed` or `closed`.
    pub state: String,
    /// Unix seconds.
    pub last_activity_at: i64,
}

/// A data event recorded on a customer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactEvent {
    /// The event's name.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Its metadata.
    pub metadata: Vec<KeyValue>,
}

/// How often a customer did something.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    /// The event's name.
    pub name: String,
    /// How many times.
    pub count: i64,
    /// Unix seconds of the first (0 when unknown).
    pub first: i64,
    /// Unix seconds of the last (0 when unknown).
    pub last: i64,
}

/// The customer panel beside a thread.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPanel {
    /// Contact id.
    pub id: String,
    /// Name, else email, else a placeholder.
    pub name: String,
    /// Email, empty when unknown.
    pub email: String,
    /// Companies, comma separated.
    pub company: String,
    /// Where they are, when known.
    pub location: String,
    /// The workspace's custom attributes.
    pub custom_attributes: Vec<KeyValue>,
    /// Their latest conversations.
    pub recent_conversations: Vec<RecentConversation>,
    /// Their latest data events.
    pub events: Vec<ContactEvent>,
    /// Counts of every event they did.
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

/// The fields of a JSON object as named values (anything else: none).
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

/// A piece of a search snippet.
#[derive(Debug, Clone, Serialize)]
pub struct SnippetSegment {
    /// The text.
    pub text: String,
    /// Whether it matched the query (serialized as `match`).
    #[serde(rename = "match")]
    pub matched: bool,
}

/// A conversation found by search.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// Conversation id.
    pub conversation_id: String,
    /// Who it is with.
    pub contact_name: String,
    /// Its title or subject.
    pub subject: String,
    /// Unix seconds.
    pub last_activity_at: i64,
    /// Where it matched, as segments (never HTML).
    pub snippet: Vec<SnippetSegment>,
    /// `conversation` or `ticket`.
    pub kind: &'static str,
    /// The ticket, for a ticket hit (`conversation_id` is then empty).
    pub ticket_id: Option<String>,
}

impl SearchHit {
    /// A ticket found by search, with its title and customer when cached.
    pub fn of_ticket(
        hit: store::TicketHit,
        title: Option<String>,
        contact_name: Option<String>,
    ) -> SearchHit {
        SearchHit {
            conversation_id: String::new(),
            contact_name: contact_name.unwrap_or_default(),
            subject: title.unwrap_or_default(),
            last_activity_at: hit.last_activity_at,
            snippet: hit
                .snippet
                .into_iter()
                .map(|s| SnippetSegment {
                    text: s.text,
                    matched: s.highlighted,
                })
                .collect(),
            kind: "ticket",
            ticket_id: Some(hit.ticket_id),
        }
    }

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
            kind: "conversation",
            ticket_id: None,
        }
    }
}

/// The teammates and teams to assign to (`get_directory`).
#[derive(Debug, Clone, Serialize)]
pub struct Directory {
    /// The teammates.
    pub admins: Vec<Admin>,
    /// The teams.
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

/// A short text that prefills the composer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedReply {
    /// Its id (given when saved without one).
    pub id: String,
    /// What the list shows.
    pub title: String,
    /// The text.
    pub body: String,
}

/// How far the first sync is.
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Conversations stored.
    pub done: u64,
    /// Conversations in the workspace.
    pub total: u64,
}

/// Why sync is not working, in the status line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatusError {
    /// What the UI branches on.
    pub code: String,
    /// A sentence that says what to do.
    pub message: String,
}

/// The sync status line (`sync://status`, `get_status`).
#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// Whether Intercom answers.
    pub online: bool,
    /// Unix seconds of the last complete cycle.
    pub last_sync_at: Option<i64>,
    /// Unix seconds since Intercom stopped answering.
    pub offline_since: Option<i64>,
    /// The first sync's progress while it runs.
    pub backfill: Option<Progress>,
    /// The error sync stopped on, if any.
    pub error: Option<StatusError>,
    /// Whether notifications can be shown.
    pub notifications_available: bool,
    /// Why not, when they cannot.
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

/// Conversations that changed in the cache (`inbox://changed`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationsChanged {
    /// Their ids.
    pub conversation_ids: Vec<String>,
    /// Tickets that changed (issue 14); left out when none did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ticket_ids: Vec<String>,
}

/// A conversation to open (`app://open-conversation`, links, notification clicks).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OpenConversation {
    /// Conversation id.
    pub id: String,
    /// Text for the composer (from a link), if any.
    pub prefill: Option<String>,
    /// An `agentdesk://` link asked (anyone can make one), not the agent's own click on a
    /// notification: the window shows the conversation without marking it read.
    pub from_link: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = store::PageCursor {
            last_activity_at: 1_700_000_000,
            id: "123:x".into(),
            priority: None,
        };
        assert_eq!(
            decode_cursor(&encode_cursor(&c)),
            Some(c.clone()),
            "the UI hands back what it got"
        );
        for p in [true, false] {
            let prio = store::PageCursor {
                priority: Some(p),
                ..c.clone()
            };
            assert_eq!(
                decode_cursor(&encode_cursor(&prio)),
                Some(prio),
                "a priority-first cursor keeps its priority"
            );
        }
        assert_eq!(decode_cursor("p2:1:x"), None, "a priority is 0 or 1");
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
            tags: Vec::new(),
            sla: None,
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
