//! Benchmark (not a test): Agentdesk's partitioned metadata backfill against a plain
//! sequential cursor walk (`GET /conversations?per_page=150`, page after page, each stored
//! with its cursor), both into SQLite, against the same sandbox in the same run.
//!
//! Workload (issue 5): 100,000 conversations (~5 parts each), 20,000 contacts, 50 ms
//! latency per request, 1,666 requests per 10-second window. Smaller runs:
//! `AGENTDESK_BENCH_CONVERSATIONS=20000 cargo bench -p agentdesk-sync --bench backfill`.

use std::time::{Duration, Instant};

use agentdesk_store::Store;
use agentdesk_sync::{run_once, EngineConfig};
use intercom_sandbox::Sandbox;

mod support;
use support::{client, env_usize};

async fn sequential_walk(sb: &Sandbox, dir: &std::path::Path) -> (Duration, u64, i64) {
    let client = client(sb);
    let mut store = Store::open(&dir.join("walk.sqlite3")).expect("store");
    let before = sb.request_count();
    let start = Instant::now();
    let mut cursor: Option<String> = None;
    let mut store_time = Duration::ZERO;
    loop {
        let page = client
            .list_conversations_page(cursor.as_deref())
            .await
            .expect("a list page");
        let rows: Vec<_> = page
            .items
            .iter()
            .map(agentdesk_sync::bench_support::store_conversation)
            .collect();
        let t = Instant::now();
        store
            .upsert_conversations_page(&rows, "walk", page.next.as_deref())
            .expect("store a page");
        store_time += t.elapsed();
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let elapsed = start.elapsed();
    println!("sequential walk: {store_time:.2?} of {elapsed:.2?} spent writing SQLite");
    let count = store.conversation_count().expect("count");
    (elapsed, sb.request_count() - before, count)
}

/// CPU time of the whole process (user + system), from /proc/self/stat.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

fn main() {
    let n = env_usize("AGENTDESK_BENCH_CONVERSATIONS", 100_000);
    let partitions = env_usize("AGENTDESK_BENCH_PARTITIONS", 12);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async move {
        let t = Instant::now();
        let sb = support::sandbox(5, n, Duration::from_millis(50), 1666).await;
        println!("sandbox: {n} conversations generated in {:.1?}", t.elapsed());
        let dir = tempfile::tempdir().expect("temp dir");

        let mut config = EngineConfig::new(sb.admin_id());
        config.metadata_only = true;
        config.partitions = partitions;
        let store = Store::open(&dir.path().join("agentdesk.sqlite3")).expect("store");
        let before = sb.request_count();
        let cpu_before = process_cpu();
        let report = run_once(client(&sb), store, config, |_| {})
            .await
            .expect("the backfill completes");
        let ours = report.elapsed;
        let cpu = process_cpu() - cpu_before;
        println!(
            "agentdesk backfill CPU (this process, sandbox included): {cpu:.2?} = {:.2} cores busy",
            cpu.as_secs_f64() / ours.as_secs_f64()
        );
        let our_requests = sb.request_count() - before;
        let stored = Store::open(&dir.path().join("agentdesk.sqlite3"))
            .expect("reopen")
            .conversation_count()
            .expect("count");
        assert_eq!(stored as usize, n, "the backfill must store every conversation");

        let (walk, walk_requests, walk_count) = sequential_walk(&sb, dir.path()).await;
        assert_eq!(walk_count as usize, n, "the walk must store every conversation");

        // The conversations' pages and the tickets' (with the tickets' plan probe): the
        // walk baseline lists conversations only, so the ratio to it is of conversations.
        let tickets = sb.ticket_ids().len();
        let minimum = (n.div_ceil(150) + tickets.div_ceil(150) + usize::from(tickets > 0)) as u64;
        println!("agentdesk backfill (metadata only, {partitions} partitions): {ours:.2?}, {our_requests} requests ({} search pages + probe/admins/teams), 429s: {}", report.backfill_pages, report.rate_limited);
        println!("sequential cursor walk:  {walk:.2?}, {walk_requests} requests");
        println!("speed-up: {:.1}x (target >= 5x); backfill time target <= 10 s", walk.as_secs_f64() / ours.as_secs_f64());
        println!(
            "requests: {our_requests} vs minimum ceil(N/150) = {minimum} ({:.3}x, target <= 1.05x; with {tickets} tickets: their pages and probe counted)",
            our_requests as f64 / minimum as f64
        );
        sb.shutdown().await;
    });
}
