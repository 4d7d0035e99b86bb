//! Benchmark (not a test): generation time of a 100k-conversation workspace and the time to
//! serve `GET /conversations` pages and a search page over loopback. Prints medians.
//! Run: `cargo bench -p intercom-sandbox --bench list_page`.

use std::time::{Duration, Instant};

use intercom_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let conversations = std::env::var("SANDBOX_BENCH_CONVERSATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let started = Instant::now();
    let config = SandboxConfig {
        conversations,
        contacts: conversations / 5,
        rate_limit: u32::MAX,
        ..SandboxConfig::default()
    };
    let sb = match Sandbox::start(config).await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("cannot start the sandbox: {e}");
            return;
        }
    };
    let generated = started.elapsed();
    let http = reqwest::Client::new();
    let base = sb.base_url().to_string();
    let token = sb.token().to_string();
    let get = |url: String| {
        let req = http.get(url).bearer_auth(&token);
        async move {
            let t = Instant::now();
            let body: Value = req.send().await.ok()?.json().await.ok()?;
            Some((t.elapsed(), body))
        }
    };
    // Warm up the connection pool.
    for _ in 0..20 {
        let _ = get(format!("{base}/conversations")).await;
    }
    let mut first = Vec::new();
    let mut walk = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..300 {
        if let Some((d, _)) = get(format!("{base}/conversations?per_page=20")).await {
            first.push(d);
        }
        let url = match &cursor {
            None => format!("{base}/conversations?per_page=150"),
            Some(c) => format!("{base}/conversations?per_page=150&starting_after={c}"),
        };
        if let Some((d, body)) = get(url).await {
            walk.push(d);
            cursor = body["pages"]["next"]["starting_after"]
                .as_str()
                .map(str::to_string);
        }
    }
    let mut search = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let body = json!({"query": {"operator": "AND", "value": [{"field": "state", "operator": "=", "value": "open"}, {"field": "updated_at", "operator": ">", "value": 0}]}, "pagination": {"per_page": 150}});
        if http
            .post(format!("{base}/conversations/search"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .is_ok()
        {
            search.push(t.elapsed());
        }
    }
    println!("conversations: {conversations}");
    println!("generate + start: {:.2} s", generated.as_secs_f64());
    println!(
        "GET /conversations per_page=20, median of {}: {:.3} ms",
        first.len(),
        median(first).as_secs_f64() * 1e3
    );
    println!(
        "GET /conversations per_page=150 cursor walk, median of {}: {:.3} ms",
        walk.len(),
        median(walk).as_secs_f64() * 1e3
    );
    println!(
        "POST /conversations/search (full scan) per_page=150, median of {}: {:.3} ms",
        search.len(),
        median(search).as_secs_f64() * 1e3
    );
    sb.shutdown().await;
}
