//! The hostile corpus (`hostile/payloads.txt`, shared with the WebKit and Chromium tests) and
//! a checker that sanitized HTML is inert: only formatting tags, no event handlers, no
//! styles, links only to http(s) and mailto, and nothing that loads by itself.
//!
//! The checker reads HTML as html5ever serializes it (which is what the sanitizer returns):
//! every `<` in text is `&lt;`, every attribute is `name="value"` with `"` written `&quot;`.

/// The corpus file, one payload per line.
pub const CORPUS: &str = include_str!("../hostile/payloads.txt");

/// The JavaScript statement `{X}` becomes in payload `n`: it records `n` in `top.__xh`.
pub fn hook(n: usize) -> String {
    format!("(top.__xh=top.__xh||[]).push({n})")
}

/// The payloads with their placeholders filled: `trap_origin` is `http://127.0.0.1:PORT`.
pub fn payloads(trap_origin: &str) -> Vec<String> {
    let host = trap_origin
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    raw_payloads()
        .iter()
        .enumerate()
        .map(|(n, p)| {
            p.replace("{X}", &hook(n))
                .replace("{TRAPHOST}", host)
                .replace("{TRAP}", trap_origin)
        })
        .collect()
}

/// The payload lines as written (placeholders unfilled).
pub fn raw_payloads() -> Vec<&'static str> {
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect()
}

/// The tags ammonia's default allow-list keeps: formatting only.
const FORMATTING_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Attributes that run code, style, load or submit something, whatever their value.
const FORBIDDEN_ATTRIBUTES: &[&str] = &[
    "style",
    "srcdoc",
    "formaction",
    "action",
    "background",
    "poster",
    "srcset",
    "dynsrc",
    "lowsrc",
    "ping",
    "data",
    "codebase",
    "xlink:href",
    "xmlns",
    "http-equiv",
];

/// One tag of serialized HTML.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

fn decode(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The opening tags of html5ever-serialized HTML, or why it is not such HTML.
fn tags(html: &str) -> Result<Vec<Tag>, String> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        if html[i..].starts_with('/') {
            let end = html[i..].find('>').ok_or("an unterminated closing tag")?;
            i += end + 1;
            continue;
        }
        if html[i..].starts_with("!--") {
            return Err("a comment survived".into());
        }
        let name_len = html[i..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("an unterminated tag")?;
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attributes = Vec::new();
        loop {
            while i < bytes.len() && (bytes[i] as char).is_whitespace() {
                i += 1;
            }
            if i >= bytes.len() {
                return Err(format!("tag <{name}> is not terminated"));
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            if bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let end = html[i..]
                .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                .ok_or("an unterminated attribute")?;
            let attr = html[i..i + end].to_ascii_lowercase();
            i += end;
            let mut value = String::new();
            if html[i..].starts_with("=\"") {
                i += 2;
                let close = html[i..]
                    .find('"')
                    .ok_or_else(|| format!("attribute {attr} of <{name}> is not closed"))?;
                value = decode(&html[i..i + close]);
                i += close + 1;
            }
            attributes.push((attr, value));
        }
        out.push(Tag { name, attributes });
    }
    Ok(out)
}

fn scheme(url: &str) -> Option<String> {
    let t: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let colon = t.find(':')?;
    let before = &t[..colon];
    (!before.contains('/') && !before.contains('?') && !before.contains('#'))
        .then(|| before.to_ascii_lowercase())
}

/// What is wrong with `html` (sanitized output) as something to put in the inbox's webview:
/// empty when it is inert. `blocked_image` is the placeholder a remote image must show;
/// `trap_host` is the host any auto-loading URL must not point to.
pub fn violations(html: &str, blocked_image: &str, trap_host: &str) -> Vec<String> {
    let tags = match tags(html) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    for tag in &tags {
        if !FORMATTING_TAGS.contains(&tag.name.as_str()) {
            out.push(format!("<{}> is not a formatting tag", tag.name));
        }
        for (attr, value) in &tag.attributes {
            if attr.starts_with("on") {
                out.push(format!("event handler {attr} on <{}>", tag.name));
            }
            if FORBIDDEN_ATTRIBUTES.contains(&attr.as_str()) {
                out.push(format!("attribute {attr} on <{}>", tag.name));
            }
            match attr.as_str() {
                "href" | "cite" => match scheme(value) {
                    Some(s) if ["http", "https", "mailto"].contains(&s.as_str()) => {}
                    other => out.push(format!(
                        "{attr}={value:?} on <{}> has scheme {other:?}, not http(s) or mailto",
                        tag.name
                    )),
                },
                "src" => {
                    if tag.name != "img" || value != blocked_image {
                        out.push(format!(
                            "src={value:?} on <{}> loads by itself (only the blocked-image placeholder may)",
                            tag.name
                        ));
                    }
                }
                _ => {
                    if value.contains(trap_host) && !(tag.name == "a" && attr == "href") {
                        out.push(format!(
                            "{attr} on <{}> names the remote host: {value:?}",
                            tag.name
                        ));
                    }
                }
            }
        }
        if tag.name == "a" {
            let rel = tag
                .attributes
                .iter()
                .find(|(a, _)| a == "rel")
                .map(|(_, v)| v.as_str());
            let has_href = tag.attributes.iter().any(|(a, _)| a == "href");
            if has_href && !rel.is_some_and(|r| r.contains("noopener") && r.contains("noreferrer"))
            {
                out.push("a link without rel=\"noopener noreferrer\"".into());
            }
        }
    }
    out
}

/// `html` with every tag's attributes in name order. The sanitizer's attribute order varies
/// from run to run (a hash map inside ammonia), so outputs are compared in this form.
pub fn canonical(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let Some(gt) = tag_end(rest) else {
            break;
        };
        let tag = &rest[..=gt];
        match tags(tag) {
            Ok(mut parsed) if !tag.starts_with("</") && parsed.len() == 1 => {
                let mut t = parsed.remove(0);
                t.attributes.sort();
                out.push('<');
                out.push_str(&t.name);
                for (a, v) in &t.attributes {
                    let v = v
                        .replace('&', "&amp;")
                        .replace('"', "&quot;")
                        .replace('\u{a0}', "&nbsp;");
                    out.push_str(&format!(" {a}=\"{v}\""));
                }
                out.push('>');
            }
            _ => out.push_str(tag),
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the `>` that closes the tag `s` starts with (quotes respected).
fn tag_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_catches_what_it_must() {
        let ph = "data:placeholder";
        assert!(
            violations(
                "<p>hi <a href=\"https://x.test\" rel=\"noopener noreferrer\">x</a></p>",
                ph,
                "trap"
            )
            .is_empty(),
            "plain formatting and a safe link are inert"
        );
        for bad in [
            "<script>x</script>",
            "<img src=\"x\" onerror=\"y\">",
            "<a href=\"javascript:y\" rel=\"noopener noreferrer\">x</a>",
            "<a href=\" java\tscript:y\" rel=\"noopener noreferrer\">x</a>",
            "<img src=\"http://trap/x.png\">",
            "<div style=\"x\">s</div>",
            "<svg></svg>",
            "<!-- c -->",
            "<a href=\"https://x\">no rel</a>",
        ] {
            assert!(
                !violations(bad, ph, "trap").is_empty(),
                "the checker must flag {bad}, or a passing corpus proves nothing"
            );
        }
    }

    #[test]
    fn canonical_sorts_attributes_only() {
        assert_eq!(
            canonical("<p>a &lt;b&gt;</p><img src=\"x\" alt=\"&quot;\">"),
            "<p>a &lt;b&gt;</p><img alt=\"&quot;\" src=\"x\">",
            "attributes are sorted, text and values kept"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let p = payloads("http://127.0.0.1:9");
        assert!(p.len() >= 100, "the issue asks for at least 100 payloads");
        assert!(
            p.iter().all(|x| !x.contains("{X}") && !x.contains("{TRAP")),
            "no placeholder is left in a payload"
        );
        assert!(p[0].contains("push(0)"), "the hook names its payload");
    }
}
