//! The sanitizer against what strangers send: scripts, handlers, hostile URLs, frames, SVG
//! tricks and remote images. Each case states what must not survive.

use std::collections::HashMap;

use agentdesk_content::{plain_text, sanitize, snippet, Images, BLOCKED_IMAGE_PLACEHOLDER};

fn clean(html: &str) -> String {
    sanitize(html, &Images::Block).html
}

#[test]
fn scripts_and_handlers_are_removed() {
    let cases = [
        "<script>alert(1)</script>hi",
        "<img src=x onerror=alert(1)>",
        "<div onclick=\"alert(1)\">x</div>",
        "<body onload=alert(1)>",
        "<svg onload=alert(1)><circle/></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=x>",
        "<style>body{background:url(https://evil.example/t.png)}</style>",
        "<p style=\"background:url(https://evil.example/t.png)\">x</p>",
        "<form action=https://evil.example><input name=a></form>",
        "<meta http-equiv=refresh content=\"0;url=https://evil.example\">",
        "<base href=\"https://evil.example/\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
        "<<script>script>alert(1)<</script>/script>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<template><script>alert(1)</script></template>",
        "<link rel=stylesheet href=https://evil.example/x.css>",
    ];
    for case in cases {
        let out = clean(case).to_ascii_lowercase();
        for banned in [
            "<script",
            "onerror",
            "onclick",
            "onload",
            "javascript:",
            "vbscript:",
            "<iframe",
            "<object",
            "<embed",
            "<style",
            "style=",
            "<form",
            "<meta",
            "<base",
            "<svg",
            "<math",
            "<link",
            "evil.example",
            "data:text",
        ] {
            assert!(
                !out.contains(banned),
                "{banned:?} must not survive sanitizing {case:?}; got {out:?}"
            );
        }
    }
}

#[test]
fn formatting_and_safe_links_survive() {
    let out = clean("<p>Hi <b>there</b>, see <a href=\"https://example.com/docs\" target=\"_top\">the docs</a></p><ul><li>one</li></ul>");
    assert!(
        out.contains("<b>there</b>"),
        "bold is harmless formatting: {out}"
    );
    assert!(out.contains("<li>one</li>"), "lists are kept: {out}");
    assert!(
        out.contains("href=\"https://example.com/docs\""),
        "https links are kept: {out}"
    );
    assert!(
        out.contains("rel=\"noopener noreferrer nofollow\""),
        "links carry a safe rel: {out}"
    );
    assert!(
        !out.contains("target"),
        "links never target a frame or window of the app: {out}"
    );
    let mail = clean("<a href=\"mailto:help@example.com\">mail</a>");
    assert!(
        mail.contains("mailto:help@example.com"),
        "mailto links are kept: {mail}"
    );
}

#[test]
fn relative_links_are_dropped_because_they_would_resolve_inside_the_app() {
    let out = clean("<a href=\"/settings\">x</a><a href=\"../../etc\">y</a>");
    assert!(
        !out.contains("href"),
        "a relative URL would point into the app's own origin: {out}"
    );
}

#[test]
fn remote_images_are_blocked_and_reported() {
    let html = "<p>Screenshot:</p><img src=\"https://cdn.example.com/a.png\" alt=\"a\"><img src=\"http://tracker.example/p.gif\"><img src=\"https://cdn.example.com/a.png\">";
    let out = sanitize(html, &Images::Block);
    assert!(
        !out.html.contains("cdn.example.com") && !out.html.contains("tracker.example"),
        "no remote URL may remain where the webview could load it: {}",
        out.html
    );
    assert!(
        out.html.contains(BLOCKED_IMAGE_PLACEHOLDER),
        "a placeholder shows where an image was held back"
    );
    assert_eq!(
        out.remote_images,
        vec![
            "https://cdn.example.com/a.png".to_string(),
            "http://tracker.example/p.gif".to_string()
        ],
        "each remote image is reported once, in order, so the shell can fetch it on request"
    );
    assert!(
        out.images_blocked,
        "the UI shows 'Load images' only when something was held back"
    );
}

#[test]
fn loaded_images_are_inlined_as_data_urls_only() {
    let html =
        "<img src=\"https://cdn.example.com/a.png\"><img src=\"https://cdn.example.com/b.png\">";
    let mut fetched = HashMap::new();
    fetched.insert(
        "https://cdn.example.com/a.png".to_string(),
        "data:image/png;base64,iVBORw0KGgo=".to_string(),
    );
    // A fetch result that is not an image data URL must never be used as a src.
    fetched.insert(
        "https://cdn.example.com/b.png".to_string(),
        "javascript:alert(1)".to_string(),
    );
    let out = sanitize(html, &Images::Inline(fetched));
    assert!(
        out.html
            .contains("src=\"data:image/png;base64,iVBORw0KGgo=\""),
        "a fetched image is shown inline: {}",
        out.html
    );
    assert!(
        !out.html.contains("javascript:"),
        "only data:image URLs may replace a src: {}",
        out.html
    );
    assert!(
        out.images_blocked,
        "an image that could not be inlined stays blocked"
    );
}

#[test]
fn messages_without_images_report_none() {
    let out = sanitize("<p>plain</p>", &Images::Block);
    assert!(
        out.remote_images.is_empty() && !out.images_blocked,
        "no images, no Load images button"
    );
}

#[test]
fn plain_text_breaks_blocks_and_decodes_entities() {
    let text = plain_text("<p>Hello&nbsp;<b>Ann</b>,</p><p>5 &lt; 6 &amp; 7 &gt; 3</p><ul><li>one</li><li>two</li></ul><script>x()</script>");
    assert_eq!(
        text, "Hello Ann,\n5 < 6 & 7 > 3\none\ntwo",
        "text keeps the words and line structure, drops markup and scripts"
    );
}

#[test]
fn plain_text_of_broken_markup_never_fails() {
    for html in [
        "",
        "<",
        "<p",
        "</div></div>",
        "&amp",
        "<<<>>>",
        "<p>unclosed <b>bold",
    ] {
        let _ = plain_text(html);
        let _ = sanitize(html, &Images::Block);
    }
    assert_eq!(
        plain_text("<p>unclosed <b>bold"),
        "unclosed bold",
        "broken markup still yields its words"
    );
}

#[test]
fn snippets_cut_at_a_word_boundary() {
    assert_eq!(
        snippet("short text", 40),
        "short text",
        "short text is kept whole"
    );
    let s = snippet("The quick brown fox jumps over the lazy dog", 20);
    assert_eq!(
        s, "The quick brown fox…",
        "long text is cut at a word and marked as cut"
    );
    assert!(
        s.chars().count() <= 21,
        "the snippet respects its length (plus the ellipsis)"
    );
}

#[test]
fn plain_text_strips_tags_scripts_and_decodes_entities() {
    let text = plain_text(
        "<p>Hello&nbsp;<b>world</b> &amp; co</p><script>alert(1)</script><p>Bye &#x41;&lt;</p>",
    );
    assert_eq!(
        text, "Hello world & co\nBye A<",
        "markup and script bodies must not reach the search index"
    );
}

#[test]
fn plain_text_keeps_a_lone_angle_and_an_unknown_entity_as_text() {
    assert_eq!(
        plain_text("a < b &bogus; c"),
        "a < b &bogus; c",
        "text that is not markup must be kept as written"
    );
}

#[test]
fn plain_text_removes_control_characters() {
    assert_eq!(
        plain_text("a\u{2}b\u{3}c"),
        "a b c",
        "snippet markers must never come from user text"
    );
}

/// Regression: the store's own HTML-to-text decoded six named entities, so `&eacute;` and
/// `&rsquo;` reached search and notifications literally.
#[test]
fn every_named_entity_was_not_decoded() {
    assert_eq!(
        plain_text("<p>Caf&eacute; &ndash; it&rsquo;s &hellip; &euro;5 &#128578;</p>"),
        "Café \u{2013} it\u{2019}s \u{2026} €5 \u{1F642}",
        "plain text carries the characters, not the entities that encode them"
    );
    assert_eq!(
        plain_text("<b>a &amp;lt; b</b>"),
        "a &lt; b",
        "entities decode once: an escaped ampersand leaves the text that followed it"
    );
    assert_eq!(
        plain_text("<style>p { color: red }</style><p title=\"a>b\">x</p><!-- <b>y</b> -->z"),
        "x\nz",
        "styles, attributes holding > and comments are not text"
    );
}
