//! Drafts (issue 22): kept per conversation or ticket, replaced as the agent types, deleted
//! when blank, consumed by the reply or note that is queued from them (in the same
//! transaction), refused when malformed, and added to an old cache by its migration.

use agentdesk_store::{OutboxItem, OutboxKind, Store, MIGRATIONS};

use crate::support::{conv, store};

fn reply(conv: &str, uuid: &str, kind: OutboxKind) -> OutboxItem {
    OutboxItem {
        conversation_id: conv.into(),
        admin_id: "me".into(),
        kind,
        client_uuid: uuid.into(),
    }
}

#[test]
fn a_draft_is_kept_replaced_and_deleted_when_blank() {
    let mut s = store();
    s.save_draft("1", "comment", "Hello, I am looking").unwrap();
    s.save_draft("2", "note", "Ask billing").unwrap();
    s.save_draft("1", "note", "Hello, I am looking into it")
        .unwrap();
    let d = s.draft("1").unwrap().expect("conversation 1 has a draft");
    assert_eq!(
        (d.kind.as_str(), d.body.as_str()),
        ("note", "Hello, I am looking into it"),
        "a later save replaces the text and the mode, one draft per conversation"
    );
    assert_eq!(s.drafts().unwrap().len(), 2, "one draft per item");
    s.save_draft("2", "note", "  \n").unwrap();
    assert!(
        s.draft("2").unwrap().is_none(),
        "a blank draft is nothing to keep: saving one deletes the draft"
    );
    s.delete_draft("1").unwrap();
    assert!(s.drafts().unwrap().is_empty(), "a discarded draft is gone");
}

#[test]
fn malformed_drafts_are_refused_with_a_reason_and_keep_the_old_one() {
    let mut s = store();
    s.save_draft("1", "comment", "kept").unwrap();
    for (id, kind, body, why) in [
        ("", "comment", "x", "an item id"),
        ("1", "email", "x", "comment or a note"),
    ] {
        let err = s.save_draft(id, kind, body).expect_err("refused");
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
    let huge = "x".repeat(agentdesk_store::drafts::MAX_DRAFT_BYTES + 1);
    let err = s.save_draft("1", "comment", &huge).expect_err("too long");
    assert!(
        err.to_string().contains("at most"),
        "the limit is named: {err}"
    );
    assert_eq!(
        s.draft("1").unwrap().map(|d| d.body),
        Some("kept".into()),
        "a refused save loses nothing of the draft before it"
    );
}

#[test]
fn queuing_a_reply_or_note_consumes_the_draft_and_other_writes_do_not() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10), conv("2", 10)])
        .unwrap();
    s.save_draft("1", "comment", "Thanks!").unwrap();
    s.save_draft("2", "note", "Check the logs").unwrap();
    s.enqueue(reply("2", "u-close", OutboxKind::Close)).unwrap();
    assert!(
        s.draft("2").unwrap().is_some(),
        "closing a conversation keeps its unsent note"
    );
    s.enqueue(reply(
        "1",
        "u-reply",
        OutboxKind::Reply {
            body: "<p>Thanks!</p>".into(),
        },
    ))
    .unwrap();
    assert!(
        s.draft("1").unwrap().is_none(),
        "the queued reply is what the draft became: both at once would invite a second send"
    );
    s.enqueue(reply(
        "2",
        "u-note",
        OutboxKind::Note {
            body: "<p>Check the logs</p>".into(),
        },
    ))
    .unwrap();
    assert!(
        s.draft("2").unwrap().is_none(),
        "a queued note consumes it too"
    );
}

#[test]
fn an_old_cache_gains_drafts_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        MIGRATIONS.to_version(&mut conn, 8).unwrap();
        conn.execute(
            "INSERT INTO conversations (id, created_at, updated_at, open, state, read, priority,
               srv_open, srv_state, last_activity_at)
             VALUES ('a', 1, 2, 1, 'open', 0, 0, 1, 'open', 2)",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(&path).expect("a version-8 cache opens and migrates");
    assert!(s.conversation("a").unwrap().is_some(), "its rows are kept");
    s.save_draft("a", "comment", "after the upgrade").unwrap();
    assert_eq!(s.drafts().unwrap().len(), 1, "and it keeps drafts now");
}
