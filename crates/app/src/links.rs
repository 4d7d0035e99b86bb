//! Links from a message that the agent opens outside the app, in the system browser or mail
//! client. Only web and mail links: anything else (`file:`, `javascript:`, custom schemes)
//! could run something on this computer.
//!
//! And the other side of it: the window itself never leaves the app's own pages
//! ([`is_app_page`], applied by the shell's navigation and new-window guards), whatever a
//! page does (a link's context menu, `location.href`, a form, `window.open`).

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

/// Whether the window may show `url`: a page of the app itself, at one of `origins` (where
/// the shell serves the bundled UI, `tauri://localhost` on Linux, and in development the
/// dev server). Same scheme, host and port, nothing else: `about:`, `data:`, `blob:`,
/// `file:`, `javascript:`, any web page and any loopback server are refused.
pub fn is_app_page(url: &url::Url, origins: &[url::Url]) -> bool {
    origins.iter().any(|origin| {
        origin.scheme() == url.scheme()
            && origin.host_str().is_some()
            && origin.host_str() == url.host_str()
            && origin.port_or_known_default() == url.port_or_known_default()
            && url.username().is_empty()
            && url.password().is_none()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> url::Url {
        url::Url::parse(url).unwrap()
    }

    #[test]
    fn the_window_stays_on_the_apps_own_pages() {
        let origins = [parse("tauri://localhost")];
        for page in [
            "tauri://localhost",
            "tauri://localhost/",
            "tauri://localhost/index.html#inbox",
        ] {
            assert!(
                is_app_page(&parse(page), &origins),
                "{page} is the app's own page: it must load"
            );
        }
        for elsewhere in [
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "https://tauri.localhost/",
            "http://tauri.localhost/",
            "tauri://localhost.evil.example/",
            "tauri://user@localhost/",
            "tauri://evil.example/",
            "https://example.com/phish",
            "about:blank",
            "data:text/html,<h1>hi</h1>",
            "blob:tauri://localhost/1234",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "agentdesk://conversation/1",
        ] {
            assert!(
                !is_app_page(&parse(elsewhere), &origins),
                "{elsewhere} is not the app: the window must never show it"
            );
        }
        let dev = [parse("tauri://localhost"), parse("http://localhost:5173")];
        assert!(
            is_app_page(&parse("http://localhost:5173/src/main.ts"), &dev),
            "in development the dev server is the app"
        );
        assert!(
            !is_app_page(&parse("http://localhost:5174/"), &dev),
            "another port on the same host is another server"
        );
    }

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
