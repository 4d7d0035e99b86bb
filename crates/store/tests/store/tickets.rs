//! Tickets: page upserts with their cursor, the list and detail queries, the trigger-kept
//! `tickets` count against a scan, the unread model, full text, the outbox overlay and
//! exactly-once bookkeeping of ticket writes, a ticket deleted with items waiting, and an
//! old (V6) cache upgraded with every row kept.

use agentdesk_store::tickets::{Ticket, TicketPart, TicketType};
use agentdesk_store::{
    OutboxItem, OutboxKind, OutboxStatus, Store, Tag, TicketAttributeDef, TicketCount,
    TicketStateDef,
};
use serde_json::json;

use crate::support::{conv, part, store};

const ME: &str = "a1";

fn ticket(id: &str, updated_at: i64) -> Ticket {
    let mut attributes = serde_json::Map::new();
    attributes.insert("_default_title_".into(), json!(format!("Refund {id}")));
    attributes.insert("severity".into(), json!("High"));
    Ticket {
        id: id.to_owned(),
        number: Some(format!("N{id}")),
        title: Some(format!("Refund {id}")),
        description: Some("the customer was charged twice".into()),
        ticket_type_id: Some("61".into()),
        ticket_type_name: Some("Bug report".into()),
        state: "submitted".into(),
        state_id: Some("4001".into()),
        open: true,
        contact_id: Some("k1".into()),
        attributes,
        created_at: 1_000,
        updated_at,
        ..Default::default()
    }
}

fn bug_type() -> TicketType {
    TicketType {
        id: "61".into(),
        name: "Bug report".into(),
        attributes: vec![
            TicketAttributeDef {
                id: "1".into(),
                name: "_default_title_".into(),
                data_type: "string".into(),
                required: true,
                is_default: true,
                ..Default::default()
            },
            TicketAttributeDef {
                id: "2".into(),
                name: "severity".into(),
                label: Some("Severity".into()),
                data_type: "list".into(),
                options: vec![("o1".into(), "Low".into()), ("o2".into(), "High".into())],
                position: 1,
                ..Default::default()
            },
            TicketAttributeDef {
                id: "3".into(),
                name: "affected_users".into(),
                data_type: "integer".into(),
                position: 2,
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

fn contact_part(id: &str, at: i64) -> TicketPart {
    TicketPart {
        id: id.into(),
        part_type: "comment".into(),
        body_html: Some("<p>Any news on the <b>invoice</b>?</p>".into()),
        author_type: Some("user".into()),
        author_id: Some("k1".into()),
        created_at: at,
        ..Default::default()
    }
}

fn assert_count_matches_scan(s: &Store, why: &str) -> TicketCount {
    let kept = s.ticket_count(ME).expect("counters read");
    let exact = s.ticket_count_exact(ME).expect("scan reads");
    assert_eq!(
        kept, exact,
        "the trigger-kept tickets count must equal a scan: {why}"
    );
    kept
}

#[test]
fn ticket_page_is_stored_with_its_cursor_and_listed_by_state_and_type() {
    let mut s = store();
    s.upsert_ticket_types(&[bug_type()]).expect("types store");
    let page: Vec<Ticket> = (1..=5)
        .map(|i| ticket(&format!("t{i}"), 2_000 + i))
        .collect();
    let out = s
        .upsert_tickets_page(&page, "tickets:backfill", Some("CUR2"), true)
        .expect("a page stores");
    assert_eq!(out.new_ids.len(), 5, "five new tickets are reported new");
    assert_eq!(
        s.sync_state("tickets:backfill")
            .expect("reads")
            .and_then(|x| x.cursor),
        Some("CUR2".into()),
        "the cursor is saved in the page's transaction so a kill resumes after it"
    );
    let mut resolved = ticket("t9", 2_100);
    resolved.state = "resolved".into();
    resolved.open = false;
    s.upsert_tickets(&[resolved]).expect("upsert");

    let (rows, next) = s.list_tickets(None, None, None, 3).expect("list");
    assert_eq!(
        rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["t5", "t4", "t3"],
        "open tickets newest activity first; resolved ones are not in the open list"
    );
    let (rest, end) = s
        .list_tickets(None, None, next.as_ref(), 3)
        .expect("page 2");
    assert_eq!(
        rest.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["t2", "t1"],
        "the cursor continues exactly after the last row"
    );
    assert!(end.is_none(), "the last page has no next cursor");
    let (res, _) = s
        .list_tickets(Some("resolved"), None, None, 10)
        .expect("list");
    assert_eq!(
        res.len(),
        1,
        "the resolved state lists only the resolved ticket"
    );
    let (none, _) = s.list_tickets(None, Some("62"), None, 10).expect("list");
    assert!(none.is_empty(), "a type filter leaves out other types");
    assert_eq!(
        rows[0].ticket_type_name.as_deref(),
        Some("Bug report"),
        "rows carry the type's name"
    );
}

#[test]
fn ticket_detail_types_attributes_by_its_type_and_keeps_unknown_types() {
    let mut s = store();
    s.upsert_ticket_types(&[bug_type()]).expect("types");
    let mut odd = ticket("t2", 2_000);
    odd.ticket_type_id = Some("999".into());
    odd.ticket_type_name = Some("Made later".into());
    s.upsert_tickets(&[ticket("t1", 2_000), odd])
        .expect("upsert");
    let d = s.ticket_detail("t1").expect("reads").expect("cached");
    let names: Vec<&str> = d.attributes.iter().map(|a| a.def.name.as_str()).collect();
    assert_eq!(
        names,
        ["_default_title_", "severity", "affected_users"],
        "attributes follow the type's order, unset ones included"
    );
    assert_eq!(
        d.attributes[1].def.data_type, "list",
        "the type says severity is a list"
    );
    assert_eq!(
        d.attributes[1].def.options.len(),
        2,
        "a list attribute carries its options"
    );
    assert!(
        d.attributes[2].value.is_null(),
        "an unset attribute is null"
    );
    let odd = s
        .ticket_detail("t2")
        .expect("reads")
        .expect("a ticket of an unknown type is still cached");
    assert_eq!(
        odd.ticket_type_name.as_deref(),
        Some("Made later"),
        "an uncached type is named as the ticket named it"
    );
    assert!(
        odd.attributes.iter().any(|a| a.def.name == "severity"),
        "attributes of an unknown type are still shown from the ticket's values"
    );
}

#[test]
fn tickets_count_follows_assignment_state_and_unread() {
    let mut s = store();
    let mut mine = ticket("t1", 2_000);
    mine.admin_assignee_id = Some(ME.into());
    let mut other = ticket("t2", 2_000);
    other.admin_assignee_id = Some("a2".into());
    let mut team = ticket("t3", 2_000);
    team.team_assignee_id = Some("7".into());
    let unassigned = ticket("t4", 2_000);
    s.upsert_tickets_page(&[mine, other, team, unassigned], "tickets", None, true)
        .expect("page");
    let c = assert_count_matches_scan(&s, "after the first page");
    assert_eq!(
        c,
        TicketCount {
            total: 2,
            unread: 0
        },
        "mine and unassigned count; another admin's or a team's do not; seeded marks are read"
    );
    s.upsert_ticket_parts("t4", &[contact_part("p1", 3_000)])
        .expect("parts");
    let c = assert_count_matches_scan(&s, "after a contact part");
    assert_eq!(
        c.unread, 1,
        "a contact part after the read mark makes the ticket unread"
    );
    s.mark_ticket_read("t4").expect("mark");
    assert_eq!(
        assert_count_matches_scan(&s, "after reading").unread,
        0,
        "reading clears unread"
    );
    s.mark_ticket_unread("t1").expect("mark");
    assert_eq!(
        assert_count_matches_scan(&s, "marked unread").unread,
        1,
        "a manual unread counts"
    );
    let mut resolved = ticket("t1", 2_500);
    resolved.admin_assignee_id = Some(ME.into());
    resolved.state = "resolved".into();
    s.upsert_tickets(&[resolved]).expect("upsert");
    assert_eq!(
        assert_count_matches_scan(&s, "after resolving").total,
        1,
        "a resolved ticket leaves the count"
    );
    s.delete_ticket("t4").expect("delete");
    assert_eq!(
        assert_count_matches_scan(&s, "after a deletion"),
        TicketCount::default(),
        "a deleted ticket leaves the count"
    );
}

#[test]
fn ticket_search_finds_titles_and_parts_and_says_ticket() {
    let mut s = store();
    s.upsert_tickets(&[ticket("t1", 2_000)]).expect("upsert");
    s.upsert_ticket_parts("t1", &[contact_part("p1", 3_000)])
        .expect("parts");
    s.upsert_conversations(&[conv("c1", 2_000)])
        .expect("a conversation");
    let by_title = s.search_tickets("refund", 10).expect("search");
    assert_eq!(by_title.len(), 1, "the title is indexed");
    assert_eq!(by_title[0].ticket_id, "t1", "the hit names the ticket");
    let by_part = s.search_tickets("invoice", 10).expect("search");
    assert!(
        by_part
            .first()
            .is_some_and(|h| h.in_part && h.ticket_id == "t1"),
        "a part's text is indexed and the hit says it matched in a part"
    );
    assert!(
        s.search("invoice", 10).expect("search").is_empty(),
        "ticket text never shows up as a conversation hit"
    );
    s.delete_ticket("t1").expect("delete");
    assert!(
        s.search_tickets("refund", 10).expect("search").is_empty(),
        "a deleted ticket leaves the index"
    );
}

fn item(ticket: &str, kind: OutboxKind, uuid: &str) -> OutboxItem {
    OutboxItem {
        conversation_id: ticket.into(),
        admin_id: ME.into(),
        kind,
        client_uuid: uuid.into(),
    }
}

#[test]
fn ticket_update_shows_at_once_survives_a_page_and_discard_reverts() {
    let mut s = store();
    s.upsert_tickets(&[ticket("t1", 2_000)]).expect("upsert");
    let mut attrs = serde_json::Map::new();
    attrs.insert("severity".into(), json!("Low"));
    let id = s
        .enqueue(item(
            "t1",
            OutboxKind::TicketUpdate {
                state: Some("in_progress".into()),
                state_id: Some("4002".into()),
                attributes: attrs,
            },
            "u1",
        ))
        .expect("enqueue");
    let again = s
        .enqueue(item(
            "t1",
            OutboxKind::TicketUntag { tag_id: "x".into() },
            "u1",
        ))
        .expect("same uuid");
    assert_eq!(
        again, id,
        "enqueueing the same uuid twice is one item (exactly once)"
    );
    let t = s.ticket("t1").expect("reads").expect("cached");
    assert_eq!(t.state, "in_progress", "the asked-for state shows at once");
    assert_eq!(
        t.attributes["severity"], "Low",
        "the new attribute value shows at once"
    );
    s.upsert_tickets(&[ticket("t1", 2_100)])
        .expect("a later page");
    assert_eq!(
        s.ticket("t1").expect("reads").expect("cached").state,
        "in_progress",
        "a page from Intercom does not make a pending change flicker back"
    );
    s.discard(id).expect("discard");
    let t = s.ticket("t1").expect("reads").expect("cached");
    assert_eq!(
        t.state, "submitted",
        "a discard reverts to the server's state"
    );
    assert_eq!(
        t.attributes["severity"], "High",
        "and to the server's attribute value"
    );
}

#[test]
fn ticket_reply_is_a_pending_part_then_takes_the_server_id() {
    let mut s = store();
    s.upsert_tickets(&[ticket("t1", 2_000)]).expect("upsert");
    let id = s
        .enqueue(item(
            "t1",
            OutboxKind::TicketNote {
                body: "<p>checked logs</p>".into(),
            },
            "u2",
        ))
        .expect("enqueue");
    let d = s.ticket_detail("t1").expect("reads").expect("cached");
    assert!(
        d.parts
            .iter()
            .any(|p| p.id == "local:u2" && p.outbox_id == Some(id)),
        "the note shows at once as a pending part"
    );
    assert_eq!(d.outbox.len(), 1, "the detail lists the unconfirmed item");
    assert_eq!(
        s.next_sendable()
            .expect("reads")
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [id],
        "the ticket's item is sendable like a conversation's"
    );
    s.mark_sending(id).expect("sending");
    s.mark_sent(id, Some("srv-9")).expect("sent");
    let d = s.ticket_detail("t1").expect("reads").expect("cached");
    assert!(
        d.parts
            .iter()
            .any(|p| p.id == "srv-9" && p.outbox_id.is_none()),
        "the pending part takes Intercom's id once confirmed"
    );
    assert!(
        !d.parts.iter().any(|p| p.id == "local:u2"),
        "no local copy is left"
    );
    assert!(
        s.search_tickets("checked", 5)
            .expect("search")
            .first()
            .is_some_and(|h| h.in_part),
        "the note's text is searchable"
    );
}

#[test]
fn ticket_deleted_remotely_fails_its_waiting_items_and_nothing_else() {
    let mut s = store();
    s.upsert_tickets(&[ticket("t1", 2_000), ticket("t2", 2_000)])
        .expect("upsert");
    s.upsert_conversations(&[conv("c1", 2_000)])
        .expect("conversation");
    let a = s
        .enqueue(item(
            "t1",
            OutboxKind::TicketReply { body: "hi".into() },
            "ua",
        ))
        .expect("enqueue");
    let b = s
        .enqueue(item(
            "t2",
            OutboxKind::TicketTag {
                tag_id: "5".into(),
                tag_name: Some("vip".into()),
            },
            "ub",
        ))
        .expect("enqueue");
    let c = s
        .enqueue(OutboxItem {
            conversation_id: "c1".into(),
            admin_id: ME.into(),
            kind: OutboxKind::Close,
            client_uuid: "uc".into(),
        })
        .expect("enqueue");
    assert!(
        s.delete_ticket("t1").expect("delete"),
        "the ticket was cached"
    );
    let failed = s
        .outbox_item(a)
        .expect("reads")
        .expect("the item is kept, not lost");
    assert_eq!(failed.status, OutboxStatus::Failed, "its item fails");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("deleted")),
        "with a reason that says the ticket was deleted: {:?}",
        failed.last_error
    );
    for other in [b, c] {
        assert_eq!(
            s.outbox_item(other).expect("reads").map(|e| e.status),
            Some(OutboxStatus::Pending),
            "items of other tickets and conversations are untouched"
        );
    }
    let tags = s.ticket("t2").expect("reads").expect("cached").tags;
    assert_eq!(
        tags,
        vec![Tag {
            id: "5".into(),
            name: "vip".into()
        }],
        "a pending tag shows at once"
    );
}

#[test]
fn ticket_enqueue_for_an_unknown_ticket_is_not_found() {
    let mut s = store();
    let err = s
        .enqueue(item(
            "nope",
            OutboxKind::TicketReply { body: "x".into() },
            "u",
        ))
        .expect_err("no such ticket");
    assert!(
        err.to_string().contains("ticket"),
        "the error names a ticket: {err}"
    );
}

#[test]
fn ticket_states_and_types_round_trip() {
    let mut s = store();
    let mut archived = bug_type();
    archived.id = "63".into();
    archived.name = "Old".into();
    archived.archived = true;
    s.upsert_ticket_types(&[bug_type(), archived])
        .expect("types");
    s.upsert_ticket_states(&[TicketStateDef {
        id: "4001".into(),
        category: "submitted".into(),
        internal_label: Some("Submitted".into()),
        ..Default::default()
    }])
    .expect("states");
    let listed = s.ticket_types(false).expect("reads");
    assert_eq!(
        listed.len(),
        1,
        "archived types are left out of list_ticket_types"
    );
    assert_eq!(
        listed[0].attributes.len(),
        3,
        "a type carries its attributes"
    );
    assert_eq!(
        s.ticket_states().expect("reads").len(),
        1,
        "states are stored"
    );
}

#[test]
fn old_v6_cache_upgrades_keeping_every_row() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("cache.sqlite3");
    {
        let mut s = Store::open(&path).expect("opens");
        s.upsert_conversations(&[conv("c1", 2_000), conv("c2", 2_100)])
            .expect("rows");
        s.upsert_parts("c1", &[part("p1", "c1", "user", 2_050, "<p>hello</p>")])
            .expect("parts");
        s.mark_read("c2", 2_200).expect("mark");
        s.enqueue(OutboxItem {
            conversation_id: "c1".into(),
            admin_id: ME.into(),
            kind: OutboxKind::Reply { body: "hi".into() },
            client_uuid: "u1".into(),
        })
        .expect("enqueue");
    }
    // Make the file a V6 cache: drop what V7 to V9 made and set the version back, as a cache
    // written by the release before issue 14 would be.
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    conn.execute_batch(
        "DROP TABLE drafts;
         DROP TABLE tickets_fts; DROP TABLE ticket_parts_fts; DROP TABLE ticket_read_marks;
         DROP TABLE ticket_parts; DROP TABLE tickets; DROP TABLE ticket_states;
         DROP TABLE ticket_type_attributes; DROP TABLE ticket_types;
         DROP TABLE tags; DROP TABLE conversation_attributes;
         ALTER TABLE conversations DROP COLUMN srv_priority;
         ALTER TABLE conversations DROP COLUMN srv_tags;
         ALTER TABLE conversations DROP COLUMN custom_attributes;
         ALTER TABLE conversations DROP COLUMN srv_custom_attributes;
         ALTER TABLE conversations DROP COLUMN sla_name;
         ALTER TABLE conversations DROP COLUMN sla_status;
         PRAGMA user_version = 6;",
    )
    .expect("back to V6");
    let dump = |conn: &rusqlite::Connection| -> Vec<(String, i64)> {
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' AND name NOT LIKE 'ticket%' AND name NOT IN ('tags', 'conversation_attributes', 'drafts') ORDER BY name")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("names");
        tables
            .into_iter()
            .map(|t| {
                let n: i64 = conn
                    .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                    .expect("count");
                (t, n)
            })
            .collect()
    };
    let before = dump(&conn);
    assert!(
        before.iter().any(|(t, n)| t == "conversations" && *n == 2),
        "the V6 cache holds the rows written: {before:?}"
    );
    drop(conn);
    let s = Store::open(&path).expect("an old cache opens and migrates");
    drop(s);
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    assert_eq!(
        dump(&conn),
        before,
        "upgrading to tickets keeps every row of every old table"
    );
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(
        version, 9,
        "the conversation extras (V7), tickets (V8) and drafts (V9) migrations ran"
    );
    let s = Store::open(&path).expect("reopens");
    assert!(
        s.ticket_types(true)
            .expect("the tickets tables exist")
            .is_empty(),
        "the new tables start empty"
    );
    assert_eq!(
        s.conversation_detail("c1")
            .expect("reads")
            .map(|d| d.outbox.len()),
        Some(1),
        "the pending reply survives the upgrade"
    );
}

#[test]
fn ticket_update_is_validated_against_the_type() {
    let mut s = store();
    s.upsert_ticket_types(&[bug_type()]).expect("types");
    s.upsert_tickets(&[ticket("t1", 2_000)]).expect("upsert");
    let attrs = |k: &str, v: serde_json::Value| {
        let mut m = serde_json::Map::new();
        m.insert(k.into(), v);
        m
    };
    assert!(
        s.validate_ticket_update("t1", Some("in_progress"), &attrs("severity", json!("Low")))
            .is_ok(),
        "a known state and a list option by label are valid"
    );
    assert!(
        s.validate_ticket_update("t1", None, &attrs("severity", json!("o1")))
            .is_ok(),
        "a list option by id is valid"
    );
    for (why, state, key, value, needle) in [
        (
            "an unknown state",
            Some("closed"),
            "severity",
            json!("Low"),
            "closed",
        ),
        (
            "an unknown attribute",
            None,
            "colour",
            json!("red"),
            "colour",
        ),
        (
            "a wrong type",
            None,
            "affected_users",
            json!("many"),
            "affected_users",
        ),
        (
            "a value that is no option",
            None,
            "severity",
            json!("Extreme"),
            "severity",
        ),
        (
            "a required one emptied",
            None,
            "_default_title_",
            json!(""),
            "required",
        ),
    ] {
        let err = s
            .validate_ticket_update("t1", state, &attrs(key, value))
            .expect_err(why);
        assert!(
            err.to_string().contains(needle),
            "{why} is refused with a message naming it: {err}"
        );
    }
    assert_eq!(
        s.ticket_state_id("submitted").expect("reads"),
        None,
        "no state id before the states are cached"
    );
}

#[test]
fn ticket_details_are_fetched_mine_and_unassigned_first() {
    let mut s = store();
    let mut other = ticket("t1", 3_000);
    other.admin_assignee_id = Some("a2".into());
    let mut mine = ticket("t2", 1_500);
    mine.admin_assignee_id = Some(ME.into());
    let unassigned = ticket("t3", 1_200);
    let mut resolved = ticket("t4", 4_000);
    resolved.state = "resolved".into();
    s.upsert_tickets(&[other, mine, unassigned, resolved])
        .expect("upsert");
    assert_eq!(
        s.tickets_needing_details(ME, 10).expect("reads"),
        ["t2", "t3", "t1", "t4"],
        "the agent's and unassigned open tickets first, then other open ones, then resolved"
    );
    s.upsert_ticket_parts("t2", &[])
        .expect("parts fetched, even none");
    assert!(
        !s.tickets_needing_details(ME, 10)
            .expect("reads")
            .contains(&"t2".to_string()),
        "a ticket whose parts were fetched (even none) is not fetched again"
    );
}

#[test]
fn a_ticket_changed_in_the_second_its_parts_were_fetched_is_fetched_again_once() {
    let mut s = store();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64
    };
    // Whole-second times cannot tell a change in the fetch's own second from one before it.
    // Retried when the clock ticks between the ticket's time and the fetch (then the case is
    // not the one under test).
    for attempt in 0.. {
        assert!(
            attempt < 5,
            "the fetch lands in the ticket's second within 5 tries"
        );
        let t = now();
        s.upsert_tickets(&[ticket("t1", t)]).expect("upsert");
        s.upsert_ticket_parts("t1", &[]).expect("fetched now");
        let fetched = s
            .ticket_detail("t1")
            .expect("reads")
            .expect("cached")
            .details_at;
        if fetched != Some(t) {
            continue;
        }
        assert!(
            s.tickets_needing_details(ME, 10).expect("reads").contains(&"t1".to_string()),
            "fetched in the second of its last change: fetch again, a later change in that second would be missed"
        );
        break;
    }
}

#[test]
fn a_ticket_timed_ahead_of_our_clock_is_not_fetched_again_and_again() {
    // Regression: details were wanted while `details_at <= updated_at`, so a ticket whose
    // time is ahead of ours (clock skew, odd values) was fetched in every cycle: 3,824 extra
    // requests in 62 polls of the polling benchmark.
    let mut s = store();
    let ahead = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
        + 3_600;
    s.upsert_tickets(&[ticket("t1", ahead)]).expect("upsert");
    s.upsert_ticket_parts("t1", &[]).expect("fetched");
    assert!(
        s.tickets_needing_details(ME, 10).expect("reads").is_empty(),
        "the version fetched is the version cached: nothing to fetch however its time compares to ours"
    );
    s.upsert_tickets(&[ticket("t1", ahead + 1)])
        .expect("a newer version");
    assert_eq!(
        s.tickets_needing_details(ME, 10).expect("reads"),
        ["t1"],
        "a newer version is fetched"
    );
}
