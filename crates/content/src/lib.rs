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

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

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
    /// The safe HTML.
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

/// The readable text of a message: tags dropped (block boundaries become line breaks, table
/// cells and images a space), `<script>` and `<style>` contents skipped, every HTML entity
/// decoded, runs of blank space folded (single line breaks kept) and control characters
/// removed. The one HTML-to-text of the app: for search, list previews, snippets and
/// notifications. Its output is text, never to be rendered as HTML.
///
/// It runs html5ever's tokenizer (the parser ammonia is built on, without building a tree):
/// tags and character references are read as browsers read them, including all of HTML's
/// 2,231 named entities (`&eacute;`, `&rsquo;`), and it costs about what a hand-written
/// scanner does, which matters because the cache derives search text for every part it
/// writes.
pub fn plain_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(TextSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let text = tokenizer.sink.text.take();
    fold_whitespace(&text)
}

/// Collects the text of a token stream (see [`plain_text`]).
#[derive(Default)]
struct TextSink {
    text: RefCell<String>,
    /// Inside `<script>` or `<style>`, whose contents are not text.
    skipping: Cell<bool>,
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::CharacterTokens(t) if !self.skipping.get() => {
                self.text.borrow_mut().push_str(&t)
            }
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                match (name, tag.kind) {
                    ("script" | "style", TagKind::StartTag) => {
                        self.skipping.set(true);
                        // Their contents are raw text up to the end tag, as in a browser.
                        return TokenSinkResult::RawData(if name == "script" {
                            RawKind::ScriptData
                        } else {
                            RawKind::Rawtext
                        });
                    }
                    ("script" | "style", TagKind::EndTag) => self.skipping.set(false),
                    (
                        "br" | "p" | "div" | "li" | "ul" | "ol" | "tr" | "h1" | "h2" | "h3" | "h4"
                        | "h5" | "h6" | "blockquote" | "pre" | "hr" | "table",
                        _,
                    ) => self.text.borrow_mut().push('\n'),
                    ("td" | "th" | "img", _) => self.text.borrow_mut().push(' '),
                    _ => {}
                }
            }
            Token::NullCharacterToken => self.text.borrow_mut().push(' '),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Folds runs of blank space into one space, or one line break when the run held one;
/// control characters count as blank space (the search's snippet markers are control
/// characters, so none may come from a message), and so does a no-break space.
fn fold_whitespace(s: &str) -> String {
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
