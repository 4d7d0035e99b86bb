//! Bodies of the writes the inbox makes: replies and notes, close/open/snooze/assign, data
//! events, and how a contact is named when listing its events.

use crate::models::JsonMap;
use serde_json::{json, Value};

/// Whether a reply is sent to the customer or kept as an internal note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// A reply the customer sees.
    Comment,
    /// An internal note.
    Note,
}

/// An admin's reply or note (`POST /conversations/{id}/reply`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// A reply or a note.
    pub kind: ReplyKind,
    /// The acting admin (the token owner is not necessarily the agent).
    pub admin_id: String,
    /// HTML (notes accept some formatting).
    pub body: String,
    /// Up to 10 public URLs.
    pub attachment_urls: Vec<String>,
}

impl Reply {
    /// A reply the customer sees.
    pub fn comment(admin_id: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            kind: ReplyKind::Comment,
            admin_id: admin_id.into(),
            body: body.into(),
            attachment_urls: Vec::new(),
        }
    }

    /// An internal note.
    pub fn note(admin_id: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            kind: ReplyKind::Note,
            ..Self::comment(admin_id, body)
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let mut v = json!({
            "message_type": match self.kind { ReplyKind::Comment => "comment", ReplyKind::Note => "note" },
            "type": "admin",
            "admin_id": self.admin_id,
            "body": self.body,
        });
        if !self.attachment_urls.is_empty() {
            v["attachment_urls"] = json!(self.attachment_urls);
        }
        v
    }
}

/// Whom to assign a conversation to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// An admin, by id.
    Admin(String),
    /// A team, by id.
    Team(String),
    /// Unassigned (Intercom's `assignee_id: "0"`).
    Nobody,
}

/// An action on a conversation (`POST /conversations/{id}/parts`).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Close, with an optional message.
    Close {
        /// A message sent with the close.
        body: Option<String>,
    },
    /// Reopen.
    Open,
    /// Snooze until this unix time (seconds).
    Snooze {
        /// Unix seconds.
        until: i64,
    },
    /// Assign, with an optional note.
    Assign {
        /// To whom.
        to: Assignee,
        /// A note added with the assignment.
        body: Option<String>,
    },
}

impl Action {
    pub(crate) fn to_json(&self, admin_id: &str) -> Value {
        let mut v = match self {
            Self::Close { .. } => {
                json!({"message_type": "close", "type": "admin", "admin_id": admin_id})
            }
            Self::Open => json!({"message_type": "open", "admin_id": admin_id}),
            Self::Snooze { until } => {
                json!({"message_type": "snoozed", "admin_id": admin_id, "snoozed_until": until})
            }
            Self::Assign { to, .. } => {
                let (kind, id) = match to {
                    Assignee::Admin(id) => ("admin", id.as_str()),
                    Assignee::Team(id) => ("team", id.as_str()),
                    Assignee::Nobody => ("admin", "0"),
                };
                json!({"message_type": "assignment", "type": kind, "admin_id": admin_id, "assignee_id": id})
            }
        };
        if let Self::Close { body: Some(b) } | Self::Assign { body: Some(b), .. } = self {
            v["body"] = json!(b);
        }
        v
    }
}

/// How a contact is named: by Intercom's id, the workspace's user id, or email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey {
    /// Intercom's contact id (works for leads too).
    IntercomId(String),
    /// The workspace's own `user_id` (external id).
    UserId(String),
    /// The contact's email.
    Email(String),
}

impl ContactKey {
    pub(crate) fn query_pair(&self) -> (&'static str, &str) {
        match self {
            Self::IntercomId(v) => ("intercom_user_id", v),
            Self::UserId(v) => ("user_id", v),
            Self::Email(v) => ("email", v),
        }
    }
}

/// A data event to record (`POST /events`).
#[derive(Debug, Clone, PartialEq)]
pub struct DataEventRequest {
    /// The event's name.
    pub event_name: String,
    /// Unix seconds (part of Intercom's dedup key).
    pub created_at: i64,
    /// Whose event it is.
    pub contact: ContactKey,
    /// At most 10 flat keys are kept by Intercom.
    pub metadata: JsonMap,
}

impl DataEventRequest {
    pub(crate) fn to_json(&self) -> Value {
        let (key, value) = match &self.contact {
            ContactKey::IntercomId(v) => ("id", v),
            ContactKey::UserId(v) => ("user_id", v),
            ContactKey::Email(v) => ("email", v),
        };
        let mut v = json!({"event_name": self.event_name, "created_at": self.created_at});
        v[key] = json!(value);
        if !self.metadata.is_empty() {
            v["metadata"] = Value::Object(self.metadata.clone());
        }
        v
    }
}
