//! `agentdesk://` links in the real app: a cold start with a link (the app not running, as
//! a desktop starts it for a link clicked in a browser) opens that conversation with the
//! composer prefilled, and leaves it unread (anyone can make a link; only the agent's own
//! open reads it). The second-launch case, where a running window takes the link, is in
//! `demo.rs`.

use agentdesk_e2e::{App, Bus};
use fantoccini::Locator;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn a_link_that_starts_the_app_opens_its_conversation() {
    agentdesk_e2e::within(
        "a_link_that_starts_the_app_opens_its_conversation",
        cold_start(),
    )
    .await;
}

/// Regression: the link was emitted as soon as the first session booted, before the page
/// listened for it, so the app opened on the inbox and the link was lost.
async fn cold_start() {
    // A workspace that exists before the app starts, synced into the cache on the command
    // line, so the conversation is known to the window from its first frame.
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        conversations: 60,
        contacts: 30,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let conv = sandbox.truth()["conversations"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["state"] == "open" && c["read"] == false)
        })
        .map(|c| match &c["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .expect("the generated workspace has an open, unread conversation");
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

    let link = format!("agentdesk://conversation/{conv}?prefill=Started%20by%20a%20link");
    let app = App::launch_with_args(bus, data_dir, &[("AGENTDESK_NO_DEMO", "1")], &[&link]).await;
    let detail = app
        .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
        .await;
    let heading = detail["title"]
        .as_str()
        .filter(|t| !t.is_empty())
        .or_else(|| detail["contactName"].as_str())
        .expect("the conversation has a title or a contact name")
        .to_string();
    app.eventually(
        "the linked conversation opens with the composer prefilled",
        || async {
            let value = app.composer_text().await?;
            let shown = app
                .client
                .find(Locator::Css("article.thread h2"))
                .await
                .ok()?
                .prop("textContent")
                .await
                .ok()??;
            // The heading is the title, after the priority marker when there is one.
            (value == "Started by a link" && shown.trim().ends_with(heading.as_str())).then_some(())
        },
    )
    .await;
    let rows = app
        .invoke(
            "list_conversations",
            json!({"view": "all_open", "cursor": null, "limit": 200}),
        )
        .await;
    let row = rows["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == conv.as_str()))
        .unwrap_or_else(|| panic!("the linked conversation is in All open: {rows}"));
    assert_eq!(
        row["unread"], true,
        "opening through a link must not mark the conversation read (here or in Intercom)"
    );
    assert_eq!(
        app.invoke("take_pending_open", json!({})).await,
        Value::Null,
        "the link is delivered once: nothing is left waiting after the inbox took it"
    );
    app.quit().await;
}
