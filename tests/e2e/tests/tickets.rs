//! The Tickets view in the real app (WebKit through WebDriver) against the demo workspace's
//! sandbox (issue 14): the sidebar counts the open tickets, the view lists them, a state
//! filter narrows the list, a ticket opens with its thread and attributes, and its state
//! changed from the thread reaches Intercom (the outbox settles).

use agentdesk_e2e::App;
use fantoccini::Locator;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_works_a_ticket_from_the_tickets_view() {
    agentdesk_e2e::within("the Tickets view", scenario()).await;
}

async fn scenario() {
    let app = App::launch(&[("AGENTDESK_DEMO_LIVE_RATE", "0")]).await;
    // Once the first sync has ended, the sidebar's count and the list agree.
    app.eventually("the first sync ends", || async {
        let status = app.invoke("get_status", json!({})).await;
        status["lastSyncAt"].as_i64().map(|_| ())
    })
    .await;
    app.eventually("the Tickets count equals the tickets listed", || async {
        let counts = app.invoke("get_view_counts", json!({})).await;
        let total = counts
            .as_array()?
            .iter()
            .find(|c| c["id"] == "tickets")
            .and_then(|c| c["total"].as_i64())?;
        let mut listed = 0i64;
        let mut cursor = serde_json::Value::Null;
        loop {
            let page = app
                .invoke(
                    "list_tickets",
                    json!({"state": null, "ticketTypeId": null, "cursor": cursor, "limit": 200}),
                )
                .await;
            listed += page["rows"].as_array()?.len() as i64;
            match page["nextCursor"].as_str() {
                Some(next) => cursor = json!(next),
                None => break,
            }
        }
        (total > 0 && total == listed).then_some(())
    })
    .await;

    // 1. The sidebar's Tickets view shows them, with the count.
    app.find("[data-view=tickets]")
        .await
        .click()
        .await
        .expect("open the Tickets view");
    app.find("[data-testid=ticket-list] [role=option]").await;

    // 2. A state filter narrows the list to that state.
    let filter = app.find("[data-testid=filter-state]").await;
    filter
        .select_by_value("submitted")
        .await
        .expect("filter by Submitted");
    app.eventually("every listed ticket is submitted", || async {
        let rows = app
            .client
            .find_all(Locator::Css("[data-testid=ticket-list] [role=option]"))
            .await
            .ok()?;
        for row in &rows {
            if !row.text().await.ok()?.contains("Submitted") {
                return None;
            }
        }
        (!rows.is_empty()).then_some(())
    })
    .await;

    // 3. Open one: its thread and its attributes show; move it to In progress.
    let row = app.find("[data-testid=ticket-list] [role=option]").await;
    let id = row
        .attr("data-id")
        .await
        .expect("a row attribute")
        .expect("rows carry their ticket id");
    row.click().await.expect("open the ticket");
    app.find("article").await;
    app.find("[data-testid=attributes]").await;
    app.find("select[aria-label='Ticket state']")
        .await
        .select_by_value("in_progress")
        .await
        .expect("move the ticket to In progress");
    app.eventually(
        "the ticket shows In progress and the outbox settles",
        || async {
            let t = app
                .invoke("get_ticket", json!({"id": id, "loadImages": false}))
                .await;
            (t["state"] == "in_progress" && t["pending"].as_array()?.is_empty()).then_some(())
        },
    )
    .await;
    app.quit().await;
}
