//! The control API under `/_sandbox/`: inject activity, edit contacts, set faults, and read
//! the truth, the write log and the counters. It answers loopback peers only, never a request
//! from another origin (a web page), and, when the sandbox has a control secret, only
//! requests carrying it (`server::Access`). The in-process [`crate::Sandbox`] methods call the same
//! functions.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::faults::{FaultRates, FaultSpec};
use crate::generate;
use crate::model::AssigneeKind;
use crate::quirks::{MergedAnswer, Quirks};
use crate::server::{unix_now, Shared};
use crate::state::Manage;
use crate::{ContactUpdate, SandboxError};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sandbox/contact_reply", post(contact_reply))
        .route("/_sandbox/conversations", post(new_conversation))
        .route("/_sandbox/contact_update", post(contact_update))
        .route("/_sandbox/assign", post(assign_route))
        .route("/_sandbox/close", post(close_route))
        .route("/_sandbox/faults", get(get_faults).put(put_faults))
        .route("/_sandbox/fail_next", post(fail_next))
        .route("/_sandbox/quirks", get(get_quirks).put(put_quirks))
        .route("/_sandbox/merge_contact", post(merge_contact_route))
        .route("/_sandbox/delete", post(delete_route))
        .route("/_sandbox/truth", get(truth))
        .route("/_sandbox/writes", get(writes))
        .route("/_sandbox/stats", get(stats))
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

async fn guard(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if !peer.ip().is_loopback() {
        return fail(
            StatusCode::FORBIDDEN,
            "the control API only answers loopback peers".into(),
        );
    }
    if let Some((status, message)) = shared.control.refusal(req.headers()) {
        tracing::warn!(path = %req.uri().path(), %status, "control request refused");
        return fail(status, message);
    }
    next.run(req).await
}

fn fail(status: StatusCode, message: String) -> Response {
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        _ => "parameter_invalid",
    };
    (status, Json(json!({"type": "error.list", "request_id": Value::Null, "errors": [{"code": code, "message": message}]})))
        .into_response()
}

fn from_error(e: SandboxError) -> Response {
    match e {
        SandboxError::NotFound(m) => fail(StatusCode::NOT_FOUND, m),
        other => fail(StatusCode::BAD_REQUEST, other.to_string()),
    }
}

// The error is a ready response, returned once per control request: size is irrelevant.
#[allow(clippy::result_large_err)]
fn parse<T: for<'de> Deserialize<'de>>(bytes: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        fail(
            StatusCode::BAD_REQUEST,
            format!("invalid control request body: {e}"),
        )
    })
}

/// Adds a contact reply to a conversation; returns the new part id.
pub(crate) fn inject_contact_reply(
    shared: &Shared,
    conversation_id: &str,
    body: &str,
) -> Result<String, SandboxError> {
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = st.conversation_index(conversation_id).map_err(|_| {
        SandboxError::NotFound(format!("conversation {conversation_id} does not exist"))
    })?;
    Ok(st
        .contact_reply(idx, None, body.to_string(), now)
        .part_id
        .to_string())
}

/// Starts a new conversation from a contact (a random one if `contact_id` is None);
/// returns the conversation id.
pub(crate) fn inject_new_conversation(
    shared: &Shared,
    contact_id: Option<&str>,
    subject: Option<&str>,
    body: Option<&str>,
) -> Result<String, SandboxError> {
    use rand::Rng;
    let mut st = shared.lock();
    let contact = match contact_id {
        Some(id) => st
            .contact_index(id)
            .ok_or_else(|| SandboxError::NotFound(format!("contact {id} does not exist")))?,
        None => {
            let n = st.contacts.len();
            let pick = st.rng.gen_range(0..n.max(1));
            st.live_contact(pick).ok_or_else(|| {
                SandboxError::NotFound("every contact was merged or deleted".into())
            })?
        }
    };
    let n = st.conversations.len() as u64;
    let (gen_subject, gen_body) = generate::customer_message(&mut st.rng, n);
    let subject = subject.map_or(gen_subject, str::to_string);
    let body = body.map_or(gen_body, str::to_string);
    let injected = st.new_conversation(contact, subject, body, unix_now());
    Ok(injected.conversation_id.to_string())
}

/// Edits a contact (see [`ContactUpdate`]); returns it as `GET /contacts/{id}` shows it.
/// Nothing changes unless the whole update is valid.
pub(crate) fn update_contact(
    shared: &Shared,
    contact_id: &str,
    update: ContactUpdate,
) -> Result<Value, SandboxError> {
    if let Some((k, v)) = update
        .custom_attributes
        .iter()
        .find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean() || v.is_null()))
    {
        return Err(SandboxError::Invalid(format!(
            "custom attribute '{k}' must be a string, a number or a boolean (null removes it), got {v}"
        )));
    }
    let mut st = shared.lock();
    let idx = st
        .contact_index(contact_id)
        .ok_or_else(|| SandboxError::NotFound(format!("contact {contact_id} does not exist")))?;
    st.update_contact(idx, update, unix_now());
    Ok(crate::http::contact_json(&st, idx))
}

/// The teammate who acts in injected activity: the second admin if any, so that the
/// token owner sees someone else's moves.
fn other_admin(st: &crate::state::State) -> u64 {
    st.admins.get(1).or(st.admins.first()).map_or(0, |a| a.id)
}

/// Assigns a conversation to an admin or a team (or nobody) as a teammate would.
pub(crate) fn assign(
    shared: &Shared,
    conversation_id: &str,
    kind: AssigneeKind,
    assignee: Option<&str>,
) -> Result<(), SandboxError> {
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = st.conversation_index(conversation_id).map_err(|_| {
        SandboxError::NotFound(format!("conversation {conversation_id} does not exist"))
    })?;
    let assignee = match assignee {
        None => 0,
        Some(a) => a
            .parse::<u64>()
            .map_err(|_| SandboxError::Invalid(format!("'{a}' is not an id")))?,
    };
    let exists = match kind {
        AssigneeKind::Team => st.team_exists(assignee),
        _ => st.admin_exists(assignee),
    };
    if assignee != 0 && !exists {
        return Err(SandboxError::NotFound(format!(
            "assignee {assignee} does not exist"
        )));
    }
    let actor = other_admin(&st);
    st.manage(
        idx,
        actor,
        Manage::Assign {
            kind,
            assignee,
            body: None,
        },
        now,
    );
    Ok(())
}

/// Closes a conversation as a teammate would.
pub(crate) fn close(shared: &Shared, conversation_id: &str) -> Result<(), SandboxError> {
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = st.conversation_index(conversation_id).map_err(|_| {
        SandboxError::NotFound(format!("conversation {conversation_id} does not exist"))
    })?;
    let actor = other_admin(&st);
    st.manage(idx, actor, Manage::Close { body: None }, now);
    Ok(())
}

/// The counters as JSON; `per_id` adds every id's fetch count.
pub(crate) fn stats_json(shared: &Shared, per_id: bool) -> Value {
    let per_route = shared
        .stats
        .per_route
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut v = json!({
        "requests": shared.stats.requests.load(Ordering::Relaxed),
        "rate_limited": shared.stats.count_429.load(Ordering::Relaxed),
        "per_route": per_route,
        "writes": shared.writes().len(),
        "max_fetches_per_id": shared.max_fetches_per_id(),
    });
    if let (true, Some(obj)) = (per_id, v.as_object_mut()) {
        obj.insert("fetches_per_id".into(), json!(shared.fetches_per_id()));
    }
    v
}

/// The quirks in force, with what is left of their one-shots.
pub(crate) fn quirks(shared: &Shared) -> Quirks {
    shared.lock().quirks.quirks.clone()
}

/// Puts `quirks` in force: validated first (nothing changes if invalid), one-shots counted
/// from now, and contacts merged until `merge_contacts` of the named ones are. `now` stamps
/// the merged-into contacts' `updated_at`.
pub(crate) fn set_quirks(shared: &Shared, quirks: Quirks, now: i64) -> Result<(), SandboxError> {
    quirks.validate().map_err(SandboxError::Invalid)?;
    let mut st = shared.lock();
    let share = quirks.merge_contacts;
    st.quirks.set(quirks);
    st.merge_share(share, now);
    Ok(())
}

/// Merges contact `from` into contact `into` (see [`crate::Sandbox::merge_contact`]).
pub(crate) fn merge_contact(
    shared: &Shared,
    from: &str,
    into: &str,
    answer: Option<MergedAnswer>,
) -> Result<MergedAnswer, SandboxError> {
    if from == into {
        return Err(SandboxError::Invalid(format!(
            "a contact cannot be merged into itself ({from})"
        )));
    }
    let mut st = shared.lock();
    let find = |id: &str, role: &str| {
        st.contact_index(id).ok_or_else(|| {
            SandboxError::NotFound(match st.merged.get(id) {
                Some((target, _)) => format!("{role} contact {id} was merged into {target}"),
                None if st.deleted_contacts.contains(id) => {
                    format!("{role} contact {id} was deleted")
                }
                None => format!("{role} contact {id} does not exist"),
            })
        })
    };
    let from_idx = find(from, "the merged")?;
    let into_idx = find(into, "the target")?;
    Ok(st.merge_contact(from_idx, into_idx, answer, unix_now()))
}

/// Deletes conversations and contacts by id; all must exist, or nothing is deleted.
pub(crate) fn delete_records(
    shared: &Shared,
    conversation_ids: &[&str],
    contact_ids: &[&str],
) -> Result<(), SandboxError> {
    let mut st = shared.lock();
    let mut convs = Vec::new();
    for id in conversation_ids {
        let idx = st
            .conversation_index(id)
            .map_err(|_| SandboxError::NotFound(format!("conversation {id} does not exist")))?;
        if !convs.contains(&idx) {
            convs.push(idx);
        }
    }
    let mut contacts = Vec::new();
    for id in contact_ids {
        let idx = st
            .contact_index(id)
            .ok_or_else(|| SandboxError::NotFound(format!("contact {id} does not exist")))?;
        if !contacts.contains(&idx) {
            contacts.push(idx);
        }
    }
    st.delete_records(&convs, &contacts);
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactReplyReq {
    conversation_id: String,
    body: String,
}

async fn contact_reply(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: ContactReplyReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match inject_contact_reply(&shared, &req.conversation_id, &req.body) {
        Ok(part_id) => Json(json!({"conversation_id": req.conversation_id, "part_id": part_id}))
            .into_response(),
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewConversationReq {
    contact_id: Option<String>,
    subject: Option<String>,
    body: Option<String>,
}

async fn new_conversation(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: NewConversationReq = if bytes.is_empty() {
        NewConversationReq::default()
    } else {
        match parse(&bytes) {
            Ok(r) => r,
            Err(resp) => return resp,
        }
    };
    match inject_new_conversation(
        &shared,
        req.contact_id.as_deref(),
        req.subject.as_deref(),
        req.body.as_deref(),
    ) {
        Ok(id) => Json(json!({"conversation_id": id})).into_response(),
        Err(e) => from_error(e),
    }
}

/// The body of `POST /_sandbox/contact_update`, checked field by field so that a wrong type
/// is named in the answer.
// The error is a ready response, returned once per control request: size is irrelevant.
#[allow(clippy::result_large_err)]
fn contact_update_req(bytes: &Bytes) -> Result<(String, ContactUpdate), Response> {
    let bad = |m: String| fail(StatusCode::BAD_REQUEST, m);
    let body: Map<String, Value> = parse(bytes)?;
    const FIELDS: [&str; 6] = [
        "contact_id",
        "name",
        "email",
        "phone",
        "location",
        "custom_attributes",
    ];
    if let Some(k) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown field '{k}' in a contact update; the fields are: {}",
            FIELDS.join(", ")
        )));
    }
    let text = |obj: &Map<String, Value>, field: &str, path: &str| match obj.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad(format!("{path} must be a string, got {v}"))),
    };
    let contact_id = text(&body, "contact_id", "contact_id")?
        .ok_or_else(|| bad("a contact update needs contact_id".into()))?;
    let mut update = ContactUpdate {
        name: text(&body, "name", "name")?,
        email: text(&body, "email", "email")?,
        phone: text(&body, "phone", "phone")?,
        ..ContactUpdate::default()
    };
    match body.get("location") {
        None => {}
        Some(Value::Object(loc)) => {
            if let Some(k) = loc
                .keys()
                .find(|k| !["city", "region", "country"].contains(&k.as_str()))
            {
                return Err(bad(format!(
                    "unknown field 'location.{k}'; a location has city, region and country"
                )));
            }
            update.city = text(loc, "city", "location.city")?;
            update.region = text(loc, "region", "location.region")?;
            update.country = text(loc, "country", "location.country")?;
        }
        Some(v) => {
            return Err(bad(format!(
                "location must be an object with city, region and country, got {v}"
            )))
        }
    }
    match body.get("custom_attributes") {
        None => {}
        Some(Value::Object(attrs)) => update.custom_attributes = attrs.clone(),
        Some(v) => {
            return Err(bad(format!(
                "custom_attributes must be an object of attribute names to values, got {v}"
            )))
        }
    }
    Ok((contact_id, update))
}

async fn contact_update(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let (contact_id, update) = match contact_update_req(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match update_contact(&shared, &contact_id, update) {
        Ok(contact) => Json(contact).into_response(),
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignReq {
    conversation_id: String,
    #[serde(default)]
    admin_id: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

async fn assign_route(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: AssignReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let result = match (&req.admin_id, &req.team_id) {
        (_, Some(team)) => crate::control::assign(
            &shared,
            &req.conversation_id,
            AssigneeKind::Team,
            Some(team),
        ),
        (admin, None) => crate::control::assign(
            &shared,
            &req.conversation_id,
            AssigneeKind::Admin,
            admin.as_deref(),
        ),
    };
    match result {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseReq {
    conversation_id: String,
}

async fn close_route(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: CloseReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match crate::control::close(&shared, &req.conversation_id) {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => from_error(e),
    }
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    let rates = shared
        .faults
        .lock()
        .map(|f| f.rates.clone())
        .unwrap_or_default();
    Json(rates).into_response()
}

async fn put_faults(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let rates: FaultRates = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if let Err(m) = rates.validate() {
        return fail(StatusCode::BAD_REQUEST, m);
    }
    if let Ok(mut f) = shared.faults.lock() {
        f.rates = rates.clone();
    }
    Json(rates).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNextReq {
    #[serde(default = "one")]
    count: usize,
    #[serde(default)]
    path_prefix: Option<String>,
    fault: FaultSpec,
}

fn one() -> usize {
    1
}

async fn fail_next(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: FailNextReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let fault = match req.fault.to_fault() {
        Ok(f) => f,
        Err(m) => return fail(StatusCode::BAD_REQUEST, m),
    };
    if let Ok(mut f) = shared.faults.lock() {
        f.push(req.count, req.path_prefix, fault);
    }
    Json(json!({"queued": req.count})).into_response()
}

async fn truth(State(shared): State<Arc<Shared>>) -> Response {
    let v = {
        let mut st = shared.lock();
        let now = unix_now();
        st.expire_snoozes(now);
        st.truth(now)
    };
    Json(v).into_response()
}

async fn writes(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.writes()).into_response()
}

async fn stats(
    State(shared): State<Arc<Shared>>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let per_id = q.get("per_id").is_some_and(|v| v == "true");
    Json(stats_json(&shared, per_id)).into_response()
}

async fn get_quirks(State(shared): State<Arc<Shared>>) -> Response {
    Json(quirks(&shared)).into_response()
}

async fn put_quirks(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let q: Quirks = match parse(&bytes) {
        Ok(q) => q,
        Err(resp) => return resp,
    };
    match set_quirks(&shared, q, unix_now()) {
        Ok(()) => Json(quirks(&shared)).into_response(),
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeReq {
    from: String,
    into: String,
    #[serde(default)]
    answer: Option<MergedAnswer>,
}

async fn merge_contact_route(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: MergeReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match merge_contact(&shared, &req.from, &req.into, req.answer) {
        Ok(answer) => {
            Json(json!({"from": req.from, "into": req.into, "answer": answer})).into_response()
        }
        Err(e) => from_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteReq {
    #[serde(default)]
    conversation_ids: Vec<String>,
    #[serde(default)]
    contact_ids: Vec<String>,
}

async fn delete_route(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let req: DeleteReq = match parse(&bytes) {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let convs: Vec<&str> = req.conversation_ids.iter().map(String::as_str).collect();
    let contacts: Vec<&str> = req.contact_ids.iter().map(String::as_str).collect();
    match delete_records(&shared, &convs, &contacts) {
        Ok(()) => Json(json!({"deleted": {"conversations": req.conversation_ids, "contacts": req.contact_ids}}))
            .into_response(),
        Err(e) => from_error(e),
    }
}
