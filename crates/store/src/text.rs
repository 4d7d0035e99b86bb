//! Plain text from Intercom's HTML bodies, for full-text search, previews and notifications.
//! This is not a sanitizer (the app sanitizes HTML with `ammonia` before rendering): it only
//! drops markup, so its output must never be rendered as HTML.

/// Extracts readable text from an HTML fragment: tags dropped (block tags become line breaks),
/// `<script>`/`<style>` contents skipped, common entities decoded, whitespace collapsed, and
/// control characters removed (the search snippet markers are control characters).
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // A lone '<' is text.
            push_text(&mut out, &rest[lt..]);
            rest = "";
            break;
        };
        let tag = after[..gt].trim();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !tag.starts_with('/') {
            let close = format!("</{name}");
            match find_ascii_ci(rest, &close) {
                Some(i) => rest = rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => rest = "",
            }
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p"
                | "div"
                | "li"
                | "ul"
                | "ol"
                | "tr"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "blockquote"
                | "pre"
                | "hr"
                | "table"
        ) {
            out.push('\n');
        } else if matches!(name.as_str(), "td" | "th" | "img") {
            out.push(' ');
        }
    }
    push_text(&mut out, rest);
    collapse_whitespace(&out)
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..h.len().saturating_sub(n.len()) + 1)
        .find(|&i| i + n.len() <= h.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&i| i <= 10);
        let decoded = end.and_then(|i| decode_entity(&after[..i]));
        match (end, decoded) {
            (Some(i), Some(c)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Collapses runs of spaces (keeping single line breaks) and drops control characters.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut pending_newline = false;
    for c in s.chars() {
        if c == '\n' {
            pending_newline = true;
        } else if c.is_whitespace() || c.is_control() {
            pending_space = true;
        } else {
            if !out.is_empty() {
                if pending_newline {
                    out.push('\n');
                } else if pending_space {
                    out.push(' ');
                }
            }
            pending_space = false;
            pending_newline = false;
            out.push(c);
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_scripts_and_decodes_entities() {
        let text = html_to_text(
            "<p>Hello&nbsp;<b>world</b> &amp; co</p><script>alert(1)</script><p>Bye &#x41;&lt;</p>",
        );
        assert_eq!(
            text, "Hello world & co\nBye A<",
            "markup and script bodies must not reach the search index"
        );
    }

    #[test]
    fn lone_angle_and_unknown_entity_are_text() {
        assert_eq!(
            html_to_text("a < b &bogus; c"),
            "a < b &bogus; c",
            "text that is not markup must be kept as written"
        );
    }

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            html_to_text("a\u{2}b\u{3}c"),
            "a b c",
            "snippet markers must never come from user text"
        );
    }
}
