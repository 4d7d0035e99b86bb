//! Drafts that survive (issue 22), in the real app: a reply typed but not sent is in the
//! composer again after the app is killed (SIGKILL, as a crash or a power cut) and started
//! again, and sending it then delivers it once and leaves no draft behind.

use agentdesk_e2e::{App, Bus};
use fantoccini::Locator;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_survives_a_kill_and_is_sent_once() {
    agentdesk_e2e::within("a_draft_survives_a_kill_and_is_sent_once", survives()).await;
}

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn survives() {
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        conversations: 60,
        contacts: 30,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let conv = sandbox.truth()["conversations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["state"] == "open"))
        .map(|c| id_of(&c["id"]))
        .expect("the generated workspace has an open conversation");
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

    // A link with no text opens the conversation (and leaves the composer empty).
    let link = format!("agentdesk://conversation/{conv}");
    let env = [("AGENTDESK_NO_DEMO", "1")];
    let app = App::launch_with_args(bus, data_dir, &env, &[&link]).await;
    let text = format!("Half of an answer {}", std::process::id());
    app.find("[data-testid=composer] textarea")
        .await
        .send_keys(&text)
        .await
        .expect("type a reply");
    app.eventually("the draft is kept in the cache", || async {
        let drafts = app.invoke("list_drafts", json!({})).await;
        drafts
            .as_array()?
            .iter()
            .any(|d| d["id"] == conv.as_str() && d["text"] == text.as_str())
            .then_some(())
    })
    .await;
    let data_dir = app.kill().await;

    let app = App::launch_with_args(
        Bus::start_without_services().await,
        data_dir,
        &env,
        &[&link],
    )
    .await;
    app.eventually("the killed run's draft is back in its composer", || async {
        (app.composer_text().await? == text).then_some(())
    })
    .await;
    app.client
        .find(Locator::XPath(
            "//div[@data-testid='composer']//button[normalize-space()='Send']",
        ))
        .await
        .expect("the Send button")
        .click()
        .await
        .expect("send");
    let delivered = |truth: &Value| {
        truth["conversations"]
            .as_array()
            .and_then(|a| a.iter().find(|c| id_of(&c["id"]) == conv))
            .and_then(|c| c["conversation_parts"]["conversation_parts"].as_array())
            .map(|parts| {
                parts
                    .iter()
                    .filter(|p| p["body"].as_str().unwrap_or("").contains(&text))
                    .count()
            })
            .unwrap_or(0)
    };
    app.eventually("the outbox settles the reply", || async {
        let detail = app
            .invoke("get_conversation", json!({"id": conv, "loadImages": false}))
            .await;
        (delivered(&sandbox.truth()) >= 1 && detail["pending"].as_array()?.is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        delivered(&sandbox.truth()),
        1,
        "the restored draft reaches Intercom once"
    );
    assert_eq!(
        app.invoke("list_drafts", json!({})).await,
        json!([]),
        "sending consumed the draft: a later start shows no copy of a sent reply"
    );
    app.quit().await;
}
