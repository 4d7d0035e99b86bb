//! The one place errors become what the UI sees: `{code, message}`. The UI branches on `code`
//! only (docs/IPC.md lists them); `message` is a sentence that says what to do.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CmdError {
    pub code: &'static str,
    pub message: String,
}

pub type CmdResult<T> = Result<T, CmdError>;

impl CmdError {
    pub fn new(code: &'static str, message: impl Into<String>) -> CmdError {
        CmdError {
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> CmdError {
        CmdError::new("invalid_input", message)
    }
    pub fn no_session() -> CmdError {
        CmdError::new(
            "no_session",
            "No workspace is open. Open the demo workspace or connect yours.",
        )
    }
    pub fn not_found(what: impl std::fmt::Display) -> CmdError {
        CmdError::new(
            "not_found",
            format!("{what} is not in the local cache (it may have been deleted in Intercom)."),
        )
    }
    pub fn internal(message: impl Into<String>) -> CmdError {
        CmdError::new("internal", message)
    }
}

impl From<crate::connect::ConnectError> for CmdError {
    fn from(e: crate::connect::ConnectError) -> CmdError {
        CmdError {
            code: e.code,
            message: e.message,
        }
    }
}

impl From<agentdesk_store::StoreError> for CmdError {
    fn from(e: agentdesk_store::StoreError) -> CmdError {
        use agentdesk_store::StoreErrorKind as K;
        let code = match e.kind() {
            K::InvalidInput => "invalid_input",
            K::NotFound => "not_found",
            _ => "internal",
        };
        CmdError::new(code, e.to_string())
    }
}

impl From<agentdesk_sync::SyncError> for CmdError {
    fn from(e: agentdesk_sync::SyncError) -> CmdError {
        let code = match e.code() {
            "unauthorized" => "unauthorized",
            "offline" => "offline",
            "forbidden" => "forbidden",
            "not_found" => "not_found",
            "rate_limited" => "rate_limited",
            _ => "internal",
        };
        CmdError::new(code, e.to_string())
    }
}
