//! Several saved workspaces in the real app: a switch that fails keeps the agent in the
//! workspace they were in (now and at the next start) and says why; logging out of one
//! opens another saved one instead of a connect screen with no way to them. And a token
//! that landed in the private file (no keychain service on the bus) is said in the status.

use agentdesk_e2e::{App, Bus};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_switch_keeps_the_session_and_logout_opens_the_next_workspace() {
    agentdesk_e2e::within(
        "a_failed_switch_keeps_the_session_and_logout_opens_the_next_workspace",
        scenario(),
    )
    .await;
}

async fn sandbox(seed: u64) -> intercom_sandbox::Sandbox {
    intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        seed,
        conversations: 40,
        contacts: 20,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts")
}

async fn workspace_id(sandbox: &intercom_sandbox::Sandbox) -> String {
    let me: Value = reqwest::Client::new()
        .get(format!("{}/me", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .header("Intercom-Version", "2.14")
        .send()
        .await
        .expect("the sandbox answers /me")
        .json()
        .await
        .expect("/me is JSON");
    me["app"]["id_code"]
        .as_str()
        .expect("/me names the workspace")
        .to_string()
}

fn active_in_registry(data_dir: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(data_dir.join("workspaces.json"))
        .expect("the workspace list is saved");
    serde_json::from_str::<Value>(&text).expect("the workspace list is JSON")["active"].clone()
}

async fn scenario() {
    // Two workspaces, logged in on the command line: first A, then B (the active one). No
    // keychain service runs on this bus, so both tokens land in the private file.
    let (a, b) = (sandbox(21).await, sandbox(22).await);
    let (a_id, b_id) = (workspace_id(&a).await, workspace_id(&b).await);
    assert_ne!(a_id, b_id, "two distinct workspaces");
    let bus = Bus::start_without_services().await;
    let data_dir = tempfile::tempdir().expect("a data directory");
    for sb in [&a, &b] {
        let (code, out, err) = agentdesk_e2e::cli(
            data_dir.path(),
            &bus,
            &["login", "--token-stdin", "--base-url", sb.base_url()],
            sb.token(),
        )
        .await;
        assert!(code.success(), "logging in works: {out}{err}");
    }
    let app = App::launch_in(bus, data_dir, &[("AGENTDESK_NO_DEMO", "1")]).await;
    let session = app.invoke("get_session", json!({})).await;
    assert_eq!(
        session["workspaceId"],
        b_id.as_str(),
        "the active workspace opens"
    );

    // Where the token is: the window says it, not only the command line.
    let notice = app
        .eventually("the status says where the token is", || async {
            let status = app.invoke("get_status", json!({})).await;
            status["tokenNotice"].as_str().map(String::from)
        })
        .await;
    assert!(
        notice.contains("readable by your user only") && notice.contains("keychain"),
        "the sentence says the token is in a private file for want of a keychain: {notice}"
    );

    // A switch that cannot open A's cache (a file where its folder must be).
    let cache_of_a = app.data_dir.path().join("cache").join(&a_id);
    std::fs::create_dir_all(cache_of_a.parent().expect("cache dir")).expect("cache dir");
    std::fs::write(&cache_of_a, b"in the way").expect("block A's cache folder");
    let refused = app
        .try_invoke("switch_workspace", json!({"id": a_id}))
        .await
        .expect_err("the switch cannot open A's cache");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("You are still in"),
        "the refusal says why and where the agent still is: {message}"
    );
    let still = app.invoke("get_session", json!({})).await;
    assert_eq!(
        still["workspaceId"],
        b_id.as_str(),
        "a failed switch keeps the session the agent was in, not a dead inbox"
    );
    app.try_invoke("sync_now", json!({}))
        .await
        .expect("the kept session still syncs: the inbox is alive");
    assert_eq!(
        active_in_registry(app.data_dir.path()),
        json!(b_id),
        "the next start opens the workspace that works, not the one that failed"
    );

    // Logging out of B leaves A reachable: the app opens it.
    std::fs::remove_file(&cache_of_a).expect("unblock A's cache folder");
    app.invoke("logout", json!({"force": true})).await;
    let next = app
        .eventually("another saved workspace opens after logout", || async {
            let s = app.invoke("get_session", json!({})).await;
            (!s.is_null()).then_some(s)
        })
        .await;
    assert_eq!(
        next["workspaceId"],
        a_id.as_str(),
        "after logging out of B, the other saved workspace is open"
    );
    let listed = app.invoke("list_workspaces", json!({})).await;
    assert_eq!(
        listed
            .as_array()
            .map(|l| l.iter().map(|w| w["id"].clone()).collect::<Vec<_>>()),
        Some(vec![json!(a_id)]),
        "B is gone from the list, A stays"
    );
    app.quit().await;
}
