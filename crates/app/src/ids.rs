//! What an Intercom id may look like when it comes from outside Rust (the webview, an
//! `agentdesk://` link): a plain token of letters, digits, `_` and `-`, at most 64 long.
//! Checked before the id reaches a query, a request path or a log line.

use crate::error::{AppError, AppResult};

/// Whether `id` is a plausible Intercom id.
pub fn is_valid(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `Ok` for a valid id; else `invalid_input` naming `what` (conversation, contact, ...).
pub fn check(id: &str, what: &str) -> AppResult<()> {
    if is_valid(id) {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "{id:?} is not a valid {what} id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_use() {
        assert!(check("12345", "conversation").is_ok());
        assert!(check("", "conversation").is_err());
        assert!(
            check("1 OR 1=1", "conversation").is_err(),
            "ids are plain tokens"
        );
        assert!(
            !is_valid(&"1".repeat(65)),
            "an id longer than any Intercom issues is refused"
        );
    }
}
