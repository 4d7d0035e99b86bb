//! Page upserts: cursor in the same transaction, new/moved ids, stale rows, detail.

use agentdesk_store::ConversationState;

use crate::support::{conv, part, store};

#[test]
fn page_upsert_reports_new_and_moved_and_saves_cursor() {
    let mut s = store();
    let out = s
        .upsert_conversations_page(&[conv("1", 10), conv("2", 10)], "backfill:0", Some("cur1"))
        .unwrap();
    assert_eq!(
        out.new_ids,
        vec!["1", "2"],
        "first sight of a conversation must be reported as new"
    );
    assert_eq!(
        s.sync_state("backfill:0")
            .unwrap()
            .unwrap()
            .cursor
            .as_deref(),
        Some("cur1"),
        "the page's cursor must be saved with it"
    );
    let out = s
        .upsert_conversations_page(&[conv("1", 10), conv("2", 11)], "backfill:0", None)
        .unwrap();
    assert!(out.new_ids.is_empty(), "nothing is new on the second page");
    assert_eq!(
        out.moved_ids,
        vec!["2"],
        "only a moved updated_at needs details refetched"
    );
    assert_eq!(out.unchanged, 1, "an identical updated_at is skipped");
    assert_eq!(
        s.sync_state("backfill:0").unwrap().unwrap().cursor,
        None,
        "the last page clears the cursor"
    );
}

#[test]
fn stale_row_from_an_overlapping_partition_never_overwrites_newer_data() {
    let mut s = store();
    let mut newer = conv("1", 20);
    newer.state = ConversationState::Closed;
    s.upsert_conversations(&[newer]).unwrap();
    let out = s.upsert_conversations(&[conv("1", 15)]).unwrap();
    assert_eq!(out.unchanged, 1, "an older copy must be ignored");
    assert_eq!(
        s.conversation("1").unwrap().unwrap().state,
        ConversationState::Closed,
        "the newer state must stay"
    );
}

#[test]
fn a_change_within_the_same_second_is_applied_when_the_content_differs() {
    let mut s = store();
    let mut first = conv("1", 30);
    first.raw = Some(serde_json::json!({"id": "1", "state": "open"}).to_string());
    s.upsert_conversations(&[first.clone()]).unwrap();
    // Intercom's timestamps are whole seconds: a close in the same second keeps updated_at.
    let mut closed = first.clone();
    closed.state = ConversationState::Closed;
    closed.raw = Some(serde_json::json!({"id": "1", "state": "closed"}).to_string());
    let out = s.upsert_conversations(&[closed]).unwrap();
    assert_eq!(
        out.moved_ids,
        vec!["1"],
        "a same-second change is a move, so details are refetched"
    );
    assert_eq!(
        s.conversation("1").unwrap().unwrap().state,
        ConversationState::Closed,
        "the same-second change must not be lost until the next one"
    );
    let out = s.upsert_conversations(&[first.clone()]).unwrap();
    assert_eq!(
        out.moved_ids,
        vec!["1"],
        "with equal timestamps the copy fetched last wins"
    );
    let out = s.upsert_conversations(&[first]).unwrap();
    assert_eq!(
        out.unchanged, 1,
        "same second and same content is unchanged: no write, no refetch"
    );
}

#[test]
fn assignee_zero_means_unassigned_and_raw_round_trips() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.admin_assignee_id = Some("0".into());
    c.team_assignee_id = Some("".into());
    c.raw = Some(serde_json::json!({"id": "1", "custom": [1, 2]}).to_string());
    s.upsert_conversations(&[c.clone()]).unwrap();
    let back = s.conversation("1").unwrap().unwrap();
    assert_eq!(back.admin_assignee_id, None, "Intercom's 0 is unassigned");
    assert_eq!(back.team_assignee_id, None, "an empty id is unassigned");
    assert_eq!(back.raw, c.raw, "raw JSON must come back unchanged");
    assert_eq!(back.contact_ids, c.contact_ids, "contact ids round-trip");
}

#[test]
fn detail_has_parts_in_order_and_contacts() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_parts(
        "1",
        &[
            part("p2", "1", "admin", 200, "second"),
            part("p1", "1", "user", 100, "first"),
        ],
    )
    .unwrap();
    s.upsert_contacts(&[agentdesk_store::Contact {
        id: "k1".into(),
        name: Some("Ann".into()),
        ..Default::default()
    }])
    .unwrap();
    let d = s.conversation_detail("1").unwrap().unwrap();
    let ids: Vec<_> = d.parts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2"], "a thread reads oldest first");
    assert_eq!(
        d.contacts.len(),
        1,
        "the conversation's cached contact comes with it"
    );
    assert!(
        s.conversation_detail("nope").unwrap().is_none(),
        "an unknown id is None, not an error"
    );
}

#[test]
fn delete_conversation_cascades_to_parts() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_parts("1", &[part("p1", "1", "user", 100, "x")])
        .unwrap();
    assert!(s.delete_conversation("1").unwrap(), "the row existed");
    assert_eq!(
        s.part_count("1").unwrap(),
        0,
        "parts must go with their conversation"
    );
}
