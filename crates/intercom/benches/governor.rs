//! Requests per second achieved through one shared governor as a share of the window
//! ceiling, with a known window limit and 50 ms latency, and the 429s that cost.
//!
//! Each configuration (window limit, workers) gets its own sandbox and client; all run side
//! by side over the same whole 10-second windows, counted from a window boundary, so the
//! whole bench takes the wait for a boundary plus `WINDOWS` × 10 s.
//! `GOVERNOR_BENCH_WINDOWS` (default 3) and `GOVERNOR_BENCH_LIMITS` ("100:8,500:32,1666:64",
//! limit:workers) change that. Prints one line and one JSON line per configuration.

use intercom::{AccessToken, Client, Region, Url};
use intercom_sandbox::{Sandbox, SandboxConfig};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

struct Run {
    limit: u32,
    workers: usize,
    sb: Sandbox,
    client: Client,
}

async fn start(limit: u32, workers: usize) -> Run {
    let sb = Sandbox::start(SandboxConfig {
        seed: 7,
        conversations: 20,
        rate_limit: limit,
        latency: Duration::from_millis(50),
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let client = Client::builder(
        Region::Custom(Url::parse(sb.base_url()).expect("parses")),
        AccessToken::new(sb.token()),
    )
    .build()
    .expect("client builds");
    Run {
        limit,
        workers,
        sb,
        client,
    }
}

fn configs() -> Vec<(u32, usize)> {
    let spec = std::env::var("GOVERNOR_BENCH_LIMITS")
        .unwrap_or_else(|_| "100:8,500:32,1666:64".to_owned());
    spec.split(',')
        .filter_map(|c| {
            let (l, w) = c.trim().split_once(':')?;
            Some((l.parse().ok()?, w.parse().ok()?))
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let windows: u64 = std::env::var("GOVERNOR_BENCH_WINDOWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut runs = Vec::new();
    for (limit, workers) in configs() {
        runs.push(start(limit, workers).await);
    }

    // Start at a window boundary so the count covers whole windows.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let to_boundary = Duration::from_secs(10 - now.as_secs() % 10)
        - Duration::from_nanos(u64::from(now.subsec_nanos()));
    tokio::time::sleep(to_boundary).await;
    let base: Vec<u64> = runs.iter().map(|r| r.sb.request_count()).collect();
    let mut tasks = Vec::new();
    for r in &runs {
        for _ in 0..r.workers {
            let c = r.client.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    if c.list_teams().await.is_err() {
                        break;
                    }
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_secs(10 * windows)).await;
    let sent: Vec<u64> = runs
        .iter()
        .zip(&base)
        .map(|(r, b)| r.sb.request_count() - b)
        .collect();
    for t in &tasks {
        t.abort();
    }
    for (r, sent) in runs.iter().zip(sent) {
        let ceiling = u64::from(r.limit) * windows;
        let share = sent as f64 / ceiling as f64;
        let (limit, workers, r429) = (r.limit, r.workers, r.sb.count_429());
        println!(
            "limit {limit}/10 s, 50 ms latency, {workers} workers: {sent} requests in {windows} windows = {:.1} req/s of a {:.1} req/s ceiling ({:.1}%), 429s: {r429}, client throttled waits: {}",
            sent as f64 / (10.0 * windows as f64),
            f64::from(limit) / 10.0,
            100.0 * share,
            r.client.stats().throttled,
        );
        // One JSON line for `make bench` (scripts/bench/report.py).
        println!(
            "{{\"bench\": \"governor\", \"limit\": {limit}, \"workers\": {workers}, \"windows\": {windows}, \"sent\": {sent}, \"ceiling\": {ceiling}, \"share\": {share:.4}, \"r429\": {r429}}}"
        );
    }
    for r in runs {
        r.sb.shutdown().await;
    }
}
