//! Suite 7, fuzzing on stable: the same properties as the cargo-fuzz targets in `fuzz/`, with
//! a fixed budget so they run in `make test`. Seeds are real answers of the sandbox; inputs
//! are seeded mutations of them (bit flips, cuts, splices, JSON tokens, deep nesting).
//! - The response decoders (`intercom::decode_json::<models::...>`) decode or return an
//!   error for any bytes, never panic.
//! - The sandbox's search handler answers any body 200 or 4xx, never 5xx.
//! - The notification text builder (`agentdesk_app::notify`) gives a short notification with
//!   no control character for any names and messages, and the body a markup-reading server
//!   receives holds no tag and reads back as the plain text (`fuzz_targets/notification_text.rs`).
//! - The `agentdesk://` link parser (`agentdesk_app::deeplink::parse`) parses or refuses any
//!   link, and an accepted prefill holds only what the agent can see
//!   (`fuzz_targets/deep_link.rs`).
//!
//! The last two read their input as the libFuzzer targets do; their seeds are the hostile
//! corpus (`hostile/payloads.txt`) and text with bidi overrides, invisible and control
//! characters.
//!
//! Budget: `RELIABILITY_FUZZ_SECS` seconds per property (run.sh: 600); by default a fixed
//! number of executions.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use agentdesk_app::deeplink::MAX_PREFILL_CHARS;
use agentdesk_app::notify::{body_for_server, coalesce, NewMessage};
use agentdesk_reliability::{figures, hostile};
use intercom::models;
use intercom_sandbox::{Sandbox, SandboxConfig};
use rand::{rngs::StdRng, Rng, SeedableRng};

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"0.5",
    b"\\u0000",
    b"\\ud800",
    b"\"type\"",
    b"\"id\"",
    b"\"pages\"",
    b"\"next\"",
    b"\"conversations\"",
    b"\"conversation_parts\"",
    b"\"starting_after\"",
    b"\"query\"",
    b"\"operator\"",
    b"\"value\"",
    b"\"field\"",
    b"\"AND\"",
    b"\"OR\"",
    b"\"~\"",
    b"\">\"",
    b"\"IN\"",
    b"18446744073709551616",
    b"\xff\xfe",
    b"\xc3\x28",
];

fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.gen_range(0..seeds.len())].clone();
    for _ in 0..rng.gen_range(1..=4) {
        let len = data.len().max(1);
        match rng.gen_range(0..7) {
            0 if !data.is_empty() => {
                let i = rng.gen_range(0..data.len());
                data[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !data.is_empty() => {
                let a = rng.gen_range(0..data.len());
                let b = (a + rng.gen_range(1..64)).min(data.len());
                data.drain(a..b);
            }
            2 => {
                let i = rng.gen_range(0..=data.len());
                let t = TOKENS[rng.gen_range(0..TOKENS.len())];
                data.splice(i..i, t.iter().copied());
            }
            3 => data.truncate(rng.gen_range(0..len)),
            4 => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                if !other.is_empty() {
                    let a = rng.gen_range(0..other.len());
                    let b = (a + rng.gen_range(1..256)).min(other.len());
                    let i = rng.gen_range(0..=data.len());
                    data.splice(i..i, other[a..b].iter().copied());
                }
            }
            5 => {
                let depth = rng.gen_range(1..5_000);
                let i = rng.gen_range(0..=data.len());
                let open = if rng.gen_bool(0.5) { b'[' } else { b'{' };
                data.splice(i..i, std::iter::repeat_n(open, depth));
            }
            _ => {
                // Swap a digit run for a huge or negative number.
                if let Some(i) = data.iter().position(|b| b.is_ascii_digit()) {
                    let n: &[u8] = [&b"-9223372036854775809"[..], b"1e400", b"NaN", b"0x10"]
                        [rng.gen_range(0..4)];
                    data.splice(i..i + 1, n.iter().copied());
                }
            }
        }
    }
    data
}

fn budget(default_execs: u64) -> (Option<Duration>, u64) {
    match std::env::var("RELIABILITY_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(secs) => (Some(Duration::from_secs(secs)), u64::MAX),
        None => (None, default_execs),
    }
}

async fn get(http: &reqwest::Client, sb: &Sandbox, path: &str) -> Vec<u8> {
    http.get(format!("{}{path}", sb.base_url()))
        .bearer_auth(sb.token())
        .header("Intercom-Version", "2.14")
        .send()
        .await
        .expect("a sandbox answer")
        .bytes()
        .await
        .expect("a body")
        .to_vec()
}

async fn post(http: &reqwest::Client, sb: &Sandbox, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = http
        .post(format!("{}{path}", sb.base_url()))
        .bearer_auth(sb.token())
        .header("Intercom-Version", "2.14")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the sandbox answers every body (a dropped connection is a crash)");
    let status = r.status().as_u16();
    (status, r.bytes().await.expect("a body").to_vec())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn decode_all(which: u8, body: &[u8]) {
    let e = "fuzz";
    match which % 10 {
        0 => drop(intercom::decode_json::<models::ConversationList>(e, body)),
        1 => drop(intercom::decode_json::<models::Conversation>(e, body)),
        2 => drop(intercom::decode_json::<models::ContactList>(e, body)),
        3 => drop(intercom::decode_json::<models::Contact>(e, body)),
        4 => drop(intercom::decode_json::<models::EventList>(e, body)),
        5 => drop(intercom::decode_json::<models::EventSummaryList>(e, body)),
        6 => drop(intercom::decode_json::<models::AdminList>(e, body)),
        7 => drop(intercom::decode_json::<models::TeamList>(e, body)),
        8 => drop(intercom::decode_json::<models::Admin>(e, body)),
        _ => drop(intercom::decode_json::<models::ErrorList>(e, body)),
    }
}

#[test]
fn response_decoders_never_panic_on_mutated_answers() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 71,
            conversations: 40,
            contacts: 20,
            ..Default::default()
        }))
        .expect("the sandbox starts");
    let seeds: Vec<Vec<u8>> = rt.block_on(async {
        let http = reqwest::Client::new();
        let truth = sb.truth();
        let conv = truth["conversations"][0]["id"].as_str().expect("an id").to_owned();
        let contact = truth["contacts"][0]["id"].as_str().expect("an id").to_owned();
        let mut seeds = Vec::new();
        for path in [
            "/conversations?per_page=3".to_string(),
            format!("/conversations/{conv}"),
            format!("/contacts/{contact}"),
            format!("/events?type=user&intercom_user_id={contact}"),
            format!("/events?type=user&intercom_user_id={contact}&summary=true"),
            "/admins".into(),
            "/teams".into(),
            "/me".into(),
            "/no-such-route".into(),
        ] {
            seeds.push(get(&http, &sb, &path).await);
        }
        let q = br#"{"query":{"field":"updated_at","operator":">","value":0},"pagination":{"per_page":2}}"#;
        seeds.push(post(&http, &sb, "/conversations/search", q.to_vec()).await.1);
        seeds.push(post(&http, &sb, "/contacts/search", q.to_vec()).await.1);
        seeds
    });
    let seed = figures::seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let (time, max) = budget(100_000);
    let start = Instant::now();
    let mut execs = 0u64;
    let mut crashes = Vec::new();
    // The unmutated seeds and pathological inputs first.
    let mut fixed: Vec<Vec<u8>> = seeds.clone();
    fixed.push(vec![b'['; 1_000_000]);
    fixed.push(vec![b'{'; 1_000_000]);
    fixed.push(b"{\"type\":\"conversation.list\",\"conversations\":[".repeat(10_000));
    fixed.push(Vec::new());
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while time.map_or(execs < max, |t| start.elapsed() < t) {
        let input = match fixed.pop() {
            Some(f) => f,
            None => mutate(&mut rng, &seeds),
        };
        let which = (execs % 10) as u8;
        if catch_unwind(AssertUnwindSafe(|| decode_all(which, &input))).is_err() {
            crashes.push(String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned());
        }
        execs += 1;
    }
    std::panic::set_hook(prev_hook);
    figures::report(
        "fuzz (decoders, stable)",
        &format!("seed {seed}, executions {execs}, crashes {}", crashes.len()),
    );
    assert!(
        crashes.is_empty(),
        "a decoder panicked (seed {seed}); make each input a regression test:\n{}",
        crashes.join("\n")
    );
    rt.block_on(sb.shutdown());
}

#[test]
fn search_handler_answers_every_body_without_a_server_error() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 72,
            conversations: 60,
            contacts: 30,
            rate_limit: u32::MAX,
            ..Default::default()
        }))
        .expect("the sandbox starts");
    let seeds: Vec<Vec<u8>> = [
        &br#"{"query":{"field":"updated_at","operator":">","value":1700000000}}"#[..],
        br#"{"query":{"operator":"AND","value":[{"field":"state","operator":"=","value":"open"},{"field":"admin_assignee_id","operator":"IN","value":[1,2]}]},"sort":{"field":"created_at","order":"ascending"},"pagination":{"per_page":5}}"#,
        br#"{"query":{"operator":"OR","value":[{"field":"title","operator":"~","value":"invoice"},{"operator":"AND","value":[{"field":"created_at","operator":"<","value":1}]}]},"pagination":{"per_page":150,"starting_after":"MTcwMDAwMDAwMC4xLjE"}}"#,
        br#"{"query":{"field":"email","operator":"$","value":".com"}}"#,
        br#"{"query":{"field":"name","operator":"^","value":"A"},"pagination":{"per_page":0}}"#,
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    let seed = figures::seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let (time, max) = budget(5_000);
    let (execs, failures) = rt.block_on(async {
        let http = reqwest::Client::new();
        let start = Instant::now();
        let mut execs = 0u64;
        let mut failures = Vec::new();
        while time.map_or(execs < max, |t| start.elapsed() < t) {
            let body = mutate(&mut rng, &seeds);
            let path = if execs % 2 == 0 {
                "/conversations/search"
            } else {
                "/contacts/search"
            };
            let (status, answer) = post(&http, &sb, path, body.clone()).await;
            if status >= 500 {
                failures.push(format!(
                    "{path} {status} for {} -> {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)]),
                    String::from_utf8_lossy(&answer[..answer.len().min(200)])
                ));
            }
            execs += 1;
        }
        (execs, failures)
    });
    figures::report(
        "fuzz (sandbox search, stable)",
        &format!(
            "seed {seed}, executions {execs}, crashes {}",
            failures.len()
        ),
    );
    assert!(
        failures.is_empty(),
        "the search handler must answer 200 or 4xx to any body (seed {seed}):\n{}",
        failures.join("\n")
    );
    rt.block_on(sb.shutdown());
}

/// Text with what a stranger can hide in it: bidi overrides and isolates, zero-width and tag
/// characters, control characters, markup and entities, combining marks, long runs.
const TRICKY_TEXT: &[&str] = &[
    "pay\u{202e}exe.txt\u{202c} now",
    "\u{2066}\u{2067}\u{2068}hidden\u{2069}\u{202a}\u{202b}\u{202d}",
    "zero\u{200b}width\u{200c}\u{200d}\u{2060}\u{feff}",
    "\u{e0041}\u{e0042}tagged\u{e007f}",
    "ctl\u{0}\u{1}\u{1b}[31m\u{7f}\u{85}\r\n\t end",
    "<a href=\"https://evil.example\">pay</a> <img src=x onerror=alert(1)> a < b & c &amp; &lt;",
    "e\u{301}\u{301}\u{301} \u{308} \u{20dd}",
    "\u{fffd}\u{10ffff}\u{a0}\u{3000}",
];

fn fuzz_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = hostile::raw_payloads()
        .iter()
        .map(|p| p.as_bytes().to_vec())
        .collect();
    seeds.extend(TRICKY_TEXT.iter().map(|t| t.as_bytes().to_vec()));
    seeds
}

/// Runs `check` on mutations of `seeds` (each prefixed with a random selector byte, as the
/// libFuzzer targets read it) within the budget; returns executions and the failing inputs.
fn fuzz_property(
    seeds: &[Vec<u8>],
    default_execs: u64,
    check: impl Fn(&[u8]),
) -> (u64, u64, Vec<String>) {
    let seed = figures::seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let (time, max) = budget(default_execs);
    let start = Instant::now();
    let mut execs = 0u64;
    let mut failures = Vec::new();
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while time.map_or(execs < max, |t| start.elapsed() < t) {
        let mut input = vec![rng.gen::<u8>()];
        if (execs as usize) < seeds.len() {
            input.extend_from_slice(&seeds[execs as usize]);
        } else {
            // Several fields: the notification input splits messages on 0x1F.
            for i in 0..rng.gen_range(1..=4) {
                if i > 0 {
                    input.push(0x1f);
                }
                input.extend(mutate(&mut rng, seeds));
            }
        }
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&input))) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!(
                "{why}\n  input: {:?}",
                String::from_utf8_lossy(&input[..input.len().min(300)])
            ));
        }
        execs += 1;
    }
    std::panic::set_hook(prev_hook);
    (seed, execs, failures)
}

/// `fuzz_targets/notification_text.rs`'s property.
fn check_notification_text(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let hide_text = flags & 1 == 1;
    let input = String::from_utf8_lossy(rest);
    let fields: Vec<&str> = input.split('\u{1f}').collect();
    let messages: Vec<NewMessage> = fields
        .chunks(3)
        .map(|m| NewMessage {
            conversation_id: m[0].to_string(),
            contact_name: m.get(1).copied().unwrap_or_default().to_string(),
            text: m.get(2).copied().unwrap_or_default().to_string(),
        })
        .collect();
    let batch = coalesce(&messages, hide_text).expect("a message gives a notification");
    assert!(
        !batch
            .summary
            .chars()
            .chain(batch.body.chars())
            .any(char::is_control),
        "no control character reaches the server: {batch:?}"
    );
    assert!(
        batch.summary.chars().count() <= 100 && batch.body.chars().count() <= 200,
        "a notification stays short: {batch:?}"
    );
    let escaped = body_for_server(&batch, true);
    assert!(
        !escaped.contains('<') && !escaped.contains('>'),
        "the escaped body holds no tag: {escaped:?}"
    );
    let unescaped = escaped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert_eq!(unescaped, batch.body, "the server shows the body as it is");
    assert_eq!(
        body_for_server(&batch, false),
        batch.body,
        "plain servers get plain text"
    );
}

/// What a prefill may hold, written out apart from the parser's own table (so a gap in it
/// shows): no control character but newline and tab, no bidi embedding, override or isolate,
/// no zero-width or tag character.
fn visible_or_line_break(c: char) -> bool {
    c == '\n'
        || c == '\t'
        || !(c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
            || matches!(c, '\u{E0000}'..='\u{E007F}'))
}

/// `fuzz_targets/deep_link.rs`'s property.
fn check_deep_link(data: &[u8]) {
    let Some((&how, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let link = match how % 4 {
        0 => text.into_owned(),
        1 => format!("agentdesk://conversation/{text}"),
        2 => format!("agentdesk://conversation/42?prefill={text}"),
        _ => {
            let encoded: String = rest.iter().map(|b| format!("%{b:02X}")).collect();
            format!("agentdesk://conversation/42?prefill={encoded}")
        }
    };
    match agentdesk_app::deeplink::parse(&link) {
        Ok(open) => {
            assert!(
                agentdesk_app::ids::is_valid(&open.id),
                "a valid id: {open:?}"
            );
            assert!(open.from_link, "a parsed link says it is one");
            if let Some(prefill) = &open.prefill {
                assert!(!prefill.trim().is_empty(), "a blank prefill is none");
                assert!(
                    prefill.chars().count() <= MAX_PREFILL_CHARS,
                    "the prefill is bounded"
                );
                assert!(
                    prefill.chars().all(visible_or_line_break),
                    "only visible text, newlines and tabs: {prefill:?}"
                );
            }
        }
        Err(reason) => assert!(!reason.is_empty(), "a refusal says why"),
    }
}

#[test]
fn notification_text_is_short_plain_and_escaped_for_any_names_and_messages() {
    let (seed, execs, failures) = fuzz_property(&fuzz_seeds(), 30_000, check_notification_text);
    figures::report(
        "fuzz (notification text, stable)",
        &format!(
            "seed {seed}, executions {execs}, failures {}",
            failures.len()
        ),
    );
    assert!(
        failures.is_empty(),
        "the notification text broke its promise (seed {seed}); make each input a regression test:\n{}",
        failures.join("\n")
    );
}

#[test]
fn deep_links_are_parsed_or_refused_and_prefill_only_what_the_agent_can_see() {
    let (seed, execs, failures) = fuzz_property(&fuzz_seeds(), 30_000, check_deep_link);
    figures::report(
        "fuzz (deep links, stable)",
        &format!(
            "seed {seed}, executions {execs}, failures {}",
            failures.len()
        ),
    );
    assert!(
        failures.is_empty(),
        "the link parser broke its promise (seed {seed}); make each input a regression test:\n{}",
        failures.join("\n")
    );
}
