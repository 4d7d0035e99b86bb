//! `agentdesk://` links: `agentdesk://conversation/{id}?prefill=TEXT` opens a conversation with
//! the composer prefilled. Links come from anywhere (a browser, a chat), so every part is
//! checked and a wrong link gets a reason, never a crash or a half-applied action.
//!
//! The prefill is a stranger's text that the agent may send under their own name, so what
//! the agent cannot see never reaches the composer: control characters (but newlines and
//! tabs), bidirectional overrides, embeddings and isolates (which make text read differently
//! from what it says), zero-width and other invisible formatting characters, and Unicode tag
//! characters (invisible text a reader never sees). What the window does with the text (it
//! never replaces an unsent draft, and a link never marks a conversation read) is the UI's
//! rule: `ui/src/lib/drafts.ts`, `ui/src/components/Inbox.svelte`.

use url::Url;

use crate::dto::OpenConversation;

/// The most text a link may prefill; longer is refused rather than silently cut.
pub const MAX_PREFILL_CHARS: usize = 5_000;

/// Invisible characters a prefill may not carry, beside control characters.
const INVISIBLE: &[(char, char)] = &[
    // Soft hyphen: shown only at a line break.
    ('\u{00AD}', '\u{00AD}'),
    // Arabic letter mark (a bidi mark).
    ('\u{061C}', '\u{061C}'),
    // Mongolian vowel separator (zero width).
    ('\u{180E}', '\u{180E}'),
    // Zero width space, non-joiner, joiner; left-to-right and right-to-left marks.
    ('\u{200B}', '\u{200F}'),
    // Bidi embeddings and overrides: LRE, RLE, PDF, LRO, RLO.
    ('\u{202A}', '\u{202E}'),
    // Word joiner, invisible operators, bidi isolates (LRI, RLI, FSI, PDI), deprecated
    // format characters.
    ('\u{2060}', '\u{206F}'),
    // Zero width no-break space (byte order mark).
    ('\u{FEFF}', '\u{FEFF}'),
    // Interlinear annotation marks.
    ('\u{FFF9}', '\u{FFFB}'),
    // Tag characters: invisible copies of ASCII.
    ('\u{E0000}', '\u{E007F}'),
];

/// Whether a character of a prefill is kept: visible text, newlines and tabs.
pub fn is_kept_in_prefill(c: char) -> bool {
    if c == '\n' || c == '\t' {
        return true;
    }
    !c.is_control() && !INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

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
            let text: String = value.chars().filter(|&c| is_kept_in_prefill(c)).collect();
            prefill = Some(text).filter(|t| !t.trim().is_empty());
        }
    }
    Ok(OpenConversation {
        id: id.to_string(),
        prefill,
        from_link: true,
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
                prefill: None,
                from_link: true,
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

    /// Regression (issue 21): a link could prefill text that reads differently from what it
    /// says (a right-to-left override turning "txt.exe" around) or that hides words between
    /// zero-width characters, and the agent would send it under their own name.
    #[test]
    fn bidi_overrides_and_invisible_characters_are_stripped_from_prefill() {
        let hidden = [
            "%E2%80%AA",
            "%E2%80%AB",
            "%E2%80%AC",
            "%E2%80%AD",
            "%E2%80%AE", // U+202A..U+202E
            "%E2%81%A6",
            "%E2%81%A7",
            "%E2%81%A8",
            "%E2%81%A9", // U+2066..U+2069
            "%E2%80%8B",
            "%E2%80%8C",
            "%E2%80%8D",
            "%E2%81%A0",
            "%EF%BB%BF", // zero width
            "%E2%80%8E",
            "%E2%80%8F",
            "%C2%AD", // LRM, RLM, soft hyphen
            "%F3%A0%81%81",
            "%F3%A0%81%BF", // tag characters U+E0041, U+E007F
        ];
        for (i, c) in hidden.iter().enumerate() {
            let link = format!("agentdesk://conversation/1?prefill=pay{c}now");
            let open = parse(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!(
                open.prefill.as_deref(),
                Some("paynow"),
                "invisible character #{i} ({c}) must not reach the composer"
            );
        }
        let open = parse("agentdesk://conversation/1?prefill=%E2%80%AEexe.txt%E2%80%AC").unwrap();
        assert_eq!(
            open.prefill.as_deref(),
            Some("exe.txt"),
            "an override around the text is dropped, so it reads as it is stored"
        );
        let open = parse("agentdesk://conversation/1?prefill=%E2%80%8B%E2%80%AE%0A").unwrap();
        assert_eq!(
            open.prefill, None,
            "a prefill of nothing but invisible characters is no prefill"
        );
    }

    #[test]
    fn visible_text_of_every_script_is_kept() {
        let text = "Grüße, 谢谢, شكرا, שלום, नमस्ते 👋\n\tthanks";
        let link = format!(
            "agentdesk://conversation/1?prefill={}",
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
        );
        assert_eq!(
            parse(&link).unwrap().prefill.as_deref(),
            Some(text),
            "right-to-left scripts, combining marks, emoji, newlines and tabs are the agent's text"
        );
    }

    #[test]
    fn a_link_says_it_came_from_a_link() {
        assert!(
            parse("agentdesk://conversation/5").unwrap().from_link,
            "the window must know a link (anyone can make one) asked, so it does not mark the conversation read"
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
        let path = std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
        )
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
