//! Suite 3, outbox exactly-once: replies, notes and actions are queued while offline (through
//! the sync engine, as the window does, with Intercom unreachable), then the real `agentdesk`
//! binary drains them online while the sandbox withholds answers after applying writes
//! (`TimeoutAfterApply`) and the process is killed with SIGKILL mid-drain, restarted, killed
//! again, and finally left to finish. Every item must be in Intercom exactly once: replies
//! and notes are found by the client uuid the engine embeds in their body; each
//! conversation's actions by their kind, in the write log of the sandbox.
//!
//! Default: 100 items over 25 conversations, 2 kills. `RELIABILITY_LONG=1`: 400 items over 100
//! conversations, 6 kills.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use agentdesk_reliability::cli::Cli;
use agentdesk_reliability::{cache, figures};
use agentdesk_store::{Assignee, OutboxItem, OutboxKind, Store};
use agentdesk_sync::{Command, CommandOutcome, EngineConfig};
use intercom::{AccessToken, Region, Url};
use intercom_sandbox::{Fault, Sandbox, SandboxConfig};
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_agentdesk-under-test");

/// The kind of write a logged request is, from its path and body.
fn write_kind(w: &Value) -> Option<&'static str> {
    let path = w["path"].as_str()?;
    let body: Value = match &w["body"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    let mt = body["message_type"].as_str().unwrap_or("");
    let method = w["method"].as_str().unwrap_or("");
    if path.starts_with("/tickets/") {
        return match method {
            "PUT" => Some("ticket_update"),
            _ => None,
        };
    }
    if path.ends_with("/tags") && method == "POST" {
        return Some("tag");
    }
    if method == "PUT" {
        if body.get("priority").is_some() {
            return Some("priority");
        }
        if body.get("custom_attributes").is_some() {
            return Some("attributes");
        }
        return None;
    }
    if path.ends_with("/reply") {
        return Some(if mt == "note" { "note" } else { "reply" });
    }
    if path.ends_with("/parts") {
        return match mt {
            "close" => Some("close"),
            "assignment" => Some("assign"),
            "open" => Some("reopen"),
            "snooze" => Some("snooze"),
            _ => None,
        };
    }
    None
}

fn conversation_of(path: &str) -> Option<String> {
    path.strip_prefix("/conversations/")
        .or_else(|| path.strip_prefix("/tickets/"))?
        .split('/')
        .next()
        .map(str::to_owned)
}

#[test]
fn queued_replies_and_actions_land_exactly_once_across_kills_and_timeouts() {
    let (conversations_used, kills) = if figures::long() { (100, 6) } else { (25, 2) };
    let seed = figures::seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 31,
            // ~18% of generated conversations are open: 400 gives the default's 25 targets
            // with room, the long variant's 100 need 800.
            conversations: if figures::long() { 800 } else { 400 },
            contacts: 120,
            ..Default::default()
        }))
        .expect("the sandbox starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    assert_eq!(app.login(sb.base_url(), sb.token()).code, Some(0), "login");
    let out = app.run(&["sync", "--once"], None);
    assert_eq!(out.code, Some(0), "the first sync: {}", out.text());
    let db = app.db_path();

    // Open conversations to write to, each getting: reply, note, assign to me, close.
    let truth = sb.truth();
    let targets: Vec<String> = truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter(|c| c["state"] == "open")
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .take(conversations_used)
        .collect();
    assert_eq!(
        targets.len(),
        conversations_used,
        "the workspace has enough open conversations"
    );
    let me = sb.admin_id().to_owned();
    let tag = sb.tag_ids()[0].clone();
    // Open tickets to write to, each getting a reply and a move to waiting on the customer.
    let ticket_targets: Vec<String> = sb
        .ticket_ids()
        .into_iter()
        .filter(|id| {
            sb.ticket(id).is_some_and(|t| {
                !matches!(
                    t["ticket_state"]["category"].as_str(),
                    Some("resolved" | "waiting_on_customer")
                )
            })
        })
        .take(conversations_used / 5)
        .collect();
    assert!(!ticket_targets.is_empty(), "the workspace has open tickets");
    let waiting_id = Store::open(&db)
        .expect("the cache opens")
        .ticket_state_id("waiting_on_customer")
        .expect("states read")
        .expect("the workspace has a waiting-on-customer state");
    let mut items = Vec::new();
    for ticket in &ticket_targets {
        for kind in [
            OutboxKind::TicketReply {
                body: format!("<p>Reply to ticket {ticket}</p>"),
            },
            OutboxKind::TicketUpdate {
                state: Some("waiting_on_customer".into()),
                state_id: Some(waiting_id.clone()),
                attributes: serde_json::Map::new(),
            },
        ] {
            items.push(OutboxItem {
                conversation_id: ticket.clone(),
                admin_id: me.clone(),
                kind,
                client_uuid: agentdesk_sync::new_client_uuid(),
            });
        }
    }
    for conv in &targets {
        for kind in [
            OutboxKind::Reply {
                body: format!("<p>Reply to {conv}</p>"),
            },
            OutboxKind::Note {
                body: format!("<p>Note on {conv}</p>"),
            },
            OutboxKind::Assign {
                assignee: Assignee::Admin(me.clone()),
            },
            OutboxKind::Close,
            // Issue 14: tag, priority and an attribute, each also exactly once.
            OutboxKind::Tag {
                tag_id: tag.clone(),
                name: "tag".into(),
            },
            OutboxKind::Priority { priority: true },
            OutboxKind::Attributes {
                values: serde_json::json!({"Order value": 77})
                    .as_object()
                    .cloned()
                    .expect("an object"),
            },
        ] {
            items.push(OutboxItem {
                conversation_id: conv.clone(),
                admin_id: me.clone(),
                kind,
                client_uuid: agentdesk_sync::new_client_uuid(),
            });
        }
    }

    // Offline: the engine cannot reach Intercom (nothing listens on port 1), so every item
    // waits in the outbox.
    rt.block_on(async {
        let offline = intercom::Client::builder(
            Region::Custom(Url::parse("http://127.0.0.1:1").expect("a URL")),
            AccessToken::new(sb.token()),
        )
        .request_timeout(Duration::from_secs(2))
        .build()
        .expect("a client");
        let store = Store::open(&db).expect("the app's cache opens");
        let (handle, _events) = agentdesk_sync::spawn(offline, store, EngineConfig::new(&me));
        // Until its first attempt fails the engine does not know it is offline, and sends a
        // write at once (a stop in the middle of that send leaves the item in doubt, to be
        // reconciled): queue the items once it knows, as an agent's offline writes are.
        let mut status = handle.watch_status();
        tokio::time::timeout(
            Duration::from_secs(60),
            status.wait_for(|s| s.offline_since.is_some()),
        )
        .await
        .expect("the engine finds itself offline within a minute")
        .expect("the engine runs");
        for item in items.clone() {
            let outcome = handle
                .execute(Command::Enqueue(item))
                .await
                .expect("enqueue works offline");
            assert!(
                matches!(outcome, CommandOutcome::Outbox(_)),
                "an enqueue yields an outbox item"
            );
        }
        handle.stop(Duration::from_secs(10)).await;
    });
    let status = app.run(&["status", "--json"], None);
    let status: Value = serde_json::from_str(&status.stdout).expect("status --json");
    assert_eq!(
        status["outbox"]["pending"].as_u64(),
        Some(items.len() as u64),
        "every item waits in the outbox while offline"
    );

    // Online, with answers withheld after the write is applied, and kills mid-drain.
    let mut timeouts = 0;
    let inject = |rng: &mut StdRng, timeouts: &mut usize| {
        for conv in &targets {
            if rng.gen_bool(0.3) {
                sb.fail_next_on(
                    &format!("/conversations/{conv}/"),
                    1,
                    Fault::TimeoutAfterApply(Duration::from_millis(200)),
                );
                *timeouts += 1;
            }
        }
        for ticket in &ticket_targets {
            if rng.gen_bool(0.3) {
                sb.fail_next_on(
                    &format!("/tickets/{ticket}"),
                    1,
                    Fault::TimeoutAfterApply(Duration::from_millis(200)),
                );
                *timeouts += 1;
            }
        }
    };
    let mut killed = 0;
    for trial in 0..kills {
        inject(&mut rng, &mut timeouts);
        let before = sb.write_log().len();
        let k = rng.gen_range(1..=(items.len() / (kills + 1)).max(1));
        let mut child = app.spawn_quiet(&["sync", "--once"]);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if child.try_wait().expect("poll the child").is_some() {
                break;
            }
            if sb.write_log().len() >= before + k {
                child.kill().expect("SIGKILL the sync");
                killed += 1;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "trial {trial}: the drain neither progressed nor ended"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.wait();
    }
    inject(&mut rng, &mut timeouts);
    // Runs until the outbox is empty: a run may end with items it could not confirm yet
    // (in doubt after a timeout); the next run reconciles them.
    let mut runs = 0;
    loop {
        let out = app.run(&["sync", "--once"], None);
        assert_eq!(out.code, Some(0), "an online sync succeeds: {}", out.text());
        runs += 1;
        let s: Value =
            serde_json::from_str(&app.run(&["status", "--json"], None).stdout).expect("status");
        let left = s["outbox"]["pending"].as_i64().unwrap_or(-1)
            + s["outbox"]["inDoubt"].as_i64().unwrap_or(-1);
        assert_eq!(
            s["outbox"]["failed"].as_i64(),
            Some(0),
            "no item is refused: {s}"
        );
        if left == 0 {
            break;
        }
        assert!(
            runs < 10,
            "the outbox drains within 10 online runs; {left} left"
        );
    }

    // Count what Intercom applied.
    let truth = sb.truth();
    let mut text_hits: BTreeMap<String, usize> = BTreeMap::new();
    for c in truth["conversations"].as_array().expect("conversations") {
        for p in c["conversation_parts"]["conversation_parts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let body = p["body"].as_str().unwrap_or("");
            for item in &items {
                if body.contains(&item.client_uuid) {
                    *text_hits.entry(item.client_uuid.clone()).or_default() += 1;
                }
            }
        }
    }
    for ticket in &ticket_targets {
        let body = sb.ticket(ticket).map(|t| t.to_string()).unwrap_or_default();
        for item in &items {
            *text_hits.entry(item.client_uuid.clone()).or_default() +=
                body.matches(&item.client_uuid).count();
        }
    }
    let mut action_hits: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for w in sb.write_log() {
        if w["applied"] != true {
            continue;
        }
        let (Some(conv), Some(kind)) =
            (w["path"].as_str().and_then(conversation_of), write_kind(&w))
        else {
            continue;
        };
        if matches!(
            kind,
            "assign" | "close" | "tag" | "priority" | "attributes" | "ticket_update"
        ) {
            *action_hits.entry((conv, kind)).or_default() += 1;
        }
    }
    let hits = |id: &str, kind: &str| {
        action_hits
            .get(&(id.to_string(), kind))
            .copied()
            .unwrap_or(0)
    };
    let (mut sent, mut duplicated, mut lost) = (0, 0, 0);
    let mut problems = Vec::new();
    for item in &items {
        let n = match &item.kind {
            OutboxKind::Reply { .. } | OutboxKind::Note { .. } => {
                text_hits.get(&item.client_uuid).copied().unwrap_or(0)
            }
            OutboxKind::TicketReply { .. } => {
                text_hits.get(&item.client_uuid).copied().unwrap_or(0)
            }
            OutboxKind::Assign { .. } => action_hits
                .get(&(item.conversation_id.clone(), "assign"))
                .copied()
                .unwrap_or(0),
            OutboxKind::Tag { .. } => hits(&item.conversation_id, "tag"),
            OutboxKind::Priority { .. } => hits(&item.conversation_id, "priority"),
            OutboxKind::Attributes { .. } => hits(&item.conversation_id, "attributes"),
            OutboxKind::TicketUpdate { .. } => hits(&item.conversation_id, "ticket_update"),
            _ => action_hits
                .get(&(item.conversation_id.clone(), "close"))
                .copied()
                .unwrap_or(0),
        };
        match n {
            0 => lost += 1,
            1 => sent += 1,
            _ => duplicated += 1,
        }
        if n != 1 {
            problems.push(format!(
                "{:?} on {} landed {n} times",
                item.kind, item.conversation_id
            ));
        }
    }
    let integrity = cache::integrity_check(&db);
    figures::report(
        "outbox",
        &format!(
            "seed {seed}, items {}, sent {sent}, duplicated {duplicated}, lost {lost}; {killed} kills mid-drain, {timeouts} timeouts after apply injected, {runs} final runs, integrity {integrity}",
            items.len()
        ),
    );
    assert!(
        problems.is_empty(),
        "every queued reply and action must land exactly once (seed {seed}):\n{}",
        problems.join("\n")
    );
    assert_eq!(integrity, "ok", "the cache is intact after the kills");
    rt.block_on(sb.shutdown());
}
