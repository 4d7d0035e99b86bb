//! Links from a message that the agent opens outside the app, in the system browser or mail
//! client. Only web and mail links: anything else (`file:`, `javascript:`, custom schemes)
//! could run something on this computer.

use crate::error::{AppError, AppResult};

/// The link, parsed, when it may be opened outside the app.
pub fn external(url: &str) -> AppResult<url::Url> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|_| AppError::invalid("That link is not a valid URL."))?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return Err(AppError::invalid(format!(
            "Links of type {}: are not opened.",
            parsed.scheme()
        )));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_open_outside_the_app() {
        assert!(
            external(" https://example.com/a ").is_ok(),
            "web links open"
        );
        assert!(
            external("mailto:ann@example.com").is_ok(),
            "mail links open"
        );
        for link in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "agentdesk://x",
            "nonsense",
        ] {
            assert_eq!(
                external(link).map(|_| ()).unwrap_err().code,
                "invalid_input",
                "{link} must never reach the system's opener"
            );
        }
    }
}
