//! Tickets as the UI shows them (issue 14): list rows, the ticket thread with its attributes,
//! and ticket types. Bodies are sanitized here, in Rust, as conversation bodies are.

use std::collections::HashMap;

use agentdesk_content::{sanitize, Images};
use agentdesk_store as store;
use serde::Serialize;
use serde_json::Value;

use super::{Attribute, OutboxItem, Part, Tag};

/// The four state categories; an unknown one Intercom may add reads as `submitted` in the UI
/// (the cache keeps it as sent).
pub(crate) fn ui_state(state: &str) -> &'static str {
    match state {
        "in_progress" => "in_progress",
        "waiting_on_customer" => "waiting_on_customer",
        "resolved" => "resolved",
        _ => "submitted",
    }
}

/// What a state reads as in a sentence.
fn state_words(state: &str) -> &'static str {
    match ui_state(state) {
        "in_progress" => "In progress",
        "waiting_on_customer" => "Waiting on customer",
        "resolved" => "Resolved",
        _ => "Submitted",
    }
}

/// One row of the ticket list.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRow {
    /// Intercom's ticket id.
    pub id: String,
    /// The customer-facing number (`ticket_id`).
    pub number: String,
    /// Title.
    pub title: String,
    /// Its type.
    pub ticket_type_id: Option<String>,
    /// Its type's name.
    pub ticket_type_name: String,
    /// `submitted`, `in_progress`, `waiting_on_customer` or `resolved`.
    pub state: &'static str,
    /// The customer.
    pub contact_name: String,
    /// Sort key.
    pub last_activity_at: i64,
    /// Assigned admin's or team's name.
    pub assignee_name: Option<String>,
    /// Unread for the agent.
    pub unread: bool,
    /// Something of the agent's is on its way.
    pub pending: bool,
    /// Intercom refused something of the agent's.
    pub failed: bool,
    /// Tags as shown.
    pub tags: Vec<Tag>,
}

impl From<store::TicketRow> for TicketRow {
    fn from(r: store::TicketRow) -> TicketRow {
        TicketRow {
            number: r.number.unwrap_or_default(),
            title: r
                .title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| "Untitled ticket".into()),
            ticket_type_name: r.ticket_type_name.unwrap_or_else(|| "Ticket".into()),
            state: ui_state(&r.state),
            contact_name: r.contact_name.unwrap_or_else(|| "Unknown".into()),
            tags: r.tags.iter().map(|t| Tag::of(t, &HashMap::new())).collect(),
            id: r.id,
            ticket_type_id: r.ticket_type_id,
            last_activity_at: r.last_activity_at,
            assignee_name: r.assignee_name,
            unread: r.unread,
            pending: r.pending > 0,
            failed: r.failed > 0,
        }
    }
}

/// A page of tickets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketPage {
    /// The rows, newest activity first.
    pub rows: Vec<TicketRow>,
    /// Where the next page starts (an opaque string), or null on the last page.
    pub next_cursor: Option<String>,
}

/// Ticket cursors travel as `<last_activity_at>:<id>`, as conversation cursors do.
pub fn encode_ticket_cursor(c: &store::TicketCursor) -> String {
    format!("{}:{}", c.last_activity_at, c.id)
}

/// The cursor a UI string stands for; `None` for one this app did not make.
pub fn decode_ticket_cursor(s: &str) -> Option<store::TicketCursor> {
    let (at, id) = s.split_once(':')?;
    Some(store::TicketCursor {
        last_activity_at: at.parse().ok()?,
        id: id.to_string(),
    })
}

/// A ticket type with its attributes (values null).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketType {
    /// Type id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its attributes, in the type's order.
    pub attributes: Vec<Attribute>,
}

/// A ticket attribute for the editor: the definition with its value.
fn attribute(def: &store::TicketAttributeDef, value: Value) -> Attribute {
    let options = (!def.options.is_empty())
        .then(|| def.options.iter().map(|(_, label)| label.clone()).collect());
    Attribute {
        name: def.name.clone(),
        label: def
            .label
            .clone()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| def.name.clone()),
        data_type: match def.data_type.as_str() {
            "integer" => "integer",
            "float" | "decimal" => "float",
            "boolean" => "boolean",
            "datetime" | "date" => "datetime",
            "list" => "list",
            _ => "string",
        },
        // A list value is stored as the option's id or label: the editor shows the label.
        value: match (&value, def.data_type.as_str()) {
            (Value::String(v), "list") => Value::String(
                def.options
                    .iter()
                    .find(|(id, label)| id == v || label == v)
                    .map(|(_, label)| label.clone())
                    .unwrap_or_else(|| v.clone()),
            ),
            _ => value,
        },
        options,
        required: def.required,
        editable: !def.archived,
    }
}

impl From<store::TicketType> for TicketType {
    fn from(t: store::TicketType) -> TicketType {
        TicketType {
            attributes: t
                .attributes
                .iter()
                .filter(|a| !a.archived)
                .map(|a| attribute(a, Value::Null))
                .collect(),
            id: t.id,
            name: t.name,
        }
    }
}

/// A ticket's thread as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetail {
    /// Ticket id.
    pub id: String,
    /// Customer-facing number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Its type.
    pub ticket_type_id: Option<String>,
    /// Its type's name.
    pub ticket_type_name: String,
    /// State category.
    pub state: &'static str,
    /// Assigned admin.
    pub admin_assignee_id: Option<String>,
    /// Assigned team.
    pub team_assignee_id: Option<String>,
    /// The customer.
    pub contact_id: String,
    /// The customer's name.
    pub contact_name: String,
    /// The type's attributes with values, then values without a definition.
    pub attributes: Vec<Attribute>,
    /// The thread, oldest first (state changes as `state_change` parts).
    pub parts: Vec<Part>,
    /// The agent's items not confirmed by Intercom (failed ones included).
    pub pending: Vec<OutboxItem>,
    /// Tags as shown.
    pub tags: Vec<Tag>,
    /// Whether a remote image is still a placeholder.
    pub remote_images_blocked: bool,
}

/// Builds the ticket thread: bodies sanitized, remote images blocked unless inlined.
pub(crate) fn ticket_detail(
    d: &store::TicketDetail,
    admins: &HashMap<String, String>,
    images: &Images,
) -> TicketDetail {
    let t = &d.ticket;
    let contact_name = d.contact_name.clone().unwrap_or_else(|| "Customer".into());
    let mut blocked = false;
    // The description the customer gave opens the thread, as in Intercom's inbox.
    let description = t
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|body| {
            let clean = sanitize(body, images);
            blocked |= clean.images_blocked;
            Part {
                id: format!("description-{}", t.id),
                kind: "message",
                author_kind: "contact",
                author_name: contact_name.clone(),
                created_at: t.created_at,
                body_html: clean.html,
                event_text: None,
                attachments: Vec::new(),
                redacted: false,
            }
        });
    let parts = description
        .into_iter()
        .chain(d.parts.iter().map(|p| {
            let author_kind = super::thread::author_kind(p.author_type.as_deref());
            let author_name = p.author_name.clone().unwrap_or_else(|| match author_kind {
                "contact" => contact_name.clone(),
                _ => p
                    .author_id
                    .as_ref()
                    .and_then(|id| admins.get(id).cloned())
                    .unwrap_or_else(|| "Teammate".into()),
            });
            if let Some(to) = p.state.as_deref().filter(|_| p.body_html.is_none()) {
                return Part {
                    id: p.id.clone(),
                    kind: "state_change",
                    author_kind,
                    event_text: Some(format!(
                        "{author_name} moved the ticket to {}",
                        state_words(to)
                    )),
                    author_name,
                    created_at: p.created_at,
                    body_html: String::new(),
                    attachments: Vec::new(),
                    redacted: false,
                };
            }
            let clean = sanitize(p.body_html.as_deref().unwrap_or(""), images);
            blocked |= clean.images_blocked;
            Part {
                id: p.id.clone(),
                kind: if p.part_type == "note" {
                    "note"
                } else {
                    "message"
                },
                author_kind,
                author_name,
                created_at: p.created_at,
                body_html: clean.html,
                event_text: None,
                attachments: Vec::new(),
                redacted: false,
            }
        }))
        .collect();
    TicketDetail {
        id: t.id.clone(),
        number: t.number.clone().unwrap_or_default(),
        title: t
            .title
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "Untitled ticket".into()),
        ticket_type_id: t.ticket_type_id.clone(),
        ticket_type_name: d
            .ticket_type_name
            .clone()
            .unwrap_or_else(|| "Ticket".into()),
        state: ui_state(&t.state),
        admin_assignee_id: t.admin_assignee_id.clone(),
        team_assignee_id: t.team_assignee_id.clone(),
        contact_id: t.contact_id.clone().unwrap_or_default(),
        contact_name,
        attributes: d
            .attributes
            .iter()
            .filter(|a| !a.def.is_default)
            .map(|a| attribute(&a.def, a.value.clone()))
            .collect(),
        parts,
        pending: d
            .outbox
            .iter()
            .filter(|e| !matches!(e.status, store::OutboxStatus::Sent))
            .map(OutboxItem::from)
            .collect(),
        tags: t.tags.iter().map(|x| Tag::of(x, &HashMap::new())).collect(),
        remote_images_blocked: blocked,
    }
}
