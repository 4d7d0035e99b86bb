//! Serde models of Intercom 2.14 responses, tolerant of what Intercom really sends.
//!
//! 2.14 declares almost nothing required, so nearly every field is `Option` or defaults;
//! ids are `String` even when integers arrive; `null`, `0` and `"0"` assignees are `None`;
//! unknown enum values land in `Other(String)`; unknown fields are ignored; custom
//! attributes and free-form metadata stay JSON. The 2.15/2.16 changes (5-level priority,
//! non-null assignee 0, string `owner_id`) decode into the same types.
//!
//! Fields and enum values carry Intercom's names and meanings, documented in Intercom's 2.14
//! reference and in `tests/fixtures/intercom-openapi/`, which the tests validate these models
//! against; a doc line per field would only repeat its name, so `missing_docs` is off here
//! (the one exception in the workspace). The types, their tolerance and helpers are documented.
#![allow(missing_docs)]

mod attributes;
pub(crate) mod de;
mod ticket;

pub use attributes::{
    DataAttribute, DataAttributePage, DataType, SlaApplied, SlaStatus, TagPage, WorkspaceTag,
};

use de::open_enum;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use ticket::{
    AttributeList, Ticket, TicketList, TicketPart, TicketPartList, TicketState,
    TicketStateCategory, TicketStateList, TicketType, TicketTypeAttribute, TicketTypeList,
};

/// Free-form JSON object (custom attributes, event metadata).
pub type JsonMap = Map<String, Value>;

open_enum! {
    /// A conversation's (or a part's) state.
    ConversationState { Open => "open", Closed => "closed", Snoozed => "snoozed" }
}

open_enum! {
    /// Conversation priority: 2.14's two levels and 2.16's five.
    Priority {
        Priority => "priority", NotPriority => "not_priority", None => "none", Low => "low",
        Medium => "medium", High => "high", Urgent => "urgent",
    }
}

impl Priority {
    /// Whether the conversation is marked priority in either scheme.
    pub fn is_priority(&self) -> bool {
        matches!(self, Self::Priority | Self::High | Self::Urgent)
    }
}

open_enum! {
    /// Who wrote a part or a source: `admin`, `bot`, `user`, `lead`, `contact`, `team`.
    AuthorType {
        Admin => "admin", Bot => "bot", User => "user", Lead => "lead", Contact => "contact",
        Team => "team",
    }
}

open_enum! {
    /// The kind of a conversation part. Intercom declares it as a free string.
    PartType {
        Comment => "comment", Note => "note", Open => "open", Close => "close",
        Snoozed => "snoozed", Assignment => "assignment", AssignAndReopen => "assign_and_reopen",
        QuickReply => "quick_reply",
    }
}

/// An admin (teammate): `GET /admins` items and `GET /me` (which adds `app`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Admin {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub job_title: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub away_mode_enabled: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub away_mode_reassign: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub has_inbox_seat: Option<bool>,
    #[serde(deserialize_with = "de::id_list")]
    pub team_ids: Vec<String>,
    /// The avatar URL (an object on `/me`, a string on `/admins`).
    #[serde(deserialize_with = "de::avatar_url")]
    pub avatar: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub email_verified: Option<bool>,
    /// The workspace, only on `/me`.
    pub app: Option<App>,
}

/// The workspace behind a token, as `/me` reports it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct App {
    #[serde(deserialize_with = "de::opt_string")]
    pub id_code: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub timezone: Option<String>,
    /// `US`, `EU` or `AU` as Intercom writes it.
    #[serde(deserialize_with = "de::opt_string")]
    pub region: Option<String>,
}

/// `{type: "admin.list", admins: [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AdminList {
    #[serde(deserialize_with = "de::items")]
    pub admins: Vec<Admin>,
}

/// A team.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Team {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::id_list")]
    pub admin_ids: Vec<String>,
    pub admin_priority_level: Option<Value>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub assignment_limit: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub distribution_method: Option<String>,
}

/// `{type: "team.list", teams: [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TeamList {
    #[serde(deserialize_with = "de::items")]
    pub teams: Vec<Team>,
}

/// A conversation: a list/search item (no `conversation_parts`) or a retrieved one (with).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Conversation {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub title: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
    /// When a contact last replied to an admin; `None` when the last reply is an admin's.
    #[serde(deserialize_with = "de::opt_i64")]
    pub waiting_since: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub snoozed_until: Option<i64>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub open: Option<bool>,
    pub state: Option<ConversationState>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub read: Option<bool>,
    pub priority: Option<Priority>,
    /// `None` when unassigned (`null` in 2.14, `0` in its examples and in 2.16).
    #[serde(deserialize_with = "de::assignee")]
    pub admin_assignee_id: Option<String>,
    #[serde(deserialize_with = "de::assignee")]
    pub team_assignee_id: Option<String>,
    pub tags: Option<TagList>,
    pub source: Option<Source>,
    pub contacts: Option<ContactRefList>,
    pub teammates: Option<Teammates>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub custom_attributes: JsonMap,
    pub first_contact_reply: Option<Value>,
    pub conversation_rating: Option<Value>,
    /// Read through [`Conversation::sla`].
    pub sla_applied: Option<Value>,
    pub statistics: Option<Value>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub ai_agent_participated: Option<bool>,
    /// Present only on `GET /conversations/{id}` and write responses (new parts only).
    /// Left out when absent, so a listed and a retrieved conversation serialise alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_parts: Option<PartList>,
}

impl Conversation {
    /// The SLA applied, if any (read leniently: an odd `sla_applied` is no SLA).
    pub fn sla(&self) -> Option<SlaApplied> {
        SlaApplied::from_value(self.sla_applied.as_ref())
    }

    /// The parts carried by this response (empty for list and search items).
    pub fn parts(&self) -> &[Part] {
        self.conversation_parts
            .as_ref()
            .map(|p| p.conversation_parts.as_slice())
            .unwrap_or_default()
    }

    /// Contact ids attached to the conversation.
    pub fn contact_ids(&self) -> impl Iterator<Item = &str> {
        self.contacts
            .iter()
            .flat_map(|c| c.contacts.iter())
            .map(|c| c.id.as_str())
    }
}

/// `{type: "tag.list", tags: [...]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TagList {
    #[serde(deserialize_with = "de::items")]
    pub tags: Vec<Tag>,
}

/// A tag applied to a conversation or part.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Tag {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub applied_at: Option<i64>,
}

/// `{type: "contact.list", contacts: [{id, external_id}]}` inside a conversation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ContactRefList {
    #[serde(deserialize_with = "de::items")]
    pub contacts: Vec<ContactRef>,
}

/// A contact reference inside a conversation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ContactRef {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub external_id: Option<String>,
}

/// `{type: "admin.list", teammates: [{type, id}]}` inside a conversation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Teammates {
    #[serde(deserialize_with = "de::items")]
    pub teammates: Vec<Author>,
}

/// The message that started a conversation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Source {
    /// `conversation`, `email`, `push`, ... (an open string since 2.16).
    #[serde(rename = "type", deserialize_with = "de::opt_string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub delivered_as: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub subject: Option<String>,
    /// HTML (may be a notice for Twitter).
    #[serde(deserialize_with = "de::opt_string")]
    pub body: Option<String>,
    pub author: Option<Author>,
    #[serde(deserialize_with = "de::items")]
    pub attachments: Vec<Attachment>,
    #[serde(deserialize_with = "de::opt_string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub redacted: Option<bool>,
}

/// The author of a part or source (2.16 makes `id`, `name`, `email` nullable).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Author {
    #[serde(rename = "type")]
    pub kind: Option<AuthorType>,
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub from_ai_agent: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub is_ai_answer: Option<bool>,
}

/// A file attached to a part or source.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Attachment {
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub url: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub content_type: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub filesize: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub width: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub height: Option<i64>,
}

/// `{type: "conversation_part.list", conversation_parts: [...], total_count}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct PartList {
    #[serde(deserialize_with = "de::items")]
    pub conversation_parts: Vec<Part>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
}

/// One part (message, note or action) of a conversation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Part {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub part_type: Option<PartType>,
    /// HTML, or `None` for actions.
    #[serde(deserialize_with = "de::opt_string")]
    pub body: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub notified_at: Option<i64>,
    pub assigned_to: Option<Author>,
    pub author: Option<Author>,
    #[serde(deserialize_with = "de::items")]
    pub attachments: Vec<Attachment>,
    #[serde(deserialize_with = "de::opt_string")]
    pub external_id: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub redacted: Option<bool>,
    /// The conversation's state when this part was created.
    pub state: Option<ConversationState>,
    #[serde(deserialize_with = "de::items")]
    pub tags: Vec<Tag>,
    pub metadata: Option<Value>,
    pub event_details: Option<Value>,
}

/// A contact (user or lead).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Contact {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub external_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub workspace_id: Option<String>,
    /// `user` or `lead`.
    #[serde(deserialize_with = "de::opt_string")]
    pub role: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub phone: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// An integer in 2.14, a string in 2.16.
    #[serde(deserialize_with = "de::assignee")]
    pub owner_id: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub signed_up_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub last_seen_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub last_replied_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub last_contacted_at: Option<i64>,
    #[serde(deserialize_with = "de::avatar_url")]
    pub avatar: Option<String>,
    pub location: Option<Location>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub custom_attributes: JsonMap,
}

/// Where a contact is.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Location {
    #[serde(deserialize_with = "de::opt_string")]
    pub country: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub region: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub city: Option<String>,
}

/// A data event (`GET /events` items).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct DataEvent {
    #[serde(deserialize_with = "de::opt_id")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub event_name: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub intercom_user_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub metadata: JsonMap,
}

/// `{type: "event.summary", events: [{name, first, last, count, description}]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct EventSummaryList {
    #[serde(deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub intercom_user_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
    #[serde(deserialize_with = "de::items")]
    pub events: Vec<EventSummary>,
}

/// How often a contact did one event.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct EventSummary {
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// ISO-8601 text, not unix seconds.
    #[serde(deserialize_with = "de::opt_string")]
    pub first: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub last: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub count: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
}

/// `pages` of list and search responses (cursor style).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct CursorPages {
    #[serde(deserialize_with = "de::opt_i64")]
    pub page: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub per_page: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_pages: Option<i64>,
    pub next: Option<NextCursor>,
}

/// `pages.next` of cursor-style pages.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct NextCursor {
    #[serde(deserialize_with = "de::opt_i64")]
    pub page: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub per_page: Option<i64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub starting_after: Option<String>,
}

/// `pages` of next-URL style responses (`GET /events`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct LinkPages {
    #[serde(deserialize_with = "de::opt_i64")]
    pub page: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub per_page: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_pages: Option<i64>,
    /// The full URL of the next page, followed as given (same host only).
    #[serde(deserialize_with = "de::opt_string")]
    pub next: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub since: Option<String>,
}

/// `{type: "conversation.list", conversations, total_count, pages}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConversationList {
    #[serde(deserialize_with = "de::items")]
    pub conversations: Vec<Conversation>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    pub pages: Option<CursorPages>,
}

/// `{type: "list", data, total_count, pages}` from contact search.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactList {
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<Contact>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    pub pages: Option<CursorPages>,
}

/// `{type: "event.list", events, pages: {next, since}}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventList {
    #[serde(deserialize_with = "de::items")]
    pub events: Vec<DataEvent>,
    pub pages: Option<LinkPages>,
}

/// `{type: "error.list", request_id, errors: [{code, message, field, data}]}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ErrorList {
    #[serde(rename = "type", deserialize_with = "de::opt_string")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub request_id: Option<String>,
    #[serde(deserialize_with = "de::null_as_empty")]
    pub errors: Vec<ErrorItem>,
}

/// One entry of an `error.list`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct ErrorItem {
    #[serde(deserialize_with = "de::opt_string")]
    pub code: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub field: Option<String>,
    /// Extra detail, e.g. `required_permissions` on a 403 `action_forbidden`.
    pub data: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_fields_decode_the_documented_variants() {
        let c: Conversation = serde_json::from_value(serde_json::json!({
            "id": 42, "admin_assignee_id": 0, "team_assignee_id": "0", "priority": "urgent",
            "state": "archived", "open": true, "custom_attributes": {"x": [1, {"a": true}]},
            "unknown_field": {"deep": 1}
        }))
        .expect("a conversation with int id, 0 assignees and new enum values must decode");
        assert_eq!(c.id, "42", "integer ids are normalised to strings");
        assert_eq!(c.admin_assignee_id, None, "0 means unassigned");
        assert_eq!(c.team_assignee_id, None, "\"0\" means unassigned");
        assert!(
            c.priority.as_ref().is_some_and(Priority::is_priority),
            "2.16 urgent is a priority"
        );
        assert_eq!(
            c.state,
            Some(ConversationState::Other("archived".into())),
            "unknown states are kept verbatim"
        );
        let p: CursorPages =
            serde_json::from_value(serde_json::json!({"per_page": "5", "next": null}))
                .expect("per_page as a string must decode, as the pagination docs show it");
        assert_eq!(p.per_page, Some(5), "a string per_page is parsed");
    }

    #[test]
    fn null_custom_attributes_and_metadata_decode_as_empty() {
        let page: ConversationList = serde_json::from_value(serde_json::json!({
            "type": "conversation.list",
            "conversations": [
                {"id": "1", "custom_attributes": null},
                {"id": "2", "custom_attributes": {"tier": "gold"}}
            ]
        }))
        .expect("a null custom_attributes on one conversation must not fail the page");
        assert_eq!(page.conversations.len(), 2, "both conversations are kept");
        assert!(
            page.conversations[0].custom_attributes.is_empty(),
            "null custom attributes mean none"
        );
        assert_eq!(
            page.conversations[1].custom_attributes.get("tier"),
            Some(&Value::from("gold")),
            "present attributes are kept as JSON"
        );
        let contact: Contact =
            serde_json::from_value(serde_json::json!({"id": "c1", "custom_attributes": null}))
                .expect("a contact with null custom_attributes must decode");
        assert!(
            contact.custom_attributes.is_empty(),
            "null contact custom attributes mean none"
        );
        let event: DataEvent =
            serde_json::from_value(serde_json::json!({"event_name": "paid", "metadata": null}))
                .expect("a data event with null metadata must decode");
        assert!(event.metadata.is_empty(), "null metadata means none");
    }
}

// Where each list lives in an answer, for the one warning a skipped item gets, and which
// items cannot be kept at all (no id to store them under).
de::list_item!(Admin, "admins", |a| !a.id.is_empty());
de::list_item!(Team, "teams", |t| !t.id.is_empty());
de::list_item!(Tag, "tags.tags", |t| !t.id.is_empty());
de::list_item!(ContactRef, "contacts.contacts", |c| !c.id.is_empty());
de::list_item!(Author, "teammates.teammates", |_a| true);
de::list_item!(Attachment, "attachments", |_a| true);
de::list_item!(Part, "conversation_parts.conversation_parts", |p| !p
    .id
    .is_empty());
de::list_item!(EventSummary, "events", |_e| true);
de::list_item!(Conversation, "conversations", |c| !c.id.is_empty());
de::list_item!(Contact, "data", |c| !c.id.is_empty());
de::list_item!(DataEvent, "events", |_e| true);
