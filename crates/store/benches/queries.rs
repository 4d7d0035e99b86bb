//! Local query benchmark: fills a temp database with 100k conversations, 500k parts and 20k
//! contacts through the public API, reports upsert throughput, then times all view counts, a
//! view page and full-text search with Criterion and reports p50/p95 of each.
//! Run: `cargo bench -p agentdesk-store --bench queries` (Criterion's options after `--`, e.g.
//! `-- search` for one benchmark). Criterion keeps its own baseline under the target dir
//! (`target/criterion`, or `$CARGO_TARGET_DIR/criterion`) and prints each benchmark's change in
//! mean time per query against the last run.
//! Sizes can be scaled down with AGENTDESK_BENCH_CONVERSATIONS (default 100000), or
//! AGENTDESK_BENCH_QUICK=1 for 20000. Write rates are given per second of wall time and per
//! second of the thread's CPU time (Linux; steadier on a busy machine).

use std::hint::black_box;
use std::time::{Duration, Instant};

use agentdesk_store::{
    Admin, Author, Contact, Conversation, ConversationState, PageCursor, Part, Store, Team, View,
};
use criterion::Criterion;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ne", "sar", "tu", "vel", "pra", "do", "rin", "gal", "fe", "zu", "bor",
    "qui", "tam", "hel", "jos", "wex", "ny", "cor", "dal", "mur", "sti",
];
const COMMON: [&str; 16] = [
    "order",
    "refund",
    "parcel",
    "invoice",
    "account",
    "password",
    "shipping",
    "damaged",
    "please",
    "thanks",
    "help",
    "delivery",
    "payment",
    "subscription",
    "cancel",
    "upgrade",
];

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut words: Vec<String> = COMMON.iter().map(|s| s.to_string()).collect();
    while words.len() < 5_000 {
        let n = 2 + rng.below(2);
        let w: String = (0..n)
            .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
            .collect();
        words.push(w);
    }
    words
}

fn sentence(rng: &mut Rng, vocab: &[String], n: usize) -> String {
    (0..n)
        .map(|_| {
            // Zipf-ish: common words often, the long tail rarely.
            let i = if rng.below(4) == 0 {
                rng.below(16)
            } else {
                rng.below(vocab.len() as u64)
            };
            vocab[i as usize].as_str()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Criterion samples per query benchmark. Set on the group, where it takes precedence over
/// `--sample-size`, because `QueryTimes` tells the measurement from the warm-up by it.
const SAMPLE_SIZE: usize = 20;

/// Every individually timed query of one Criterion benchmark, one batch per call of its routine.
#[derive(Default)]
struct QueryTimes {
    batches: Vec<Vec<Duration>>,
}

impl QueryTimes {
    /// Runs the next `iters` queries of `rotation`, timing each on its own (picking the next
    /// query is not timed), and returns their total for Criterion.
    fn run<Q, R>(
        &mut self,
        iters: u64,
        rotation: &mut impl Iterator<Item = Q>,
        mut query: impl FnMut(Q) -> R,
    ) -> Duration {
        let batch: Vec<Duration> = rotation
            .take(iters as usize)
            .map(|next| {
                let start = Instant::now();
                black_box(query(next));
                start.elapsed()
            })
            .collect();
        let total = batch.iter().sum();
        self.batches.push(batch);
        total
    }

    /// "p50 X ms  p95 Y ms" over the queries of Criterion's measurement phase. Criterion calls
    /// the routine once per sample after its warm-up (calls of 1, 2, 4, ... iterations), so the
    /// last SAMPLE_SIZE batches are the measurement and the warm-up is left out.
    fn p50_p95(&self) -> String {
        let measured = &self.batches[self.batches.len().saturating_sub(SAMPLE_SIZE)..];
        let mut samples: Vec<Duration> = measured.iter().flatten().copied().collect();
        if samples.is_empty() {
            return "not run (filtered out, or only listed)".into();
        }
        samples.sort();
        let at = |q: f64| {
            samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
        };
        format!("p50 {:.2} ms  p95 {:.2} ms", at(0.5), at(0.95))
    }
}

/// CPU time of this thread so far (Linux), to tell work from waiting on a busy machine.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Measures one phase: wall time and, where known, CPU time.
struct Phase(Instant, Option<Duration>);
impl Phase {
    fn start() -> Phase {
        Phase(Instant::now(), thread_cpu())
    }
    /// "N rows/s (M rows/s of CPU time)".
    fn rate(&self, rows: usize) -> String {
        let wall = rows as f64 / self.0.elapsed().as_secs_f64();
        match (self.1, thread_cpu()) {
            (Some(a), Some(b)) => format!(
                "{wall:.0} rows/s ({:.0} rows/s of CPU time)",
                rows as f64 / (b - a).as_secs_f64()
            ),
            _ => format!("{wall:.0} rows/s"),
        }
    }
}

fn main() {
    let quick = std::env::var_os("AGENTDESK_BENCH_QUICK").is_some();
    let n_conv: usize = std::env::var("AGENTDESK_BENCH_CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 20_000 } else { 100_000 });
    let n_contacts = (n_conv / 5).max(1);
    // AGENTDESK_BENCH_STOP_AFTER=conversations|parts ends the run after that write phase
    // (for profiling one phase alone).
    let stop_after = std::env::var("AGENTDESK_BENCH_STOP_AFTER").unwrap_or_default();
    let dir = tempfile::tempdir().expect("a temp dir for the benchmark database");
    // AGENTDESK_BENCH_DB keeps the database for inspection (it must not exist yet).
    let path = std::env::var_os("AGENTDESK_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let mut store = Store::open(&path).expect("open the benchmark database");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let vocab = vocabulary(&mut rng);

    let admins: Vec<Admin> = (0..20)
        .map(|i| Admin {
            id: format!("a{i}"),
            name: format!("Admin {i}"),
            email: None,
            team_ids: vec![],
        })
        .collect();
    let teams: Vec<Team> = (0..5)
        .map(|i| Team {
            id: format!("t{i}"),
            name: format!("Team {i}"),
            admin_ids: vec!["a1".into()],
        })
        .collect();
    store.replace_admins(&admins).unwrap();
    store.replace_teams(&teams).unwrap();

    let contacts: Vec<Contact> = (0..n_contacts)
        .map(|i| Contact {
            id: format!("k{i}"),
            name: Some(format!(
                "{} {}",
                vocab[100 + i % 3000],
                vocab[200 + (i * 7) % 3000]
            )),
            email: Some(format!("user{i}@example{}.com", i % 97)),
            ..Default::default()
        })
        .collect();
    let t = Phase::start();
    for chunk in contacts.chunks(500) {
        store.upsert_contacts(chunk).unwrap();
    }
    let contacts_rate = t.rate(contacts.len());

    let base = 1_700_000_000i64;
    let conversations: Vec<Conversation> = (0..n_conv)
        .map(|i| {
            let r = rng.below(100);
            let state = if r < 25 {
                ConversationState::Open
            } else if r < 30 {
                ConversationState::Snoozed
            } else {
                ConversationState::Closed
            };
            let updated = base + rng.below(90 * 86_400) as i64;
            Conversation {
                id: (10_000_000 + i).to_string(),
                title: (rng.below(4) == 0).then(|| sentence(&mut rng, &vocab, 4)),
                created_at: updated - 3_600,
                updated_at: updated,
                waiting_since: (rng.below(3) == 0).then_some(updated - 60),
                open: state != ConversationState::Closed,
                state,
                read: rng.below(2) == 0,
                admin_assignee_id: (rng.below(5) != 0).then(|| format!("a{}", rng.below(20))),
                team_assignee_id: (rng.below(3) != 0).then(|| format!("t{}", rng.below(5))),
                contact_ids: vec![format!("k{}", rng.below(n_contacts as u64))],
                source_type: Some("conversation".into()),
                source_subject: (rng.below(2) == 0).then(|| sentence(&mut rng, &vocab, 5)),
                source_body_html: Some(format!("<p>{}</p>", sentence(&mut rng, &vocab, 20))),
                source_author: Author {
                    author_type: Some("user".into()),
                    id: None,
                    name: None,
                },
                ..Default::default()
            }
        })
        .collect();
    let t = Phase::start();
    for (n, page) in conversations.chunks(150).enumerate() {
        store
            .upsert_conversations_page(page, "backfill", Some(&format!("cursor-{n}")))
            .unwrap();
    }
    let conv_rate = t.rate(conversations.len());
    if stop_after == "conversations" {
        println!("upsert conversations (pages of 150 + cursor): {conv_rate}");
        return;
    }
    // As the sync engine does after each backfill page: read marks from Intercom's flag.
    let ids: Vec<String> = conversations.iter().map(|c| c.id.clone()).collect();
    let t = Phase::start();
    for chunk in ids.chunks(150) {
        store.seed_read_marks_from_intercom(chunk).unwrap();
    }
    let seed_rate = t.rate(ids.len());

    let mut part_rows = 0usize;
    let t = Phase::start();
    for batch in conversations.chunks(150) {
        let mut parts = Vec::with_capacity(batch.len() * 5);
        for c in batch {
            for j in 0..5 {
                let contact = j % 2 == 0;
                parts.push(Part {
                    id: format!("{}-{j}", c.id),
                    conversation_id: c.id.clone(),
                    part_type: "comment".into(),
                    body_html: Some(format!("<p>{}</p>", sentence(&mut rng, &vocab, 25))),
                    author: Author {
                        author_type: Some(if contact { "user" } else { "admin" }.into()),
                        id: Some("x".into()),
                        name: Some("Someone".into()),
                    },
                    created_at: c.created_at + 600 * j as i64,
                    updated_at: c.created_at + 600 * j as i64,
                    ..Default::default()
                });
            }
        }
        part_rows += parts.len();
        store.upsert_parts_batch(&parts).unwrap();
    }
    let part_rate = t.rate(part_rows);
    if stop_after == "parts" {
        println!("upsert conversations (pages of 150 + cursor): {conv_rate}");
        println!("upsert parts (batches of 750):                {part_rate}");
        return;
    }

    let reader = store.open_reader().unwrap();
    let team_ids: Vec<String> = vec!["t0".into(), "t1".into()];
    // Printed at the end, as a check of the fixture.
    let counts = reader.view_counts("a1", &team_ids).unwrap();

    let views = [
        View::Mine,
        View::Unassigned,
        View::Team("t1".into()),
        View::AllOpen,
        View::Snoozed,
        View::Closed,
    ];
    // The rotation of view pages: each view's first page, then a page 1 to 5 pages deep
    // (keyset cursor), in turn. The cursors are found once here, untimed.
    let mut page_requests: Vec<(&View, Option<PageCursor>)> = Vec::new();
    for depth in 1..=5 {
        for view in &views {
            let mut cursor: Option<PageCursor> = None;
            for _ in 0..depth {
                let page = reader.list_view(view, "a1", cursor.as_ref(), 50).unwrap();
                cursor = page.last().map(|r| r.cursor());
            }
            page_requests.push((view, None));
            page_requests.push((view, cursor));
        }
    }

    let queries = [
        "refund",
        "damaged parcel",
        "inv",
        "pa",
        "order refund ",
        "kalo",
        "user42",
        "example7",
        "\"quoted",
        "mi*",
        "thanks help please",
    ];
    // Printed as a check that the queries find something.
    let hits_per_pass: usize = queries
        .iter()
        .map(|q| reader.search(q, 50).unwrap().len())
        .sum();

    // Short warm-up and measurement: the queries take micro- to milliseconds, and the whole
    // run stays about as long as the fixture takes to build. The command line can override both.
    let criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .without_plots();
    // `cargo bench` passes `--bench`; Criterion takes a run without it for `cargo test --benches`
    // and runs each benchmark once. scripts/bench/run.sh runs the executable without arguments,
    // so arguments are read only when there are some: none means benchmarking, as before.
    let mut criterion = if std::env::args_os().len() > 1 {
        criterion.configure_from_args()
    } else {
        criterion
    };
    // Each Criterion iteration is one query, the next of its rotation, timed on its own: the
    // p50/p95 below are over every query of the measurement phase (warm-up excluded), and
    // Criterion's own figure is the mean time per query.
    let mut counts_times = QueryTimes::default();
    let mut page_times = QueryTimes::default();
    let mut search_times = QueryTimes::default();
    // The size in the name keeps one baseline per size: a full run is not compared to a quick one.
    let mut group = criterion.benchmark_group(format!("queries at {n_conv} conversations"));
    group.sample_size(SAMPLE_SIZE);
    let mut same_query = std::iter::repeat(());
    group.bench_function("view counts", |b| {
        b.iter_custom(|iters| {
            counts_times.run(iters, &mut same_query, |()| {
                reader.view_counts("a1", &team_ids).unwrap()
            })
        })
    });
    let mut next_page = page_requests.iter().cycle();
    group.bench_function("view page", |b| {
        b.iter_custom(|iters| {
            page_times.run(iters, &mut next_page, |(view, cursor)| {
                reader.list_view(view, "a1", cursor.as_ref(), 50).unwrap()
            })
        })
    });
    let mut next_query = queries.iter().cycle();
    group.bench_function("search", |b| {
        b.iter_custom(|iters| {
            search_times.run(iters, &mut next_query, |q| reader.search(q, 50).unwrap())
        })
    });
    group.finish();
    criterion.final_summary();

    drop(reader);
    drop(store);
    // After the clean close (which checkpoints the WAL into the file).
    let size_mb = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let t = Instant::now();
    let reopened = Store::open(&path).unwrap();
    let reopen_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(reopened);

    println!("agentdesk-store query benchmark ({n_conv} conversations, {part_rows} parts, {n_contacts} contacts, {size_mb:.0} MB)");
    println!("upsert conversations (pages of 150 + cursor): {conv_rate}");
    println!("seed read marks (pages of 150):               {seed_rate}");
    println!("upsert parts (batches of 750):                {part_rate}");
    println!("upsert contacts (batches of 500):             {contacts_rate}");
    println!(
        "all view counts ({} views):            {}",
        counts.len(),
        counts_times.p50_p95()
    );
    println!(
        "view page (50 rows, first and deep):   {}",
        page_times.p50_p95()
    );
    println!(
        "search (50 hits max, {} queries):     {}  ({hits_per_pass} hits per pass)",
        queries.len(),
        search_times.p50_p95()
    );
    println!("reopen (clean shutdown, no quick_check): {reopen_ms:.1} ms");
    for c in counts {
        println!("  {:<10} total {:>6} unread {:>6}", c.id, c.total, c.unread);
    }
}
