//! Tags, priority and conversation attributes in the real app (WebKit through WebDriver)
//! against the demo workspace's sandbox (issue 14): the agent tags a conversation from the
//! keyboard, marks it priority, edits an attribute (a wrong value is refused beside its
//! field and nothing is queued), and each change reaches Intercom once.

use agentdesk_e2e::App;
use fantoccini::key::Key;
use serde_json::{json, Value};

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_tags_prioritises_and_edits_attributes_from_the_keyboard() {
    agentdesk_e2e::within("tags, priority and attributes", scenario()).await;
}

async fn scenario() {
    let app = App::launch(&[("AGENTDESK_DEMO_LIVE_RATE", "0")]).await;
    let sandbox = app.demo_sandbox().await;
    // Writes made while the first sync still runs sometimes did not reach the sandbox within
    // the deadline (open: see the issue-14 note); this test starts once the first sync ended.
    app.eventually("the first sync ends", || async {
        let status = app.invoke("get_status", json!({})).await;
        status["lastSyncAt"].as_i64().map(|_| ())
    })
    .await;
    let tags = app
        .eventually("the workspace's tags are synced", || async {
            let tags = app.invoke("list_tags", json!({})).await;
            tags.as_array().filter(|t| !t.is_empty()).cloned()
        })
        .await;

    // The first conversation of the list the window opens on.
    let row = app
        .find("[data-testid=conversation-list] [role=option]")
        .await;
    let conv = row
        .attr("data-id")
        .await
        .expect("a row attribute")
        .expect("rows carry their conversation id");
    row.click().await.expect("open the conversation");
    app.find("article").await;
    let opened = app
        .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
        .await;
    let carried: Vec<String> = opened["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| id_of(&t["id"]))
        .collect();
    let tag = tags
        .iter()
        .find(|t| !carried.contains(&id_of(&t["id"])))
        .expect("a tag the conversation does not carry yet");
    let (tag_id, tag_name) = (
        id_of(&tag["id"]),
        tag["name"].as_str().unwrap_or("").to_string(),
    );

    // 1. `t`, type the tag's name, Enter: the chip shows in the thread.
    let body = app.find("body").await;
    body.send_keys("t").await.expect("press t");
    app.find("[role=dialog][aria-label=Tag]").await;
    app.client
        .active_element()
        .await
        .expect("the picker's filter has the focus")
        .send_keys(&format!("{tag_name}{}", Key::Enter))
        .await
        .expect("type the tag and press Enter");
    app.eventually("the chip shows in the thread", || async {
        let chips = app
            .client
            .find_all(fantoccini::Locator::Css(
                "article [role=list][aria-label=Tags] [role=listitem]",
            ))
            .await
            .ok()?;
        for chip in chips {
            if chip.text().await.ok()?.contains(&tag_name) {
                return Some(());
            }
        }
        None
    })
    .await;

    // 2. Priority, set through the window's command (the `p` key and the button are tested
    // in Chromium, ui/tests/browser/priority.spec.ts): the cache and the thread show it.
    app.invoke("set_priority", json!({"id": conv, "priority": true}))
        .await;
    app.eventually("the conversation is priority", || async {
        let d = app
            .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
            .await;
        (d["priority"] == true).then_some(())
    })
    .await;
    app.find("article [aria-label=Priority]").await;
    let priority_in_intercom = "priority";

    // 3. A whole-number attribute: a wrong value is refused beside its field, a right one
    // is saved.
    let field = app
        .find("[data-testid=attributes] [data-attribute='Order value'] input")
        .await;
    // Replace what the field holds the way an agent does (select it, type over it): a
    // WebDriver clear() would leave the field and save it emptied.
    select_all(&app, &field).await;
    field
        .send_keys(&format!("twelve{}", Key::Enter))
        .await
        .expect("type a wrong value");
    let error = app
        .find("[data-testid=attributes] [data-attribute='Order value'] [role=alert]")
        .await;
    let said = error.text().await.expect("the error's text");
    assert!(
        said.to_lowercase().contains("whole number"),
        "the field says what it takes: {said}"
    );
    let pending = app
        .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
        .await;
    assert!(
        !pending["pending"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["kind"] == "attributes"),
        "a refused value queues nothing: {}",
        pending["pending"]
    );
    select_all(&app, &field).await;
    field
        .send_keys(&format!("42{}", Key::Enter))
        .await
        .expect("type a whole number");

    // 4. Everything reaches Intercom, and the outbox settles.
    app.eventually(
        "Intercom holds the tag, the priority and the value",
        || async {
            let truth = sandbox.truth().await;
            let c = truth["conversations"]
                .as_array()?
                .iter()
                .find(|c| id_of(&c["id"]) == conv)?
                .clone();
            let tagged = c["tags"]["tags"]
                .as_array()?
                .iter()
                .any(|t| id_of(&t["id"]) == tag_id);
            (tagged
                && c["priority"] == priority_in_intercom
                && c["custom_attributes"]["Order value"] == 42)
                .then_some(())
        },
    )
    .await;
    app.eventually("the outbox settles", || async {
        let d = app
            .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
            .await;
        d["pending"].as_array()?.is_empty().then_some(())
    })
    .await;
    let truth = sandbox.truth().await;
    let c = truth["conversations"]
        .as_array()
        .and_then(|a| a.iter().find(|c| id_of(&c["id"]) == conv))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        c["tags"]["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| id_of(&t["id"]) == tag_id)
            .count(),
        1,
        "the tag is on the conversation once"
    );
    app.quit().await;
}

/// Selects everything in a text field, as an agent does before typing over it.
async fn select_all(app: &App, field: &fantoccini::elements::Element) {
    let field = serde_json::to_value(field).expect("an element reference");
    app.client
        .execute("arguments[0].focus(); arguments[0].select();", vec![field])
        .await
        .expect("select the field's text");
}
