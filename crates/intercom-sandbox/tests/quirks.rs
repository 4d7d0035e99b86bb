//! Quirks mode over real loopback HTTP: the answers a real Intercom workspace gives and the
//! plain sandbox never did (merged contacts, records deleted mid-sync, paging that does not
//! advance, junk list items, unknown enum values, extra and missing fields), and the proof
//! that with quirks off every answer is byte for byte what it was before quirks existed.

mod common;

use common::{start, Api};
use intercom_sandbox::SandboxConfig;
use serde_json::{json, Value};

/// A workspace whose answers do not depend on the wall clock: its history ends in 2096, so
/// no snooze has expired and every data event is under 90 days old whenever the test runs.
fn fixed() -> SandboxConfig {
    SandboxConfig {
        seed: 5,
        conversations: 120,
        contacts: 40,
        epoch: Some(4_000_000_000),
        ..Default::default()
    }
}

/// FNV-1a, 64 bits: a digest that is the same on every platform and toolchain.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// The raw body of one request, as the client receives it.
async fn raw(api: &Api, method: reqwest::Method, path: &str, body: Option<&Value>) -> Vec<u8> {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}{}", api.base, path)
    };
    let mut req = api
        .http
        .request(method, url)
        .header("Intercom-Version", "2.14")
        .bearer_auth(&api.token);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.expect("the sandbox answers over loopback");
    resp.bytes().await.expect("the body arrives whole").to_vec()
}

/// Every read answer of the workspace, in a fixed order: the identity, admins and teams,
/// a full list walk and a full search walk, every conversation (HTML and plain text), a
/// contacts search walk, every contact, and each contact's events page by page.
async fn transcript(api: &Api, truth: &Value) -> Vec<(String, Vec<u8>)> {
    use reqwest::Method;
    let mut out = Vec::new();
    for path in ["/me", "/admins", "/teams"] {
        out.push((path.to_string(), raw(api, Method::GET, path, None).await));
    }
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/conversations?per_page=25".to_string(),
            Some(c) => format!("/conversations?per_page=25&starting_after={c}"),
        };
        let body = raw(api, Method::GET, &path, None).await;
        let v: Value = serde_json::from_slice(&body).expect("a list page is JSON");
        out.push((path, body));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let query = json!({"field": "created_at", "operator": ">", "value": 0});
    let mut cursor: Option<String> = None;
    loop {
        let body = json!({"query": query, "sort": {"field": "updated_at", "order": "ascending"},
            "pagination": {"per_page": 30, "starting_after": cursor}});
        let bytes = raw(api, Method::POST, "/conversations/search", Some(&body)).await;
        let v: Value = serde_json::from_slice(&bytes).expect("a search page is JSON");
        out.push((format!("search {body}"), bytes));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    for (i, c) in truth["conversations"]
        .as_array()
        .expect("truth lists conversations")
        .iter()
        .enumerate()
    {
        let id = c["id"].as_str().expect("conversation ids are strings");
        let path = format!("/conversations/{id}");
        out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        if i % 10 == 0 {
            let path = format!("/conversations/{id}?display_as=plaintext");
            out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        }
    }
    let query = json!({"field": "email", "operator": "~", "value": "@"});
    let mut cursor: Option<String> = None;
    loop {
        let body =
            json!({"query": query, "pagination": {"per_page": 15, "starting_after": cursor}});
        let bytes = raw(api, Method::POST, "/contacts/search", Some(&body)).await;
        let v: Value = serde_json::from_slice(&bytes).expect("a contacts page is JSON");
        out.push((format!("contacts {body}"), bytes));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    for c in truth["contacts"].as_array().expect("truth lists contacts") {
        let id = c["id"].as_str().expect("contact ids are strings");
        let path = format!("/contacts/{id}");
        out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        let mut next = Some(format!(
            "/events?type=user&intercom_user_id={id}&per_page=2"
        ));
        while let Some(path) = next {
            let bytes = raw(api, Method::GET, &path, None).await;
            let v: Value = serde_json::from_slice(&bytes).expect("an events page is JSON");
            out.push((path, bytes));
            next = v["pages"]["next"].as_str().map(str::to_string);
        }
    }
    out
}

/// The digest of a transcript, with the sandbox's address (a free port, different on each
/// run) written as `BASE` so that only the answers count.
/// The digest of [`transcript`] of [`fixed`] on the sandbox before quirks existed.
const PRE_QUIRKS_DIGEST: u64 = 0xbdf0_7e71_4356_8919;

fn digest(transcript: &[(String, Vec<u8>)], base: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    for (what, body) in transcript {
        let body = String::from_utf8_lossy(body).replace(base, "BASE");
        fnv(&mut h, what.replace(base, "BASE").as_bytes());
        fnv(&mut h, &[0]);
        fnv(&mut h, body.as_bytes());
        fnv(&mut h, &[0xff]);
    }
    h
}

#[tokio::test]
async fn quirks_off_answers_are_byte_identical_to_the_sandbox_before_quirks() {
    let (sb, api) = start(fixed()).await;
    let t = transcript(&api, &sb.truth()).await;
    assert_eq!(
        t.len(),
        306,
        "the transcript must cover the same requests as when the digest was recorded"
    );
    // Recorded on the sandbox as it was before quirks existed (commit a35fa53): with quirks
    // off, every Intercom answer must stay byte for byte the same for the same seed.
    assert_eq!(
        digest(&t, sb.base_url()),
        PRE_QUIRKS_DIGEST,
        "with quirks off the answers must be byte-identical to the sandbox before quirks"
    );
    sb.shutdown().await;
}
