//! Tickets (`ticket`, `ticket_list`, `ticket_part(s)`, `ticket_state(_list)`,
//! `ticket_type(_list)`, `ticket_type_attribute`, `ticket_reply`), as tolerant as the
//! conversation models: every field optional, unknown enum values kept as `Other`, lists
//! item by item. Intercom's own examples give a type's attributes as
//! `{type: "list", data: [...]}` where its schema names the array `ticket_type_attributes`:
//! both decode.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::de::{self, open_enum};
use super::{ContactRefList, CursorPages, JsonMap, TagList};

open_enum! {
    /// The category of a ticket state.
    TicketStateCategory {
        Submitted => "submitted", InProgress => "in_progress",
        WaitingOnCustomer => "waiting_on_customer", Resolved => "resolved",
    }
}

/// A ticket: a search item (no `ticket_parts`) or a retrieved one (with).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct Ticket {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// The customer-facing number ("Do not use ticket_id for API queries").
    #[serde(deserialize_with = "de::opt_id")]
    pub ticket_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub ticket_attributes: JsonMap,
    pub ticket_state: Option<TicketState>,
    pub ticket_type: Option<TicketType>,
    pub contacts: Option<ContactRefList>,
    /// `None` when unassigned (`"0"`, `0` or `null`).
    #[serde(deserialize_with = "de::assignee")]
    pub admin_assignee_id: Option<String>,
    #[serde(deserialize_with = "de::assignee")]
    pub team_assignee_id: Option<String>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub open: Option<bool>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub snoozed_until: Option<i64>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub is_shared: Option<bool>,
    /// Not in the 2.14 schema; sent by Intercom and the sandbox.
    pub tags: Option<TagList>,
    pub linked_objects: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket_parts: Option<TicketPartList>,
}

impl Ticket {
    /// The `_default_title_` attribute.
    pub fn title(&self) -> Option<&str> {
        self.ticket_attributes
            .get("_default_title_")
            .and_then(Value::as_str)
    }

    /// The parts this answer carries (none for search items).
    pub fn parts(&self) -> &[TicketPart] {
        self.ticket_parts
            .as_ref()
            .map(|p| p.ticket_parts.as_slice())
            .unwrap_or_default()
    }

    /// The first contact's id.
    pub fn contact_id(&self) -> Option<&str> {
        self.contacts
            .as_ref()
            .and_then(|c| c.contacts.first())
            .map(|c| c.id.as_str())
    }
}

/// A ticket state (`ticket_state` and `ticket_state_detailed`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TicketState {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub category: Option<TicketStateCategory>,
    #[serde(deserialize_with = "de::opt_string")]
    pub internal_label: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub external_label: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
}

/// A ticket type with its attributes (when the answer carries them).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TicketType {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub category: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub icon: Option<String>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
    pub ticket_type_attributes: Option<AttributeList>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
}

impl TicketType {
    /// The attributes, from either shape Intercom uses.
    pub fn attributes(&self) -> &[TicketTypeAttribute] {
        self.ticket_type_attributes
            .as_ref()
            .map(AttributeList::items)
            .unwrap_or_default()
    }
}

/// `{type, ticket_type_attributes: [...]}` (the schema) or `{type: "list", data: [...]}`
/// (Intercom's examples).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct AttributeList {
    #[serde(deserialize_with = "de::items")]
    pub ticket_type_attributes: Vec<TicketTypeAttribute>,
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<TicketTypeAttribute>,
}

impl AttributeList {
    /// Whichever array is filled.
    pub fn items(&self) -> &[TicketTypeAttribute] {
        if self.ticket_type_attributes.is_empty() {
            &self.data
        } else {
            &self.ticket_type_attributes
        }
    }
}

/// One attribute of a ticket type.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TicketTypeAttribute {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    /// `string`, `list`, `integer`, `decimal`, `boolean`, `datetime`, `files` (a free
    /// string in the description).
    #[serde(deserialize_with = "de::opt_string")]
    pub data_type: Option<String>,
    /// Free-form; a list's options are `list_options: [{id, label}]`.
    pub input_options: Option<Value>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub order: Option<i64>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub required_to_create: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub default: Option<bool>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub archived: Option<bool>,
}

impl TicketTypeAttribute {
    /// The labels of a list attribute's options, in order (empty for other types).
    pub fn options(&self) -> Vec<(String, String)> {
        self.input_options
            .as_ref()
            .and_then(|o| o.get("list_options"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| {
                let label = o.get("label")?.as_str()?.to_string();
                let id = match o.get("id")? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                Some((id, label))
            })
            .collect()
    }
}

/// `{type: "ticket_part.list", ticket_parts: [...], total_count}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TicketPartList {
    #[serde(deserialize_with = "de::items")]
    pub ticket_parts: Vec<TicketPart>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
}

/// A ticket part (and `ticket_reply`, the answer to a reply).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct TicketPart {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// `comment`, `note`, `ticket_state_updated_by_admin`, ... (a free string).
    #[serde(deserialize_with = "de::opt_string")]
    pub part_type: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub body: Option<String>,
    pub previous_ticket_state: Option<TicketStateCategory>,
    pub ticket_state: Option<TicketStateCategory>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub created_at: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub updated_at: Option<i64>,
    pub author: Option<super::Author>,
    #[serde(deserialize_with = "de::opt_bool")]
    pub redacted: Option<bool>,
}

/// `{type: "ticket.list", tickets, total_count, pages}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TicketList {
    #[serde(deserialize_with = "de::items")]
    pub tickets: Vec<Ticket>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub total_count: Option<i64>,
    pub pages: Option<CursorPages>,
}

/// `{type: "list", data: [...]}` of ticket types.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TicketTypeList {
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<TicketType>,
}

/// `{type: "list", data: [...]}` of ticket states.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TicketStateList {
    #[serde(deserialize_with = "de::items")]
    pub data: Vec<TicketState>,
}

de::list_item!(Ticket, "tickets", |t| !t.id.is_empty());
de::list_item!(TicketPart, "ticket_parts.ticket_parts", |p| !p
    .id
    .is_empty());
de::list_item!(TicketType, "data", |t| !t.id.is_empty());
de::list_item!(TicketState, "data", |s| !s.id.is_empty());
de::list_item!(
    TicketTypeAttribute,
    "ticket_type_attributes.ticket_type_attributes",
    |a| !a.id.is_empty()
);
