//! Tags, priority, custom attributes and SLAs (issue 14): optimistic changes through the
//! outbox that a poll never undoes, a tag view and a priority-first order that page exactly,
//! and an old cache upgraded with every row kept.

use agentdesk_store::{
    AttributeDef, ListFilter, OutboxItem, OutboxKind, Sla, Store, Tag, View, MIGRATIONS,
};
use serde_json::{json, Map, Value};

use crate::support::{conv, store};

fn item(conv: &str, uuid: &str, kind: OutboxKind) -> OutboxItem {
    OutboxItem {
        conversation_id: conv.into(),
        admin_id: "me".into(),
        kind,
        client_uuid: uuid.into(),
    }
}

fn tag(id: &str, name: &str) -> Tag {
    Tag {
        id: id.into(),
        name: name.into(),
    }
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("an object")
}

#[test]
fn tag_priority_and_attribute_changes_show_at_once_survive_a_poll_and_revert_on_discard() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.tags = vec![tag("t1", "bug")];
    c.custom_attributes = attrs(json!({"Channel": "web", "Order value": 12}));
    s.upsert_conversations(&[c.clone()]).unwrap();

    let tagged = s
        .enqueue(item(
            "1",
            "u1",
            OutboxKind::Tag {
                tag_id: "t2".into(),
                name: "vip".into(),
            },
        ))
        .unwrap();
    let untagged = s
        .enqueue(item(
            "1",
            "u2",
            OutboxKind::Untag {
                tag_id: "t1".into(),
                name: "bug".into(),
            },
        ))
        .unwrap();
    s.enqueue(item("1", "u3", OutboxKind::Priority { priority: true }))
        .unwrap();
    let edited = s
        .enqueue(item(
            "1",
            "u4",
            OutboxKind::Attributes {
                values: attrs(json!({"Channel": "email", "Order value": null})),
            },
        ))
        .unwrap();
    let shown = s.conversation("1").unwrap().unwrap();
    assert_eq!(
        shown.tags,
        vec![tag("t2", "vip")],
        "tagging and untagging show at once, before anything is sent"
    );
    assert!(shown.priority, "priority shows at once");
    assert_eq!(
        Value::Object(shown.custom_attributes.clone()),
        json!({"Channel": "email"}),
        "an edited value shows, and a cleared one (null) is gone"
    );

    // A poll brings Intercom's copy (newer, without our changes): the changes stay on screen.
    let mut polled = c.clone();
    polled.updated_at = 11;
    s.upsert_conversations(&[polled]).unwrap();
    let shown = s.conversation("1").unwrap().unwrap();
    assert_eq!(
        shown.tags,
        vec![tag("t2", "vip")],
        "a poll must not undo a pending tag change"
    );
    assert!(shown.priority, "a poll must not undo a pending priority");
    assert_eq!(
        shown.custom_attributes.get("Channel"),
        Some(&json!("email"))
    );
    let row = &s.list_view(&View::AllOpen, "me", None, 10).unwrap()[0];
    assert!(
        row.priority && row.tags == vec![tag("t2", "vip")],
        "the list row shows the same as the thread: {row:?}"
    );

    // Discarding the attribute edit and the tag reverts exactly those.
    s.discard(edited).unwrap();
    s.discard(tagged).unwrap();
    let shown = s.conversation("1").unwrap().unwrap();
    assert_eq!(
        Value::Object(shown.custom_attributes),
        json!({"Channel": "web", "Order value": 12}),
        "a discarded edit leaves Intercom's values"
    );
    assert!(
        shown.tags.is_empty(),
        "the untag still pending keeps bug off; vip is discarded"
    );

    // The untag is sent; Intercom's next copy (without bug) settles it.
    s.mark_sending(untagged).unwrap();
    s.mark_sent(untagged, None).unwrap();
    let mut after = c;
    after.updated_at = 12;
    after.tags = Vec::new();
    after.priority = true;
    s.upsert_conversations(&[after]).unwrap();
    let shown = s.conversation("1").unwrap().unwrap();
    assert!(
        shown.tags.is_empty() && shown.priority,
        "the server's copy agrees"
    );
}

#[test]
fn a_tag_view_and_priority_first_order_page_each_row_exactly_once() {
    let mut s = store();
    let mut rows = Vec::new();
    for i in 0..23 {
        let mut c = conv(&format!("c{i:02}"), 100 + i);
        c.priority = i % 3 == 0;
        if i % 2 == 0 {
            c.tags = vec![tag("t1", "bug")];
        }
        rows.push(c);
    }
    s.upsert_conversations(&rows).unwrap();
    // One more carries the tag only through a pending change.
    s.enqueue(item(
        "c01",
        "u1",
        OutboxKind::Tag {
            tag_id: "t1".into(),
            name: "bug".into(),
        },
    ))
    .unwrap();

    let filter = ListFilter {
        tag_id: Some("t1".into()),
        priority_first: true,
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_view_filtered(&View::AllOpen, "me", &filter, cursor.as_ref(), 4)
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.priority_cursor());
        seen.extend(
            page.iter()
                .map(|r| (r.priority, r.last_activity_at, r.id.clone())),
        );
    }
    let mut expected: Vec<(bool, i64, String)> = rows
        .iter()
        .filter(|c| c.tags.iter().any(|t| t.id == "t1") || c.id == "c01")
        .map(|c| (c.priority, c.updated_at.max(c.created_at), c.id.clone()))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        seen, expected,
        "pages of 4 list every tagged conversation once (the pending tag included), priority \
         ones first, each group newest first"
    );

    let plain = s
        .list_view_filtered(&View::AllOpen, "me", &ListFilter::default(), None, 50)
        .unwrap();
    assert_eq!(plain.len(), 23, "no filter: every open conversation");
    assert!(
        plain
            .windows(2)
            .all(|w| w[0].last_activity_at >= w[1].last_activity_at),
        "no filter: newest first, whatever the priority"
    );
}

#[test]
fn tags_and_attribute_definitions_are_replaced_whole_and_read_in_order() {
    let mut s = store();
    s.replace_tags(&[tag("2", "vip"), tag("1", "Bug"), tag("3", "billing")])
        .unwrap();
    let names: Vec<String> = s.tags().unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        ["billing", "Bug", "vip"],
        "by name, whatever the case"
    );
    s.replace_tags(&[tag("1", "Bug")]).unwrap();
    assert_eq!(s.tags().unwrap().len(), 1, "a tag deleted in Intercom goes");
    assert!(s.tag("2").unwrap().is_none());

    let defs = vec![
        AttributeDef {
            name: "Order value".into(),
            label: "Order value".into(),
            data_type: "integer".into(),
            options: vec![],
        },
        AttributeDef {
            name: "Channel".into(),
            label: "Channel".into(),
            data_type: "string".into(),
            options: vec!["web".into(), "email".into()],
        },
    ];
    s.replace_conversation_attributes(&defs).unwrap();
    assert_eq!(
        s.conversation_attributes().unwrap(),
        defs,
        "Intercom's order and options are kept"
    );
}

#[test]
fn an_old_cache_upgraded_keeps_every_row_and_reads_attributes_and_sla_from_what_intercom_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        MIGRATIONS.to_version(&mut conn, 6).unwrap();
        let insert =
            "INSERT INTO conversations (id, created_at, updated_at, open, state, read, priority,
             srv_open, srv_state, tags, raw, last_activity_at)
           VALUES (?1, 1, 2, 1, 'open', 0, ?2, 1, 'open', ?3, ?4, 2)";
        conn.execute(
            insert,
            rusqlite::params![
                "a",
                1,
                r#"[{"id":"t1","name":"bug"}]"#,
                json!({"custom_attributes": {"Tier": "gold"},
                       "sla_applied": {"sla_name": "VIP", "sla_status": "active"}})
                .to_string()
            ],
        )
        .unwrap();
        // Odd shapes Intercom may have sent: a string for the attributes, a null status.
        conn.execute(
            insert,
            rusqlite::params![
                "b",
                0,
                "[]",
                json!({"custom_attributes": "oops", "sla_applied": {"sla_name": "X", "sla_status": null}})
                    .to_string()
            ],
        )
        .unwrap();
        conn.execute(insert, rusqlite::params!["c", 0, "[]", "not json"])
            .unwrap();
    }
    let s = Store::open(&path).expect("an old cache opens and migrates");
    let a = s.conversation("a").unwrap().expect("row a kept");
    assert_eq!(a.tags, vec![tag("t1", "bug")], "tags kept");
    assert!(a.priority, "priority kept");
    assert_eq!(
        a.custom_attributes.get("Tier"),
        Some(&json!("gold")),
        "attributes from raw"
    );
    assert_eq!(
        a.sla,
        Some(Sla {
            name: "VIP".into(),
            status: Some("active".into())
        }),
        "the SLA from raw"
    );
    let b = s.conversation("b").unwrap().expect("row b kept");
    assert!(
        b.custom_attributes.is_empty(),
        "attributes that are not an object read as none"
    );
    assert_eq!(
        b.sla.map(|x| x.status),
        Some(None),
        "a null status stays null"
    );
    let c = s
        .conversation("c")
        .unwrap()
        .expect("a row with unreadable raw is kept too");
    assert!(c.custom_attributes.is_empty() && c.sla.is_none());
    // A pending tag change over an upgraded row still overlays the migrated server values.
    let mut s = s;
    s.enqueue(item("a", "u", OutboxKind::Priority { priority: false }))
        .unwrap();
    let a = s.conversation("a").unwrap().unwrap();
    assert!(
        !a.priority && a.tags == vec![tag("t1", "bug")],
        "overlay on migrated srv_ columns"
    );
}
