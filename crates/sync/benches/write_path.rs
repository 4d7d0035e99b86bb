//! Benchmark (not a test): the backfill's write path stage by stage, without the network.
//! Pages of 150 conversations are fetched once from a sandbox (no latency, no rate limit)
//! and kept as bytes; then each stage runs over all of them on one thread and reports its
//! CPU time: decoding a page into the client's models, converting them to store rows, and
//! the store transaction of the first sync (rows, read marks, cursor). The last stage runs
//! under the single writer lock in the app, so it bounds the backfill.
//!
//! `AGENTDESK_BENCH_CONVERSATIONS` (default 100,000).

use std::time::{Duration, Instant};

use agentdesk_store::{Store, SyncPage};

mod support;
use support::{client, env_usize};

/// CPU time of this thread so far (Linux: /proc/thread-self/schedstat, as the store's
/// query bench reads it), to tell work from waiting on a busy machine.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

fn main() {
    let n = env_usize("AGENTDESK_BENCH_CONVERSATIONS", 100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let pages: Vec<Vec<intercom::models::Conversation>> = rt.block_on(async {
        let sb = support::sandbox(5, n, Duration::ZERO, 1_000_000).await;
        let client = client(&sb);
        let mut cursor: Option<String> = None;
        let mut pages = Vec::new();
        loop {
            let page = client
                .list_conversations_page(cursor.as_deref())
                .await
                .expect("a list page");
            pages.push(page.items);
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        sb.shutdown().await;
        pages
    });
    let bytes: Vec<Vec<u8>> = pages
        .iter()
        .map(|items| {
            serde_json::to_vec(
                &serde_json::json!({"type": "conversation.list", "conversations": items}),
            )
            .expect("a page serialises")
        })
        .collect();
    let rows_total: usize = pages.iter().map(Vec::len).sum();
    let mb = bytes.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!(
        "{} pages, {rows_total} conversations, {mb:.1} MB of JSON",
        pages.len()
    );

    let per_page = |d: Duration| d.as_secs_f64() * 1e3 / pages.len() as f64;
    let t = thread_cpu();
    for b in &bytes {
        let page: serde_json::Value = serde_json::from_slice(b).expect("decode");
        let _: Vec<intercom::models::Conversation> =
            serde_json::from_value(page["conversations"].clone()).expect("models");
    }
    let decode = thread_cpu() - t;
    println!(
        "decode (bytes -> models, via Value): {:.2} ms/page",
        per_page(decode)
    );

    let t = thread_cpu();
    let rows: Vec<Vec<agentdesk_store::Conversation>> = pages
        .iter()
        .map(|p| {
            p.iter()
                .map(agentdesk_sync::bench_support::store_conversation)
                .collect()
        })
        .collect();
    let convert = thread_cpu() - t;
    println!(
        "convert (models -> store rows): {:.2} ms/page",
        per_page(convert)
    );

    let cursors: Vec<String> = (0..rows.len()).map(|i| format!("cursor-{i}")).collect();
    for group in [1usize, 4, 12] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("agentdesk.sqlite3")).expect("store");
        let t = thread_cpu();
        let wall = Instant::now();
        for (g, chunk) in rows.chunks(group).enumerate() {
            let pages: Vec<SyncPage<'_>> = chunk
                .iter()
                .enumerate()
                .map(|(i, page)| SyncPage {
                    conversations: page,
                    sync_resource: "bench",
                    cursor: Some(&cursors[g * group + i]),
                })
                .collect();
            store
                .upsert_first_sync_pages(&pages)
                .expect("store the pages");
        }
        let write = thread_cpu() - t;
        println!(
            "store (first-sync transaction of {group} page(s)): {:.2} ms/page CPU, {:.2?} wall for all, {:.0} rows/s",
            per_page(write),
            wall.elapsed(),
            rows_total as f64 / write.as_secs_f64()
        );
    }
}
