//! Short text for lists and notifications, cut from the plain text the cache keeps. That
//! plain text comes from HTML through `agentdesk_content::plain_text`, the app's one
//! HTML-to-text, as each row is written (`body_text`, `source_body_text`).

/// The first `max_chars` characters of `text` on one line, with an ellipsis when cut.
pub(crate) fn preview(text: &str, max_chars: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let mut chars = one_line.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}
