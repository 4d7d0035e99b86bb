//! The outbox: optimistic effects in the same transaction, order per conversation, the
//! in-doubt path, failure, retry, discard reverting, crash recovery.

use agentdesk_store::{
    Assignee, ConversationState, OutboxItem, OutboxKind, OutboxStatus, Store, View,
};

use crate::support::{conv, part, store};

fn item(conv: &str, uuid: &str, kind: OutboxKind) -> OutboxItem {
    OutboxItem {
        conversation_id: conv.into(),
        admin_id: "me".into(),
        kind,
        client_uuid: uuid.into(),
    }
}

#[test]
fn reply_shows_pending_part_and_is_sent_in_order() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10), conv("2", 10)])
        .unwrap();
    let a = s
        .enqueue(item(
            "1",
            "u-a",
            OutboxKind::Reply {
                body: "<p>Hi</p>".into(),
            },
        ))
        .unwrap();
    let b = s.enqueue(item("1", "u-b", OutboxKind::Close)).unwrap();
    let c = s.enqueue(item("2", "u-c", OutboxKind::MarkRead)).unwrap();
    assert_eq!(
        s.enqueue(item("1", "u-a", OutboxKind::Close)).unwrap(),
        a,
        "re-enqueueing a uuid is a no-op"
    );
    let d = s.conversation_detail("1").unwrap().unwrap();
    let pending = d
        .parts
        .iter()
        .find(|p| p.outbox_id == Some(a))
        .expect("the reply must show at once as a pending part");
    assert_eq!(
        pending.body_text.as_deref(),
        Some("Hi"),
        "the pending part carries the body"
    );
    assert_eq!(
        d.conversation.state,
        ConversationState::Closed,
        "the close shows at once"
    );
    assert_eq!(d.outbox.len(), 2, "the thread lists its unconfirmed items");
    let next: Vec<i64> = s
        .next_sendable()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(next, [a, c], "one head item per conversation, in order");
    s.mark_sending(a).unwrap();
    assert_eq!(
        s.next_sendable()
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [c],
        "the close waits for the reply"
    );
    s.mark_sent(a, Some("900")).unwrap();
    assert_eq!(s.next_sendable().unwrap()[0].id, b, "then the close may go");
    let parts = s.parts("1").unwrap();
    assert!(
        parts.iter().any(|p| p.id == "900" && p.outbox_id.is_none()),
        "the pending part takes the server id"
    );
    assert_eq!(
        s.outbox_summary().unwrap().pending,
        2,
        "close and mark-read remain"
    );
}

#[test]
fn sync_does_not_undo_a_pending_close_and_settles_after_send() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    let id = s.enqueue(item("1", "u", OutboxKind::Close)).unwrap();
    s.upsert_conversations(&[conv("1", 11)]).unwrap();
    assert_eq!(
        s.conversation("1").unwrap().unwrap().state,
        ConversationState::Closed,
        "a poll before the send must not reopen it on screen"
    );
    s.mark_sending(id).unwrap();
    s.mark_sent(id, None).unwrap();
    assert_eq!(
        s.conversation("1").unwrap().unwrap().state,
        ConversationState::Closed,
        "sent but not yet re-synced: still closed"
    );
    let mut server = conv("1", 12);
    server.state = ConversationState::Open; // someone reopened it in Intercom after our close
    s.upsert_conversations(&[server]).unwrap();
    assert_eq!(
        s.conversation("1").unwrap().unwrap().state,
        ConversationState::Open,
        "after the send, the server's copy wins"
    );
}

#[test]
fn discard_reverts_state_and_pending_part() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.admin_assignee_id = Some("me".into());
    s.upsert_conversations(&[c]).unwrap();
    let assign = s
        .enqueue(item(
            "1",
            "u1",
            OutboxKind::Assign {
                assignee: Assignee::Nobody,
            },
        ))
        .unwrap();
    let snooze = s
        .enqueue(item("1", "u2", OutboxKind::Snooze { until: 99 }))
        .unwrap();
    let note = s
        .enqueue(item("1", "u3", OutboxKind::Note { body: "x".into() }))
        .unwrap();
    assert_eq!(
        s.list_view(&View::Snoozed, "me", None, 5).unwrap().len(),
        1,
        "the snooze moves it to Snoozed at once"
    );
    s.mark_sending(assign).unwrap();
    s.mark_failed(assign, "403 forbidden: token lacks write scope")
        .unwrap();
    assert_eq!(
        s.failed_items().unwrap()[0].last_error.as_deref(),
        Some("403 forbidden: token lacks write scope"),
        "the reason is kept for the user"
    );
    assert!(
        s.next_sendable().unwrap().is_empty(),
        "a failed item holds back the later ones of its conversation"
    );
    s.discard(snooze).unwrap();
    s.discard(note).unwrap();
    let c = s.conversation("1").unwrap().unwrap();
    assert_eq!(
        c.state,
        ConversationState::Open,
        "discarding the snooze restores the server state"
    );
    assert_eq!(
        c.admin_assignee_id, None,
        "the failed assign still shows until discarded"
    );
    assert_eq!(
        s.part_count("1").unwrap(),
        0,
        "the discarded note's pending part is gone"
    );
    s.discard(assign).unwrap();
    assert_eq!(
        s.conversation("1")
            .unwrap()
            .unwrap()
            .admin_assignee_id
            .as_deref(),
        Some("me"),
        "discarding the assign restores the assignee"
    );
    assert_eq!(s.pending_count().unwrap(), 0, "nothing is left to send");
}

#[test]
fn in_doubt_then_retry_or_reconcile() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    let id = s
        .enqueue(item(
            "1",
            "nonce-1",
            OutboxKind::Reply {
                body: "hello".into(),
            },
        ))
        .unwrap();
    s.mark_sending(id).unwrap();
    s.mark_in_doubt(id, "timeout after the request left")
        .unwrap();
    assert!(
        s.next_sendable().unwrap().is_empty(),
        "an in-doubt item must not be resent before reconciling"
    );
    assert_eq!(
        s.in_doubt_items().unwrap()[0].client_uuid,
        "nonce-1",
        "the reconciler gets the nonce to look for"
    );
    // The reconciler found the reply in Intercom: sync cached it first, then confirms.
    s.upsert_parts("1", &[part("777", "1", "admin", 20, "hello")])
        .unwrap();
    s.mark_sent(id, Some("777")).unwrap();
    assert_eq!(
        s.parts("1").unwrap().len(),
        1,
        "the reply exists exactly once in the thread"
    );
    assert_eq!(
        s.retry(id).err().unwrap().kind(),
        agentdesk_store::StoreErrorKind::InvalidInput,
        "a sent item cannot be retried"
    );
}

#[test]
fn crash_while_sending_reopens_as_in_doubt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let mut s = Store::open(&path).unwrap();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    let id = s
        .enqueue(item("1", "u", OutboxKind::Reply { body: "b".into() }))
        .unwrap();
    s.mark_sending(id).unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(
        s.outbox_item(id).unwrap().unwrap().status,
        OutboxStatus::InDoubt,
        "an interrupted send may have landed: reconcile first"
    );
    assert_eq!(s.pending_count().unwrap(), 1, "logout must still refuse");
}

#[test]
fn track_event_shows_in_timeline_and_enqueue_needs_a_cached_conversation() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    let kind = OutboxKind::TrackEvent {
        contact_id: "k1".into(),
        name: "called".into(),
        metadata: serde_json::json!({"by": "phone"}),
    };
    let id = s.enqueue(item("1", "u", kind)).unwrap();
    assert_eq!(
        s.data_events("k1", 10).unwrap().len(),
        1,
        "the event shows in the timeline at once"
    );
    s.discard(id).unwrap();
    assert!(
        s.data_events("k1", 10).unwrap().is_empty(),
        "a discarded event leaves the timeline"
    );
    let err = s
        .enqueue(item("nope", "u2", OutboxKind::Close))
        .err()
        .unwrap();
    assert_eq!(
        err.kind(),
        agentdesk_store::StoreErrorKind::NotFound,
        "an item needs its conversation cached"
    );
}
