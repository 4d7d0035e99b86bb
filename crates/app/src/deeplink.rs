//! `agentdesk://` links: `agentdesk://conversation/{id}?prefill=TEXT` opens a conversation with
//! the composer prefilled. Links come from anywhere (a browser, a chat), so every part is
//! checked and a wrong link gets a reason, never a crash or a half-applied action.

use url::Url;

use crate::dto::OpenConversation;

/// The most text a link may prefill; longer is refused rather than silently cut.
pub const MAX_PREFILL_CHARS: usize = 5_000;

/// Parses one link; the error says what is wrong with it.
pub fn parse(link: &str) -> Result<OpenConversation, String> {
    let url = Url::parse(link.trim()).map_err(|e| format!("not a link ({e})"))?;
    if url.scheme() != "agentdesk" {
        return Err(format!(
            "not an agentdesk:// link (scheme {:?})",
            url.scheme()
        ));
    }
    // `agentdesk://conversation/123`: the host is the resource, the path its id.
    if url.host_str() != Some("conversation") {
        return Err("only agentdesk://conversation/<id> links are understood".into());
    }
    let id = url.path().trim_matches('/');
    if !crate::ids::is_valid(id) {
        return Err(format!("{id:?} is not a conversation id"));
    }
    let mut prefill = None;
    for (key, value) in url.query_pairs() {
        if key == "prefill" {
            if value.chars().count() > MAX_PREFILL_CHARS {
                return Err(format!(
                    "the prefill text is longer than {MAX_PREFILL_CHARS} characters"
                ));
            }
            let text: String = value
                .chars()
                .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
                .collect();
            prefill = Some(text).filter(|t| !t.trim().is_empty());
        }
    }
    Ok(OpenConversation {
        id: id.to_string(),
        prefill,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_link_with_prefill() {
        let open =
            parse("agentdesk://conversation/12345?prefill=Hello%20there%2C%0Athanks").unwrap();
        assert_eq!(open.id, "12345", "the id is the path");
        assert_eq!(
            open.prefill.as_deref(),
            Some("Hello there,\nthanks"),
            "prefill is URL-decoded, newlines kept"
        );
    }

    #[test]
    fn a_link_without_prefill() {
        let open = parse("agentdesk://conversation/987/").unwrap();
        assert_eq!(
            open,
            OpenConversation {
                id: "987".into(),
                prefill: None
            },
            "prefill is optional"
        );
    }

    #[test]
    fn wrong_links_are_refused_with_a_reason() {
        for link in [
            "",
            "https://example.com/conversation/1",
            "agentdesk://settings/1",
            "agentdesk://conversation/",
            "agentdesk://conversation/..%2F..%2Fetc",
            "agentdesk://conversation/1;DROP TABLE",
        ] {
            let err = parse(link).expect_err(link);
            assert!(!err.is_empty(), "every refusal says why: {link}");
        }
    }

    #[test]
    fn huge_prefill_is_refused_not_truncated() {
        let link = format!(
            "agentdesk://conversation/1?prefill={}",
            "a".repeat(MAX_PREFILL_CHARS + 1)
        );
        assert!(
            parse(&link).is_err(),
            "silently cutting the agent's text would lose part of it"
        );
    }

    #[test]
    fn control_characters_are_stripped_from_prefill() {
        let open = parse("agentdesk://conversation/1?prefill=hi%1B%5B31m%00there").unwrap();
        assert_eq!(
            open.prefill.as_deref(),
            Some("hi[31mthere"),
            "escape and NUL bytes never reach the composer"
        );
    }

    /// The .deb's desktop entry rendered as the bundler does: `{{name}}` values substituted,
    /// `{{#if}}` blocks kept (every value is set), nothing else left between braces.
    fn render_desktop_entry(values: &[(&str, &str)]) -> String {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../../tauri.conf.json"))
                .expect("tauri.conf.json");
        let template = config["bundle"]["linux"]["deb"]["desktopTemplate"]
            .as_str()
            .expect(
                "the .deb names its own desktop entry template (the bundler's default has no %u)",
            );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(template);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the template {} must exist: {e}", path.display()));
        let mut out = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("{{#if ") || trimmed == "{{/if}}" {
                continue;
            }
            let mut line = line.to_string();
            for (key, value) in values {
                line = line.replace(&format!("{{{{{key}}}}}"), value);
            }
            assert!(
                !line.contains("{{"),
                "every placeholder of the template is one the bundler fills: {line}"
            );
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// Regression: the bundler's desktop entry said `Exec=agentdesk` with no field code, so
    /// GLib (and any desktop) started or focused the app without the link a browser handed it.
    /// The entry is launched here as a desktop does (`gio launch`, libglib2.0-bin), with the
    /// app replaced by a script that records its arguments.
    #[test]
    fn the_desktop_entry_hands_the_clicked_link_to_the_app() {
        let dir = tempfile::tempdir().expect("temp dir");
        let record = dir.path().join("args");
        let stub = dir.path().join("agentdesk");
        std::fs::write(
            &stub,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n",
                record.display()
            ),
        )
        .expect("write the stub app");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../../tauri.conf.json"))
                .expect("tauri.conf.json");
        let schemes = config["plugins"]["deep-link"]["desktop"]["schemes"]
            .as_array()
            .expect("the deep-link plugin lists its schemes");
        assert!(
            schemes.iter().any(|s| s == "agentdesk"),
            "agentdesk:// is the scheme links use"
        );
        let entry = render_desktop_entry(&[
            ("categories", "Office;"),
            ("comment", "Desktop inbox for Intercom support agents"),
            ("exec", &stub.display().to_string()),
            ("icon", "agentdesk"),
            ("name", "Agentdesk"),
            ("mime_type", "x-scheme-handler/agentdesk"),
        ]);
        assert!(
            entry
                .lines()
                .any(|l| l == "MimeType=x-scheme-handler/agentdesk"),
            "the entry claims agentdesk:// links, or no browser hands them over: {entry}"
        );
        let desktop = dir.path().join("agentdesk.desktop");
        std::fs::write(&desktop, &entry).expect("write the entry");
        let link = "agentdesk://conversation/42?prefill=Hello%20there";
        let status = std::process::Command::new("gio")
            .arg("launch")
            .arg(&desktop)
            .arg(link)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .status()
            .expect("gio (libglib2.0-bin, installed by make test) launches desktop entries");
        assert!(status.success(), "gio launches the entry: {status:?}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let args = loop {
            if let Ok(args) = std::fs::read_to_string(&record) {
                break args;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the launched app never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(
            args.lines().collect::<Vec<_>>(),
            vec![link],
            "the app must receive the clicked link as its argument (Exec needs %u)"
        );
    }
}
