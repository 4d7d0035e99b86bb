//! Views: ids, membership, counts, keyset paging, row contents.

use agentdesk_store::{
    sidebar_views, views_of, Admin, Assignment, Contact, ConversationState, PageCursor, View,
};

use crate::support::{conv, part, store};

#[test]
fn view_ids_parse_and_display() {
    for id in [
        "mine",
        "unassigned",
        "team:42",
        "all_open",
        "snoozed",
        "closed",
    ] {
        let v: View = id.parse().unwrap();
        assert_eq!(
            v.to_string(),
            id,
            "view ids are a script-facing promise and must round-trip"
        );
    }
    assert!("team:".parse::<View>().is_err(), "a team view needs an id");
    assert!("inbox".parse::<View>().is_err(), "unknown ids are refused");
    assert_eq!(
        serde_json::to_string(&View::Team("7".into())).unwrap(),
        "\"team:7\"",
        "serde uses the same id"
    );
}

#[test]
fn membership_and_counts_per_view() {
    let mut s = store();
    let mut rows = Vec::new();
    let mk = |id: &str, state, admin: Option<&str>, team: Option<&str>| {
        let mut c = conv(id, 10);
        c.state = state;
        c.admin_assignee_id = admin.map(Into::into);
        c.team_assignee_id = team.map(Into::into);
        c
    };
    rows.push(mk("1", ConversationState::Open, Some("me"), None));
    rows.push(mk("2", ConversationState::Open, Some("me"), Some("t1")));
    rows.push(mk("3", ConversationState::Open, None, None));
    rows.push(mk("4", ConversationState::Open, None, Some("t1")));
    rows.push(mk("5", ConversationState::Open, Some("other"), None));
    rows.push(mk("6", ConversationState::Snoozed, Some("me"), None));
    rows.push(mk("7", ConversationState::Closed, None, None));
    s.upsert_conversations(&rows).unwrap();
    s.upsert_parts("3", &[part("p", "3", "user", 50, "hi")])
        .unwrap();
    let counts = s.view_counts("me", &["t1".into()]).unwrap();
    let got: Vec<(&str, i64, i64)> = counts
        .iter()
        .map(|c| (c.id.as_str(), c.total, c.unread))
        .collect();
    assert_eq!(
        got,
        [
            ("mine", 2, 0),
            ("unassigned", 1, 1),
            ("team:t1", 2, 0),
            ("all_open", 5, 1),
            ("snoozed", 1, 0),
            ("closed", 1, 0)
        ],
        "each view must count exactly the conversations of its definition"
    );
    assert_eq!(
        counts[2].name, "Team t1",
        "an uncached team gets a fallback name"
    );
    let mine: Vec<String> = s
        .list_view(&View::Mine, "me", None, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(mine.len(), 2, "the list holds what the count says");
}

#[test]
fn keyset_paging_walks_every_row_once_newest_first() {
    let mut s = store();
    let rows: Vec<_> = (0..25)
        .map(|i| conv(&format!("{i:02}"), 100 + (i % 5)))
        .collect();
    s.upsert_conversations(&rows).unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<PageCursor> = None;
    loop {
        let page = s
            .list_view(&View::AllOpen, "me", cursor.as_ref(), 7)
            .unwrap();
        if page.is_empty() {
            break;
        }
        cursor = page.last().map(|r| r.cursor());
        seen.extend(page.into_iter().map(|r| (r.last_activity_at, r.id)));
    }
    assert_eq!(
        seen.len(),
        25,
        "paging must visit every row exactly once, ties included"
    );
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "rows are strictly descending by (activity, id)"
    );
}

#[test]
fn row_shows_contact_assignee_and_pending_flag() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.admin_assignee_id = Some("me".into());
    s.upsert_conversations(&[c]).unwrap();
    s.upsert_contacts(&[Contact {
        id: "k1".into(),
        name: Some("Ann".into()),
        ..Default::default()
    }])
    .unwrap();
    s.replace_admins(&[Admin {
        id: "me".into(),
        name: "Max".into(),
        ..Default::default()
    }])
    .unwrap();
    s.enqueue(agentdesk_store::OutboxItem {
        conversation_id: "1".into(),
        admin_id: "me".into(),
        kind: agentdesk_store::OutboxKind::Note { body: "n".into() },
        client_uuid: "u1".into(),
    })
    .unwrap();
    let row = &s.list_view(&View::Mine, "me", None, 10).unwrap()[0];
    assert_eq!(row.contact_name, "Ann", "the row names the contact");
    assert_eq!(
        row.assignee_name.as_deref(),
        Some("Max"),
        "the row names the assignee"
    );
    assert_eq!(
        row.subject, "Subject 1",
        "the subject comes before the snippet"
    );
    assert!(row.pending_send, "an unsent note shows the pending marker");
    assert!(!row.failed_send, "nothing was refused yet");
}

#[test]
fn failed_send_showed_as_sending_forever() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.admin_assignee_id = Some("me".into());
    s.upsert_conversations(&[c]).unwrap();
    let note = |uuid: &str| agentdesk_store::OutboxItem {
        conversation_id: "1".into(),
        admin_id: "me".into(),
        kind: agentdesk_store::OutboxKind::Note { body: "n".into() },
        client_uuid: uuid.into(),
    };
    let first = s.enqueue(note("u1")).unwrap();
    s.mark_failed(first, "422: the conversation is closed for this contact")
        .unwrap();
    let row = &s.list_view(&View::Mine, "me", None, 10).unwrap()[0];
    assert!(
        row.failed_send,
        "a refused item shows as failed, so the agent retries or discards it"
    );
    assert!(
        !row.pending_send,
        "a refused item is not on its way: it must not say Sending"
    );

    s.enqueue(note("u2")).unwrap();
    let row = &s.list_view(&View::Mine, "me", None, 10).unwrap()[0];
    assert!(
        row.failed_send && row.pending_send,
        "a failed item and a waiting one: both are said"
    );

    s.discard(first).unwrap();
    let row = &s.list_view(&View::Mine, "me", None, 10).unwrap()[0];
    assert!(
        !row.failed_send,
        "discarding the refused item clears the failed marker"
    );
    assert!(row.pending_send, "the other item is still on its way");
}

#[test]
fn trigger_kept_counters_equal_a_full_scan_after_every_kind_of_change() {
    let mut s = store();
    let states = [
        ConversationState::Open,
        ConversationState::Snoozed,
        ConversationState::Closed,
    ];
    let rows: Vec<_> = (0..60)
        .map(|i| {
            let mut c = conv(&i.to_string(), 10);
            c.state = states[i % 3];
            c.admin_assignee_id = (i % 4 != 0).then(|| ["me", "other"][i % 2].to_owned());
            c.team_assignee_id = (i % 5 == 0).then(|| "t1".to_owned());
            c.waiting_since = (i % 2 == 0).then_some(50);
            c
        })
        .collect();
    s.upsert_conversations(&rows).unwrap();
    let teams = vec!["t1".to_owned()];
    let check = |s: &agentdesk_store::Store, step: &str| {
        assert_eq!(
            s.view_counts("me", &teams).unwrap(),
            s.view_counts_exact("me", &teams).unwrap(),
            "counters must equal a scan after {step}"
        );
    };
    check(&s, "the first page");
    let moved: Vec<_> = rows
        .iter()
        .take(20)
        .map(|c| {
            let mut c = c.clone();
            c.updated_at = 20;
            c.state = ConversationState::Open;
            c.admin_assignee_id = None;
            c
        })
        .collect();
    s.upsert_conversations(&moved).unwrap();
    check(&s, "state and assignee changes");
    s.mark_read("2", 100).unwrap();
    s.mark_unread("3").unwrap();
    s.upsert_parts("4", &[part("p4", "4", "user", 500, "hi")])
        .unwrap();
    check(&s, "read marks and a contact part");
    let id = s
        .enqueue(agentdesk_store::OutboxItem {
            conversation_id: "6".into(),
            admin_id: "me".into(),
            kind: agentdesk_store::OutboxKind::Close,
            client_uuid: "u".into(),
        })
        .unwrap();
    check(&s, "an optimistic close");
    s.discard(id).unwrap();
    s.delete_conversation("8").unwrap();
    check(&s, "a discard and a delete");
}

/// View membership is defined once, in Rust (`View::contains`); the list predicates and the
/// trigger-kept counters are SQL that must say the same for every state and assignee.
#[test]
fn the_membership_rule_and_its_sql_agree_on_every_kind_of_conversation() {
    let mut s = store();
    let states = [
        ConversationState::Open,
        ConversationState::Snoozed,
        ConversationState::Closed,
    ];
    let admins = [Some("me"), Some("other"), None];
    let teams = [Some("t1"), Some("t2"), None];
    let mut rows = Vec::new();
    for (i, state) in states.iter().enumerate() {
        for (j, admin) in admins.iter().enumerate() {
            for (k, team) in teams.iter().enumerate() {
                let mut c = conv(&format!("{i}{j}{k}"), 10 + (i * 9 + j * 3 + k) as i64);
                c.state = *state;
                c.admin_assignee_id = admin.map(Into::into);
                c.team_assignee_id = team.map(Into::into);
                // Every other one has a contact waiting: unread.
                c.waiting_since = ((i + j + k) % 2 == 0).then_some(50);
                rows.push(c);
            }
        }
    }
    s.upsert_conversations(&rows).unwrap();
    let my_teams = vec!["t1".to_owned()];
    let unread = |id: &str| {
        s.conversation_detail(id)
            .unwrap()
            .expect("the conversation is cached")
            .unread
    };
    let counts = s.view_counts("me", &my_teams).unwrap();
    let views = sidebar_views(&my_teams);
    assert_eq!(counts.len(), views.len(), "one count per sidebar view");
    for (view, count) in views.iter().zip(&counts) {
        let members: Vec<&str> = rows
            .iter()
            .filter(|c| view.contains(Assignment::from(*c), "me"))
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            count.total,
            members.len() as i64,
            "the counter triggers count the members of {view} by the one rule"
        );
        assert_eq!(
            count.unread,
            members.iter().filter(|id| unread(id)).count() as i64,
            "and its unread members"
        );
        let mut listed: Vec<String> = s
            .list_view(view, "me", None, 500)
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        listed.sort();
        let mut members: Vec<String> = members.into_iter().map(String::from).collect();
        members.sort();
        assert_eq!(
            listed, members,
            "the list of {view} holds exactly its members by the one rule"
        );
    }
    let c = &rows[0];
    assert_eq!(
        views_of(Assignment::from(c), "me", &my_teams),
        vec![View::Mine, View::Team("t1".into()), View::AllOpen],
        "an open conversation of mine assigned to my team is in three views"
    );
}
