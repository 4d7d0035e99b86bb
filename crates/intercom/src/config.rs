//! Client configuration: the region (base URL), the secret access token, timeouts and paging.

use std::fmt;
use std::time::Duration;
use url::Url;

/// Where the workspace is hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    /// `https://api.intercom.io`
    Us,
    /// `https://api.eu.intercom.io`
    Eu,
    /// `https://api.au.intercom.io`
    Au,
    /// Any other base URL (the sandbox, a proxy): http(s), no path, query or fragment.
    Custom(Url),
}

impl Region {
    /// The validated base URL, ending in `/`.
    pub fn base_url(&self) -> Result<Url, ConfigError> {
        let url = match self {
            Self::Us => "https://api.intercom.io/",
            Self::Eu => "https://api.eu.intercom.io/",
            Self::Au => "https://api.au.intercom.io/",
            Self::Custom(url) => return validate_base_url(url),
        };
        Url::parse(url).map_err(|_| ConfigError::BaseUrl {
            url: url.to_owned(),
            reason: "it is not a URL",
        })
    }

    /// A short name for messages: "US", "EU", "AU" or "custom".
    pub fn label(&self) -> &'static str {
        match self {
            Self::Us => "US",
            Self::Eu => "EU",
            Self::Au => "AU",
            Self::Custom(_) => "custom",
        }
    }
}

fn validate_base_url(url: &Url) -> Result<Url, ConfigError> {
    let refuse = |reason| ConfigError::BaseUrl {
        url: url.to_string(),
        reason,
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http:// and https:// base URLs are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it must not carry credentials"));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(refuse(
            "a base URL has no path (give only scheme, host and port)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("a base URL has no query or fragment"));
    }
    let mut base = url.clone();
    base.set_path("/");
    Ok(base)
}

/// An Intercom access token. It never appears in `Debug`, `Display`, logs or errors; only
/// the client reads it, to build the `Authorization` header.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token (surrounding whitespace is trimmed: pasted tokens often carry some).
    pub fn new(token: impl Into<String>) -> Self {
        let token: String = token.into();
        Self(token.trim().to_owned())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty (nothing was pasted).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

impl From<String> for AccessToken {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

/// Everything a [`crate::Client`] needs. Build with [`Config::new`] and adjust fields.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which Intercom (or a custom base URL).
    pub region: Region,
    /// The access token.
    pub token: AccessToken,
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (send, wait, read the body).
    pub request_timeout: Duration,
    /// Items per page for list and search (Intercom's maximum, 150, by default); clamped to
    /// 1..=150.
    pub per_page: u32,
    /// Responses larger than this are refused (a decode error), never buffered whole.
    pub max_body_bytes: usize,
    /// Retries of idempotent requests on 5xx, timeouts and connection errors.
    pub max_retries: u32,
    /// Retries after a 429 (each waits for the window reset).
    pub max_rate_limit_retries: u32,
    /// First backoff delay; doubles with jitter up to `max_backoff`.
    pub min_backoff: Duration,
    /// The longest backoff delay.
    pub max_backoff: Duration,
    /// The Agentdesk version named in the `User-Agent` (`Agentdesk/<version>`).
    pub product_version: String,
}

impl Config {
    /// Defaults: 10 s connect, 30 s request, 150 per page, 32 MiB bodies, 3 retries.
    pub fn new(region: Region, token: AccessToken) -> Self {
        Self {
            region,
            token,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            per_page: 150,
            max_body_bytes: 32 * 1024 * 1024,
            max_retries: 3,
            max_rate_limit_retries: 5,
            min_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            product_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// A configuration the client refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The base URL is not one the client may call.
    #[error("the base URL {url:?} cannot be used: {reason}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// Why it cannot be used.
        reason: &'static str,
    },
    #[error("no access token was given: paste the access token of your Intercom app (Developer Hub > Your Apps > your app > Authentication)")]
    /// No token.
    EmptyToken,
    #[error("the access token contains characters that cannot be sent in a header: paste it again, without line breaks")]
    /// The token cannot go in a header.
    TokenCharacters,
    #[error("the product version {0:?} cannot be sent in the User-Agent header")]
    /// The product version cannot go in a header.
    ProductVersion(String),
    #[error("the HTTP client could not be set up")]
    /// The HTTP client could not be built.
    Http(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_with_a_path_query_or_odd_scheme_are_refused() {
        for bad in [
            "ftp://x.test",
            "http://x.test/v1",
            "http://x.test/?a=1",
            "http://u:p@x.test",
        ] {
            let url = Url::parse(bad).expect("test URLs parse");
            assert!(
                Region::Custom(url).base_url().is_err(),
                "{bad} must be refused as a base URL"
            );
        }
        let ok = Region::Custom(Url::parse("http://127.0.0.1:8080").expect("parses"));
        assert_eq!(
            ok.base_url().expect("a loopback URL is fine").as_str(),
            "http://127.0.0.1:8080/",
            "the base ends in /"
        );
        assert_eq!(
            Region::Eu.base_url().expect("EU is valid").host_str(),
            Some("api.eu.intercom.io"),
            "EU host"
        );
    }

    #[test]
    fn token_never_shows_in_debug() {
        let t = AccessToken::new(" dG9rOmFiYw== ");
        assert!(
            !format!("{t:?}").contains("dG9r"),
            "Debug must not print the token"
        );
        assert_eq!(t.expose(), "dG9rOmFiYw==", "pasted whitespace is trimmed");
    }
}
