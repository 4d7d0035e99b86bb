//! Customer messages are HTML written by strangers. This crate turns them into HTML that is
//! safe to put in the inbox's webview, and into plain text for search, snippets and
//! notifications.
//!
//! Policy (the webview's CSP is the second wall; this is the first):
//! - an allow-list of formatting tags (ammonia's defaults: no script, style, iframe, object,
//!   form, SVG or MathML, and no event-handler or `style` attributes);
//! - links only to `http`, `https` and `mailto`, marked `rel="noopener noreferrer nofollow"`;
//!   the UI opens them in the system browser, never in the app;
//! - remote images never load by themselves: their `src` is replaced by an inline placeholder
//!   and their URLs are reported, so the agent can choose "Load images". Loading them means the
//!   shell fetches each URL itself and passes the bytes back as `data:` URLs; the webview never
//!   makes a remote request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What to do with remote images (`<img src="http(s)://...">`).
#[derive(Debug, Clone, Default)]
pub enum Images {
    /// Replace every remote image with a placeholder (the default: nothing loads before a click).
    #[default]
    Block,
    /// Use these `data:` URLs (keyed by the original URL) in place of remote images; any image
    /// without an entry keeps the placeholder.
    Inline(HashMap<String, String>),
}

/// Sanitized HTML plus what was held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    pub html: String,
    /// Remote image URLs in the message, in order of appearance, each once.
    pub remote_images: Vec<String>,
    /// Whether any remote image is still shown as a placeholder.
    pub images_blocked: bool,
}

/// An inline SVG box shown where a remote image was held back.
pub const BLOCKED_IMAGE_PLACEHOLDER: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='160' height='48'%3E%3Crect width='160' height='48' rx='6' fill='%23eef0f5'/%3E%3Ctext x='80' y='29' font-family='sans-serif' font-size='12' text-anchor='middle' fill='%23667085'%3EImage blocked%3C/text%3E%3C/svg%3E";

/// Sanitizes one message body.
pub fn sanitize(html: &str, images: &Images) -> Sanitized {
    let found: Arc<Mutex<Vec<String>>> = Arc::default();
    let blocked: Arc<Mutex<bool>> = Arc::default();
    let inline = match images {
        Images::Block => HashMap::new(),
        Images::Inline(map) => map.clone(),
    };
    let (found_in, blocked_in) = (Arc::clone(&found), Arc::clone(&blocked));

    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("img", ["width", "height"])
        .set_tag_attribute_value("img", "loading", "lazy")
        .set_tag_attribute_value("img", "referrerpolicy", "no-referrer")
        // Runs after the scheme check, so only http(s) image URLs reach it, and its output
        // (our placeholder or a data: URL we made) is not re-checked.
        .attribute_filter(move |element, attribute, value| {
            if element != "img" || attribute != "src" {
                return Some(value.into());
            }
            let mut list = found_in.lock().unwrap_or_else(|e| e.into_inner());
            if !list.iter().any(|u| u == value) {
                list.push(value.to_string());
            }
            match inline.get(value) {
                Some(data_url) if data_url.starts_with("data:image/") => {
                    Some(data_url.clone().into())
                }
                _ => {
                    *blocked_in.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    Some(BLOCKED_IMAGE_PLACEHOLDER.into())
                }
            }
        });
    let html = builder.clean(html).to_string();
    let remote_images = std::mem::take(&mut *found.lock().unwrap_or_else(|e| e.into_inner()));
    let images_blocked = *blocked.lock().unwrap_or_else(|e| e.into_inner());
    Sanitized {
        html,
        remote_images,
        images_blocked,
    }
}

/// The readable text of a message: tags dropped, block boundaries turned into line breaks,
/// entities decoded, runs of blank space folded. For search, snippets and notifications.
pub fn plain_text(html: &str) -> String {
    // Break lines where the browser would, before dropping the tags.
    let mut spaced = String::with_capacity(html.len() + 16);
    let lower = html.to_ascii_lowercase();
    let mut last = 0;
    for (i, _) in lower.match_indices('<') {
        let rest = &lower[i + 1..];
        let tag: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            tag.as_str(),
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
        ) {
            spaced.push_str(&html[last..i]);
            spaced.push('\n');
            last = i;
        }
    }
    spaced.push_str(&html[last..]);

    let text_only = ammonia::Builder::empty().clean(&spaced).to_string();
    let decoded = decode_entities(&text_only);
    fold_whitespace(&decoded)
}

/// The serializer only escapes these; decode them back to characters.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace('\u{a0}', " ")
        .replace("&amp;", "&")
}

fn fold_whitespace(s: &str) -> String {
    let lines: Vec<String> = s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// A one-line preview of at most `max_chars` characters, cut at a word boundary.
pub fn snippet(text: &str, max_chars: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max_chars {
        return one_line;
    }
    let cut: String = one_line.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(pos) if pos > max_chars / 2 => &cut[..pos],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}
