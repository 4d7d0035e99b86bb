//! The sandbox's ticket endpoints over HTTP: the search grammar (nested AND/OR over state,
//! open, type and dates), cursor paging, Intercom's limits and errors, writes checked
//! against the ticket type, tags, and deletion.

mod common;

use std::collections::HashSet;

use common::{small, start};
use intercom_sandbox::SandboxConfig;
use serde_json::{json, Value};

fn ids(v: &Value) -> Vec<String> {
    v["tickets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn ticket_search_pages_with_cursors_and_nested_filters() {
    let (sb, api) = start(SandboxConfig {
        tickets: Some(64),
        ..small()
    })
    .await;
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = json!({
            "query": {"field": "created_at", "operator": ">", "value": 0},
            "pagination": {"per_page": 25, "starting_after": cursor},
        });
        let r = api.post("/tickets/search", &body).await;
        assert_eq!(r.status, 200, "a valid search is answered: {:?}", r.body);
        pages += 1;
        for id in ids(&r.body) {
            assert!(
                seen.insert(id),
                "a quiet workspace pages without duplicates"
            );
        }
        match r.body["pages"]["next"]["starting_after"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 64, "paging reaches every ticket");
    assert_eq!(pages, 3, "64 tickets at 25 a page are 3 pages");

    let types = api.get("/ticket_types").await.body;
    let bug = types["data"][0]["id"].as_str().expect("a type").to_owned();
    let nested = json!({"query": {"operator": "AND", "value": [
        {"field": "ticket_type_id", "operator": "=", "value": bug},
        {"operator": "OR", "value": [
            {"field": "state", "operator": "=", "value": "submitted"},
            {"field": "state", "operator": "=", "value": "resolved"},
        ]},
    ]}, "pagination": {"per_page": 150}});
    let r = api.post("/tickets/search", &nested).await;
    assert_eq!(r.status, 200, "nested AND/OR is accepted: {:?}", r.body);
    let found = r.body["tickets"].as_array().expect("tickets");
    assert!(
        !found.is_empty(),
        "the seeded workspace has bug reports in those states"
    );
    for t in found {
        assert_eq!(
            t["ticket_type"]["id"],
            bug.as_str(),
            "only the type asked for"
        );
        let cat = t["ticket_state"]["category"].as_str().unwrap_or_default();
        assert!(
            cat == "submitted" || cat == "resolved",
            "only the states asked for, got {cat}"
        );
    }
    let open = api
        .post(
            "/tickets/search",
            &json!({"query": {"field": "open", "operator": "=", "value": false}, "pagination": {"per_page": 150}}),
        )
        .await
        .body;
    assert!(
        open["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .all(|t| t["open"] == false && t["ticket_state"]["category"] == "resolved"),
        "open = false is exactly the resolved tickets"
    );
    let too_many = api
        .post(
            "/tickets/search",
            &json!({"query": {"field": "open", "operator": "=", "value": true}, "pagination": {"per_page": 151}}),
        )
        .await;
    assert_eq!(
        too_many.status, 400,
        "per_page is at most 150, as Intercom says"
    );
    let bad_field = api
        .post(
            "/tickets/search",
            &json!({"query": {"field": "colour", "operator": "=", "value": "red"}}),
        )
        .await;
    assert_eq!(
        bad_field.status, 400,
        "an unknown field is refused, not ignored"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn ticket_writes_are_checked_against_the_type_and_deleted_tickets_are_404() {
    let (sb, api) = start(SandboxConfig {
        tickets: Some(5),
        ..small()
    })
    .await;
    let id = sb.ticket_ids()[0].clone();
    let admin = sb.admin_id().to_owned();
    let emptied = api
        .put(
            &format!("/tickets/{id}"),
            &json!({"ticket_attributes": {"_default_title_": ""}}),
        )
        .await;
    assert_eq!(
        emptied.status, 400,
        "a required attribute cannot be emptied"
    );
    let wrong = api
        .put(
            &format!("/tickets/{id}"),
            &json!({"ticket_attributes": {"_default_title_": 5}}),
        )
        .await;
    assert_eq!(wrong.status, 400, "a value of the wrong type is refused");
    let closed = api
        .put(
            &format!("/tickets/{id}"),
            &json!({"open": false, "admin_id": admin}),
        )
        .await;
    assert_eq!(
        closed.body["ticket_state"]["category"], "resolved",
        "closing a ticket resolves it"
    );
    let no_tag = api
        .post(
            &format!("/tickets/{id}/tags"),
            &json!({"id": "1", "admin_id": admin}),
        )
        .await;
    assert_eq!(
        no_tag.status, 404,
        "a tag that does not exist cannot be applied"
    );
    assert_eq!(
        no_tag.body["type"], "error.list",
        "errors are Intercom's error.list"
    );
    sb.delete_ticket(&id).expect("delete");
    let gone = api.get(&format!("/tickets/{id}")).await;
    assert_eq!(gone.status, 404, "a deleted ticket is 404");
    assert_eq!(
        gone.body["errors"][0]["code"], "not_found",
        "with the not_found code"
    );
    let listed = api
        .post(
            "/tickets/search",
            &json!({"query": {"field": "created_at", "operator": ">", "value": 0}, "pagination": {"per_page": 150}}),
        )
        .await
        .body;
    assert!(
        !ids(&listed).contains(&id),
        "a deleted ticket leaves search"
    );
    let reply = api
        .post(
            &format!("/tickets/{id}/reply"),
            &json!({"message_type": "comment", "type": "admin", "admin_id": admin, "body": "hi"}),
        )
        .await;
    assert_eq!(reply.status, 404, "a deleted ticket takes no reply");
    sb.shutdown().await;
}

#[tokio::test]
async fn tickets_are_seeded_deterministically_apart_from_conversations() {
    let (a, _) = start(SandboxConfig {
        epoch: Some(1_700_000_000),
        ..small()
    })
    .await;
    let (b, _) = start(SandboxConfig {
        epoch: Some(1_700_000_000),
        tickets: Some(0),
        ..small()
    })
    .await;
    assert_eq!(
        a.ticket_ids().len(),
        240 / 5,
        "one ticket per five conversations by default"
    );
    assert!(b.ticket_ids().is_empty(), "tickets: Some(0) seeds none");
    let strip = |v: Value| v["conversations"].clone();
    assert_eq!(
        strip(a.truth()),
        strip(b.truth()),
        "tickets do not change the generated conversations"
    );
    let (c, _) = start(SandboxConfig {
        epoch: Some(1_700_000_000),
        ..small()
    })
    .await;
    assert_eq!(
        a.ticket(&a.ticket_ids()[7]),
        c.ticket(&c.ticket_ids()[7]),
        "the same seed and epoch give the same tickets"
    );
}
