//! `ApiError`: every failure of a call to Intercom, classified for the caller to branch on
//! ([`ApiError::kind`], [`ApiError::is_retryable`], [`ApiError::may_have_been_applied`]) and
//! worded for a support agent to act on (`Display`). It never holds the token or a body.

use crate::models::ErrorList;
use std::fmt;

/// What went wrong, for branching. Details (status, code, request id) are on [`ApiError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401, or any `token_*` code: the token is wrong, revoked or expired.
    Unauthorized,
    /// 403: the plan (`api_plan_restricted`) or a missing permission forbids it; 402 (the
    /// API is not on the workspace's plan) is `api_plan_restricted`.
    Forbidden {
        /// Intercom's error code (`api_plan_restricted`, `action_forbidden`, ...).
        code: String,
        /// The permission Intercom named, when it named one.
        permission: Option<String>,
    },
    /// 404: no such object (or a merged contact, in 2.14).
    NotFound,
    /// 410: a merged contact (2.16).
    Gone,
    /// 429 after the allowed retries.
    RateLimited,
    /// 400, 409, 422 and other 4xx: the request itself is wrong. Also a 3xx redirect to
    /// another host, which is not followed (its message says so).
    InvalidRequest {
        /// The field Intercom named, when it named one.
        field: Option<String>,
    },
    /// 5xx, and 408 (Intercom gave up waiting for the request; retried for reads).
    Server,
    /// No answer: connect failure, timeout, connection reset, truncated body.
    Transport,
    /// An answer this client cannot read (bad JSON, a field of the wrong shape, too big).
    Decode,
}

impl ErrorKind {
    /// A stable snake_case code for the UI (`unauthorized`, `offline`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound => "not_found",
            Self::Gone => "gone",
            Self::RateLimited => "rate_limited",
            Self::InvalidRequest { .. } => "invalid_request",
            Self::Server => "server_error",
            Self::Transport => "transport",
            Self::Decode => "decode",
        }
    }
}

/// How a transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be made: nothing was sent.
    Connect,
    /// No complete answer in time.
    Timeout,
    /// The connection broke while sending or reading.
    Interrupted,
}

/// A failed call to Intercom.
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    endpoint: String,
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    applied: bool,
    region: Option<&'static str>,
    transport: Option<TransportKind>,
    decode_path: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    fn new(kind: ErrorKind, endpoint: &str) -> Self {
        Self(Box::new(Inner {
            kind,
            endpoint: endpoint.to_owned(),
            status: None,
            code: None,
            message: None,
            request_id: None,
            applied: false,
            region: None,
            transport: None,
            decode_path: None,
            source: None,
        }))
    }

    /// Classifies an HTTP error status and its (possibly unreadable) `error.list` body.
    pub(crate) fn from_response(
        endpoint: &str,
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
    ) -> Self {
        let list: ErrorList = serde_json::from_slice(body).unwrap_or_default();
        let first = list.errors.first();
        let code = first.and_then(|e| e.code.clone());
        let field = list.errors.iter().find_map(|e| e.field.clone());
        let token_code = code.as_deref().is_some_and(|c| {
            c.starts_with("token_") || c == "unauthorized" || c == "missing_authorization"
        });
        let kind = match status {
            401 => ErrorKind::Unauthorized,
            _ if token_code && (400..500).contains(&status) => ErrorKind::Unauthorized,
            402 => ErrorKind::Forbidden {
                code: "api_plan_restricted".to_owned(),
                permission: None,
            },
            403 => ErrorKind::Forbidden {
                code: code.clone().unwrap_or_else(|| "forbidden".to_owned()),
                permission: permission_of(&list),
            },
            404 if code.as_deref() == Some("contact_merged") => ErrorKind::Gone,
            404 => ErrorKind::NotFound,
            410 => ErrorKind::Gone,
            429 => ErrorKind::RateLimited,
            408 | 500..=599 => ErrorKind::Server,
            _ => ErrorKind::InvalidRequest { field },
        };
        let mut e = Self::new(kind, endpoint);
        e.0.status = Some(status);
        e.0.code = code;
        e.0.message = list
            .errors
            .iter()
            .filter_map(|e| e.message.as_deref())
            .map(|m| m.chars().take(300).collect::<String>())
            .reduce(|a, b| format!("{a}; {b}"));
        e.0.request_id = list.request_id.or(header_request_id);
        e
    }

    pub(crate) fn transport(endpoint: &str, how: TransportKind, source: reqwest::Error) -> Self {
        let mut e = Self::new(ErrorKind::Transport, endpoint);
        e.0.transport = Some(how);
        e.0.source = Some(Box::new(source.without_url()));
        e
    }

    pub(crate) fn decode(
        endpoint: &str,
        path: Option<String>,
        detail: String,
        request_id: Option<String>,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Decode, endpoint);
        e.0.decode_path = path;
        e.0.message = Some(detail);
        e.0.request_id = request_id;
        e
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    pub(crate) fn with_applied(mut self, applied: bool) -> Self {
        self.0.applied = applied;
        self
    }

    pub(crate) fn with_region(mut self, region: &'static str) -> Self {
        self.0.region = Some(region);
        self
    }

    /// What went wrong, for branching.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// Whether trying again later may succeed (rate limit, server error, transport).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Transport
        )
    }

    /// For writes: whether Intercom may have applied the request although it failed (a 5xx,
    /// a timeout or reset after sending, an unreadable success). The outbox must reconcile
    /// (re-read the conversation) before resending. Always `false` for reads and 4xx.
    pub fn may_have_been_applied(&self) -> bool {
        self.0.applied
    }

    /// The HTTP status, if an answer arrived.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// Intercom's error code (`token_revoked`, `api_plan_restricted`, `parameter_invalid`...).
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// Intercom's `request_id`, to quote to Intercom support.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The endpoint (`GET /conversations/{id}`), never the full URL.
    pub fn endpoint(&self) -> &str {
        &self.0.endpoint
    }

    /// For transport errors, how the connection failed.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        self.0.transport
    }

    /// For decode errors, the path of the field that could not be read (`conversations[3].id`).
    pub fn field_path(&self) -> Option<&str> {
        self.0.decode_path.as_deref()
    }

    fn region_hint(&self) -> Option<&'static str> {
        match self.0.region? {
            "US" => Some(" If your Intercom workspace is hosted in Europe or Australia, choose the EU or AU region instead: a token works only in its workspace's region."),
            "EU" => Some(" If your Intercom workspace is hosted in the US or Australia, choose the US or AU region instead: a token works only in its workspace's region."),
            "AU" => Some(" If your Intercom workspace is hosted in the US or Europe, choose the US or EU region instead: a token works only in its workspace's region."),
            _ => None,
        }
    }
}

fn permission_of(list: &ErrorList) -> Option<String> {
    for e in &list.errors {
        let Some(data) = e.data.as_ref() else {
            continue;
        };
        for key in [
            "required_permissions",
            "required_permission",
            "permissions",
            "permission",
        ] {
            match data.get(key) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => return Some(s.clone()),
                Some(serde_json::Value::Array(items)) => {
                    let names: Vec<String> = items
                        .iter()
                        .filter_map(|v| match v {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Object(o) => {
                                o.get("name").and_then(|n| n.as_str()).map(str::to_owned)
                            }
                            _ => None,
                        })
                        .collect();
                    if !names.is_empty() {
                        return Some(names.join(", "));
                    }
                }
                _ => {}
            }
        }
    }
    // Some 403s only name the permission in prose: "... requires the 'Read conversations' permission".
    list.errors
        .iter()
        .filter_map(|e| e.message.as_deref())
        .find_map(|m| {
            let lower = m.to_ascii_lowercase();
            lower.find("permission")?;
            let start = m.find(['\'', '"', '`'])?;
            let quote = m[start..].chars().next()?;
            let rest = &m[start + 1..];
            let end = rest.find(quote)?;
            Some(rest[..end].to_owned()).filter(|s| !s.is_empty())
        })
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let status = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            match (i.status, i.code.as_deref()) {
                (Some(s), Some(c)) => write!(f, " ({s} {c})"),
                (Some(s), None) => write!(f, " ({s})"),
                (None, Some(c)) => write!(f, " ({c})"),
                (None, None) => Ok(()),
            }
        };
        match &i.kind {
            ErrorKind::Unauthorized => {
                f.write_str("Intercom rejected the access token")?;
                status(f)?;
                f.write_str(": it may be mistyped, revoked or expired. Create a new one in the Intercom Developer Hub under Your Apps > your app > Authentication, then paste it here.")?;
                if let Some(hint) = self.region_hint() {
                    f.write_str(hint)?;
                }
            }
            ErrorKind::Forbidden { code, permission } => {
                if code == "api_plan_restricted" {
                    f.write_str("Intercom refused access because the workspace's plan does not include API access")?;
                    status(f)?;
                    f.write_str(": an Intercom plan with API access is needed; the workspace's admin can change the plan in Intercom's billing settings.")?;
                } else if let Some(p) = permission {
                    write!(f, "The access token is missing the permission \"{p}\"")?;
                    status(f)?;
                    f.write_str(": add it to your app in the Intercom Developer Hub (Your Apps > your app > Authentication > Edit permissions), then try again.")?;
                } else {
                    f.write_str("Intercom does not allow this access token to do that")?;
                    status(f)?;
                    f.write_str(": check the app's permissions in the Intercom Developer Hub (Your Apps > your app > Authentication).")?;
                }
            }
            ErrorKind::NotFound => {
                write!(f, "Intercom has no such item for {}", i.endpoint)?;
                status(f)?;
                f.write_str(": it may have been deleted or merged, or it belongs to another workspace.")?;
            }
            ErrorKind::Gone => {
                f.write_str("This contact was merged into another one")?;
                status(f)?;
                f.write_str(": open the contact it was merged into.")?;
            }
            ErrorKind::RateLimited => {
                f.write_str("Intercom's rate limit was reached")?;
                status(f)?;
                f.write_str(": the app slows down and tries again after the limit resets.")?;
            }
            ErrorKind::InvalidRequest { .. } if i.status.is_some_and(|s| (300..400).contains(&s)) => {
                write!(f, "Intercom redirected the request to {} to another host", i.endpoint)?;
                status(f)?;
                f.write_str(", which is not followed so the access token is not sent there: check the region or base URL.")?;
            }
            ErrorKind::InvalidRequest { field } => {
                write!(f, "Intercom rejected the request to {} as invalid", i.endpoint)?;
                status(f)?;
                if let Some(field) = field {
                    write!(f, " (field `{field}`)")?;
                }
                f.write_str(".")?;
            }
            ErrorKind::Server if i.status == Some(408) => {
                f.write_str("Intercom gave up waiting for the request")?;
                status(f)?;
                f.write_str(": it was not applied; try again in a moment.")?;
            }
            ErrorKind::Server => {
                f.write_str("Intercom had a server error")?;
                status(f)?;
                f.write_str(": try again in a moment.")?;
            }
            ErrorKind::Transport => match i.transport {
                Some(TransportKind::Connect) => f.write_str(
                    "Could not reach Intercom: check the internet connection (and any proxy or firewall).",
                )?,
                Some(TransportKind::Timeout) => {
                    f.write_str("Intercom did not answer in time: the connection may be slow; try again.")?
                }
                _ => f.write_str("The connection to Intercom was interrupted: try again.")?,
            },
            ErrorKind::Decode => {
                write!(f, "Could not read Intercom's answer to {}", i.endpoint)?;
                if let Some(p) = &i.decode_path {
                    write!(f, " at `{p}`")?;
                }
                f.write_str(": the app may need an update.")?;
            }
        }
        if !matches!(i.kind, ErrorKind::Forbidden { .. } | ErrorKind::Decode) {
            if let Some(m) = &i.message {
                write!(f, " Intercom said: \"{m}\".")?;
            }
        } else if let (
            ErrorKind::Forbidden {
                permission: None, ..
            },
            Some(m),
        ) = (&i.kind, &i.message)
        {
            write!(f, " Intercom said: \"{m}\".")?;
        } else if let (ErrorKind::Decode, Some(m)) = (&i.kind, &i.message) {
            write!(f, " ({m})")?;
        }
        if i.applied {
            f.write_str(" The change may have been applied anyway: check the conversation before sending it again.")?;
        }
        if let Some(r) = &i.request_id {
            write!(f, " [request id {r}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("kind", &self.0.kind)
            .field("endpoint", &self.0.endpoint)
            .field("status", &self.0.status)
            .field("code", &self.0.code)
            .field("request_id", &self.0.request_id)
            .field("may_have_been_applied", &self.0.applied)
            .field("transport", &self.0.transport)
            .field("field_path", &self.0.decode_path)
            .finish()
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_names_the_permission_from_data_or_message() {
        let body = br#"{"type":"error.list","request_id":"r1","errors":[{"code":"action_forbidden","message":"nope","data":{"required_permissions":["Write conversations"]}}]}"#;
        let e = ApiError::from_response("POST /conversations/{id}/reply", 403, body, None);
        assert_eq!(
            e.kind(),
            &ErrorKind::Forbidden {
                code: "action_forbidden".into(),
                permission: Some("Write conversations".into())
            },
            "data.required_permissions names the missing permission"
        );
        assert!(
            e.to_string().contains("Write conversations"),
            "the message names the permission: {e}"
        );
        let body = br#"{"type":"error.list","errors":[{"code":"token_unauthorized","message":"Requires the 'Read conversations' permission"}]}"#;
        let e = ApiError::from_response("GET /conversations", 403, body, None);
        assert_eq!(
            e.kind(),
            &ErrorKind::Unauthorized,
            "token_* codes mean re-auth, whatever the status"
        );
    }

    #[test]
    fn unauthorized_message_says_where_to_make_a_token_and_hints_region() {
        let e = ApiError::from_response("GET /me", 401, b"not json", Some("h1".into()))
            .with_region("US");
        let text = e.to_string();
        assert!(
            text.contains("Your Apps > your app > Authentication"),
            "says where to make a token: {text}"
        );
        assert!(
            text.contains("EU or AU"),
            "a US 401 hints the other regions: {text}"
        );
        assert_eq!(
            e.request_id(),
            Some("h1"),
            "the header request id is kept when the body has none"
        );
    }
}
