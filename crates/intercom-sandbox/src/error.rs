//! The API error type every handler returns, rendered as Intercom's `error.list`.

use serde_json::{json, Value};

/// One failed request: HTTP status plus the single entry of `errors`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Extra data on the error entry (e.g. `required_permissions` on a 403).
    pub data: Option<Box<Value>>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            data: None,
        }
    }

    /// 400 `parameter_invalid`, naming the offending field.
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(400, "parameter_invalid", message)
        }
    }

    /// 400 `parameter_not_found`: a required field is missing.
    pub(crate) fn missing(field: &str) -> Self {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(400, "parameter_not_found", format!("{field} is required"))
        }
    }

    pub(crate) fn not_found(what: &str) -> Self {
        ApiError::new(404, "not_found", format!("{what} Not Found"))
    }

    /// The `error.list` body for this error.
    pub(crate) fn body(&self, request_id: &str) -> Value {
        let mut entry = json!({"code": self.code, "message": self.message});
        if let Some(obj) = entry.as_object_mut() {
            if let Some(field) = &self.field {
                obj.insert("field".into(), json!(field));
            }
            if let Some(data) = &self.data {
                obj.insert("data".into(), Value::clone(data));
            }
        }
        json!({"type": "error.list", "request_id": request_id, "errors": [entry]})
    }
}
