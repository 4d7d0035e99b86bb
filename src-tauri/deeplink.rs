//! `agentdesk://` links: `agentdesk://conversation/{id}?prefill=TEXT` opens a conversation with
//! the composer prefilled. Links come from anywhere (a browser, a chat), so every part is
//! checked and a wrong link gets a reason, never a crash or a half-applied action.

use url::Url;

/// The most text a link may prefill; longer is refused rather than silently cut.
pub const MAX_PREFILL_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenConversation {
    pub id: String,
    pub prefill: Option<String>,
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
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
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
}
