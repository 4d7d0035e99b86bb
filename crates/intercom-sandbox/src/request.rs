//! Reading a request and writing its answer, shared by every route module (`http.rs`, `tags.rs`,
//! `tickets/routes.rs`): JSON bodies with errors that name the field, ids sent as strings or
//! integers (the description's examples send both), the acting admin, and JSON answers. A leaf:
//! it imports no route module, so routes and the router depend one way.

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::ApiError;

pub(crate) type ApiResult = Result<Response, ApiError>;

pub(crate) fn json_response(status: u16, v: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut resp = (status, v.to_string()).into_response();
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

pub(crate) fn ok(v: Value) -> ApiResult {
    Ok(json_response(200, &v))
}

/// Parses a JSON object body with a useful error.
pub(crate) fn json_object(bytes: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::invalid(
            "body",
            "the request body is empty; send a JSON object",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(ApiError::invalid(
            "body",
            format!("the request body must be a JSON object, got {other}"),
        )),
        Err(e) => Err(ApiError::invalid(
            "body",
            format!("the request body is not valid JSON: {e}"),
        )),
    }
}

pub(crate) fn reject_unknown(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(
            k,
            format!(
                "unknown field '{k}'; accepted fields are: {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// An id sent as a string or an integer.
pub(crate) fn id_field(body: &Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
            ApiError::invalid(field, format!("{field} must be a positive integer id"))
        }),
        Some(Value::String(s)) => s
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("{field} '{s}' is not a valid id"))),
        Some(v) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string id, got {v}"),
        )),
    }
}

pub(crate) fn str_field<'a>(
    body: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(ApiError::invalid(
            field,
            format!("{field} must be a string, got {v}"),
        )),
    }
}

/// The `pagination.starting_after` of a search body, as sent.
pub(crate) fn raw_starting_after(body: &Value) -> Option<&str> {
    body.get("pagination")?.get("starting_after")?.as_str()
}

pub(crate) fn admin_of(
    st: &crate::state::State,
    body: &Map<String, Value>,
) -> Result<u64, ApiError> {
    let admin = id_field(body, "admin_id")?.ok_or_else(|| ApiError::missing("admin_id"))?;
    if !st.admin_exists(admin) {
        return Err(ApiError {
            field: Some("admin_id".into()),
            ..ApiError::new(404, "not_found", format!("Admin {admin} Not Found"))
        });
    }
    Ok(admin)
}
