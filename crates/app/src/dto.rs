//! The types the UI sees over IPC, and the mapping from the core's types to them.
//! Serialization is a compatibility promise with `ui/src/lib/ipc.ts` (docs/IPC.md):
//! camelCase fields, declared once here and once there.

use std::collections::HashMap;

use agentdesk_content::{sanitize, Images};
use agentdesk_store as store;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    pub workspace_id: String,
    pub workspace_name: String,
    pub region: String,
    pub token_admin_id: String,
    pub admins: Vec<Admin>,
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

/// Builds the thread the UI shows: every body sanitized here, in Rust, before the webview
/// sees it; remote images blocked unless `images` carries them inlined.
pub fn conversation_detail(
    d: &store::ConversationDetail,
    admins: &HashMap<String, String>,
    teams: &HashMap<String, String>,
    images: &Images,
) -> ConversationDetail {
    let c = &d.conversation;
    let contact = d.contacts.first();
    let contact_name = contact
        .map(|c| c.display_name().to_string())
        .or_else(|| c.source_author.name.clone())
        .unwrap_or_else(|| "Customer".into());
    let mut blocked = false;
    let mut parts = Vec::with_capacity(d.parts.len() + 1);
    // The conversation's first message lives in its source, not in its parts. Its attachments
    // and redaction are not columns of the cache; they come from the conversation's raw copy.
    let source = RawSource::of(c);
    let source_body = c
        .source_body_html
        .as_deref()
        .filter(|b| !b.trim().is_empty());
    if source_body.is_some() || source.redacted {
        let clean = sanitize(source_body.unwrap_or_default(), images);
        blocked |= clean.images_blocked;
        let author_kind = author_kind(c.source_author.author_type.as_deref());
        parts.push(Part {
            id: format!("source-{}", c.id),
            kind: "message",
            author_kind,
            author_name: c
                .source_author
                .name
                .clone()
                .unwrap_or_else(|| contact_name.clone()),
            created_at: c.created_at,
            body_html: clean.html,
            event_text: None,
            attachments: attachments(&source.attachments),
            redacted: source.redacted,
        });
    }
    for p in &d.parts {
        let author_kind = author_kind(p.author.author_type.as_deref());
        let author_name = p.author.name.clone().unwrap_or_else(|| match author_kind {
            "contact" => contact_name.clone(),
            _ => p
                .author
                .id
                .as_ref()
                .and_then(|id| admins.get(id).cloned())
                .unwrap_or_else(|| "Teammate".into()),
        });
        let has_body = p.body_html.as_deref().is_some_and(|b| !b.trim().is_empty());
        let kind = match p.part_type.as_str() {
            "note" => "note",
            "comment" | "quick_reply" => "message",
            _ if has_body && matches!(author_kind, "contact") => "message",
            _ => "event",
        };
        let (body_html, event_text) = if kind == "event" {
            (
                String::new(),
                Some(event_text(p, &author_name, admins, teams)),
            )
        } else {
            let clean = sanitize(p.body_html.as_deref().unwrap_or_default(), images);
            blocked |= clean.images_blocked;
            (clean.html, None)
        };
        parts.push(Part {
            id: p.id.clone(),
            kind,
            author_kind,
            author_name,
            created_at: p.created_at,
            body_html,
            event_text,
            attachments: attachments(&p.attachments),
            redacted: p.redacted,
        });
    }
    ConversationDetail {
        id: c.id.clone(),
        title: c
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| c.source_subject.clone().filter(|t| !t.trim().is_empty()))
            .unwrap_or_else(|| {
                agentdesk_content::snippet(
                    &agentdesk_content::plain_text(c.source_body_html.as_deref().unwrap_or("")),
                    60,
                )
            }),
        state: c.state.as_str().to_string(),
        snoozed_until: c.snoozed_until,
        admin_assignee_id: c.admin_assignee_id.clone(),
        team_assignee_id: c.team_assignee_id.clone(),
        contact_id: contact
            .map(|c| c.id.clone())
            .or_else(|| c.contact_ids.first().cloned())
            .unwrap_or_default(),
        contact_name,
        parts,
        pending: d
            .outbox
            .iter()
            .filter(|e| {
                !matches!(e.status, store::OutboxStatus::Sent)
                    && !matches!(e.kind, store::OutboxKind::MarkRead)
            })
            .map(OutboxItem::from)
            .collect(),
        remote_images_blocked: blocked,
    }
}

fn author_kind(t: Option<&str>) -> &'static str {
    match t {
        Some("user" | "lead" | "contact") => "contact",
        Some("bot") => "bot",
        _ => "admin",
    }
}

fn event_text(
    p: &store::Part,
    who: &str,
    admins: &HashMap<String, String>,
    teams: &HashMap<String, String>,
) -> String {
    let target = || {
        let id = p.assigned_to_id.as_deref().unwrap_or("");
        match p.assigned_to_type.as_deref() {
            Some("team") => teams
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("team {id}")),
            _ if id.is_empty() || id == "0" => "nobody".into(),
            _ => admins
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("admin {id}")),
        }
    };
    match p.part_type.as_str() {
        "close" => format!("{who} closed the conversation"),
        "open" => format!("{who} reopened the conversation"),
        "snoozed" => format!("{who} snoozed the conversation"),
        "unsnoozed" | "timer_unsnooze" => "The conversation woke from snooze".into(),
        "assignment" | "assign_and_reopen" | "away_mode_assignment" => {
            format!("{who} assigned it to {}", target())
        }
        other => format!("{who}: {}", other.replace('_', " ")),
    }
}

/// What the thread needs of a conversation's `source` beyond the cached columns, read from the
/// raw copy the sync keeps (`store::Conversation::raw`, the client's model as JSON).
#[derive(Debug, Default, Deserialize)]
struct RawSource {
    #[serde(default)]
    attachments: serde_json::Value,
    #[serde(default, deserialize_with = "null_as_false")]
    redacted: bool,
}

impl RawSource {
    fn of(c: &store::Conversation) -> RawSource {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            source: Option<RawSource>,
        }
        c.raw
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Raw>(raw).ok())
            .and_then(|r| r.source)
            .unwrap_or_default()
    }
}

fn null_as_false<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

fn attachments(raw: &serde_json::Value) -> Vec<Attachment> {
    raw.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    let url = a.get("url")?.as_str()?;
                    // Only web links are offered; the UI opens them in the system browser.
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return None;
                    }
                    Some(Attachment {
                        name: a
                            .get("name")
                            .and_then(|v| v.as_str())
                            .unwrap_or("attachment")
                            .to_string(),
                        url: url.to_string(),
                        size_bytes: a.get("filesize").and_then(|v| v.as_i64()).unwrap_or(0),
                        content_type: a
                            .get("content_type")
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
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

#[derive(Debug, Clone, Serialize)]
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

    fn detail_with_raw(
        raw: Option<serde_json::Value>,
        body: Option<&str>,
    ) -> store::ConversationDetail {
        store::ConversationDetail {
            conversation: store::Conversation {
                id: "7".into(),
                created_at: 1_700_000_000,
                source_body_html: body.map(str::to_owned),
                raw: raw.map(|r| r.to_string()),
                ..Default::default()
            },
            unread: false,
            last_activity_at: 1_700_000_000,
            parts: Vec::new(),
            contacts: Vec::new(),
            outbox: Vec::new(),
        }
    }

    #[test]
    fn first_message_dropped_its_attachments_and_redaction() {
        let raw = serde_json::json!({"id": "7", "source": {"body": "<p>see attached</p>", "redacted": null,
            "attachments": [{"name": "screenshot.png", "url": "https://files.test/s.png", "filesize": 2048, "content_type": "image/png"}]}});
        let d = conversation_detail(
            &detail_with_raw(Some(raw), Some("<p>see attached</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        let first = &d.parts[0];
        assert_eq!(
            first.id, "source-7",
            "the first message comes from the source"
        );
        assert_eq!(
            first.attachments.len(),
            1,
            "the customer's opening attachment is listed with the message"
        );
        assert_eq!(
            (
                first.attachments[0].name.as_str(),
                first.attachments[0].size_bytes
            ),
            ("screenshot.png", 2048),
            "with its name and size"
        );
        assert!(!first.redacted, "a null redacted flag is not a redaction");

        let redacted = serde_json::json!({"id": "7", "source": {"body": "", "redacted": true, "attachments": []}});
        let d = conversation_detail(
            &detail_with_raw(Some(redacted), None),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert!(
            d.parts.first().is_some_and(|p| p.redacted),
            "a redacted first message is shown as redacted, not left out"
        );

        let d = conversation_detail(
            &detail_with_raw(None, Some("<p>hi</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert!(
            d.parts[0].attachments.is_empty() && !d.parts[0].redacted,
            "without a raw copy the message still shows, plainly"
        );
        let d = conversation_detail(
            &detail_with_raw(Some(serde_json::json!("not an object")), Some("<p>hi</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert_eq!(
            d.parts.len(),
            1,
            "an unreadable raw copy never hides the message"
        );
    }

    #[test]
    fn attachments_keep_only_web_links() {
        let raw = serde_json::json!([
            {"name": "a.png", "url": "https://x.test/a.png", "filesize": 10, "content_type": "image/png"},
            {"name": "evil", "url": "javascript:alert(1)"},
            {"name": "f", "url": "file:///etc/passwd"}
        ]);
        let list = attachments(&raw);
        assert_eq!(
            list.len(),
            1,
            "javascript: and file: links are never offered"
        );
        assert_eq!(list[0].size_bytes, 10);
    }
}
