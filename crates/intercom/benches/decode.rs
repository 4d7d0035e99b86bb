//! Decode throughput of a 150-conversation page as the sandbox serves it (the client's own
//! decode path: tolerant models plus field-path tracking).

use intercom::models::ConversationList;
use intercom_sandbox::{Sandbox, SandboxConfig};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let sb = Sandbox::start(SandboxConfig {
        seed: 7,
        conversations: 300,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let http = reqwest::Client::new();
    let bytes = http
        .get(format!("{}/conversations?per_page=150", sb.base_url()))
        .bearer_auth(sb.token())
        .header("Intercom-Version", "2.14")
        .send()
        .await
        .expect("the sandbox answers")
        .bytes()
        .await
        .expect("the body arrives");
    let page: ConversationList = intercom::decode_json("bench", &bytes).expect("the page decodes");
    assert_eq!(
        page.conversations.len(),
        150,
        "the benchmark page holds 150 conversations"
    );

    // Warm up, then time whole decodes for about two seconds.
    for _ in 0..20 {
        let _: ConversationList = intercom::decode_json("bench", &bytes).expect("decodes");
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(2) {
        let p: ConversationList = intercom::decode_json("bench", &bytes).expect("decodes");
        std::hint::black_box(p);
        n += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let per_page = secs / f64::from(n);
    println!(
        "decode 150-conversation page: {} bytes, {:.3} ms/page, {:.0} pages/s, {:.0} conversations/s, {:.1} MB/s",
        bytes.len(),
        per_page * 1e3,
        1.0 / per_page,
        150.0 / per_page,
        bytes.len() as f64 / per_page / 1e6
    );
    // One JSON line for `make bench` (scripts/bench/report.py).
    println!(
        "{{\"bench\": \"decode\", \"conversations\": 150, \"bytes\": {}, \"ms_per_page\": {:.4}, \"pages_per_s\": {:.1}, \"conversations_per_s\": {:.0}, \"mb_per_s\": {:.1}, \"decodes\": {n}}}",
        bytes.len(),
        per_page * 1e3,
        1.0 / per_page,
        150.0 / per_page,
        bytes.len() as f64 / per_page / 1e6
    );
    sb.shutdown().await;
}
