//! Tags, priority and custom attributes through the running engine against the sandbox
//! (issue 14): each change goes out once and settles against Intercom's copy, a change whose
//! answer was lost is reconciled by state instead of resent blindly, a tag removed in
//! Intercom while an untag waited ends the item without a loop, and a token that may not
//! read tags still syncs conversations.

mod common;

use std::time::Duration;

use agentdesk_store::{OutboxItem, OutboxKind, OutboxStatus, Reader};
use agentdesk_sync::{new_client_uuid, spawn, Command, CommandOutcome, SyncHandle};
use common::*;
use intercom_sandbox::{Fault, Sandbox};
use serde_json::{json, Value};

fn truth_of(sb: &Sandbox, id: &str) -> Value {
    sb.truth()["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .expect("the conversation is in the truth")
}

fn open_conversation(sb: &Sandbox) -> String {
    sb.truth()["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .find(|c| c["state"] == "open")
        .and_then(|c| c["id"].as_str())
        .expect("an open conversation")
        .to_owned()
}

async fn enqueue(handle: &SyncHandle, sb: &Sandbox, id: &str, kind: OutboxKind) -> i64 {
    match handle
        .execute(Command::Enqueue(OutboxItem {
            conversation_id: id.to_owned(),
            admin_id: sb.admin_id().to_owned(),
            kind,
            client_uuid: new_client_uuid(),
        }))
        .await
        .expect("enqueue")
    {
        CommandOutcome::Outbox(i) => i,
        other => panic!("enqueue must return an outbox id, got {other:?}"),
    }
}

async fn settled(reader: &Reader, id: i64, status: OutboxStatus) {
    wait_until(
        &format!("outbox item {id} is {status:?}"),
        Duration::from_secs(30),
        || {
            reader
                .outbox_item(id)
                .expect("item")
                .is_some_and(|e| e.status == status)
        },
    )
    .await;
}

fn applied_writes(sb: &Sandbox, method: &str, path: &str) -> usize {
    sb.write_log()
        .iter()
        .filter(|w| w["method"] == method && w["path"] == path && w["applied"] == true)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_priority_and_attribute_changes_go_out_once_and_settle() {
    let sb = sandbox(60, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    // No poll after the first sync: the only requests are the outbox's, so the fault below
    // can only meet the priority's PUT.
    let mut cfg = config(&sb);
    cfg.poll_interval = Duration::from_secs(3600);
    let (handle, _rx) = spawn(client(&sb, 150), s, cfg);
    wait_until("the first sync ends", Duration::from_secs(30), || {
        handle.status().last_sync_at.is_some()
    })
    .await;
    let tags = reader.tags().expect("tags");
    assert!(
        tags.len() >= 3,
        "the directory refresh caches the workspace's tags: {tags:?}"
    );
    let defs = reader.conversation_attributes().expect("attributes");
    assert!(
        defs.iter()
            .any(|d| d.name == "Channel" && d.options == ["web", "email", "ios"]),
        "the conversation attributes' definitions are cached with their options: {defs:?}"
    );

    let id = open_conversation(&sb);
    let was_priority = truth_of(&sb, &id)["priority"] == "priority";
    let tag = tags[0].clone();
    // The priority's answer is lost after Intercom applied it: the reconciler must find it
    // applied and not send it again.
    let gets = || {
        sb.fetches_per_id()
            .get("GET /conversations/{id}")
            .and_then(|ids| ids.get(&id).copied())
            .unwrap_or(0)
    };
    let gets_before = gets();
    sb.fail_next_on(
        &format!("/conversations/{id}"),
        1,
        Fault::TimeoutAfterApply(Duration::from_millis(3500)),
    );
    let priority = enqueue(
        &handle,
        &sb,
        &id,
        OutboxKind::Priority {
            priority: !was_priority,
        },
    )
    .await;
    let tagged = enqueue(
        &handle,
        &sb,
        &id,
        OutboxKind::Tag {
            tag_id: tag.id.clone(),
            name: tag.name.clone(),
        },
    )
    .await;
    let edited = enqueue(
        &handle,
        &sb,
        &id,
        OutboxKind::Attributes {
            values: json!({"Channel": "email", "Escalated": true})
                .as_object()
                .cloned()
                .expect("object"),
        },
    )
    .await;
    let shown = reader.conversation(&id).expect("read").expect("cached");
    assert!(
        shown.priority != was_priority && shown.tags.iter().any(|t| t.id == tag.id),
        "the changes show at once, before Intercom answers"
    );
    for item in [priority, tagged, edited] {
        settled(&reader, item, OutboxStatus::Sent).await;
    }
    assert_eq!(
        gets() - gets_before,
        1,
        "the priority's lost answer was reconciled with one read of the conversation"
    );
    let truth = truth_of(&sb, &id);
    assert_eq!(
        truth["priority"],
        if was_priority {
            "not_priority"
        } else {
            "priority"
        },
        "Intercom holds the new priority"
    );
    assert_eq!(
        applied_writes(&sb, "PUT", &format!("/conversations/{id}")),
        2,
        "one priority PUT (its lost answer reconciled, not resent) and one attributes PUT"
    );
    assert_eq!(
        truth["tags"]["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["id"] == tag.id.as_str())
            .count(),
        1,
        "the tag is on the conversation once"
    );
    assert_eq!(truth["custom_attributes"]["Channel"], "email");
    assert_eq!(truth["custom_attributes"]["Escalated"], true);

    // The next poll brings Intercom's copy: what the cache shows is now Intercom's.
    handle.sync_now();
    wait_until(
        "the cached copy agrees with Intercom",
        Duration::from_secs(30),
        || {
            reader.conversation(&id).ok().flatten().is_some_and(|c| {
                c.priority != was_priority
                    && c.tags.iter().any(|t| t.id == tag.id)
                    && c.custom_attributes.get("Channel") == Some(&json!("email"))
                    && c.updated_at >= truth["updated_at"].as_i64().unwrap_or(i64::MAX)
            })
        },
    )
    .await;
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_gone_in_intercom_ends_its_item_without_a_loop() {
    let sb = sandbox(60, |_| {}).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    let api = client(&sb, 150);
    let (handle, _rx) = spawn(client(&sb, 150), s, config(&sb));
    wait_until("the first sync ends", Duration::from_secs(30), || {
        handle.status().last_sync_at.is_some()
    })
    .await;
    let id = open_conversation(&sb);
    let tag = reader.tags().expect("tags")[0].clone();
    api.tag_conversation(&id, &tag.id, sb.admin_id())
        .await
        .expect("someone tags it in Intercom");

    // Someone else removes the tag in Intercom, then the agent removes it too (queued while
    // the cache still showed it): the 404 is read against the conversation, which no longer
    // carries it, so the item is done.
    api.untag_conversation(&id, &tag.id, sb.admin_id())
        .await
        .expect("someone else removes it first");
    let untag = enqueue(
        &handle,
        &sb,
        &id,
        OutboxKind::Untag {
            tag_id: tag.id.clone(),
            name: tag.name.clone(),
        },
    )
    .await;
    settled(&reader, untag, OutboxStatus::Sent).await;
    assert_eq!(
        applied_writes(
            &sb,
            "DELETE",
            &format!("/conversations/{id}/tags/{}", tag.id)
        ),
        1,
        "only the other teammate's removal applied; the agent's 404 was taken as done"
    );

    // A tag deleted from the workspace: the item fails with a reason, once.
    let gone = enqueue(
        &handle,
        &sb,
        &id,
        OutboxKind::Tag {
            tag_id: "999999".into(),
            name: "deleted".into(),
        },
    )
    .await;
    settled(&reader, gone, OutboxStatus::Failed).await;
    let reason = reader
        .outbox_item(gone)
        .expect("item")
        .and_then(|e| e.last_error)
        .unwrap_or_default();
    assert!(
        reason.contains("999999"),
        "the failure names the tag Intercom does not know: {reason}"
    );
    let tries = || {
        sb.route_counts()
            .get("POST /conversations/{id}/tags")
            .copied()
            .unwrap_or(0)
    };
    let before = tries();
    handle.sync_now();
    let cycles = handle.status().last_sync_at;
    wait_until("another cycle ends", Duration::from_secs(30), || {
        handle.status().last_sync_at != cycles
    })
    .await;
    assert_eq!(
        before, 2,
        "two tagging requests: the teammate's, and the unknown tag tried once"
    );
    assert_eq!(
        tries(),
        before,
        "a failed item is not sent again by itself: no loop spending requests"
    );
    handle.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_may_not_read_tags_still_syncs_every_conversation() {
    // The permissions the token's app lacks.
    let perms = ["read_tags", "read_data_attributes"]
        .map(String::from)
        .to_vec();
    let sb = sandbox(60, |c| {
        c.limited_tokens = vec![("no-tags".into(), perms)];
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let s = store(dir.path());
    let reader = s.open_reader().expect("reader");
    let (handle, _rx) = spawn(client_with(&sb, "no-tags", 150), s, config(&sb));
    wait_until("the first sync ends", Duration::from_secs(30), || {
        handle.status().last_sync_at.is_some()
    })
    .await;
    assert!(
        handle.status().error.is_none(),
        "no tags permission is not a sync error: {:?}",
        handle.status().error
    );
    assert!(
        reader.tags().expect("tags").is_empty(),
        "no tags could be read"
    );
    handle.stop(Duration::from_secs(5)).await;
    let s = store(dir.path());
    assert_exact(&s, &sb.truth(), sb.admin_id(), false);
}
