//! What the sync crate's benchmarks share: their knobs, the sandbox they run against, and a
//! client for it. (A folder, so Cargo does not take it for a benchmark of its own.)

use std::time::Duration;

use intercom::{AccessToken, Client, Region, Url};
use intercom_sandbox::{Sandbox, SandboxConfig};

/// A size or count from the environment; a missing or unreadable value is the default.
pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A sandbox of `n` conversations (and a fifth as many contacts and tickets:
/// `AGENTDESK_BENCH_TICKETS` sets another number) with this latency and rate limit per 10 s
/// window.
pub(crate) async fn sandbox(seed: u64, n: usize, latency: Duration, rate_limit: u32) -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed,
        conversations: n,
        contacts: (n / 5).max(10),
        latency,
        rate_limit,
        tickets: std::env::var("AGENTDESK_BENCH_TICKETS")
            .ok()
            .and_then(|v| v.parse().ok()),
        ..Default::default()
    })
    .await
    .expect("the sandbox starts")
}

/// A client of the sandbox with Intercom's largest page (150), as the engine uses.
pub(crate) fn client(sb: &Sandbox) -> Client {
    let url = Url::parse(sb.base_url()).expect("the sandbox URL parses");
    Client::builder(Region::Custom(url), AccessToken::new(sb.token()))
        .per_page(150)
        .build()
        .expect("client")
}
