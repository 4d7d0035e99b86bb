//! One image over HTTP(S), as the agent's click allowed: only to public addresses (checked
//! after name resolution and again at every redirect, see [`super::address`]), only an
//! answer that says it is an image and whose first bytes are one (PNG, JPEG, GIF, WebP),
//! at most [`MAX_BYTES`]. No proxy (a proxy would resolve and connect where no check
//! reaches), no cookies, no referrer.
//!
//! SVG is refused: it is a document (scripts, styles, links to other resources), not a
//! picture, and sanitizing it is a second HTML sanitizer to keep right. The webview would
//! show it as an `<img>` (no scripts run there), but nothing an agent needs comes as SVG.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use url::{Host, Url};

use super::address::{NameRefused, Policy, PublicResolver};

/// The most one image may weigh.
pub(crate) const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Redirects followed, each checked as the first request was.
const MAX_REDIRECTS: usize = 3;
/// Enough of the body to tell every accepted format by its signature (WebP needs 12).
const SNIFF_BYTES: usize = 12;

/// Why an image was not fetched. Only logged (at debug: the URL is a customer's) and told
/// apart by tests; the thread shows a placeholder either way.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    /// Not an absolute http(s) URL.
    #[error("not an http(s) URL")]
    NotHttp,
    /// The URL (or a redirect) names, or its name resolves only to, an address that is not
    /// public.
    #[error("{0} is not a public address")]
    NotPublic(String),
    /// More redirects than [`MAX_REDIRECTS`].
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    /// An answer other than a success (or a redirect without a usable `Location`).
    #[error("the server answered {0}")]
    Status(u16),
    /// The answer is not a raster image (its `Content-Type` or its bytes).
    #[error("the answer is not an image: {0}")]
    NotAnImage(String),
    /// Past [`MAX_BYTES`].
    #[error("the image is larger than {MAX_BYTES} bytes")]
    TooLarge,
    /// The request failed on the way (connection, TLS, timeout).
    #[error("the request failed")]
    Http(#[source] reqwest::Error),
}

impl From<reqwest::Error> for FetchError {
    fn from(e: reqwest::Error) -> FetchError {
        // The resolver's refusal reaches us wrapped in the connect error.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if let Some(refused) = err.downcast_ref::<NameRefused>() {
                return FetchError::NotPublic(refused.name.clone());
            }
            source = err.source();
        }
        FetchError::Http(e)
    }
}

/// Fetches images under one [`Policy`].
pub(crate) struct Fetcher {
    client: reqwest::Client,
    policy: Policy,
}

impl Fetcher {
    /// A fetcher connecting only where `policy` allows.
    pub(crate) fn new(policy: Policy) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            // Followed by hand, so each hop's URL is checked before it is requested.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver))
            .referer(false)
            .user_agent(concat!("Agentdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(FetchError::Http)?;
        Ok(Fetcher { client, policy })
    }

    /// The image at `url` as a `data:image/...;base64,...` URL.
    pub(crate) async fn fetch(&self, url: &str) -> Result<String, FetchError> {
        let mut url = Url::parse(url).map_err(|_| FetchError::NotHttp)?;
        for _ in 0..=MAX_REDIRECTS {
            self.check(&url)?;
            let response = self.client.get(url.clone()).send().await?;
            let status = response.status();
            if !status.is_redirection() {
                return read_image(response).await;
            }
            url = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or(FetchError::Status(status.as_u16()))?;
        }
        Err(FetchError::TooManyRedirects)
    }

    /// What can be checked before a request: the scheme, and an address written in the URL
    /// (a name is checked by [`PublicResolver`] once resolved).
    fn check(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::NotHttp);
        }
        let port = url.port_or_known_default().ok_or(FetchError::NotHttp)?;
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(Host::Domain(_)) => return Ok(()),
            None => return Err(FetchError::NotHttp),
        };
        if self.policy.allows(ip, port) {
            Ok(())
        } else {
            Err(FetchError::NotPublic(ip.to_string()))
        }
    }
}

/// The body of a 200 that says it is an image and is one, as a data URL typed by its bytes.
async fn read_image(mut response: reqwest::Response) -> Result<String, FetchError> {
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    let declared = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !declared.starts_with("image/") || declared.starts_with("image/svg") {
        return Err(FetchError::NotAnImage(format!("Content-Type {declared:?}")));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    let mut format = None;
    loop {
        let chunk = response.chunk().await?;
        let done = chunk.is_none();
        if let Some(chunk) = chunk {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BYTES {
                return Err(FetchError::TooLarge);
            }
        }
        // Judged as soon as the signature is in, so a page posing as an image is not read
        // to its end.
        if format.is_none() && (body.len() >= SNIFF_BYTES || done) {
            format = Some(sniff(&body).ok_or_else(|| {
                FetchError::NotAnImage(format!(
                    "{declared} whose bytes are not a PNG, JPEG, GIF or WebP image"
                ))
            })?);
        }
        if done {
            break;
        }
    }
    let mime = format.ok_or_else(|| FetchError::NotAnImage("an empty body".into()))?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(body)
    ))
}

/// The raster format `bytes` start with (the signatures of the WHATWG MIME Sniffing
/// standard's image patterns), if any of those the webview may show.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::test_server::{Answer, Server};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    fn fetch(policy: Policy, url: &str) -> Result<String, FetchError> {
        runtime().block_on(async {
            Fetcher::new(policy)
                .expect("an HTTP client")
                .fetch(url)
                .await
        })
    }

    fn assert_not_public(result: Result<String, FetchError>, what: &str) {
        match result {
            Err(FetchError::NotPublic(_)) => {}
            other => panic!("{what} must be refused as not public, got {other:?}"),
        }
    }

    /// Regression (issue 21, item 4): an image URL in a customer's message reached whatever
    /// it named, so "Load images" could make the agent's computer send requests to its own
    /// services, its router or the cloud's metadata service.
    #[test]
    fn the_app_policy_refuses_every_address_that_is_not_public_before_connecting() {
        let local = Server::start(|_| Answer::png());
        let port = local.port;
        let refused = [
            (format!("http://127.0.0.1:{port}/a.png"), "loopback"),
            (format!("http://[::1]:{port}/a.png"), "IPv6 loopback"),
            (
                format!("http://[::ffff:127.0.0.1]:{port}/a.png"),
                "IPv4-mapped loopback",
            ),
            (
                format!("http://2130706433:{port}/a.png"),
                "loopback written as a number",
            ),
            (
                format!("http://0.0.0.0:{port}/a.png"),
                "the unspecified address",
            ),
            ("http://10.0.0.1/a.png".into(), "a private address (10/8)"),
            (
                "http://192.168.1.1/a.png".into(),
                "the agent's router (192.168/16)",
            ),
            (
                "http://172.16.5.4/a.png".into(),
                "a private address (172.16/12)",
            ),
            ("http://100.64.0.1/a.png".into(), "carrier-grade NAT"),
            (
                "http://169.254.169.254/latest/meta-data/".into(),
                "the cloud metadata service",
            ),
            ("http://[fe80::1]/a.png".into(), "IPv6 link-local"),
            ("http://[fd00::1]/a.png".into(), "IPv6 unique local"),
            ("http://224.0.0.1/a.png".into(), "multicast"),
        ];
        for (url, what) in refused {
            assert_not_public(fetch(Policy::PUBLIC, &url), &format!("{what} ({url})"));
        }
        assert_not_public(
            fetch(Policy::PUBLIC, &format!("http://localhost:{port}/a.png")),
            "a name resolving to loopback (localhost)",
        );
        assert_eq!(
            local.requests(),
            Vec::<String>::new(),
            "no refused fetch reached the local server"
        );
    }

    #[test]
    fn every_redirect_is_checked_as_the_first_request_was() {
        let inside = Server::start(|_| Answer::png());
        let target = inside.url("/internal.png");
        let inside_port = inside.port;
        let outside = Server::start(move |path| match path {
            "/to-loopback" => Answer::redirect(&target),
            "/to-localhost" => Answer::redirect(&format!("http://localhost:{inside_port}/x.png")),
            "/to-metadata" => Answer::redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-router" => Answer::redirect("http://192.168.0.1/"),
            "/hop" => Answer::redirect("/image.png"),
            "/loop" => Answer::redirect("/loop"),
            "/image.png" => Answer::png(),
            _ => Answer::not_found(),
        });
        // The one server a test may reach: everything else is under the app's rules.
        let policy = Policy::public_and_loopback_port(outside.port);
        for path in [
            "/to-loopback",
            "/to-localhost",
            "/to-metadata",
            "/to-router",
        ] {
            assert_not_public(
                fetch(policy, &outside.url(path)),
                &format!("a redirect {path} from an allowed server"),
            );
        }
        assert_eq!(
            inside.requests(),
            Vec::<String>::new(),
            "no redirect reached the loopback server it named"
        );
        assert!(
            matches!(
                fetch(policy, &outside.url("/loop")),
                Err(FetchError::TooManyRedirects)
            ),
            "redirects are followed {MAX_REDIRECTS} times at most"
        );
        let image =
            fetch(policy, &outside.url("/hop")).expect("a redirect to a public image works");
        assert!(
            image.starts_with("data:image/png;base64,"),
            "the image at the end of a redirect is inlined"
        );
    }

    #[test]
    fn only_answers_that_say_and_prove_they_are_images_are_inlined() {
        let jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01";
        let server = Server::start(move |path| match path {
            "/page" => Answer::ok("text/html", b"<html><body>router admin</body></html>"),
            "/posing" => Answer::ok("image/png", b"<html><body>not an image</body></html>"),
            "/svg" => Answer::ok(
                "image/svg+xml",
                b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            ),
            "/json" => Answer::ok("application/json", b"{\"secret\": 1}"),
            "/octets" => Answer::ok("application/octet-stream", b"\x89PNG\r\n\x1a\n...."),
            "/empty" => Answer::ok("image/png", b""),
            "/mislabelled.jpg" => Answer::ok("image/png; charset=binary", jpeg),
            "/a.png" => Answer::png(),
            _ => Answer::not_found(),
        });
        let policy = Policy::public_and_loopback_port(server.port);
        for (path, what) in [
            ("/page", "a text/html answer"),
            ("/posing", "HTML labelled image/png"),
            ("/svg", "SVG (a document, not sanitized)"),
            ("/json", "a JSON answer"),
            ("/octets", "PNG bytes not labelled as an image"),
            ("/empty", "an empty image"),
        ] {
            let got = fetch(policy, &server.url(path));
            assert!(
                matches!(got, Err(FetchError::NotAnImage(_))),
                "{what} is refused as not an image, got {got:?}"
            );
        }
        assert!(
            matches!(
                fetch(policy, &server.url("/missing.png")),
                Err(FetchError::Status(404))
            ),
            "an error answer is not an image"
        );
        let png = fetch(policy, &server.url("/a.png")).expect("a PNG is fetched");
        assert!(
            png.starts_with("data:image/png;base64,"),
            "a PNG is inlined as one"
        );
        let jpg = fetch(policy, &server.url("/mislabelled.jpg")).expect("a mislabelled JPEG");
        assert!(
            jpg.starts_with("data:image/jpeg;base64,"),
            "the data URL says what the bytes are, not what the header claimed"
        );
    }
}
