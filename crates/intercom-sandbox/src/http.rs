//! The Intercom REST API 2.14 over axum: routes, the request pipeline (auth, version,
//! rate limit, read-only tokens, faults, latency, write log) and the endpoint handlers.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;

pub(crate) use crate::request::ApiResult;
use crate::request::{
    admin_of, id_field, json_object, json_response, ok, raw_starting_after, reject_unknown,
    str_field,
};
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::faults::Fault;
use crate::model::{AssigneeKind, Contact, Conversation, Display};
use crate::quirks::{self, PageQuirk, QuirkBook};
use crate::search::{self, Cursor, Page, Query as SearchQuery, SortField};
use crate::server::{unix_now, Shared, TokenKind};
use crate::state::Manage;

/// The only API version this sandbox implements.
pub(crate) const VERSION: &str = "2.14";
const KNOWN_VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
    "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "Unstable",
];
const MAX_BODY: usize = 4 * 1024 * 1024;
/// 9999-12-31T23:59:59Z, the last instant a timestamp field accepts.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

impl IntoResponse for ApiError {
    /// The body is rendered by the pipeline, which knows the request id.
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// The Intercom routes, with `more` (the ticket routes) beside them, all behind the
/// request pipeline.
pub(crate) fn router(shared: Arc<Shared>, more: Router<Arc<Shared>>) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/admins", get(admins))
        .route("/teams", get(teams))
        .route("/conversations", get(list_conversations))
        .route("/conversations/search", post(search_conversations))
        .route(
            "/conversations/{id}",
            get(get_conversation).put(update_conversation),
        )
        .route("/conversations/{id}/reply", post(reply_conversation))
        .route("/conversations/{id}/parts", post(manage_conversation))
        .route(
            "/conversations/{id}/tags",
            post(crate::tags::tag_conversation),
        )
        .route(
            "/conversations/{id}/tags/{tag_id}",
            delete(crate::tags::untag_conversation),
        )
        .route("/tags", get(crate::tags::list_tags))
        .route("/data_attributes", get(crate::tags::list_data_attributes))
        .route("/contacts/search", post(search_contacts))
        .route("/contacts/{id}", get(get_contact))
        .route("/events", get(list_events).post(create_event))
        .merge(more)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), pipeline))
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(
        404,
        "not_found",
        "Resource Not Found: no such path or method in the Intercom API 2.14",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let raw = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = raw.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_write(method: &Method, path: &str) -> bool {
    *method != Method::GET && *method != Method::HEAD && !path.ends_with("/search")
}

/// The permission an Intercom app needs for a request (for limited tokens); `/me` needs none.
fn permission_for(method: &Method, path: &str) -> Option<&'static str> {
    let write = is_write(method, path);
    let resource = path.trim_start_matches('/').split('/').next().unwrap_or("");
    Some(match (resource, write) {
        ("admins" | "teams", false) => "read_admins",
        ("conversations", false) => "read_conversations",
        ("conversations", true) => "write_conversations",
        ("contacts" | "events", false) => "read_users_companies",
        ("contacts", true) => "write_users_companies",
        ("events", true) => "write_events",
        ("tags", false) => "read_tags",
        ("data_attributes", false) => "read_data_attributes",
        ("tickets" | "ticket_types" | "ticket_states", false) => "read_tickets",
        ("tickets" | "ticket_types" | "ticket_states", true) => "write_tickets",
        _ => return None,
    })
}

/// Renders an `ApiError` left in the response extensions by a handler.
fn finish_error(resp: Response, request_id: &str) -> Response {
    match resp.extensions().get::<ApiError>().cloned() {
        Some(err) => {
            let mut out = json_response(err.status, &err.body(request_id));
            out.extensions_mut().insert(err);
            out
        }
        None => resp,
    }
}

fn rate_headers(resp: &mut Response, limit: u32, remaining: u32, reset: i64) {
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
}

/// Gives every answer an `x-request-id` header, the same id an error body quotes as
/// `request_id`, so a client can name the request behind an answer it cannot read.
async fn pipeline(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let request_id = shared.request_id();
    let mut resp = pipeline_steps(shared, req, next, request_id.clone()).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Auth, version, rate limit, permissions, faults, latency and the write log, in the order
/// Intercom's edge would apply them.
async fn pipeline_steps(
    shared: Arc<Shared>,
    req: Request,
    next: Next,
    request_id: String,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(path.clone(), |m| m.as_str().to_string());
    shared.count_request(&format!("{method} {route}"));
    if method == Method::GET {
        let id = match route.as_str() {
            "/contacts/{id}" | "/conversations/{id}" | "/tickets/{id}" => path.rsplit('/').next(),
            "/events" => Some(req.uri().query().unwrap_or_default()),
            _ => None,
        };
        if let Some(id) = id {
            shared.count_fetch(&format!("GET {route}"), id);
        }
    }
    shared.tick_quirks();
    let write = is_write(&method, &path);

    let (parts, body) = req.into_parts();
    // A body past the cap (or one that could not be read whole) must not reach a handler as
    // an empty one, which would answer "the request body is empty".
    let (bytes, too_large) = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => (b, false),
        Err(_) => (Bytes::new(), true),
    };
    let token = bearer(&parts.headers).map(str::to_string);
    let kind = token.as_deref().and_then(|t| shared.tokens.get(t).copied());
    let log = |applied: bool, status: u16, kind_name: &str| {
        if write {
            let body_json: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            shared.log_write(json!({
                "method": method.as_str(),
                "path": path,
                "body": body_json,
                "token_kind": kind_name,
                "applied": applied,
                "status": status,
                "at": unix_now(),
                "request_id": request_id,
            }));
        }
    };

    let Some(kind) = kind else {
        let err = ApiError::new(401, "unauthorized", "Access Token Invalid");
        log(
            false,
            401,
            if token.is_some() {
                "unknown"
            } else {
                "missing"
            },
        );
        return json_response(401, &err.body(&request_id));
    };
    let kind_name = match kind {
        TokenKind::Full => "full",
        TokenKind::ReadOnly => "read_only",
    };
    let (limit, remaining, reset, allowed) =
        shared.rate_limit(token.as_deref().unwrap_or_default());
    let respond = |err: ApiError| {
        let mut resp = json_response(err.status, &err.body(&request_id));
        rate_headers(&mut resp, limit, remaining, reset);
        log(false, err.status, kind_name);
        resp
    };
    if let Some(v) = parts.headers.get("intercom-version") {
        let v = v.to_str().unwrap_or("").trim();
        // The one request served on Intercom's Unstable version: a conversation update, which
        // there takes `priority` (2.14's does not).
        let unstable_update = v.eq_ignore_ascii_case("unstable")
            && method == Method::PUT
            && path.starts_with("/conversations/")
            && path.matches('/').count() == 2;
        if v != VERSION && !unstable_update {
            let msg = if KNOWN_VERSIONS.contains(&v) {
                format!("Intercom-Version '{v}' is not served by this sandbox; it implements {VERSION} only")
            } else {
                format!("Intercom-Version '{v}' is not a valid API version; send {VERSION}")
            };
            return respond(ApiError::new(400, "intercom_version_invalid", msg));
        }
    }
    if !allowed {
        shared.stats.count_429.fetch_add(1, Ordering::Relaxed);
        return respond(ApiError::new(
            429,
            "rate_limit_exceeded",
            format!("Exceeded rate limit of {limit} in 10_seconds"),
        ));
    }
    if write && kind == TokenKind::ReadOnly {
        let permission = if path.starts_with("/events") {
            "write_events"
        } else if path.starts_with("/ticket") {
            "write_tickets"
        } else {
            "write_conversations"
        };
        let mut err = ApiError::new(
            403,
            "action_forbidden",
            format!("This access token is read-only: {method} {path} needs the '{permission}' permission"),
        );
        err.data = Some(Box::new(json!({"required_permissions": [permission]})));
        return respond(err);
    }

    let lacks = token
        .as_deref()
        .and_then(|t| shared.lacking.get(t))
        .zip(permission_for(&method, &path))
        .filter(|(lacking, needed)| lacking.iter().any(|l| l == needed));
    if let Some((_, permission)) = lacks {
        let mut err = ApiError::new(
            403,
            "action_forbidden",
            format!("This app lacks the '{permission}' permission that {method} {path} needs"),
        );
        err.data = Some(Box::new(json!({"required_permissions": [permission]})));
        return respond(err);
    }

    if too_large {
        return respond(ApiError::new(
            413,
            "request_too_large",
            format!(
                "the request body is larger than {} MiB ({MAX_BODY} bytes); send a smaller body",
                MAX_BODY / (1024 * 1024)
            ),
        ));
    }

    let plan = shared
        .faults
        .lock()
        .map(|mut f| f.plan(&path))
        .unwrap_or_default();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    match plan.fault {
        Some(Fault::Status(s)) => {
            let code = if s == 503 {
                "service_unavailable"
            } else {
                "server_error"
            };
            return respond(ApiError::new(s, code, format!("Injected fault: HTTP {s}")));
        }
        Some(Fault::RateLimited) => {
            shared.stats.count_429.fetch_add(1, Ordering::Relaxed);
            let mut resp = json_response(
                429,
                &ApiError::new(
                    429,
                    "rate_limit_exceeded",
                    format!("Exceeded rate limit of {limit} in 10_seconds"),
                )
                .body(&request_id),
            );
            rate_headers(&mut resp, limit, 0, reset);
            log(false, 429, kind_name);
            return resp;
        }
        Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
        _ => {}
    }

    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let resp = next.run(req).await;
    let mut resp = finish_error(resp, &request_id);
    rate_headers(&mut resp, limit, remaining, reset);
    let status = resp.status().as_u16();
    log((200..300).contains(&status), status, kind_name);

    match plan.fault {
        Some(Fault::MalformedJson) => {
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = &bytes[..bytes.len() / 2];
            let mut broken = cut.to_vec();
            broken.extend_from_slice(b"\",,}<html>upstream error");
            let mut parts = parts;
            parts.status = StatusCode::OK;
            parts.headers.remove("content-length");
            Response::from_parts(parts, Body::from(broken))
        }
        Some(Fault::ResetMidBody) => {
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            parts
                .headers
                .insert("content-length", HeaderValue::from(bytes.len().max(1)));
            Response::from_parts(parts, Body::from_stream(reset_after(half)))
        }
        Some(Fault::TimeoutAfterApply(d)) => {
            tokio::time::sleep(d).await;
            let (mut parts, _) = resp.into_parts();
            parts
                .headers
                .insert("content-length", HeaderValue::from(1024u32));
            let stream = futures_util::stream::iter(vec![Err::<Bytes, std::io::Error>(
                std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "injected timeout after apply",
                ),
            )]);
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => resp,
    }
}

/// A body that yields `half`, then fails, so hyper drops the connection short of its
/// `content-length`. Between the two the body is pending once (`yield_now`): hyper buffers
/// what it has written and flushes when the body is pending, and an error that arrived at
/// once would abort the connection with the status line, headers and half body still in
/// its buffer, so the client would see nothing at all instead of a body cut short. No timed
/// wait: the flush happens in that same poll.
fn reset_after(
    half: Bytes,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    // States: Some(Some(half)) sends the half, Some(None) fails, None ends the stream.
    futures_util::stream::unfold(Some(Some(half)), |state| async move {
        match state? {
            Some(half) => Some((Ok(half), Some(None))),
            None => {
                tokio::task::yield_now().await;
                let reset = std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset mid-body",
                );
                Some((Err(reset), None))
            }
        }
    })
}

fn display_of(q: &HashMap<String, String>) -> Result<Display, ApiError> {
    match q.get("display_as").map(String::as_str) {
        None | Some("html") => Ok(Display::Html),
        Some("plaintext") => Ok(Display::Plaintext),
        Some(other) => Err(ApiError::invalid(
            "display_as",
            format!("display_as '{other}' is invalid; use plaintext"),
        )),
    }
}

async fn me(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let admin = st
        .admins
        .first()
        .ok_or_else(|| ApiError::not_found("Admin"))?;
    ok(admin.to_me_json(st.seed, st.epoch - 900 * 86_400))
}

async fn admins(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let list: Vec<Value> = st
        .admins
        .iter()
        .map(|a| {
            let mut v = a.to_json();
            st.quirks.dress_record(&mut v, "admin");
            v
        })
        .collect();
    let mut v = json!({"type": "admin.list", "admins": list});
    st.quirks.dress_list(&mut v, "admins", "GET /admins");
    ok(v)
}

async fn teams(State(shared): State<Arc<Shared>>) -> ApiResult {
    let st = shared.lock();
    let list: Vec<Value> = st
        .teams
        .iter()
        .map(|t| {
            let mut v = t.to_json();
            st.quirks.dress_record(&mut v, "team");
            v
        })
        .collect();
    let mut v = json!({"type": "team.list", "teams": list});
    st.quirks.dress_list(&mut v, "teams", "GET /teams");
    ok(v)
}

/// A list or search answer of conversations; `next` replaces `pages.next.starting_after`
/// (a paging quirk).
fn conversation_list(
    st: &crate::state::State,
    page: &Page,
    next: Option<String>,
    route: &str,
) -> Value {
    let lk = st.lookup();
    let items: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|id| st.conv_by_id.get(id))
        .map(|&i| {
            let mut v = st.conversations[i].to_json(&lk, Display::Html, None);
            st.quirks.dress_conversation(&mut v);
            v
        })
        .collect();
    let mut v = json!({
        "type": "conversation.list",
        "conversations": items,
        "total_count": page.total,
        "pages": page.pages_json(),
    });
    if let Some(next) = next {
        quirks::replace_at(&mut v, &["pages", "next", "starting_after"], json!(next));
    }
    st.quirks.dress_list(&mut v, "conversations", route);
    v
}

/// Applies a paging quirk of quirks mode to `page`, cut from the matches `sorted` returns
/// (in the walk's order; built only when a quirk needs them). Returns the
/// `starting_after` that `pages.next` must carry instead of the real one, if any; a
/// repeated page changes `page` itself. `cursor` is the request's, decoded and as sent.
fn page_quirk(
    book: &mut QuirkBook,
    walk: u64,
    sorted: impl Fn() -> Vec<(i64, u64)>,
    descending: bool,
    cursor: Option<(Cursor, &str)>,
    page: &mut Page,
) -> Option<String> {
    let Some((c, raw)) = cursor else {
        book.note_first_page(walk, page.next.map(|n| n.encode()));
        return None;
    };
    match book.page_quirk(Some(c.page), page.next.is_some())? {
        PageQuirk::Stuck => Some(raw.to_string()),
        PageQuirk::Loop => Some(book.first_cursor(walk).unwrap_or_else(|| {
            search::first_page_cursor(&sorted(), page.per_page)
                .map_or_else(|| raw.to_string(), |first| first.encode())
        })),
        PageQuirk::Repeat => {
            page.ids = search::previous_ids(&sorted(), descending, page.per_page, c);
            // The same position under a new string: the page after it is the real one.
            page.next = Some(Cursor {
                page: c.page.saturating_add(1),
                ..c
            });
            None
        }
    }
}

/// `GET /conversations`: newest `updated_at` first (ties: higher id first).
async fn list_conversations(
    State(shared): State<Arc<Shared>>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::invalid("query", format!("the query string is invalid: {e}")))?;
    let per_page = search::parse_per_page(
        q.get("per_page").map(|s| Value::String(s.clone())).as_ref(),
        20,
    )?;
    let raw_cursor = q.get("starting_after").filter(|s| !s.is_empty());
    let cursor = raw_cursor.map(|s| search::Cursor::decode(s)).transpose()?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    st.expire_snoozes(unix_now());
    let total = st.by_updated.len();
    let iter: Box<dyn Iterator<Item = (i64, u64)>> = match cursor {
        None => Box::new(st.by_updated.iter().rev().copied()),
        Some(c) => Box::new(st.by_updated.range(..(c.key, c.id)).rev().copied()),
    };
    let mut page = search::take_page(iter, total, per_page, cursor);
    let next = page_quirk(
        &mut st.quirks,
        quirks::walk_key("GET /conversations", per_page, &Value::Null),
        || st.by_updated.iter().rev().copied().collect(),
        true,
        cursor.zip(raw_cursor.map(String::as_str)),
        &mut page,
    );
    ok(conversation_list(st, &page, next, "GET /conversations"))
}

async fn search_conversations(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ApiResult {
    let body = Value::Object(json_object(&bytes)?);
    if let Some(obj) = body.as_object() {
        reject_unknown(obj, &["query", "pagination", "sort"])?;
    }
    let query = SearchQuery::parse::<Conversation>(&body)?;
    let (per_page, cursor) = search::parse_pagination(&body, 20)?;
    let sort = search::parse_sort(
        &body,
        SortField::UpdatedAt,
        &[
            ("updated_at", SortField::UpdatedAt),
            ("created_at", SortField::CreatedAt),
            ("waiting_since", SortField::WaitingSince),
        ],
    )?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    st.expire_snoozes(unix_now());
    let lk = st.lookup();
    // A query confined to a created_at range (the backfill's windows) scans only that slice.
    let (lo, hi) = query.int_bounds("created_at");
    let window = if (lo, hi) == (i64::MIN, i64::MAX) {
        0..st.conversations.len()
    } else {
        let from = st.by_created.partition_point(|&(t, _)| t < lo);
        let to = st.by_created.partition_point(|&(t, _)| t <= hi);
        from..to.max(from)
    };
    let candidates: Box<dyn Iterator<Item = &Conversation>> =
        if window.len() == st.conversations.len() {
            Box::new(st.conversations.iter())
        } else {
            Box::new(
                st.by_created[window]
                    .iter()
                    .map(|&(_, i)| &st.conversations[i]),
            )
        };
    let no_deletions = st.deleted_conversations.is_empty();
    let mut matches: Vec<(i64, u64)> = candidates
        .filter(|c| no_deletions || st.conv_by_id.contains_key(&c.id))
        .filter(|c| query.matches(*c, &lk))
        .map(|c| {
            let key = match sort.field {
                SortField::CreatedAt => c.created_at,
                SortField::WaitingSince => c.waiting_since.unwrap_or(0),
                _ => c.updated_at,
            };
            (key, c.id)
        })
        .collect();
    search::sort(&mut matches, sort.descending);
    let mut page = search::page_of(&matches, sort.descending, per_page, cursor);
    let next = page_quirk(
        &mut st.quirks,
        quirks::walk_key(
            "POST /conversations/search",
            per_page,
            &json!([body.get("query"), body.get("sort")]),
        ),
        || matches.clone(),
        sort.descending,
        cursor.zip(raw_starting_after(&body)),
        &mut page,
    );
    ok(conversation_list(
        st,
        &page,
        next,
        "POST /conversations/search",
    ))
}

async fn get_conversation(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::invalid("query", format!("the query string is invalid: {e}")))?;
    let display = display_of(&q)?;
    let mut st = shared.lock();
    st.expire_snoozes(unix_now());
    let idx = st.conversation_index(&id)?;
    let conv = &st.conversations[idx];
    // Intercom returns only the 500 most recent parts.
    let start = conv.parts.len().saturating_sub(500);
    let mut v = conv.to_json(&st.lookup(), display, Some(&conv.parts[start..]));
    st.quirks.dress_conversation(&mut v);
    ok(v)
}

async fn update_conversation(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
    bytes: Bytes,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::invalid("query", format!("the query string is invalid: {e}")))?;
    let display = display_of(&q)?;
    let body = json_object(&bytes)?;
    // 2.14's update request has no `priority`; Intercom's Unstable version accepts it
    // (CONTRACT.md, "Preview"), so the sandbox takes it only on a request that asks for
    // that version.
    let unstable = headers
        .get("intercom-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("unstable"));
    if unstable {
        reject_unknown(
            &body,
            &[
                "read",
                "title",
                "custom_attributes",
                "company_id",
                "priority",
            ],
        )?;
    } else {
        reject_unknown(&body, &["read", "title", "custom_attributes", "company_id"])?;
    }
    let priority = match body.get("priority") {
        None => None,
        Some(Value::String(p)) if p == "priority" => Some(true),
        Some(Value::String(p)) if p == "not_priority" => Some(false),
        Some(v) => {
            return Err(ApiError::invalid(
                "priority",
                format!("priority must be \"priority\" or \"not_priority\", got {v}"),
            ))
        }
    };
    let read = match body.get("read") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            return Err(ApiError::invalid(
                "read",
                format!("read must be a boolean, got {v}"),
            ))
        }
    };
    let title = str_field(&body, "title")?.map(str::to_string);
    let attrs = match body.get("custom_attributes") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            // Intercom's own examples hold booleans and floats beside strings and integers;
            // relationship (custom object) values are not modelled, so lists and objects are
            // refused rather than stored as something Intercom would not return.
            if let Some((k, v)) = m
                .iter()
                .find(|(_, v)| !(v.is_string() || v.is_number() || v.is_boolean() || v.is_null()))
            {
                return Err(ApiError::invalid(
                    "custom_attributes",
                    format!(
                        "custom attribute '{k}' must be a string, number, boolean or null, got {v}"
                    ),
                ));
            }
            Some(m.clone())
        }
        Some(v) => {
            return Err(ApiError::invalid(
                "custom_attributes",
                format!("custom_attributes must be an object, got {v}"),
            ))
        }
    };
    let company = match body.get("company_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.trim().to_string())),
        Some(v) => {
            return Err(ApiError::invalid(
                "company_id",
                format!("company_id must be a company's Intercom id (a string) or null, got {v}"),
            ))
        }
    };
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = st.conversation_index(&id)?;
    if let Some(Some(c)) = &company {
        if !st.company_exists(c) {
            return Err(ApiError {
                field: Some("company_id".into()),
                ..ApiError::new(404, "company_not_found", format!("Company {c} Not Found"))
            });
        }
    }
    st.update(idx, read, title, attrs, company, now);
    if let Some(p) = priority {
        st.set_priority(idx, p, now);
    }
    let conv = &st.conversations[idx];
    ok(conv.to_json(&st.lookup(), display, Some(&[])))
}

fn resolve_conversation(st: &crate::state::State, id: &str) -> Result<usize, ApiError> {
    if id == "last" {
        return st
            .by_updated
            .last()
            .and_then(|(_, id)| st.conv_by_id.get(id).copied())
            .ok_or_else(|| ApiError::not_found("Conversation"));
    }
    st.conversation_index(id)
}

/// The contact a `type: "user"` reply speaks for: the description's contact reply requests
/// each require one of `intercom_user_id`, `user_id` or `email`. With several, the Intercom
/// id wins, then `user_id`, as for data events.
fn replying_contact(
    st: &crate::state::State,
    body: &Map<String, Value>,
) -> Result<usize, ApiError> {
    for key in ["intercom_user_id", "user_id", "email"] {
        if let Some(value) = str_field(body, key)? {
            let q = HashMap::from([(key.to_string(), value.trim().to_string())]);
            return event_contact(st, &q).map_err(|e| ApiError {
                field: Some(key.to_string()),
                message: format!("User Not Found: no contact has {key} '{value}'"),
                ..e
            });
        }
    }
    Err(ApiError {
        field: Some("intercom_user_id".into()),
        ..ApiError::new(
            400,
            "parameter_not_found",
            "a contact reply needs one of intercom_user_id, user_id or email to name the contact",
        )
    })
}

async fn reply_conversation(
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
            "admin_id",
            "body",
            "created_at",
            "attachment_urls",
            "attachment_files",
            "reply_options",
            "intercom_user_id",
            "user_id",
            "email",
            "skip_notifications",
        ],
    )?;
    let message_type =
        str_field(&body, "message_type")?.ok_or_else(|| ApiError::missing("message_type"))?;
    let kind = str_field(&body, "type")?.ok_or_else(|| ApiError::missing("type"))?;
    let text = str_field(&body, "body")?.map(str::to_string);
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = resolve_conversation(&st, &id)?;
    let part = match kind {
        "admin" => {
            let admin = admin_of(&st, &body)?;
            let note = match message_type {
                "comment" => false,
                "note" => true,
                "quick_reply" => {
                    return Err(ApiError::invalid(
                        "message_type",
                        "quick_reply is not supported by the sandbox; use comment or note",
                    ))
                }
                other => {
                    return Err(ApiError::invalid(
                        "message_type",
                        format!(
                            "message_type '{other}' is invalid; use comment, note or quick_reply"
                        ),
                    ))
                }
            };
            let text = text
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| ApiError::missing("body"))?;
            st.admin_reply(idx, admin, note, text, now)
        }
        "user" => {
            if message_type != "comment" {
                return Err(ApiError::invalid(
                    "message_type",
                    "a contact reply's message_type must be comment",
                ));
            }
            let text = text
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| ApiError::missing("body"))?;
            let contact = replying_contact(&st, &body)?;
            let injected = st.contact_reply(idx, Some(contact), text, now);
            let conv = &st.conversations[idx];
            let part = conv
                .parts
                .iter()
                .rev()
                .find(|p| p.id == injected.part_id)
                .cloned();
            part.ok_or_else(|| ApiError::new(500, "server_error", "the new part was not stored"))?
        }
        other => {
            return Err(ApiError::invalid(
                "type",
                format!("type '{other}' is invalid; use admin or user"),
            ))
        }
    };
    let conv = &st.conversations[idx];
    ok(conv.to_json(
        &st.lookup(),
        Display::Html,
        Some(std::slice::from_ref(&part)),
    ))
}

async fn manage_conversation(
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
            "admin_id",
            "body",
            "snoozed_until",
            "assignee_id",
        ],
    )?;
    let message_type =
        str_field(&body, "message_type")?.ok_or_else(|| ApiError::missing("message_type"))?;
    let text = str_field(&body, "body")?.map(str::to_string);
    let mut st = shared.lock();
    let now = unix_now();
    st.expire_snoozes(now);
    let idx = st.conversation_index(&id)?;
    let admin = admin_of(&st, &body)?;
    let action = match message_type {
        "close" => {
            match str_field(&body, "type")? {
                Some("admin") => {}
                Some(other) => {
                    return Err(ApiError::invalid(
                        "type",
                        format!("type '{other}' is invalid for close; use admin"),
                    ))
                }
                None => return Err(ApiError::missing("type")),
            }
            Manage::Close { body: text }
        }
        "open" => Manage::Open,
        "snoozed" => {
            let until = match body.get("snoozed_until") {
                Some(Value::Number(n)) => n.as_i64().ok_or_else(|| {
                    ApiError::invalid("snoozed_until", "snoozed_until must be a unix timestamp")
                })?,
                None | Some(Value::Null) => return Err(ApiError::missing("snoozed_until")),
                Some(v) => {
                    return Err(ApiError::invalid(
                        "snoozed_until",
                        format!("snoozed_until must be an integer unix timestamp, got {v}"),
                    ))
                }
            };
            Manage::Snooze { until }
        }
        "assignment" => {
            let kind = match str_field(&body, "type")? {
                Some("admin") => AssigneeKind::Admin,
                Some("team") => AssigneeKind::Team,
                Some(other) => {
                    return Err(ApiError::invalid(
                        "type",
                        format!("type '{other}' is invalid for assignment; use admin or team"),
                    ))
                }
                None => return Err(ApiError::missing("type")),
            };
            if !body.contains_key("assignee_id") {
                return Err(ApiError::missing("assignee_id"));
            }
            // "0", 0 and null all mean unassigned.
            let assignee = id_field(&body, "assignee_id")?.unwrap_or(0);
            let exists = match kind {
                AssigneeKind::Team => st.team_exists(assignee),
                _ => st.admin_exists(assignee),
            };
            if assignee != 0 && !exists {
                let what = if kind == AssigneeKind::Team {
                    "Team"
                } else {
                    "Admin"
                };
                return Err(ApiError {
                    field: Some("assignee_id".into()),
                    ..ApiError::new(404, "not_found", format!("{what} {assignee} Not Found"))
                });
            }
            Manage::Assign {
                kind,
                assignee,
                body: text,
            }
        }
        other => {
            return Err(ApiError::invalid(
                "message_type",
                format!(
                    "message_type '{other}' is invalid; use close, open, snoozed or assignment"
                ),
            ))
        }
    };
    let part = st.manage(idx, admin, action, now);
    let conv = &st.conversations[idx];
    ok(conv.to_json(
        &st.lookup(),
        Display::Html,
        Some(std::slice::from_ref(&part)),
    ))
}

/// A merged-away contact answers as the contact it was merged into (another `id`) or 404,
/// whichever its merge decided; a deleted one 404.
async fn get_contact(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> ApiResult {
    let st = shared.lock();
    let idx = st
        .resolve_contact(&id)
        .ok_or_else(|| ApiError::not_found("User"))?;
    let mut v = contact_json(&st, idx);
    st.quirks.dress_contact(&mut v);
    ok(v)
}

/// A contact as `GET /contacts/{id}` renders it (the `contact` schema plus the retrieve-only
/// `enabled_push_messaging`).
pub(crate) fn contact_json(st: &crate::state::State, idx: usize) -> Value {
    let mut v = st.contacts[idx].to_json(&st.lookup());
    if let Some(obj) = v.as_object_mut() {
        obj.insert("enabled_push_messaging".into(), Value::Null);
    }
    v
}

async fn search_contacts(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ApiResult {
    let body = Value::Object(json_object(&bytes)?);
    if let Some(obj) = body.as_object() {
        reject_unknown(obj, &["query", "pagination", "sort"])?;
    }
    let query = SearchQuery::parse::<Contact>(&body)?;
    let (per_page, cursor) = search::parse_pagination(&body, 50)?;
    let sort = search::parse_sort(
        &body,
        SortField::LastSeenAt,
        &[
            ("last_seen_at", SortField::LastSeenAt),
            ("updated_at", SortField::UpdatedAt),
            ("created_at", SortField::CreatedAt),
        ],
    )?;
    let mut guard = shared.lock();
    let st = &mut *guard;
    let lk = st.lookup();
    // Merged-away and deleted contacts are never found.
    let all_live = st.merged.is_empty() && st.deleted_contacts.is_empty();
    let mut matches: Vec<(i64, u64)> = st
        .contacts
        .iter()
        .enumerate()
        .filter(|(i, _)| all_live || st.contact_live(*i))
        .filter(|(_, c)| query.matches(*c, &lk))
        .map(|(i, c)| {
            let key = match sort.field {
                SortField::CreatedAt => c.created_at,
                SortField::UpdatedAt => c.updated_at,
                _ => c.last_seen_at.unwrap_or(0),
            };
            (key, i as u64)
        })
        .collect();
    search::sort(&mut matches, sort.descending);
    let mut page = search::page_of(&matches, sort.descending, per_page, cursor);
    let next = page_quirk(
        &mut st.quirks,
        quirks::walk_key(
            "POST /contacts/search",
            per_page,
            &json!([body.get("query"), body.get("sort")]),
        ),
        || matches.clone(),
        sort.descending,
        cursor.zip(raw_starting_after(&body)),
        &mut page,
    );
    let lk = st.lookup();
    let data: Vec<Value> = page
        .ids
        .iter()
        .filter_map(|i| st.contacts.get(*i as usize))
        .map(|c| {
            let mut v = c.to_json(&lk);
            st.quirks.dress_contact(&mut v);
            v
        })
        .collect();
    let mut v = json!({"type": "list", "data": data, "total_count": page.total, "pages": page.pages_json()});
    if let Some(next) = next {
        quirks::replace_at(&mut v, &["pages", "next", "starting_after"], json!(next));
    }
    st.quirks
        .dress_list(&mut v, "data", "POST /contacts/search");
    ok(v)
}

/// Finds the contact named by exactly one of `user_id`, `intercom_user_id`, `email`.
fn event_contact(st: &crate::state::State, q: &HashMap<String, String>) -> Result<usize, ApiError> {
    let given: Vec<&str> = ["user_id", "intercom_user_id", "email"]
        .into_iter()
        .filter(|k| q.contains_key(*k))
        .collect();
    if given.len() != 1 {
        return Err(ApiError::invalid(
            "filter",
            format!(
                "send exactly one of user_id, intercom_user_id or email (got {})",
                if given.is_empty() {
                    "none".to_string()
                } else {
                    given.join(", ")
                }
            ),
        ));
    }
    let key = given[0];
    let value = q.get(key).map(String::as_str).unwrap_or_default();
    // A merged-away contact's events answer as the contact does (see `get_contact`); its
    // email and user_id, like a deleted contact's, name no one.
    let found = match key {
        "user_id" => st
            .contacts
            .iter()
            .position(|c| c.external_id.as_deref() == Some(value))
            .filter(|&i| st.contact_live(i)),
        "intercom_user_id" => st.resolve_contact(value),
        _ => st
            .contacts
            .iter()
            .position(|c| c.email.eq_ignore_ascii_case(value))
            .filter(|&i| st.contact_live(i)),
    };
    found.ok_or_else(|| ApiError::not_found("User"))
}

async fn list_events(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    q: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> ApiResult {
    let Query(q) =
        q.map_err(|e| ApiError::invalid("query", format!("the query string is invalid: {e}")))?;
    match q.get("type").map(String::as_str) {
        Some("user") => {}
        Some(other) => {
            return Err(ApiError::invalid(
                "type",
                format!("type '{other}' is invalid; the value must be user"),
            ))
        }
        None => return Err(ApiError::missing("type")),
    }
    let per_page = search::parse_per_page(
        q.get("per_page").map(|s| Value::String(s.clone())).as_ref(),
        15,
    )?;
    let before =
        match q.get("before") {
            None => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| {
                ApiError::invalid("before", "before must be a millisecond timestamp")
            })?),
        };
    // `pages.since` (in the description's event.list) links to what arrives after this page:
    // events at or after `since` milliseconds, so following it never repeats one.
    let since = match q.get("since") {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| ApiError::invalid("since", "since must be a millisecond timestamp"))?,
        ),
    };
    let summary = match q.get("summary").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "summary",
                format!("summary must be true or false, got '{other}'"),
            ))
        }
    };
    let mut guard = shared.lock();
    let st = &mut *guard;
    let idx = event_contact(st, &q)?;
    let contact = &st.contacts[idx];
    let events = st.events.get(idx).map(Vec::as_slice).unwrap_or_default();
    if summary {
        // Summaries include events of any age.
        let mut by_name: std::collections::BTreeMap<&str, (i64, i64, u64)> = Default::default();
        for e in events {
            let entry =
                by_name
                    .entry(e.event_name.as_str())
                    .or_insert((e.created_at, e.created_at, 0));
            entry.0 = entry.0.min(e.created_at);
            entry.1 = entry.1.max(e.created_at);
            entry.2 += 1;
        }
        let items: Vec<Value> = by_name
            .into_iter()
            .map(|(name, (first, last, count))| {
                json!({"name": name, "first": crate::model::iso8601(first), "last": crate::model::iso8601(last), "count": count, "description": ""})
            })
            .collect();
        let mut v = json!({"type": "event.summary", "intercom_user_id": contact.id, "email": contact.email, "events": items});
        if let (Some(uid), Some(obj)) = (&contact.external_id, v.as_object_mut()) {
            obj.insert("user_id".into(), json!(uid));
        }
        return ok(v);
    }
    // Only events under 90 days old can be listed; newest first.
    let horizon = unix_now() - 90 * 86_400;
    let listed: Vec<_> = events
        .iter()
        .rev()
        .filter(|e| e.created_at >= horizon)
        .filter(|e| before.is_none_or(|b| e.order_ms < b))
        .filter(|e| since.is_none_or(|s| e.order_ms >= s))
        .take(per_page + 1)
        .collect();
    let more = listed.len() > per_page;
    let page: Vec<Value> = listed
        .iter()
        .take(per_page)
        .map(|e| {
            let mut v = e.to_json(contact);
            st.quirks.dress_record(&mut v, "event");
            v
        })
        .collect();
    let ident = match (q.get("user_id"), q.get("email")) {
        (Some(u), _) => format!("user_id={}", encode(u)),
        (_, Some(e)) => format!("email={}", encode(e)),
        _ => format!("intercom_user_id={}", contact.id),
    };
    let base = &st.base_url;
    let mut pages = Map::new();
    if let (true, Some(last)) = (more, listed.get(per_page.saturating_sub(1))) {
        pages.insert(
            "next".into(),
            json!(format!(
                "{base}/events?type=user&{ident}&per_page={per_page}&before={}",
                last.order_ms
            )),
        );
    }
    if let Some(newest) = listed.first() {
        pages.insert(
            "since".into(),
            json!(format!(
                "{base}/events?type=user&{ident}&per_page={per_page}&since={}",
                newest.order_ms + 1
            )),
        );
    }
    let mut v = json!({"type": "event.list", "events": page, "pages": pages});
    // A stuck events page links to itself: `next` is the URL the client just followed.
    if st.quirks.event_page_stuck(before.is_some(), more) {
        let requested = uri.path_and_query().map_or("/events", |pq| pq.as_str());
        let url = format!("{}{requested}", st.base_url);
        quirks::replace_at(&mut v, &["pages", "next"], json!(url));
    }
    st.quirks.dress_list(&mut v, "events", "GET /events");
    ok(v)
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn create_event(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ApiResult {
    let body = json_object(&bytes)?;
    reject_unknown(
        &body,
        &[
            "event_name",
            "created_at",
            "user_id",
            "id",
            "email",
            "metadata",
        ],
    )?;
    let name = str_field(&body, "event_name")?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("event_name"))?;
    let created_at = match body.get("created_at") {
        // Events are ordered in milliseconds: a timestamp past year 9999 would overflow that,
        // and a negative one is no time Intercom could have seen.
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|t| (0..=MAX_UNIX_SECONDS).contains(t))
            .ok_or_else(|| {
                ApiError::invalid(
                    "created_at",
                    format!("created_at must be a unix timestamp in seconds between 0 and {MAX_UNIX_SECONDS} (year 9999), got {n}"),
                )
            })?,
        None | Some(Value::Null) => return Err(ApiError::missing("created_at")),
        Some(v) => {
            return Err(ApiError::invalid(
                "created_at",
                format!("created_at must be an integer, got {v}"),
            ))
        }
    };
    let metadata = match body.get("metadata") {
        None | Some(Value::Null) => Map::new(),
        // At most 10 keys are kept, the first ones by send order.
        Some(Value::Object(m)) => m
            .iter()
            .take(10)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Some(v) => {
            return Err(ApiError::invalid(
                "metadata",
                format!("metadata must be an object, got {v}"),
            ))
        }
    };
    let mut q = HashMap::new();
    for (from, to) in [
        ("user_id", "user_id"),
        ("id", "intercom_user_id"),
        ("email", "email"),
    ] {
        if let Some(v) = str_field(&body, from)? {
            q.insert(to.to_string(), v.to_string());
        }
    }
    if q.is_empty() {
        return Err(ApiError::invalid(
            "id",
            "send one of id, user_id or email to name the contact",
        ));
    }
    let mut st = shared.lock();
    // With several identifiers, Intercom prefers the Intercom id.
    let q = if let Some(id) = q.get("intercom_user_id") {
        HashMap::from([("intercom_user_id".to_string(), id.clone())])
    } else if let Some(u) = q.get("user_id") {
        HashMap::from([("user_id".to_string(), u.clone())])
    } else {
        q
    };
    let idx = event_contact(&st, &q)?;
    st.track_event(idx, name.to_string(), created_at, metadata);
    Ok(StatusCode::ACCEPTED.into_response())
}
