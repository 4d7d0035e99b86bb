//! Suite 1, crash and resume: a backfill of a sandbox workspace, run by the real `agentdesk`
//! binary, is killed with SIGKILL at random moments (after a random number of requests has
//! reached the server, plus a random sub-request delay, so kills land before, during and
//! after page commits and WAL writes), restarted each time; after the last run the cache
//! equals the sandbox's truth exactly. After every kill the committed conversations are
//! counted straight from the file: a count that went down would be a committed page lost by
//! the WAL under a kill.
//!
//! Default: 3,000 conversations, 5 kills. `RELIABILITY_LONG=1`: 20,000 conversations, 20
//! kills. `RELIABILITY_SEED` replays a run (the seed is in the figure).

use std::time::{Duration, Instant};

use agentdesk_reliability::cli::Cli;
use agentdesk_reliability::{cache, figures};
use intercom_sandbox::{Sandbox, SandboxConfig};
use rand::{rngs::StdRng, Rng, SeedableRng};

const BIN: &str = env!("CARGO_BIN_EXE_agentdesk-under-test");
const SEARCH: &str = "POST /conversations/search";

fn search_pages(sb: &Sandbox) -> u64 {
    sb.route_counts().get(SEARCH).copied().unwrap_or(0)
}

#[test]
fn backfill_killed_at_random_moments_resumes_exact() {
    let (conversations, kills) = if figures::long() {
        (20_000, 20)
    } else {
        (3_000, 5)
    };
    let seed = figures::seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime for the sandbox");
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 21,
            conversations,
            contacts: conversations / 10,
            latency: Duration::from_millis(10),
            ..Default::default()
        }))
        .expect("the sandbox starts on loopback");

    // The reference: the same backfill, uninterrupted, into another data directory.
    let base_dir = tempfile::tempdir().expect("a temp dir");
    let base = Cli::new(BIN.as_ref(), base_dir.path());
    assert_eq!(base.login(sb.base_url(), sb.token()).code, Some(0), "login");
    let (r0, p0) = (sb.request_count(), search_pages(&sb));
    let out = base.run(&["sync", "--once", "--metadata-only"], None);
    assert_eq!(out.code, Some(0), "the reference backfill: {}", out.text());
    let full_requests = sb.request_count() - r0;
    let full_pages = search_pages(&sb) - p0;

    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    assert_eq!(app.login(sb.base_url(), sb.token()).code, Some(0), "login");
    let db = app.db_path();
    let p_start = search_pages(&sb);
    let mut killed = 0;
    let mut finished_first = 0;
    let mut committed = 0i64;
    for trial in 0..kills {
        // Kills spread over about two full backfills' worth of requests in total.
        let k = rng.gen_range(1..=(2 * full_requests / kills as u64).max(2));
        let jitter = Duration::from_micros(rng.gen_range(0..15_000));
        let start = sb.request_count();
        let mut child = app.spawn_quiet(&["sync", "--once", "--metadata-only"]);
        let deadline = Instant::now() + Duration::from_secs(120);
        let exited = loop {
            if let Some(status) = child.try_wait().expect("poll the child") {
                break Some(status);
            }
            if sb.request_count() >= start + k {
                break None;
            }
            assert!(
                Instant::now() < deadline,
                "trial {trial}: the sync neither progressed nor ended in 120 s"
            );
            std::thread::yield_now();
        };
        match exited {
            Some(status) => {
                assert!(
                    status.success(),
                    "trial {trial}: a sync that ends before its kill must succeed: {status}"
                );
                finished_first += 1;
            }
            None => {
                // The random moment within the request in flight: the experiment's input,
                // not a wait for anything.
                std::thread::sleep(jitter);
                child.kill().expect("SIGKILL the sync");
                let _ = child.wait();
                killed += 1;
            }
        }
        if db.exists() {
            let now = cache::conversation_count(&db);
            assert!(
                now >= committed,
                "trial {trial} (seed {seed}): {committed} conversations were committed before the kill, only {now} remain: a committed page was lost"
            );
            committed = now;
        }
    }
    let out = app.run(&["sync", "--once", "--metadata-only"], None);
    assert_eq!(
        out.code,
        Some(0),
        "the last, uninterrupted run completes the backfill: {}",
        out.text()
    );
    let pages = search_pages(&sb) - p_start;
    let truth = sb.truth();
    let cmp = cache::compare_conversations(&db, &truth);
    let integrity = cache::integrity_check(&db);
    let refetched = pages.saturating_sub(full_pages);
    figures::report(
        "crash",
        &format!(
            "seed {seed}, trials {kills} ({killed} SIGKILLed, {finished_first} finished first), records compared {}, missing {}, duplicated {}, extra {}, mismatched {}, pages fetched {pages} vs {full_pages} uninterrupted (refetched {refetched}), integrity {integrity}",
            cmp.compared, cmp.missing, cmp.duplicated, cmp.extra, cmp.mismatched.len()
        ),
    );
    assert!(
        killed > 0,
        "at least one run must be killed mid-sync, or the suite proves nothing"
    );
    assert!(
        cmp.exact(),
        "after the kills the cache must equal Intercom exactly (seed {seed}): {cmp:?}"
    );
    assert_eq!(
        integrity, "ok",
        "SQLite must find the file intact after {killed} kills"
    );
    // Each partition has at most one page being fetched and one being written (its write
    // queued or in the group being committed), so a kill loses at most two pages per
    // partition (12), plus the plan's probe.
    let bound = killed as u64 * 26;
    assert!(
        refetched <= bound,
        "a restart resumes from stored cursors: {refetched} pages refetched after {killed} kills (at most {bound})"
    );
    rt.block_on(sb.shutdown());
}
