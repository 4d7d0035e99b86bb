//! Requests per second achieved through one shared governor as a share of the window
//! ceiling, with a known window limit and 50 ms latency, and the 429s that cost.
//! Runs three whole 10-second windows per configuration.

use intercom::{AccessToken, Client, Region, Url};
use intercom_sandbox::{Sandbox, SandboxConfig};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const WINDOWS: u64 = 3;

async fn run(limit: u32, workers: usize) {
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

    // Start at a window boundary so the count covers whole windows.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let to_boundary = Duration::from_secs(10 - now.as_secs() % 10)
        - Duration::from_nanos(u64::from(now.subsec_nanos()));
    tokio::time::sleep(to_boundary).await;
    let base_requests = sb.request_count();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                loop {
                    if c.list_teams().await.is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(10 * WINDOWS)).await;
    let sent = sb.request_count() - base_requests;
    for t in &tasks {
        t.abort();
    }
    let ceiling = u64::from(limit) * WINDOWS;
    println!(
        "limit {limit}/10 s, 50 ms latency, {workers} workers: {sent} requests in {WINDOWS} windows = {:.1} req/s of a {:.1} req/s ceiling ({:.1}%), 429s: {}, client throttled waits: {}",
        sent as f64 / (10.0 * WINDOWS as f64),
        f64::from(limit) / 10.0,
        100.0 * sent as f64 / ceiling as f64,
        sb.count_429(),
        client.stats().throttled,
    );
    sb.shutdown().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    run(100, 8).await;
    run(500, 32).await;
    run(1666, 64).await;
}
