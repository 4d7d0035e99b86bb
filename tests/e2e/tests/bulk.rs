//! Bulk actions (issue 22, item 5) in the real app: fifty conversations picked from the
//! keyboard (`x`, then Shift+J) and closed from the bulk bar reach Intercom closed, each by
//! exactly one request, and the bar reports them. (A failing item, cancel and the mouse's
//! Ctrl/Shift clicks are covered in Chromium: `ui/tests/browser/bulk.spec.ts`.)

use agentdesk_e2e::{App, Bus};
use fantoccini::Locator;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn fifty_conversations_picked_from_the_keyboard_are_closed_once_each() {
    agentdesk_e2e::within(
        "fifty_conversations_picked_from_the_keyboard_are_closed_once_each",
        fifty(),
    )
    .await;
}

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn fifty() {
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        // About a sixth are open: All open lists more than fifty.
        conversations: 600,
        contacts: 120,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let bus = Bus::start_without_services().await;
    let data_dir = tempfile::tempdir().expect("a data directory");
    let (code, out, err) = agentdesk_e2e::cli(
        data_dir.path(),
        &bus,
        &["login", "--token-stdin", "--base-url", sandbox.base_url()],
        sandbox.token(),
    )
    .await;
    assert!(
        code.success(),
        "logging in to the sandbox works: {out}{err}"
    );
    let (code, out, err) = agentdesk_e2e::cli(data_dir.path(), &bus, &["sync", "--once"], "").await;
    assert!(code.success(), "a first sync fills the cache: {out}{err}");

    let app = App::launch_in(bus, data_dir, &[("AGENTDESK_NO_DEMO", "1")]).await;
    app.find("button[data-view=all_open]")
        .await
        .click()
        .await
        .expect("show All open");
    app.find("[data-testid=conversation-list] [role=option][data-id]")
        .await;
    let body = app.find("body").await;
    body.send_keys(&format!("x{}", "J".repeat(49)))
        .await
        .expect("x, then Shift+J 49 times");
    app.eventually("fifty rows are picked", || async {
        let count = app
            .client
            .find(Locator::Css("[data-testid=bulk-count]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        (count == "50 selected").then_some(())
    })
    .await;
    let picked: Vec<String> = {
        let rows = app
            .client
            .find_all(Locator::Css(
                "[data-testid=conversation-list] [role=option][aria-checked=true]",
            ))
            .await
            .expect("the picked rows");
        let mut ids = Vec::new();
        for r in rows {
            if let Some(id) = r.attr("data-id").await.expect("a row's id") {
                ids.push(id);
            }
        }
        ids
    };
    assert!(
        !picked.is_empty(),
        "the picked rows on screen carry their ids"
    );
    app.client
        .find(Locator::XPath(
            "//div[@data-testid='bulk-bar']//button[normalize-space()='Close']",
        ))
        .await
        .expect("the bar's Close button")
        .click()
        .await
        .expect("close them");
    app.eventually("the bar reports fifty closed", || async {
        let report = app
            .client
            .find(Locator::Css("[data-testid=bulk-report]"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        report.contains("Closed 50 conversations").then_some(())
    })
    .await;
    let closes = |id: &str| {
        let path = format!("/conversations/{id}/parts");
        sandbox
            .write_log()
            .iter()
            .filter(|w| w["method"] == "POST" && w["path"] == path.as_str() && w["applied"] == true)
            .count()
    };
    app.eventually(
        "every picked conversation is closed in Intercom",
        || async {
            let truth = sandbox.truth();
            let closed = truth["conversations"]
                .as_array()?
                .iter()
                .filter(|c| picked.contains(&id_of(&c["id"])) && c["state"] == "closed")
                .count();
            (closed == picked.len()).then_some(())
        },
    )
    .await;
    // Once no picked conversation has an unconfirmed item, a resend could only have
    // happened already: count the requests now.
    for id in &picked {
        app.eventually("the outbox settles the close", || async {
            let detail = app
                .invoke("get_conversation", json!({"id": id, "loadImages": false}))
                .await;
            detail["pending"].as_array()?.is_empty().then_some(())
        })
        .await;
    }
    for id in &picked {
        assert_eq!(
            closes(id),
            1,
            "conversation {id} was closed by exactly one request"
        );
    }
    app.quit().await;
}
