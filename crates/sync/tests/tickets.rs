//! Tickets end to end: the engine against the sandbox over HTTP into a real SQLite file.
//! Backfill, polls after live changes, a backfill killed part-way and resumed, a ticket
//! deleted in Intercom between its listing and its details (with an outbox item waiting), a
//! ticket of a type `GET /ticket_types` does not list, a token without the tickets
//! permission, and ticket writes delivered exactly once (a lost answer, a kill mid-queue).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use agentdesk_store::{OutboxItem, OutboxKind, OutboxStatus, Store};
use agentdesk_sync::{new_client_uuid, run_once, EngineConfig, Phase, SyncError};
use common::{client, client_with, config, sandbox, store};
use intercom_sandbox::{Fault, Sandbox};
use serde_json::Value;

fn metadata_only(sb: &Sandbox) -> EngineConfig {
    let mut c = config(sb);
    c.metadata_only = true;
    c
}

/// The cache holds exactly the sandbox's live tickets with their state, title, assignee and
/// (when `parts`) every part.
fn assert_tickets_exact(s: &Store, sb: &Sandbox, parts: bool) {
    let want: BTreeSet<String> = sb.ticket_ids().into_iter().collect();
    let mut have = BTreeSet::new();
    for state in [None, Some("resolved")] {
        let mut cursor = None;
        loop {
            let (rows, next) = s
                .list_tickets(state, None, cursor.as_ref(), 200)
                .expect("list");
            have.extend(rows.into_iter().map(|r| r.id));
            match next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
    }
    assert_eq!(
        have, want,
        "the cache holds exactly Intercom's live tickets"
    );
    for id in &want {
        let truth = sb.ticket(id).expect("live ticket");
        let d = s.ticket_detail(id).expect("reads").expect("cached");
        assert_eq!(
            Some(d.ticket.state.as_str()),
            truth["ticket_state"]["category"].as_str(),
            "ticket {id}: the cached state is Intercom's"
        );
        assert_eq!(
            d.ticket.title.as_deref(),
            truth["ticket_attributes"]["_default_title_"].as_str(),
            "ticket {id}: the cached title is Intercom's"
        );
        let admin = truth["admin_assignee_id"].as_str().filter(|a| *a != "0");
        assert_eq!(
            d.ticket.admin_assignee_id.as_deref(),
            admin,
            "ticket {id}: the cached assignee is Intercom's"
        );
        if parts {
            let want_parts: BTreeSet<String> = truth["ticket_parts"]["ticket_parts"]
                .as_array()
                .expect("parts")
                .iter()
                .filter_map(|p| p["id"].as_str().map(str::to_owned))
                .collect();
            let have_parts: BTreeSet<String> = d.parts.iter().map(|p| p.id.clone()).collect();
            assert_eq!(
                have_parts, want_parts,
                "ticket {id}: every part is cached once"
            );
        }
    }
    assert_eq!(
        s.ticket_count(sb.admin_id()).expect("count"),
        s.ticket_count_exact(sb.admin_id()).expect("scan"),
        "the trigger-kept tickets count equals a scan"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_backfill_caches_every_ticket_type_state_and_part() {
    let sb = sandbox(200, |c| c.tickets = Some(57)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let report = run_once(client(&sb, 20), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("a full sync with tickets succeeds");
    assert!(
        report.details > 0,
        "conversations are synced in the same pass"
    );
    let s = store(dir.path());
    assert_tickets_exact(&s, &sb, true);
    let types = s.ticket_types(false).expect("types");
    assert_eq!(
        types.len(),
        2,
        "the two listed, not archived, types are cached"
    );
    assert!(
        types
            .iter()
            .flat_map(|t| &t.attributes)
            .any(|a| a.data_type == "list" && a.options.len() == 3),
        "a list attribute is cached with its options"
    );
    assert!(
        types
            .iter()
            .flat_map(|t| &t.attributes)
            .any(|a| a.data_type == "float"),
        "Intercom's decimal attribute is cached as float"
    );
    assert!(
        types
            .iter()
            .flat_map(|t| &t.attributes)
            .all(|a| a.label.is_none()),
        "attributes are shown by their name: Intercom's description is help text, not a label"
    );
    assert_eq!(
        s.ticket_states().expect("states").len(),
        5,
        "every state of the workspace is cached"
    );
    assert_eq!(
        s.ticket_count(sb.admin_id()).expect("count").unread,
        0,
        "the first sync seeds read marks: old tickets are not all unread"
    );
    let hit = s.search_tickets("refund", 5).expect("search");
    assert!(
        hit.iter().all(|h| sb.ticket(&h.ticket_id).is_some()),
        "ticket search hits name tickets"
    );
}

/// The ticket listing runs beside the conversations' backfill on one shared governor; each
/// step still reports exactly the requests it sent, so `sync --once`'s per-step figures can
/// be read (and a runaway in one of them seen) while both run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_and_ticket_steps_each_report_their_own_requests() {
    // 1,000 tickets at 20 a page: three windows walked at once.
    let sb = sandbox(600, |c| c.tickets = Some(1000)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let report = run_once(
        client(&sb, 20),
        store(dir.path()),
        metadata_only(&sb),
        |_| {},
    )
    .await
    .expect("a metadata-only sync with tickets succeeds");
    assert_tickets_exact(&store(dir.path()), &sb, false);
    let windows: Vec<_> = store(dir.path())
        .sync_states()
        .expect("reads")
        .into_iter()
        .filter(|s| s.resource.starts_with("tickets:backfill:"))
        .collect();
    assert!(
        windows.len() > 1
            && windows
                .iter()
                .all(|w| w.cursor.is_none() && w.last_success_at.is_some()),
        "the tickets were walked in several windows, each done: {windows:?}"
    );
    let routes = sb.route_counts();
    let route = |k: &str| routes.get(k).copied().unwrap_or(0);
    let spent = |p: Phase| {
        report
            .phases
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    assert_eq!(
        spent(Phase::Backfill),
        route("POST /conversations/search"),
        "the backfill step counts its conversation searches, none of the tickets' ({routes:?})"
    );
    assert_eq!(
        spent(Phase::Tickets),
        route("POST /tickets/search") + route("GET /ticket_types") + route("GET /ticket_states"),
        "the tickets step counts its own searches and its types and states ({routes:?})"
    );
    assert_eq!(
        report.phases.iter().map(|(_, n)| n).sum::<u64>(),
        report.requests,
        "the steps add up to every request the run sent"
    );
    assert_eq!(
        report.requests,
        sb.request_count(),
        "as the server saw them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_poll_after_live_changes_updates_the_cache() {
    let sb = sandbox(100, |c| c.tickets = Some(20)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("first sync");
    let ids = sb.ticket_ids();
    // An unassigned ticket, so its new message counts for the acting admin.
    let target = ids
        .iter()
        .find(|id| {
            sb.ticket(id).is_some_and(|t| {
                t["admin_assignee_id"] == "0" && t["team_assignee_id"] == "0" && t["open"] == true
            })
        })
        .expect("an open unassigned ticket")
        .clone();
    let part_id = sb
        .inject_ticket_comment(&target, "The export failed again tonight")
        .expect("comment");
    let moved = ids.iter().find(|i| **i != target).expect("another").clone();
    sb.move_ticket(&moved, "waiting_on_customer").expect("move");
    let type_id = store(dir.path()).ticket_types(false).expect("types")[0]
        .id
        .clone();
    let new = sb
        .inject_ticket(&type_id, "Brand new problem")
        .expect("new ticket");
    let before = store(dir.path())
        .ticket_count(sb.admin_id())
        .expect("count");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("second sync");
    let s = store(dir.path());
    assert_tickets_exact(&s, &sb, true);
    let d = s.ticket_detail(&target).expect("reads").expect("cached");
    assert!(
        d.parts.iter().any(|p| p.id == part_id),
        "the customer's new comment is cached by the poll and the detail pass"
    );
    assert!(
        d.unread,
        "a customer comment after the read mark makes the ticket unread"
    );
    let after = s.ticket_count(sb.admin_id()).expect("count");
    assert!(
        after.unread > before.unread,
        "the tickets count's unread moves with it ({before:?} -> {after:?})"
    );
    assert!(
        s.ticket(&new).expect("reads").is_some(),
        "a ticket created after the backfill arrives by the poll"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_backfill_killed_part_way_resumes_from_its_cursor() {
    let sb = sandbox(60, |c| c.tickets = Some(95)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // After the plan's probe and two pages, the third ticket page breaks for good: the run
    // ends part-way, as a killed one does. (95 tickets are one window of five pages.)
    sb.fail_next_on("/tickets/search", 3, Fault::Stall(Duration::ZERO));
    sb.fail_next_on("/tickets/search", 1, Fault::Status(400));
    let first = run_once(
        client(&sb, 20),
        store(dir.path()),
        metadata_only(&sb),
        |_| {},
    )
    .await;
    assert!(first.is_err(), "a ticket page that fails is reported");
    let stored = store(dir.path()).ticket_count_all().expect("count");
    assert_eq!(stored, 40, "the two pages before the failure are stored");
    assert!(
        store(dir.path())
            .sync_states()
            .expect("reads")
            .iter()
            .any(|s| s.resource.starts_with("tickets:backfill:") && s.cursor.is_some()),
        "the cursor of the next page is stored with its window's last page"
    );
    let before = sb
        .route_counts()
        .get("POST /tickets/search")
        .copied()
        .unwrap_or(0);
    run_once(
        client(&sb, 20),
        store(dir.path()),
        metadata_only(&sb),
        |_| {},
    )
    .await
    .expect("the resumed backfill finishes");
    let pages = sb
        .route_counts()
        .get("POST /tickets/search")
        .copied()
        .unwrap_or(0)
        - before;
    assert_eq!(
        pages, 3,
        "a resume asks only for the 3 remaining pages (55 tickets at 20 a page), not from the start"
    );
    assert_tickets_exact(&store(dir.path()), &sb, false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_deleted_remotely_mid_sync_leaves_the_cache_and_fails_its_item() {
    let sb = sandbox(60, |c| c.tickets = Some(12)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(
        client(&sb, 50),
        store(dir.path()),
        metadata_only(&sb),
        |_| {},
    )
    .await
    .expect("metadata sync");
    let gone = sb.ticket_ids()[3].clone();
    let kept = sb.ticket_ids()[4].clone();
    let mut s = store(dir.path());
    for (ticket, uuid) in [(&gone, "u-gone"), (&kept, "u-kept")] {
        s.enqueue(OutboxItem {
            conversation_id: ticket.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::TicketNote {
                body: format!("<p>note {uuid}</p>"),
            },
            client_uuid: uuid.into(),
        })
        .expect("enqueue");
    }
    drop(s);
    // Deleted after it was listed, before its details and its note are sent.
    sb.delete_ticket(&gone).expect("delete");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("a deleted ticket is not an error of the sync");
    let s = store(dir.path());
    assert!(
        s.ticket(&gone).expect("reads").is_none(),
        "a ticket Intercom deleted leaves the cache"
    );
    let items = s.failed_items().expect("failed");
    assert_eq!(items.len(), 1, "exactly the deleted ticket's item fails");
    assert_eq!(
        items[0].conversation_id, gone,
        "the failed item is the deleted ticket's"
    );
    assert!(
        items[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("deleted")),
        "its reason says the ticket was deleted: {:?}",
        items[0].last_error
    );
    let kept_truth = sb.ticket(&kept).expect("live");
    assert!(
        kept_truth["ticket_parts"]["ticket_parts"]
            .as_array()
            .expect("parts")
            .iter()
            .any(|p| p["body"]
                .as_str()
                .is_some_and(|b| b.contains("note u-kept"))),
        "the other ticket's note is delivered: nothing else is lost"
    );
    assert_tickets_exact(&s, &sb, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_of_a_type_not_listed_is_cached_with_its_own_type_name() {
    let sb = sandbox(40, |c| c.tickets = Some(5)).await;
    let unlisted = sb.add_ticket_type("Escalation", false);
    let id = sb
        .inject_ticket(&unlisted, "Escalated by phone")
        .expect("ticket");
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("a ticket of an unknown type does not fail the sync");
    let s = store(dir.path());
    let d = s
        .ticket_detail(&id)
        .expect("reads")
        .expect("the ticket is cached even though its type is unknown");
    assert_eq!(
        d.ticket_type_name.as_deref(),
        Some("Escalation"),
        "it shows the type name the ticket carried"
    );
    assert!(
        s.ticket_types(true)
            .expect("types")
            .iter()
            .all(|t| t.id != unlisted),
        "the unlisted type is not invented in the types table"
    );
    assert_tickets_exact(&s, &sb, true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_tickets_permission_still_syncs_conversations() {
    let sb = sandbox(80, |c| {
        c.tickets = Some(10);
        c.limited_tokens = vec![("no-tickets".into(), vec!["read_tickets".into()])];
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let err = run_once(
        client_with(&sb, "no-tickets", 50),
        store(dir.path()),
        config(&sb),
        |_| {},
    )
    .await
    .expect_err("the missing permission is reported");
    assert!(
        matches!(err, SyncError::TicketsForbidden(_)),
        "the error is the tickets one, not a stopped sync: {err:?}"
    );
    assert!(
        err.to_string().contains("read_tickets"),
        "the message names the permission to add: {err}"
    );
    assert!(
        !err.stops_cycle(),
        "a missing tickets permission does not stop the cycle"
    );
    let s = store(dir.path());
    assert_eq!(
        s.conversation_count().expect("count"),
        80,
        "every conversation is synced regardless"
    );
    assert_eq!(
        s.ticket_count_all().expect("count"),
        0,
        "no ticket is cached"
    );
    assert_eq!(
        sb.route_counts()
            .get("POST /tickets/search")
            .copied()
            .unwrap_or(0)
            + sb.route_counts()
                .get("GET /ticket_types")
                .copied()
                .unwrap_or(0),
        1,
        "the refusal is asked once, not retried in a loop"
    );
    let state = s
        .sync_state("tickets:backfill")
        .expect("reads")
        .expect("recorded");
    assert!(
        state.last_error.is_some_and(|e| e.contains("read_tickets")),
        "the sync status records the permission error for the status line"
    );
}

fn parts_with(sb: &Sandbox, ticket: &str, needle: &str) -> usize {
    sb.ticket(ticket).expect("live")["ticket_parts"]["ticket_parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter(|p| p["body"].as_str().is_some_and(|b| b.contains(needle)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_reply_whose_answer_is_lost_exists_exactly_once() {
    let sb = sandbox(40, |c| c.tickets = Some(6)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("first sync");
    let id = sb.ticket_ids()[0].clone();
    let body = format!("<p>Fixed in {}</p>", new_client_uuid());
    let mut s = store(dir.path());
    let outbox_id = s
        .enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::TicketReply { body: body.clone() },
            client_uuid: new_client_uuid(),
        })
        .expect("enqueue");
    drop(s);
    sb.fail_next_on(
        &format!("/tickets/{id}/reply"),
        1,
        Fault::TimeoutAfterApply(Duration::from_millis(1500)),
    );
    let short = {
        let url = intercom::Url::parse(sb.base_url()).expect("url");
        intercom::Client::builder(
            intercom::Region::Custom(url),
            intercom::AccessToken::new(sb.token()),
        )
        .request_timeout(Duration::from_millis(800))
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
        .build()
        .expect("client")
    };
    run_once(short, store(dir.path()), config(&sb), |_| {})
        .await
        .expect("the lost answer is reconciled within the run");
    assert_eq!(
        parts_with(&sb, &id, &body),
        1,
        "a reply whose answer was lost exists exactly once in Intercom"
    );
    let s = store(dir.path());
    assert_eq!(
        s.outbox_item(outbox_id).expect("reads").map(|e| e.status),
        Some(OutboxStatus::Sent),
        "the reconciler found it and confirmed it"
    );
    let cached = s
        .ticket_detail(&id)
        .expect("reads")
        .expect("cached")
        .parts
        .iter()
        .filter(|p| p.body_html.as_deref().is_some_and(|b| b.contains(&body)))
        .count();
    assert_eq!(
        cached, 1,
        "the cache holds the reply once (the pending copy replaced)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_writes_killed_mid_queue_are_each_delivered_once() {
    let sb = sandbox(40, |c| c.tickets = Some(6)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("first sync");
    let id = sb.ticket_ids()[1].clone();
    let states = store(dir.path()).ticket_states().expect("states");
    let in_progress = states
        .iter()
        .find(|s| s.category == "in_progress")
        .expect("state")
        .id
        .clone();
    let mut s = store(dir.path());
    let uuid = new_client_uuid();
    let first_body = "<p>first of the queue</p>".to_owned();
    let first = s
        .enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::TicketNote {
                body: first_body.clone(),
            },
            client_uuid: uuid.clone(),
        })
        .expect("enqueue");
    let mut attrs = serde_json::Map::new();
    attrs.insert(
        "_default_title_".into(),
        Value::from("Renamed in the queue"),
    );
    s.enqueue(OutboxItem {
        conversation_id: id.clone(),
        admin_id: sb.admin_id().to_owned(),
        kind: OutboxKind::TicketUpdate {
            state: Some("in_progress".into()),
            state_id: Some(in_progress),
            attributes: attrs,
        },
        client_uuid: new_client_uuid(),
    })
    .expect("enqueue");
    s.enqueue(OutboxItem {
        conversation_id: id.clone(),
        admin_id: sb.admin_id().to_owned(),
        kind: OutboxKind::TicketTag {
            tag_id: sb.tag_ids()[0].clone(),
            tag_name: None,
        },
        client_uuid: new_client_uuid(),
    })
    .expect("enqueue");
    // The first item was handed to the network and Intercom applied it, then the app was
    // killed before it recorded the answer.
    s.mark_sending(first).expect("sending");
    client(&sb, 50)
        .reply_ticket(
            &id,
            &intercom::Reply::note(
                sb.admin_id(),
                format!("{first_body}<!-- agentdesk:{uuid} -->"),
            ),
        )
        .await
        .expect("the request that left before the kill");
    drop(s);
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("the restarted run drains the queue");
    assert_eq!(
        parts_with(&sb, &id, "first of the queue"),
        1,
        "the note sent before the kill is not sent again"
    );
    let t = sb.ticket(&id).expect("live");
    assert_eq!(
        t["ticket_state"]["category"], "in_progress",
        "the state change after it is delivered"
    );
    assert_eq!(
        t["ticket_attributes"]["_default_title_"], "Renamed in the queue",
        "the attribute change is delivered"
    );
    assert!(
        t["tags"]["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|x| x["id"] == sb.tag_ids()[0].as_str())),
        "the tag is delivered"
    );
    let s = store(dir.path());
    assert_eq!(
        s.pending_count().expect("count"),
        0,
        "every item is confirmed"
    );
    let writes = sb
        .write_log()
        .into_iter()
        .filter(|w| {
            w["path"]
                .as_str()
                .is_some_and(|p| p.starts_with(&format!("/tickets/{id}")))
        })
        .count();
    assert_eq!(
        writes, 3,
        "three writes reached Intercom for three items, none twice"
    );
}

/// Waits on the engine's events (no clock) until one names `ticket` as changed.
async fn ticket_changed_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<agentdesk_sync::SyncEvent>,
    ticket: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no TicketsChanged naming {ticket} within 30 s"))
            .expect("the engine is running");
        if let agentdesk_sync::SyncEvent::TicketsChanged(ids) = event {
            if ids.iter().any(|i| i == ticket) {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_engine_emits_ticket_ids_for_a_live_change_and_a_write() {
    let sb = sandbox(60, |c| c.tickets = Some(8)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    let (handle, mut rx) = agentdesk_sync::spawn(client(&sb, 50), s, config(&sb));
    let first = sb.ticket_ids()[0].clone();
    ticket_changed_event(&mut rx, &first).await;
    let id = sb.ticket_ids()[2].clone();
    let part = sb
        .inject_ticket_comment(&id, "Still broken after the update")
        .expect("comment");
    handle.sync_now();
    ticket_changed_event(&mut rx, &id).await;
    // The event may come from the poll before the parts: wait for the detail pass's one.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !reader
        .ticket_detail(&id)
        .expect("reads")
        .is_some_and(|d| d.parts.iter().any(|p| p.id == part))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new comment must be cached after the event"
        );
        ticket_changed_event(&mut rx, &id).await;
    }
    let outcome = handle
        .execute(agentdesk_sync::Command::Enqueue(OutboxItem {
            conversation_id: id.clone(),
            admin_id: sb.admin_id().to_owned(),
            kind: OutboxKind::TicketNote {
                body: "<p>looking</p>".into(),
            },
            client_uuid: new_client_uuid(),
        }))
        .await
        .expect("a ticket write is accepted by the engine");
    assert!(
        matches!(outcome, agentdesk_sync::CommandOutcome::Outbox(_)),
        "enqueueing answers the outbox id"
    );
    ticket_changed_event(&mut rx, &id).await;
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_sync_through_quirks_junk_items_and_unknown_categories() {
    let sb = sandbox(60, |c| {
        c.tickets = Some(45);
        c.quirks = intercom_sandbox::Quirks {
            junk_items: 0.2,
            unknown_enums: 0.3,
            extra_fields: 0.3,
            missing_fields: 0.3,
            ..Default::default()
        };
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 20), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("odd ticket pages do not fail the sync");
    let s = store(dir.path());
    let want: BTreeSet<String> = sb.ticket_ids().into_iter().collect();
    let mut have = BTreeSet::new();
    let mut unknown = 0;
    for id in &want {
        let Some(t) = s.ticket(id).expect("reads") else {
            continue;
        };
        have.insert(id.clone());
        let truth = sb.ticket(id).expect("live");
        if t.state == "future_ticket_category" {
            unknown += 1;
        } else {
            assert_eq!(
                Some(t.state.as_str()),
                truth["ticket_state"]["category"].as_str(),
                "ticket {id}: a known category is cached as Intercom gave it"
            );
        }
        assert_eq!(
            t.number.as_deref(),
            truth["ticket_id"].as_str(),
            "ticket {id}: an integer ticket_id is read as the same number"
        );
    }
    assert_eq!(have, want, "junk items and odd values cost no ticket");
    assert!(
        unknown > 0,
        "the quirks did send unknown categories, kept as given"
    );
    assert_eq!(
        s.ticket_count(sb.admin_id()).expect("count"),
        s.ticket_count_exact(sb.admin_id()).expect("scan"),
        "counts stay exact with unknown categories (counted as open)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_engine_asks_for_forbidden_tickets_once_across_cycles() {
    let sb = sandbox(40, |c| {
        c.tickets = Some(5);
        c.limited_tokens = vec![("no-tickets".into(), vec!["read_tickets".into()])];
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (handle, rx) = agentdesk_sync::spawn(
        client_with(&sb, "no-tickets", 50),
        store(dir.path()),
        config(&sb),
    );
    let mut rx = rx;
    // The first cycle's status carries the tickets error, naming the permission.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("a status naming the tickets permission within 30 s")
            .expect("the engine runs");
        if let agentdesk_sync::SyncEvent::Status(s) = event {
            if s.error
                .as_ref()
                .is_some_and(|e| e.message.contains("read_tickets"))
            {
                assert!(
                    !s.auth_failed,
                    "a missing tickets permission is not an auth failure"
                );
                break;
            }
        }
    }
    let asked = |sb: &Sandbox| {
        let r = sb.route_counts();
        r.get("GET /ticket_types").copied().unwrap_or(0)
            + r.get("POST /tickets/search").copied().unwrap_or(0)
    };
    // Three more cycles, each seen through by the conversations poll it sends.
    for _ in 0..3 {
        let polls = sb
            .route_counts()
            .get("POST /conversations/search")
            .copied()
            .unwrap_or(0);
        handle.sync_now();
        sb.wait_for_requests("the next cycle's poll", Duration::from_secs(30), |sb| {
            sb.route_counts()
                .get("POST /conversations/search")
                .copied()
                .unwrap_or(0)
                > polls
        })
        .await;
    }
    assert_eq!(
        asked(&sb),
        1,
        "tickets are asked for once, not in every cycle"
    );
    assert!(
        store(dir.path()).conversation_count().expect("count") == 40,
        "conversations keep syncing without the tickets permission"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_ticket_fetches_its_parts_at_once() {
    let sb = sandbox(40, |c| c.tickets = Some(6)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    // Metadata only: cycles never fetch ticket parts, so only the open can.
    let (handle, mut rx) = agentdesk_sync::spawn(client(&sb, 50), s, metadata_only(&sb));
    let id = sb.ticket_ids()[2].clone();
    ticket_changed_event(&mut rx, &id).await;
    assert!(
        reader
            .ticket_detail(&id)
            .expect("reads")
            .is_some_and(|d| d.details_at.is_none()),
        "a metadata-only sync leaves the ticket's parts unfetched"
    );
    handle.open_ticket(&id);
    ticket_changed_event(&mut rx, &id).await;
    let d = reader.ticket_detail(&id).expect("reads").expect("cached");
    assert!(d.details_at.is_some(), "opening fetched the ticket's parts");
    let want = sb.ticket(&id).expect("live")["ticket_parts"]["ticket_parts"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(
        d.parts.len(),
        want,
        "every part of the opened ticket is cached"
    );
    handle.stop(Duration::from_secs(5)).await;
}

/// Regression: a ticket's parts were wanted again while our clock's fetch time was not past
/// Intercom's `updated_at`, so tickets timed ahead of our clock were fetched in every cycle
/// (3,824 extra requests in the polling benchmark's 62 polls). Across many cycles, each
/// ticket's details are fetched about once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_engine_fetches_each_tickets_parts_once_across_cycles() {
    let sb = sandbox(300, |c| c.tickets = Some(200)).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let ahead = sb
        .ticket_ids()
        .iter()
        .filter(|id| {
            sb.ticket(id)
                .and_then(|t| t["updated_at"].as_i64())
                .is_some_and(|u| u > now + 60)
        })
        .count();
    assert!(
        ahead > 0,
        "the sandbox's tickets include some timed ahead of our clock, as a skewed server's are"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    run_once(client(&sb, 50), store(dir.path()), config(&sb), |_| {})
        .await
        .expect("a complete first sync");
    let details = |sb: &Sandbox| {
        sb.route_counts()
            .get("GET /tickets/{id}")
            .copied()
            .unwrap_or(0)
    };
    let first = details(&sb);
    assert!(
        first >= 60,
        "the first sync fetched every ticket's parts ({first})"
    );
    let (handle, _rx) = agentdesk_sync::spawn(client(&sb, 50), store(dir.path()), config(&sb));
    let polls = |sb: &Sandbox| {
        sb.route_counts()
            .get("POST /tickets/search")
            .copied()
            .unwrap_or(0)
    };
    let start = polls(&sb);
    sb.wait_for_requests("eight more cycles", Duration::from_secs(60), |sb| {
        polls(sb) >= start + 8
    })
    .await;
    handle.stop(Duration::from_secs(10)).await;
    let again = details(&sb) - first;
    assert!(
        again <= 6,
        "no live changes: at most a few tickets fetched again in 8 cycles (a change in the \
         second of its fetch), not every cycle ({again} fetches)"
    );
}
