//! The one place errors become what the UI sees: `{code, message}`. The UI branches on `code`
//! only (docs/IPC.md lists them); `message` is a sentence that says what to do. Every
//! operation of the app layer returns [`AppError`], so the shell's commands pass it on as is.

use serde::Serialize;

/// A failed operation as the UI sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppError {
    /// What the UI branches on (`unauthorized`, `offline`, `not_found`, `invalid_input`, ...).
    pub code: &'static str,
    /// A sentence for people that says what to do.
    pub message: String,
}

/// The result of every app-layer operation.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error with this code and sentence.
    pub fn new(code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }
    /// `invalid_input`: the request itself is wrong.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new("invalid_input", message)
    }
    /// `no_session`: no workspace is open.
    pub fn no_session() -> AppError {
        AppError::new(
            "no_session",
            "No workspace is open. Open the demo workspace or connect yours.",
        )
    }
    /// `not_found`: `what` is not in the local cache.
    pub fn not_found(what: impl std::fmt::Display) -> AppError {
        AppError::new(
            "not_found",
            format!("{what} is not in the local cache (it may have been deleted in Intercom)."),
        )
    }
    /// `internal`: something the agent cannot fix failed.
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new("internal", message)
    }
}

impl From<crate::connect::ConnectError> for AppError {
    fn from(e: crate::connect::ConnectError) -> AppError {
        AppError {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<agentdesk_store::StoreError> for AppError {
    fn from(e: agentdesk_store::StoreError) -> AppError {
        use agentdesk_store::StoreErrorKind as K;
        let code = match e.kind() {
            K::InvalidInput => "invalid_input",
            K::NotFound => "not_found",
            _ => "internal",
        };
        AppError::new(code, e.to_string())
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<agentdesk_sync::SyncError> for AppError {
    fn from(e: agentdesk_sync::SyncError) -> AppError {
        let code = match e.code() {
            "unauthorized" => "unauthorized",
            "offline" => "offline",
            "forbidden" => "forbidden",
            "not_found" => "not_found",
            "rate_limited" => "rate_limited",
            _ => "internal",
        };
        AppError::new(code, e.to_string())
    }
}
