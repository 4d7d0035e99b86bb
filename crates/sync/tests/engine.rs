//! The running engine against the sandbox: live polling with count events, the outbox's
//! exactly-once delivery under timeout-after-apply, a read-only token, an unauthorized
//! token, network loss and recovery, and a clean stop.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_store::{OutboxItem, OutboxKind, OutboxStatus};
use agentdesk_sync::{new_client_uuid, spawn, Command, CommandOutcome, SyncEvent};
use common::*;
use intercom_sandbox::Fault;
use tokio::sync::mpsc::UnboundedReceiver;

type Log = Arc<Mutex<Vec<SyncEvent>>>;

fn collect(mut rx: UnboundedReceiver<SyncEvent>) -> Log {
    let log: Log = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            l.lock().expect("log").push(e);
        }
    });
    log
}

fn open_conversation(truth: &serde_json::Value) -> String {
    truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["state"] == "open")
        .and_then(|c| c["id"].as_str())
        .expect("the sandbox has an open conversation")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_reply_lands_after_the_next_poll_and_moves_the_unread_count() {
    let sb = sandbox(150, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("a reader connection");
    let (handle, rx) = spawn(client(&sb, 50), s, config(&sb));
    let log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    assert!(handle.status().online, "a completed cycle means online");
    let id = open_conversation(&sb.truth());
    let outcome = handle
        .execute(Command::MarkRead(id.clone()))
        .await
        .expect("marking read must succeed");
    assert!(
        matches!(outcome, CommandOutcome::Outbox(_)),
        "mark read goes through the outbox"
    );
    let unread_before = reader
        .view_counts(sb.admin_id(), &[])
        .expect("counts")
        .into_iter()
        .find(|v| v.id == "all_open")
        .map(|v| v.unread)
        .expect("all_open view");
    let part_id = sb
        .inject_contact_reply(&id, "<p>Is there any news?</p>")
        .expect("inject a contact reply");
    wait_until("the reply is cached", Duration::from_secs(20), || {
        reader
            .parts(&id)
            .expect("parts")
            .iter()
            .any(|p| p.id == part_id)
    })
    .await;
    wait_until(
        "CountsChanged shows one more unread",
        Duration::from_secs(20),
        || {
            log.lock().expect("log").iter().any(|e| match e {
                SyncEvent::CountsChanged(c) => c
                    .iter()
                    .any(|v| v.id == "all_open" && v.unread == unread_before + 1),
                _ => false,
            })
        },
    )
    .await;
    wait_until(
        "the new contact message is announced",
        Duration::from_secs(20),
        || {
            log.lock().expect("log").iter().any(|e| {
            matches!(e, SyncEvent::NewContactMessages(m) if m.iter().any(|c| c.part_id == part_id))
        })
        },
    )
    .await;
    let announced_before: usize = log
        .lock()
        .expect("log")
        .iter()
        .filter_map(|e| match e {
            SyncEvent::NewContactMessages(m) => Some(m.len()),
            _ => None,
        })
        .sum();
    assert_eq!(
        announced_before, 1,
        "only the one new part is announced, never backfilled history"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_times_out_after_being_applied_exists_exactly_once() {
    let sb = sandbox(60, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    let url = intercom::Url::parse(sb.base_url()).expect("url");
    let client = intercom::Client::builder(
        intercom::Region::Custom(url),
        intercom::AccessToken::new(sb.token()),
    )
    .request_timeout(Duration::from_millis(800))
    .backoff(Duration::from_millis(5), Duration::from_millis(50))
    .build()
    .expect("client");
    let (handle, rx) = spawn(client, s, config(&sb));
    let _log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    let id = open_conversation(&sb.truth());
    sb.fail_next_on(
        &format!("/conversations/{id}/reply"),
        1,
        Fault::TimeoutAfterApply(Duration::from_millis(1500)),
    );
    let body = format!("<p>We shipped the fix {}</p>", new_client_uuid());
    let outbox_id = match handle
        .execute(Command::Enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::Reply { body: body.clone() },
            client_uuid: new_client_uuid(),
        }))
        .await
        .expect("enqueue")
    {
        CommandOutcome::Outbox(i) => i,
        other => panic!("enqueue must return an outbox id, got {other:?}"),
    };
    wait_until("the reply is confirmed", Duration::from_secs(30), || {
        reader
            .outbox_item(outbox_id)
            .expect("item")
            .is_some_and(|e| e.status == OutboxStatus::Sent)
    })
    .await;
    let truth = sb.truth();
    let conv = truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("the conversation");
    let copies = conv["conversation_parts"]["conversation_parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter(|p| p["body"].as_str().is_some_and(|b| b.contains(&body)))
        .count();
    assert_eq!(
        copies, 1,
        "a reply whose answer was lost must exist exactly once in Intercom"
    );
    let cached = reader
        .parts(&id)
        .expect("parts")
        .into_iter()
        .filter(|p| p.body_html.as_deref().is_some_and(|b| b.contains(&body)))
        .count();
    assert_eq!(
        cached, 1,
        "the cache holds the reply once (the pending copy replaced by Intercom's)"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_fails_writes_with_a_reason_and_keeps_reading() {
    let sb = sandbox(60, |c| c.read_only_tokens = vec!["read-only".into()]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    let (handle, rx) = spawn(client_with(&sb, "read-only", 50), s, config(&sb));
    let _log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    let id = open_conversation(&sb.truth());
    let outbox_id = match handle
        .execute(Command::Enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::Close,
            client_uuid: new_client_uuid(),
        }))
        .await
        .expect("enqueue")
    {
        CommandOutcome::Outbox(i) => i,
        other => panic!("expected an outbox id, got {other:?}"),
    };
    wait_until(
        "the close is marked failed",
        Duration::from_secs(20),
        || {
            reader
                .outbox_item(outbox_id)
                .expect("item")
                .is_some_and(|e| e.status == OutboxStatus::Failed)
        },
    )
    .await;
    let entry = reader
        .outbox_item(outbox_id)
        .expect("item")
        .expect("still listed");
    let reason = entry.last_error.unwrap_or_default();
    assert!(
        reason.contains("permission") || reason.contains("403"),
        "the failure must say why (missing permission): {reason}"
    );
    let before = sb.request_count();
    handle.sync_now();
    wait_until(
        "reads go on after a refused write",
        Duration::from_secs(20),
        || {
            let st = handle.status();
            sb.request_count() > before && st.online && st.error.is_none()
        },
    )
    .await;
    assert!(
        !handle.status().auth_failed,
        "a refused write is not an auth failure"
    );
    let truth = sb.truth();
    let state = truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .map(|c| c["state"].clone());
    assert_eq!(
        state,
        Some(serde_json::json!("open")),
        "nothing was applied in Intercom"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthorized_token_stops_sync_without_retry_storm() {
    let sb = sandbox(30, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (handle, rx) = spawn(
        client_with(&sb, "revoked", 50),
        store(dir.path()),
        config(&sb),
    );
    let log = collect(rx);
    wait_until("auth_failed is reported", Duration::from_secs(10), || {
        handle.status().auth_failed
    })
    .await;
    assert_eq!(
        handle.status().error.map(|e| e.code),
        Some("unauthorized".to_owned()),
        "the status error says unauthorized"
    );
    // The event travels through the collector task: wait for it rather than race it.
    wait_until(
        "a Status event announces the auth failure",
        Duration::from_secs(10),
        || {
            log.lock()
                .expect("log")
                .iter()
                .any(|e| matches!(e, SyncEvent::Status(s) if s.auth_failed))
        },
    )
    .await;
    let requests = sb.request_count();
    handle.sync_now();
    handle.sync_now();
    // A command round-trip through the engine's loop proves both sync_now were handled.
    handle
        .execute(Command::MarkNotified(Vec::new()))
        .await
        .expect("local commands still work");
    assert_eq!(
        sb.request_count(),
        requests,
        "after an auth failure no request is sent, whatever is asked"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_loss_shows_offline_and_resumes_by_itself() {
    let sb = sandbox(40, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (handle, rx) = spawn(client(&sb, 50), store(dir.path()), config(&sb));
    let _log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    // Every request breaks for a while: more resets than the client retries.
    sb.fail_next(12, Fault::ResetMidBody);
    handle.sync_now();
    wait_until("the status goes offline", Duration::from_secs(20), || {
        !handle.status().online && handle.status().offline_since.is_some()
    })
    .await;
    assert_eq!(
        handle.status().error.map(|e| e.code),
        Some("offline".into()),
        "the error code says offline"
    );
    wait_until("sync resumes by itself", Duration::from_secs(30), || {
        let s = handle.status();
        s.online && s.offline_since.is_none() && s.error.is_none()
    })
    .await;
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_line_blank_after_a_restart_until_the_first_cycle_ended() {
    let sb = sandbox(30, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("a reader connection");
    let (handle, rx) = spawn(client(&sb, 50), s, config(&sb));
    let _log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    handle.stop(Duration::from_secs(5)).await;
    let synced = reader
        .sync_state("incremental")
        .expect("sync state")
        .and_then(|st| st.last_success_at)
        .expect("the poll recorded when it brought the cache up to date");

    // The next start finds Intercom unreachable: no cycle of this run can end.
    sb.fail_next(100_000, Fault::ResetMidBody);
    let (handle, rx) = spawn(client(&sb, 50), store(dir.path()), config(&sb));
    let _log = collect(rx);
    wait_until("the status goes offline", Duration::from_secs(20), || {
        !handle.status().online && handle.status().offline_since.is_some()
    })
    .await;
    assert_eq!(
        handle.status().last_sync_at,
        Some(synced),
        "a restart still knows when the cache was last synced, so offline it says what it shows"
    );
    handle.stop(Duration::from_secs(5)).await;
}

/// Opening a conversation fetches it (with its contact and events) and announces it, once
/// per open and with no timer: nothing in the engine repeats it by itself, and another open
/// fetches again at once. That the window's re-reads of the thread never ask for an open is
/// the app's part: the regression of the read-fetch-event-read loop lives there
/// (`agentdesk-app`, `inbox::tests::rereading_on_every_change_event_does_not_refetch_the_conversation_in_a_loop`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_open_fetches_the_conversation_once_and_announces_it() {
    let sb = sandbox(60, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (handle, rx) = spawn(client(&sb, 50), store(dir.path()), config(&sb));
    let log = collect(rx);
    let id = open_conversation(&sb.truth());
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    let count = |route: &str| sb.route_counts().get(route).copied().unwrap_or(0);
    let fetches = || count("GET /conversations/{id}");
    let polls = || count("POST /conversations/search");
    let announced = || {
        log.lock()
            .expect("log")
            .iter()
            .filter(|e| matches!(e, SyncEvent::ConversationsChanged(ids) if ids.contains(&id)))
            .count()
    };
    let (fetched_before, announced_before) = (fetches(), announced());

    handle.open_conversation(&id);
    wait_until("the open is announced", Duration::from_secs(20), || {
        announced() > announced_before
    })
    .await;
    let polls_after_open = polls();
    wait_until(
        "three polls follow the open",
        Duration::from_secs(20),
        || polls() >= polls_after_open + 3,
    )
    .await;
    assert_eq!(
        fetches() - fetched_before,
        1,
        "an open fetches the conversation once, and nothing repeats it by itself"
    );

    handle.open_conversation(&id);
    wait_until(
        "another open fetches the conversation again, with no waiting period",
        Duration::from_secs(10),
        || fetches() > fetched_before + 1,
    )
    .await;
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_customer_message_does_not_wait_for_the_background_passes() {
    // 600 conversations whose details are all still to fetch, 40 ms per request: the
    // background passes take seconds; a poll must not wait for them.
    let sb = sandbox(600, |c| c.latency = Duration::from_millis(40)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = config(&sb);
    first.metadata_only = true;
    agentdesk_sync::run_once(client(&sb, 150), store(dir.path()), first, |_| {})
        .await
        .expect("the metadata backfill");
    let s = store(dir.path());
    let reader = s.open_reader().expect("a reader connection");
    let mut cfg = config(&sb);
    cfg.background_detail_budget = usize::MAX;
    cfg.events_for_open_contacts = false;
    cfg.poll_interval = Duration::from_millis(100);
    let (handle, _rx) = spawn(client(&sb, 150), s, cfg);
    let closed: Vec<String> = sb.truth()["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter(|c| c["state"] == "closed")
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    let detailed = |ids: &[String]| {
        ids.iter()
            .filter(|id| reader.details_fetched(id).expect("details flag"))
            .count()
    };
    wait_until(
        "the background passes are fetching closed conversations",
        Duration::from_secs(30),
        || detailed(&closed) > 0,
    )
    .await;
    let target = open_conversation(&sb.truth());
    let part_id = sb
        .inject_contact_reply(&target, "<p>Hello? Anyone?</p>")
        .expect("inject a contact reply");
    wait_until("the reply is cached", Duration::from_secs(30), || {
        reader
            .parts(&target)
            .expect("parts")
            .iter()
            .any(|p| p.id == part_id)
    })
    .await;
    let done = detailed(&closed);
    assert!(
        done < closed.len(),
        "the reply must be in while the background passes are still going ({done} of {} closed conversations detailed): a poll does not wait behind them",
        closed.len()
    );
    handle.stop(Duration::from_secs(10)).await;
}

/// Regression: hiding the window in the tray switched polling to a fixed 60 s whatever the
/// agent's poll interval, so the tray badge and notifications (the reason to hide the
/// window) came up to a minute late.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_window_keeps_the_agents_poll_interval() {
    let sb = sandbox(60, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("a reader connection");
    let cfg = config(&sb);
    assert_eq!(
        cfg.poll_interval,
        Duration::from_millis(200),
        "the test relies on a short poll interval"
    );
    let (handle, rx) = spawn(client(&sb, 50), s, cfg);
    let log = collect(rx);
    wait_until(
        "the initial sync completes",
        Duration::from_secs(30),
        || handle.status().last_sync_at.is_some(),
    )
    .await;
    handle.set_visible(false);
    let polls = || {
        sb.route_counts()
            .get("POST /conversations/search")
            .copied()
            .unwrap_or(0)
    };
    // Five polls of 200 ms take about a second; the old hidden interval needed five minutes.
    let polls_hidden = polls();
    wait_until(
        "polls go on at the agent's interval while the window is hidden",
        Duration::from_secs(10),
        || polls() >= polls_hidden + 5,
    )
    .await;
    let id = open_conversation(&sb.truth());
    let part_id = sb
        .inject_contact_reply(&id, "<p>Anyone there?</p>")
        .expect("inject a contact reply");
    wait_until(
        "a customer message is announced (and so notified) while hidden, within seconds",
        Duration::from_secs(10),
        || {
            log.lock().expect("log").iter().any(|e| {
                matches!(e, SyncEvent::NewContactMessages(m) if m.iter().any(|c| c.part_id == part_id))
            })
        },
    )
    .await;
    assert!(
        reader
            .parts(&id)
            .expect("parts")
            .iter()
            .any(|p| p.id == part_id),
        "the announced message is in the cache, so the tray count includes it"
    );
    handle.stop(Duration::from_secs(5)).await;
}

/// A write made while the first sync is still running goes out at once, not after the first
/// sync's last pass (the demo's first sync takes a minute: a priority set or a reply sent in
/// it used to wait for all of it, because the engine only sent writes once it had seen a
/// cycle end, and the first cycle sent the outbox last).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_made_during_the_first_sync_is_sent_before_the_sync_ends() {
    let sb = sandbox(60, |_| {}).await;
    // The first sync's contacts pass hangs, so it cannot end while the write is sent.
    sb.fail_next_on("/contacts/", 1000, Fault::Stall(Duration::from_secs(120)));
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("a reader connection");
    let (handle, _rx) = spawn(client(&sb, 50), s, config(&sb));
    wait_until(
        "the backfill has cached the conversations",
        Duration::from_secs(30),
        || reader.conversation_count().unwrap_or(0) == 60,
    )
    .await;
    let id = open_conversation(&sb.truth());
    let outbox_id = match handle
        .execute(Command::Enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::Close,
            client_uuid: new_client_uuid(),
        }))
        .await
        .expect("enqueue")
    {
        CommandOutcome::Outbox(i) => i,
        other => panic!("enqueue must return an outbox id, got {other:?}"),
    };
    wait_until("the close is confirmed", Duration::from_secs(30), || {
        reader
            .outbox_item(outbox_id)
            .ok()
            .flatten()
            .is_some_and(|r| r.status == OutboxStatus::Sent)
    })
    .await;
    assert!(
        handle.status().last_sync_at.is_none(),
        "the write went out while the first sync was still running"
    );
    assert_eq!(
        sb.truth()["conversations"]
            .as_array()
            .expect("conversations")
            .iter()
            .find(|c| c["id"] == id.as_str())
            .map(|c| c["state"].clone()),
        Some(serde_json::json!("closed")),
        "Intercom has the conversation closed"
    );
    handle.stop(Duration::from_secs(5)).await;
}
