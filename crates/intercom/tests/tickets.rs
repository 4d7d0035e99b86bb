//! The client's ticket endpoints against the sandbox over real HTTP: search paging with
//! cursors, retrieve with parts, types and states, every write, 404 for a deleted ticket,
//! and a 403 naming the tickets permission.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use intercom::models::TicketStateCategory;
use intercom::{
    AccessToken, Client, ErrorKind, Op, Order, Query, Region, Reply, SearchRequest, TicketUpdate,
    Url,
};
use intercom_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config)
        .await
        .expect("the sandbox starts on 127.0.0.1:0")
}

fn client_with(sb: &Sandbox, token: &str, per_page: u32) -> Client {
    Client::builder(
        Region::Custom(Url::parse(sb.base_url()).expect("the sandbox URL parses")),
        AccessToken::new(token),
    )
    .backoff(Duration::from_millis(5), Duration::from_millis(40))
    .request_timeout(Duration::from_secs(5))
    .per_page(per_page)
    .build()
    .expect("a client builds for a loopback URL")
}

#[tokio::test]
async fn ticket_search_pages_through_every_ticket_once() {
    let sb = sandbox(SandboxConfig {
        conversations: 300,
        tickets: Some(73),
        ..Default::default()
    })
    .await;
    let client = client_with(&sb, sb.token(), 20);
    let search = SearchRequest::new(Query::filter("created_at", Op::Gt, 0))
        .sort("created_at", Order::Ascending);
    let mut pages = client.search_tickets(search, None);
    let mut seen = HashSet::new();
    let mut n_pages = 0;
    while let Some(page) = pages.next().await {
        let page = page.expect("every page of a quiet workspace decodes");
        n_pages += 1;
        for t in page.items {
            assert!(
                t.ticket_state.is_some() && t.ticket_type.is_some(),
                "a listed ticket carries its state and type"
            );
            assert!(
                t.ticket_parts.is_none(),
                "search items carry no parts (details are fetched by id)"
            );
            assert!(seen.insert(t.id), "a quiet workspace lists no ticket twice");
        }
    }
    assert_eq!(seen.len(), 73, "every seeded ticket is listed");
    assert_eq!(n_pages, 4, "73 tickets at 20 a page make 4 pages");
    sb.shutdown().await;
}

#[tokio::test]
async fn ticket_get_types_states_and_writes_round_trip() {
    let sb = sandbox(SandboxConfig {
        tickets: Some(10),
        ..Default::default()
    })
    .await;
    let client = client_with(&sb, sb.token(), 50);
    let types = client.list_ticket_types().await.expect("types list");
    assert!(
        types.iter().any(|t| t
            .attributes()
            .iter()
            .any(|a| a.data_type.as_deref() == Some("list") && a.options().len() == 3)),
        "the Bug report type's list attribute must decode with its three options"
    );
    let states = client.list_ticket_states().await.expect("states list");
    let in_progress = states
        .iter()
        .find(|s| s.category == Some(TicketStateCategory::InProgress))
        .expect("a workspace has an in-progress state");

    let id = sb.ticket_ids()[0].clone();
    let t = client
        .get_ticket(&id)
        .await
        .expect("a live ticket is found");
    assert!(
        !t.parts().is_empty(),
        "a retrieved ticket carries its parts"
    );
    assert!(t.title().is_some(), "seeded tickets have a title");

    let admin = sb.admin_id().to_string();
    let mut attrs = serde_json::Map::new();
    attrs.insert("_default_title_".into(), json!("Renamed by the client"));
    let updated = client
        .update_ticket(
            &id,
            &TicketUpdate {
                admin_id: Some(admin.clone()),
                ticket_state_id: Some(in_progress.id.clone()),
                ticket_attributes: attrs,
                ..Default::default()
            },
        )
        .await
        .expect("a valid update applies");
    assert_eq!(
        updated.ticket_state.and_then(|s| s.category),
        Some(TicketStateCategory::InProgress),
        "the answer shows the new state"
    );
    assert_eq!(
        updated.ticket_attributes["_default_title_"], "Renamed by the client",
        "the answer shows the new title"
    );
    let part = client
        .reply_ticket(&id, &Reply::note(&admin, "<p>checked</p>"))
        .await
        .expect("a note is accepted");
    assert_eq!(
        part.part_type.as_deref(),
        Some("note"),
        "the answer is the note part"
    );
    let tag = sb.tag_ids()[0].clone();
    let tagged = client
        .tag_ticket(&id, &tag, &admin)
        .await
        .expect("tag applies");
    assert_eq!(tagged.id, tag, "the answer is the tag applied");
    let again = client.get_ticket(&id).await.expect("still there");
    assert!(
        again
            .tags
            .as_ref()
            .is_some_and(|t| t.tags.iter().any(|x| x.id == tag)),
        "the ticket now carries the tag"
    );
    client
        .untag_ticket(&id, &tag, &admin)
        .await
        .expect("untag applies");
    let bad = client
        .update_ticket(
            &id,
            &TicketUpdate {
                ticket_attributes: [("no_such".to_string(), json!(1))].into_iter().collect(),
                ..Default::default()
            },
        )
        .await
        .expect_err("an unknown attribute is refused");
    assert!(
        matches!(bad.kind(), ErrorKind::InvalidRequest { .. }),
        "an unknown attribute is an invalid request, not a retryable failure: {bad}"
    );

    sb.delete_ticket(&id).expect("the ticket exists");
    let gone = client
        .get_ticket(&id)
        .await
        .expect_err("a deleted ticket is gone");
    assert_eq!(gone.kind(), &ErrorKind::NotFound, "a deleted ticket is 404");
    sb.shutdown().await;
}

#[tokio::test]
async fn ticket_search_without_the_permission_names_it() {
    let sb = sandbox(SandboxConfig {
        limited_tokens: vec![("no-tickets".into(), vec!["read_tickets".into()])],
        ..Default::default()
    })
    .await;
    let client = client_with(&sb, "no-tickets", 20);
    let err = client
        .search_tickets_page(&SearchRequest::new(Query::updated_since(0)), None)
        .await
        .expect_err("the app lacks read_tickets");
    match err.kind() {
        ErrorKind::Forbidden { permission, .. } => assert_eq!(
            permission.as_deref(),
            Some("read_tickets"),
            "the error names the missing permission so the agent can add it"
        ),
        other => panic!("a missing permission is Forbidden, got {other:?}"),
    }
    assert!(
        err.to_string().contains("read_tickets"),
        "the message names the permission: {err}"
    );
    sb.shutdown().await;
}

#[test]
fn ticket_pages_with_odd_values_still_decode() {
    use intercom::models::TicketList;
    let body = json!({
        "type": "ticket.list",
        "tickets": [
            {"type": "ticket", "id": 7, "ticket_id": 12, "ticket_state": {"id": 1, "category": "escalated_to_engineering"},
             "admin_assignee_id": "0", "team_assignee_id": null, "ticket_attributes": null, "open": null,
             "contacts": {"type": "contact.list", "contacts": [null, {"id": "k1"}]}},
            null,
            {"type": "ticket"},
            {"type": "ticket", "id": "8", "ticket_type": {"id": "61", "ticket_type_attributes": {"type": "list", "data": [{"id": 3, "name": "severity", "data_type": "list", "input_options": {"list_options": [{"id": 1, "label": "Low"}]}}]}}}
        ],
        "total_count": "4",
        "pages": {"type": "pages", "per_page": "20", "next": null}
    });
    let bytes = serde_json::to_vec(&body).expect("serialises");
    let list: TicketList = intercom::decode_json("POST /tickets/search", &bytes)
        .expect("a page with odd values decodes as a whole");
    assert_eq!(
        list.tickets
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        ["7", "8"],
        "a null item and one without an id are left out; integer ids become strings"
    );
    let t = &list.tickets[0];
    assert_eq!(
        t.ticket_state
            .as_ref()
            .and_then(|s| s.category.as_ref())
            .map(|c| c.as_str()),
        Some("escalated_to_engineering"),
        "an unknown state category is kept, not a failure"
    );
    assert!(t.admin_assignee_id.is_none(), "\"0\" means unassigned");
    assert!(
        t.ticket_attributes.is_empty(),
        "null attributes are an empty map"
    );
    assert_eq!(
        t.contact_id(),
        Some("k1"),
        "a null contact entry is skipped"
    );
    let options = list.tickets[1]
        .ticket_type
        .as_ref()
        .map(|ty| ty.attributes()[0].options())
        .unwrap_or_default();
    assert_eq!(
        options,
        vec![("1".to_string(), "Low".to_string())],
        "list options decode from the examples' shape with integer ids"
    );
}
