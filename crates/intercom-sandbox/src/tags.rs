//! Tags (`GET /tags`, tagging and untagging a conversation) and the conversation data
//! attributes an agent edits (`GET /data_attributes`), as the 2.14 description gives them.
//!
//! The description's own request examples send the tag and admin ids as integers while its
//! schema says strings: both are accepted, as Intercom does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::request::{admin_of, id_field, json_object, ok, reject_unknown, ApiResult};
use crate::server::unix_now;
use crate::server::Shared;

/// `GET /tags`: every tag of the workspace (`tag_list`).
pub(crate) async fn list_tags(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let data: Vec<Value> = st
        .tags
        .iter()
        .map(|t| json!({"type": "tag", "id": t.id.to_string(), "name": t.name}))
        .collect();
    ok(json!({"type": "list", "data": data}))
}

/// `POST /conversations/{id}/tags` with `{id, admin_id}`: the tag as applied.
pub(crate) async fn tag_conversation(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(&body, &["id", "admin_id"])?;
    let tag_id = id_field(&body, "id")?.ok_or_else(|| ApiError::missing("id"))?;
    let mut st = shared.lock();
    let admin = admin_of(&st, &body)?;
    let idx = conversation(&st, &id)?;
    let tag = tag_index(&st, tag_id)?;
    let now = unix_now();
    let applied = st.tag_conversation(idx, tag, admin, now);
    let t = &st.tags[tag];
    ok(json!({
        "type": "tag", "id": t.id.to_string(), "name": t.name,
        "applied_at": applied.applied_at,
        "applied_by": {"type": "admin", "id": applied.applied_by.to_string()},
    }))
}

/// `DELETE /conversations/{id}/tags/{tag_id}` with `{admin_id}`: the tag removed. Removing a
/// tag the conversation does not carry is a 404, as Intercom answers.
pub(crate) async fn untag_conversation(
    State(shared): State<Arc<Shared>>,
    Path((id, tag_id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(&body, &["admin_id"])?;
    let mut st = shared.lock();
    admin_of(&st, &body)?;
    let idx = conversation(&st, &id)?;
    let tag_id: u64 = tag_id
        .trim()
        .parse()
        .map_err(|_| ApiError::not_found("Tag"))?;
    let tag = tag_index(&st, tag_id)?;
    if !st.untag_conversation(idx, tag, unix_now()) {
        return Err(ApiError::new(
            404,
            "tag_not_found",
            format!("Tag {tag_id} is not applied to conversation {id}"),
        ));
    }
    let t = &st.tags[tag];
    ok(json!({"type": "tag", "id": t.id.to_string(), "name": t.name}))
}

/// `GET /data_attributes?model=conversation` (and `contact`, `company`): the attributes'
/// definitions (`data_attribute_list`). The sandbox defines the conversation attributes it
/// seeds (`Channel`, `Order value`) and a few it leaves empty, one per data type.
pub(crate) async fn list_data_attributes(
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::invalid("query", format!("the query string is invalid: {e}")))?;
    let model = q.get("model").map(String::as_str);
    let data: Vec<Value> = match model {
        None | Some("conversation") => CONVERSATION_ATTRIBUTES
            .iter()
            .enumerate()
            .map(|(i, a)| a.to_json(DATA_ATTRIBUTE_BASE + i as u64))
            .collect(),
        Some("contact" | "company") => Vec::new(),
        Some(other) => {
            return Err(ApiError::invalid(
                "model",
                format!("model '{other}' is invalid; use contact, company or conversation"),
            ))
        }
    };
    ok(json!({"type": "list", "data": data}))
}

fn conversation(st: &crate::state::State, id: &str) -> Result<usize, ApiError> {
    st.conversation_index(id)
        .map_err(|_| ApiError::new(404, "not_found", "Conversation not found"))
}

fn tag_index(st: &crate::state::State, id: u64) -> Result<usize, ApiError> {
    st.tags
        .iter()
        .position(|t| t.id == id)
        .ok_or_else(|| ApiError {
            field: Some("id".into()),
            ..ApiError::new(404, "tag_not_found", format!("Tag {id} Not Found"))
        })
}

const DATA_ATTRIBUTE_BASE: u64 = 12_800;

/// A conversation data attribute the sandbox defines.
pub(crate) struct AttributeDef {
    pub name: &'static str,
    pub label: &'static str,
    pub data_type: &'static str,
    pub options: &'static [&'static str],
    pub description: &'static str,
}

/// The conversation attributes: the first two are seeded on conversations (`generate.rs`).
pub(crate) const CONVERSATION_ATTRIBUTES: &[AttributeDef] = &[
    AttributeDef {
        name: "Channel",
        label: "Channel",
        data_type: "string",
        options: &["web", "email", "ios"],
        description: "Where the customer wrote from",
    },
    AttributeDef {
        name: "Order value",
        label: "Order value",
        data_type: "integer",
        options: &[],
        description: "The order's value in whole currency units",
    },
    AttributeDef {
        name: "Escalated",
        label: "Escalated",
        data_type: "boolean",
        options: &[],
        description: "Handed to the second line",
    },
    AttributeDef {
        name: "Refund amount",
        label: "Refund amount",
        data_type: "float",
        options: &[],
        description: "What was refunded",
    },
    AttributeDef {
        name: "Follow up on",
        label: "Follow up on",
        data_type: "date",
        options: &[],
        description: "When to come back to the customer",
    },
];

impl AttributeDef {
    fn to_json(&self, id: u64) -> Value {
        let mut v = json!({
            "type": "data_attribute",
            "id": id,
            "model": "conversation",
            "name": self.name,
            "full_name": format!("custom_attributes.{}", self.name),
            "label": self.label,
            "description": self.description,
            "data_type": self.data_type,
            "api_writable": true,
            "messenger_writable": false,
            "ui_writable": true,
            "custom": true,
            "archived": false,
            "created_at": 1_671_028_894,
            "updated_at": 1_671_028_894,
            "admin_id": "991267460",
        });
        if !self.options.is_empty() {
            v["options"] = json!(self.options);
        }
        v
    }
}
