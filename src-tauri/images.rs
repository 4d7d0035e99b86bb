//! "Load images": the shell fetches a message's remote images itself and hands them to the
//! sanitizer as `data:` URLs, so the webview never contacts a stranger's server (its CSP
//! forbids it anyway) and no cookie or referrer leaves with the request. Only images, only
//! http(s), at most 5 MB each and 20 per conversation; whatever fails stays a placeholder.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;

const MAX_BYTES: usize = 5 * 1024 * 1024;
const MAX_IMAGES: usize = 20;

/// Fetches what it can; the map holds `url -> data:image/...;base64,...`.
pub async fn fetch_all(urls: &[String]) -> HashMap<String, String> {
    let Ok(client) = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("Agentdesk/", env!("CARGO_PKG_VERSION")))
        .build()
    else {
        return HashMap::new();
    };
    let fetches = urls.iter().take(MAX_IMAGES).map(|url| {
        let client = client.clone();
        async move { (url.clone(), fetch_one(&client, url).await) }
    });
    futures_util::future::join_all(fetches)
        .await
        .into_iter()
        .filter_map(|(url, data)| data.map(|d| (url, d)))
        .collect()
}

async fn fetch_one(client: &reqwest::Client, url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let mut response = client
        .get(parsed)
        .send()
        .await
        .ok()?
        .error_for_status()
        .ok()?;
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .to_ascii_lowercase();
    let mime = content_type.split(';').next()?.trim().to_string();
    // SVG can carry scripts; only raster formats are inlined.
    if !matches!(
        mime.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            return None;
        }
    }
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(body)
    ))
}
