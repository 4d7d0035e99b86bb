//! The ticket endpoints of the 2.14 description: `GET /ticket_types`,
//! `GET /ticket_types/{id}`, `GET /ticket_states`, `POST /tickets`, `POST /tickets/search`,
//! `GET|PUT|DELETE /tickets/{id}`, `POST /tickets/{id}/reply`, `POST /tickets/{id}/tags`
//! and `DELETE /tickets/{id}/tags/{tag_id}`. Errors are `error.list`, unknown ids 404.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::{PartAuthor, Ticket};
use crate::error::ApiError;
use crate::request::{
    admin_of, id_field, json_object, ok, raw_starting_after, reject_unknown, str_field, ApiResult,
};
use crate::search::{self, Query as SearchQuery, SortField};
use crate::server::{unix_now, Shared};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ticket_types", get(list_types))
        .route("/ticket_types/{id}", get(get_type))
        .route("/ticket_states", get(list_states))
        .route("/tickets", post(create_ticket))
        .route("/tickets/search", post(search_tickets))
        .route(
            "/tickets/{id}",
            get(get_ticket).put(update_ticket).delete(delete_ticket),
        )
        .route("/tickets/{id}/reply", post(reply_ticket))
        .route("/tickets/{id}/tags", post(tag_ticket))
        .route(
            "/tickets/{id}/tags/{tag_id}",
            axum::routing::delete(untag_ticket),
        )
}

async fn list_types(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let t = &st.tickets;
    let data: Vec<Value> = t
        .types
        .iter()
        .filter(|ty| !ty.unlisted)
        .map(|ty| ty.to_json(true, &t.states))
        .collect();
    ok(json!({"type": "list", "data": data}))
}

async fn get_type(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult {
    let st = shared.lock();
    let t = &st.tickets;
    let ty = id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| t.ticket_type(id))
        .ok_or_else(|| ApiError::not_found("Ticket type"))?;
    ok(ty.to_json(true, &t.states))
}

async fn list_states(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let t = &st.tickets;
    let data: Vec<Value> = t
        .states
        .iter()
        .map(|s| {
            let mut v = s.to_json();
            v["archived"] = json!(false);
            v["ticket_types"] = json!({"type": "list", "data": t.types.iter().filter(|ty| !ty.unlisted).map(|ty| ty.to_json(false, &[])).collect::<Vec<_>>()});
            v
        })
        .collect();
    ok(json!({"type": "list", "data": data}))
}

async fn search_tickets(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ApiResult {
    let body = Value::Object(json_object(&bytes)?);
    if let Some(obj) = body.as_object() {
        reject_unknown(obj, &["query", "pagination", "sort"])?;
    }
    let query = SearchQuery::parse::<Ticket>(&body)?;
    let (per_page, cursor) = search::parse_pagination(&body, 20)?;
    let sort = search::parse_sort(
        &body,
        SortField::UpdatedAt,
        &[
            ("updated_at", SortField::UpdatedAt),
            ("created_at", SortField::CreatedAt),
        ],
    )?;
    let _ = raw_starting_after(&body);
    let st = shared.lock();
    let lk = st.lookup();
    let t = &st.tickets;
    let mut matches: Vec<(i64, u64)> = t
        .tickets
        .iter()
        .filter(|x| t.by_id.contains_key(&x.id))
        .filter(|x| query.matches(*x, &lk))
        .map(|x| {
            let key = match sort.field {
                SortField::CreatedAt => x.created_at,
                _ => x.updated_at,
            };
            (key, x.id)
        })
        .collect();
    search::sort(&mut matches, sort.descending);
    let page = search::page_of(&matches, sort.descending, per_page, cursor);
    let tickets: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|id| t.by_id.get(id))
        .map(|&i| {
            let mut v = t.ticket_json(i, &lk, false);
            super::dress_ticket(&st.quirks, &mut v);
            v
        })
        .collect();
    let mut v = json!({
        "type": "ticket.list",
        "tickets": tickets,
        "total_count": page.total,
        "pages": page.pages_json(),
    });
    st.quirks
        .dress_list(&mut v, "tickets", "POST /tickets/search");
    ok(v)
}

async fn get_ticket(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult {
    let st = shared.lock();
    let idx = st.tickets.index(&id)?;
    let mut v = st.tickets.ticket_json(idx, &st.lookup(), true);
    super::dress_ticket(&st.quirks, &mut v);
    ok(v)
}

fn attributes_of(body: &Map<String, Value>) -> Result<Map<String, Value>, ApiError> {
    match body.get("ticket_attributes") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(v) => Err(ApiError::invalid(
            "ticket_attributes",
            format!("ticket_attributes must be an object of attribute name to value, got {v}"),
        )),
    }
}

async fn create_ticket(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(
        &body,
        &[
            "ticket_type_id",
            "contacts",
            "ticket_attributes",
            "created_at",
            "company_id",
            "conversation_to_link_id",
            "assignment",
        ],
    )?;
    let type_id =
        id_field(&body, "ticket_type_id")?.ok_or_else(|| ApiError::missing("ticket_type_id"))?;
    let contact_id = body
        .get("contacts")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::missing("contacts"))?
        .to_string();
    let attributes = attributes_of(&body)?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    let contact = st
        .contact_index(&contact_id)
        .ok_or_else(|| ApiError::not_found("Contact"))?;
    let ty = st
        .tickets
        .ticket_type(type_id)
        .ok_or_else(|| ApiError::not_found("Ticket type"))?;
    if let Some(missing) = ty
        .attributes
        .iter()
        .find(|a| a.required && a.data_type != "list" && !attributes.contains_key(&a.name))
    {
        return Err(ApiError::invalid(
            &missing.name,
            format!(
                "the attribute '{}' is required to create a ticket",
                missing.name
            ),
        ));
    }
    let now = unix_now();
    let idx = st.tickets.insert(type_id, contact, Map::new(), now);
    if let Err(e) = st.tickets.set_attributes(idx, &attributes) {
        let id = st.tickets.tickets[idx].id;
        st.tickets.tickets.pop();
        st.tickets.by_id.remove(&id);
        return Err(e);
    }
    ok(st.tickets.ticket_json(idx, &st.lookup(), true))
}

async fn update_ticket(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(
        &body,
        &[
            "ticket_attributes",
            "ticket_state_id",
            "company_id",
            "open",
            "is_shared",
            "snoozed_until",
            "admin_id",
            "assignee_id",
        ],
    )?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    let idx = st.tickets.index(&id)?;
    let admin = match body.get("admin_id") {
        None | Some(Value::Null) => st.admins.first().map_or(0, |a| a.id),
        Some(_) => admin_of(st, &body)?,
    };
    let state_idx = match id_field(&body, "ticket_state_id")? {
        None => None,
        Some(s) => Some(
            st.tickets
                .states
                .iter()
                .position(|x| x.id == s)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "ticket_state_id",
                        format!("ticket_state_id {s} is not a state of this workspace"),
                    )
                })?,
        ),
    };
    let assignee = id_field(&body, "assignee_id")?;
    if let Some(a) = assignee.filter(|&a| a != 0) {
        if !st.admin_exists(a) && !st.team_exists(a) {
            return Err(ApiError::invalid(
                "assignee_id",
                format!("assignee_id {a} is neither an admin nor a team"),
            ));
        }
    }
    let attributes = attributes_of(&body)?;
    let before = st.tickets.tickets[idx].attributes.clone();
    st.tickets.set_attributes(idx, &attributes)?;
    let now = unix_now();
    if !attributes.is_empty() && before != st.tickets.tickets[idx].attributes {
        st.tickets.tickets[idx].updated_at = now;
    }
    if let Some(s) = state_idx {
        st.tickets.move_state(idx, s, admin, now);
    }
    match body.get("open") {
        Some(Value::Bool(false)) if st.tickets.tickets[idx].open() => {
            let resolved = st
                .tickets
                .states
                .iter()
                .position(|s| s.category == "resolved");
            st.tickets
                .move_state(idx, resolved.unwrap_or(3), admin, now);
        }
        Some(Value::Bool(true)) if !st.tickets.tickets[idx].open() => {
            st.tickets.move_state(idx, 0, admin, now);
        }
        Some(Value::Bool(_)) | None | Some(Value::Null) => {}
        Some(v) => {
            return Err(ApiError::invalid(
                "open",
                format!("open must be a boolean, got {v}"),
            ))
        }
    }
    if let Some(a) = assignee {
        let t = &mut st.tickets.tickets[idx];
        if a == 0 {
            t.admin_assignee_id = None;
            t.team_assignee_id = None;
        } else if st.admins.iter().any(|x| x.id == a) {
            t.admin_assignee_id = Some(a);
        } else {
            t.team_assignee_id = Some(a);
        }
        t.updated_at = now;
    }
    ok(st.tickets.ticket_json(idx, &st.lookup(), true))
}

async fn delete_ticket(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult {
    let mut st = shared.lock();
    let idx = st.tickets.index(&id)?;
    st.tickets.delete(idx);
    let id = st.tickets.tickets[idx].id;
    ok(json!({"id": id.to_string(), "object": "ticket", "deleted": true}))
}

async fn reply_ticket(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(
        &body,
        &[
            "message_type",
            "type",
            "body",
            "admin_id",
            "created_at",
            "attachment_urls",
            "intercom_user_id",
            "user_id",
            "email",
        ],
    )?;
    let message_type = str_field(&body, "message_type")?.unwrap_or("comment");
    let part_type = match message_type {
        "comment" => "comment",
        "note" => "note",
        other => {
            return Err(ApiError::invalid(
                "message_type",
                format!("message_type '{other}' is not supported here; use comment or note"),
            ))
        }
    };
    let text = str_field(&body, "body")?
        .filter(|b| !b.trim().is_empty())
        .ok_or_else(|| ApiError::missing("body"))?
        .to_string();
    let mut guard = shared.lock();
    let st = &mut *guard;
    let idx = st.tickets.index(&id)?;
    let author = match str_field(&body, "type")? {
        Some("user") => {
            let c = st.tickets.tickets[idx].contact;
            PartAuthor::Contact(c)
        }
        _ => PartAuthor::Admin(admin_of(st, &body)?),
    };
    let now = unix_now();
    let part_id = st.tickets.add_part(idx, part_type, text, author, now);
    let lk = st.lookup();
    let t = &st.tickets.tickets[idx];
    let part = t
        .parts
        .iter()
        .find(|p| p.id == part_id)
        .map(|p| super::part_json(p, &lk))
        .unwrap_or(Value::Null);
    // The `ticket_reply` schema is the part without the state fields.
    let mut reply = part;
    if let Some(obj) = reply.as_object_mut() {
        for k in ["ticket_state", "previous_ticket_state", "assigned_to"] {
            obj.remove(k);
        }
    }
    ok(reply)
}

fn tag_json(st: &crate::state::State, tag: usize, at: i64, admin: u64) -> Value {
    let t = &st.tags[tag];
    json!({"type": "tag", "id": t.id.to_string(), "name": t.name, "applied_at": at, "applied_by": {"type": "admin", "id": admin.to_string()}})
}

async fn tag_ticket(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(&body, &["id", "admin_id"])?;
    let tag_id = id_field(&body, "id")?.ok_or_else(|| ApiError::missing("id"))?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    let idx = st.tickets.index(&id)?;
    let admin = admin_of(st, &body)?;
    let tag = st
        .tags
        .iter()
        .position(|t| t.id == tag_id)
        .ok_or_else(|| ApiError::not_found("Tag"))?;
    let now = unix_now();
    let t = &mut st.tickets.tickets[idx];
    if !t.tags.iter().any(|(i, _)| *i == tag) {
        t.tags.push((tag, now));
        t.updated_at = now;
    }
    ok(tag_json(st, tag, now, admin))
}

async fn untag_ticket(
    State(shared): State<Arc<Shared>>,
    Path((id, tag_id)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(&body, &["admin_id"])?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    let idx = st.tickets.index(&id)?;
    let admin = admin_of(st, &body)?;
    let tag = tag_id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|tid| st.tags.iter().position(|t| t.id == tid))
        .ok_or_else(|| ApiError::not_found("Tag"))?;
    let t = &mut st.tickets.tickets[idx];
    let Some(pos) = t.tags.iter().position(|(i, _)| *i == tag) else {
        return Err(ApiError::not_found("Tag on this ticket"));
    };
    t.tags.remove(pos);
    let now = unix_now();
    t.updated_at = now;
    ok(tag_json(st, tag, now, admin))
}
