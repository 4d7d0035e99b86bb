//! Fuzzes the `agentdesk://` link parser (`agentdesk_app::deeplink::parse`): any link is
//! parsed or refused with a reason, never a panic; an accepted one names a valid id, and its
//! prefill is short, not blank, and holds only what the agent can see (newlines and tabs, no
//! control, bidi or invisible character). The first byte picks how the rest becomes a link
//! (as it is, as the id, as the raw or the percent-encoded prefill). The stable variant is in
//! `tests/reliability/tests/fuzz.rs`.
#![no_main]

use agentdesk_app::deeplink::{parse, MAX_PREFILL_CHARS};
use libfuzzer_sys::fuzz_target;

/// What a prefill may hold, written out apart from the parser's own table (so a gap in it
/// shows): no control character but newline and tab, no bidi embedding, override or isolate,
/// no zero-width or tag character.
fn visible_or_line_break(c: char) -> bool {
    c == '\n'
        || c == '\t'
        || !(c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
            || matches!(c, '\u{E0000}'..='\u{E007F}'))
}

fuzz_target!(|data: &[u8]| {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let link = match how % 4 {
        0 => text.into_owned(),
        1 => format!("agentdesk://conversation/{text}"),
        2 => format!("agentdesk://conversation/42?prefill={text}"),
        _ => {
            let encoded: String = rest.iter().map(|b| format!("%{b:02X}")).collect();
            format!("agentdesk://conversation/42?prefill={encoded}")
        }
    };
    match parse(&link) {
        Ok(open) => {
            assert!(
                agentdesk_app::ids::is_valid(&open.id),
                "a valid id: {open:?}"
            );
            assert!(open.from_link, "a parsed link says it is one");
            if let Some(prefill) = &open.prefill {
                assert!(!prefill.trim().is_empty(), "a blank prefill is none");
                assert!(
                    prefill.chars().count() <= MAX_PREFILL_CHARS,
                    "the prefill is bounded"
                );
                assert!(
                    prefill.chars().all(visible_or_line_break),
                    "only visible text, newlines and tabs: {prefill:?}"
                );
            }
        }
        Err(reason) => assert!(!reason.is_empty(), "a refusal says why"),
    }
});
