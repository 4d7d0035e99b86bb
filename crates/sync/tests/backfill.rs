//! Backfill and full sync against the sandbox: exactness, resume after an interruption,
//! faults during the walk, and a malformed page reported, not skipped.

mod common;

use std::time::Duration;

use agentdesk_sync::{run_once, ErrorClass, Phase, SyncError};
use common::*;
use intercom_sandbox::Fault;

/// The engine's configuration for a metadata-only backfill (no parts, contacts or events).
fn metadata_only(sb: &intercom_sandbox::Sandbox) -> agentdesk_sync::EngineConfig {
    let mut cfg = config(sb);
    cfg.metadata_only = true;
    cfg
}

/// The probe's search succeeds; the next search, a window's first page, is malformed.
fn malform_first_window_page(sb: &intercom_sandbox::Sandbox) {
    sb.fail_next_on("/conversations/search", 1, Fault::Stall(Duration::ZERO));
    sb.fail_next_on("/conversations/search", 1, Fault::MalformedJson);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sync_makes_the_cache_equal_to_intercom() {
    let sb = sandbox(400, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut last = None;
    let report = run_once(client(&sb, 50), store(dir.path()), config(&sb), |p| {
        if p.phase == Phase::Backfill {
            last = Some((p.done, p.total));
        }
    })
    .await
    .expect("a full sync against a healthy sandbox must succeed");
    assert_eq!(
        last,
        Some((400, 400)),
        "backfill progress must end at total_count"
    );
    assert_eq!(report.backfill.total, 400, "total comes from total_count");
    assert!(
        report.details >= 400,
        "every conversation's parts must be fetched with an unlimited budget"
    );
    let s = store(dir.path());
    assert_exact(&s, &sb.truth(), sb.admin_id(), true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_over_an_unchanged_workspace_fetches_no_details_or_events() {
    let sb = sandbox(300, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = config(&sb);
    cfg.background_detail_budget = usize::MAX;
    run_once(client(&sb, 50), store(dir.path()), cfg.clone(), |_| {})
        .await
        .expect("the first sync");
    let truth = sb.truth();
    let without_parts = truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter(|c| {
            c["conversation_parts"]["conversation_parts"]
                .as_array()
                .is_none_or(|p| p.is_empty())
        })
        .count();
    assert!(
        without_parts > 0,
        "the workspace has conversations without parts, the case this test is about"
    );
    let before = sb.route_counts();
    run_once(client(&sb, 50), store(dir.path()), cfg, |_| {})
        .await
        .expect("the second sync");
    let after = sb.route_counts();
    let delta = |route: &str| {
        after.get(route).copied().unwrap_or(0) - before.get(route).copied().unwrap_or(0)
    };
    assert_eq!(
        delta("GET /conversations/{id}"),
        0,
        "nothing changed, so no conversation is fetched again, not even one without parts"
    );
    assert_eq!(
        delta("GET /events"),
        0,
        "events fetched once (even none) are not fetched again at the next start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_backfill_uses_about_the_minimum_number_of_requests() {
    let sb = sandbox(600, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = metadata_only(&sb);
    let before = sb.request_count();
    let report = run_once(client(&sb, 50), store(dir.path()), cfg, |_| {})
        .await
        .expect("a metadata-only sync must succeed");
    // Tickets are synced in the same pass and have their own request test (tests/tickets.rs).
    let tickets: u64 = sb
        .route_counts()
        .iter()
        .filter(|(route, _)| route.contains(" /ticket"))
        .map(|(_, n)| n)
        .sum();
    let used = sb.request_count() - before - tickets;
    let minimum = 600u64.div_ceil(50);
    // probe + admins + teams + tags + attribute definitions + one partial last page per
    // window (2 × partitions windows).
    assert!(
        used <= minimum + 5 + 8,
        "the partitioned backfill must stay close to ceil(N/per_page) requests: used {used}, minimum {minimum}"
    );
    assert_eq!(report.details, 0, "metadata only fetches no parts");
    let s = store(dir.path());
    assert_exact(&s, &sb.truth(), sb.admin_id(), false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_backfill_resumes_from_its_cursors_without_duplicates() {
    let sb = sandbox(600, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = metadata_only(&sb);
    // The 9th search page breaks for good (the client's retries exhausted): the run fails
    // part-way, like a crash, after some windows stored some pages.
    sb.fail_next_on("/conversations/search", 8, Fault::Stall(Duration::ZERO));
    sb.fail_next_on("/conversations/search", 1, Fault::Status(400));
    let first = run_once(client(&sb, 20), store(dir.path()), cfg.clone(), |_| {}).await;
    assert!(
        first.is_err(),
        "a backfill whose pages keep failing must report the failure"
    );
    let stored = store(dir.path()).conversation_count().expect("count");
    assert!(
        stored > 0 && stored < 600,
        "the first run must have stored part of the workspace (stored {stored})"
    );
    let before = sb.request_count();
    let report = run_once(client(&sb, 20), store(dir.path()), cfg, |_| {})
        .await
        .expect("the resumed backfill must finish");
    let used = sb.request_count() - before;
    let remaining_pages = (600 - stored as u64).div_ceil(20);
    assert!(
        used <= remaining_pages + 3 + 8 + 8,
        "a resume must fetch about the remaining pages only: used {used} for {remaining_pages} remaining pages"
    );
    assert!(
        report.backfill.resumed_windows > 0 || report.backfill_new > 0,
        "the second run continued the plan"
    );
    assert_exact(&store(dir.path()), &sb.truth(), sb.admin_id(), false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_resets_and_429s_during_the_walk_still_end_exact() {
    let sb = sandbox(300, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // The probe takes the first ones (the client retries each), window pages the rest.
    sb.fail_next_on("/conversations/search", 1, Fault::Status(503));
    sb.fail_next_on("/conversations/search", 1, Fault::ResetMidBody);
    sb.fail_next_on("/conversations/search", 1, Fault::RateLimited);
    sb.fail_next_on(
        "/conversations/search",
        1,
        Fault::Stall(std::time::Duration::ZERO),
    );
    sb.fail_next_on("/conversations/search", 1, Fault::Status(500));
    sb.fail_next_on("/conversations/search", 1, Fault::ResetMidBody);
    sb.fail_next_on("/conversations/", 3, Fault::Status(502));
    run_once(client(&sb, 25), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("transient faults are retried by the client and must not fail the sync");
    assert_exact(&store(dir.path()), &sb.truth(), sb.admin_id(), true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_page_is_reported_not_skipped() {
    let sb = sandbox(200, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = metadata_only(&sb);
    malform_first_window_page(&sb);
    let err = run_once(client(&sb, 50), store(dir.path()), cfg.clone(), |_| {})
        .await
        .expect_err("a malformed page must fail the sync, not be skipped");
    assert!(
        matches!(err, SyncError::Malformed { .. }),
        "the error must say the page was malformed: {err:?}"
    );
    assert_eq!(
        err.kind(),
        ErrorClass::Other,
        "a malformed page is neither auth nor network"
    );
    assert!(
        err.to_string().contains("unreadable page"),
        "the message must say what happened: {err}"
    );
    // The next run fetches that page again and ends exact.
    run_once(client(&sb, 50), store(dir.path()), cfg, |_| {})
        .await
        .expect("once the page is readable the sync completes");
    assert_exact(&store(dir.path()), &sb.truth(), sb.admin_id(), false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_window_page_holds_back_only_its_own_window() {
    let sb = sandbox(300, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = metadata_only(&sb);
    malform_first_window_page(&sb);
    let err = run_once(client(&sb, 50), store(dir.path()), cfg.clone(), |_| {})
        .await
        .expect_err("the unreadable page is reported");
    assert!(
        matches!(err, SyncError::Malformed { .. }),
        "the error names the unreadable page: {err:?}"
    );
    let stored = store(dir.path()).conversation_count().expect("count");
    // 8 windows (2 × 4 partitions) of ~38 conversations: only one of them may be missing.
    assert!(
        (150..300).contains(&stored),
        "every other window is walked and stored despite the bad page: {stored} of 300"
    );
    let before = sb.request_count();
    run_once(client(&sb, 50), store(dir.path()), cfg, |_| {})
        .await
        .expect("once the page is readable the sync completes");
    let again = sb.request_count() - before;
    assert!(
        again <= 8,
        "the second run walks only the window left behind (plus admins, teams, tags and \
         attribute definitions): {again} requests"
    );
    assert_exact(&store(dir.path()), &sb.truth(), sb.admin_id(), false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_conversation_or_contact_holds_back_only_itself() {
    let sb = sandbox(200, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let truth = sb.truth();
    let has_parts = |c: &&serde_json::Value| {
        c["conversation_parts"]["conversation_parts"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    };
    let with_parts: Vec<&serde_json::Value> = truth["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter(has_parts)
        .collect();
    let conv = with_parts[0]["id"].as_str().expect("an id").to_string();
    let contact = truth["conversations"][1]["contacts"]["contacts"][0]["id"]
        .as_str()
        .expect("a contact id")
        .to_string();
    sb.fail_next_on(&format!("/conversations/{conv}"), 1, Fault::MalformedJson);
    sb.fail_next_on(&format!("/contacts/{contact}"), 1, Fault::MalformedJson);
    let err = run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect_err("the unreadable answers are reported");
    assert!(
        matches!(err, SyncError::Malformed { .. }),
        "the error says an answer was unreadable: {err:?}"
    );
    let s = store(dir.path());
    let without_parts: Vec<String> = with_parts
        .iter()
        .filter_map(|c| c["id"].as_str())
        .filter(|id| s.part_count(id).expect("part count") == 0)
        .map(str::to_owned)
        .collect();
    assert_eq!(
        without_parts,
        vec![conv.clone()],
        "every conversation with parts but the unreadable one has them after the first run"
    );
    assert!(
        s.contact(&contact).expect("query").is_none(),
        "the unreadable contact is not invented"
    );
    drop(s);
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("the next run fetches what was left and succeeds");
    assert_exact(&store(dir.path()), &sb.truth(), sb.admin_id(), true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthorized_token_fails_with_the_auth_class() {
    let sb = sandbox(50, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let err = run_once(
        client_with(&sb, "wrong-token", 50),
        store(dir.path()),
        config(&sb),
        |_| {},
    )
    .await
    .expect_err("a rejected token must fail the sync");
    assert_eq!(
        err.kind(),
        ErrorClass::Auth,
        "exit code 3 is derived from the auth class: {err}"
    );
    assert!(
        sb.request_count() <= 3,
        "a rejected token must not cause a retry storm ({} requests)",
        sb.request_count()
    );
}
