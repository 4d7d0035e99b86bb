//! What the app hands to the programs it starts. `AGENTDESK_TOKEN` is read once at start-up
//! and taken out of the process environment (`EnvToken::take`, first thing in `main`), so the
//! browser a link opens and WebKit's own processes never inherit the access token, while the
//! window still uses it. The system opener is replaced by a stub `xdg-open`, first on the
//! app's PATH, that writes down the environment it was started with.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use agentdesk_e2e::{App, Bus};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_a_link_opens_never_inherits_the_access_token() {
    agentdesk_e2e::within(
        "the_browser_a_link_opens_never_inherits_the_access_token",
        scenario(),
    )
    .await;
}

/// A variable set beside the token: the opener must see it, or it did not get the app's
/// environment at all and the token's absence would prove nothing.
const INHERITED: &str = "AGENTDESK_E2E_INHERITED=from-the-app";

/// The environments of the app's direct children (WebKit's web and network processes).
fn children_environments(parent: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let ppid: u32 = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            if ppid != parent {
                return None;
            }
            let environ = std::fs::read(entry.path().join("environ")).ok()?;
            Some((pid, String::from_utf8_lossy(&environ).replace('\0', "\n")))
        })
        .collect()
}

async fn scenario() {
    // A workspace logged in on the command line, whose stored token is then deleted, so the
    // window can only open it with the token from the environment.
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        conversations: 20,
        contacts: 10,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let token = sandbox.token().to_string();
    let bus = Bus::start_without_services().await;
    let data_dir = tempfile::tempdir().expect("a data directory");
    let (code, out, err) = agentdesk_e2e::cli(
        data_dir.path(),
        &bus,
        &["login", "--token-stdin", "--base-url", sandbox.base_url()],
        &token,
    )
    .await;
    assert!(
        code.success(),
        "logging in to the sandbox works: {out}{err}"
    );
    let secrets = data_dir.path().join("secrets");
    assert!(
        secrets.is_dir(),
        "with no keychain service on the test bus the token is in a private file"
    );
    std::fs::remove_dir_all(&secrets).expect("delete the stored token");

    let stub_dir = tempfile::tempdir().expect("a folder for the stub opener");
    let record = stub_dir.path().join("env");
    let args = stub_dir.path().join("args");
    let stub = stub_dir.path().join("xdg-open");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{args}'\nenv > '{record}.tmp' && mv '{record}.tmp' '{record}'\n",
            args = args.display(),
            record = record.display()
        ),
    )
    .expect("write the stub opener");
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755))
        .expect("make the stub executable");
    let path = format!(
        "{}:{}",
        stub_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (name, value) = INHERITED.split_once('=').expect("NAME=value");
    let app = App::launch_in(
        bus,
        data_dir,
        &[
            ("AGENTDESK_NO_DEMO", "1"),
            ("AGENTDESK_TOKEN", &token),
            ("PATH", &path),
            (name, value),
        ],
    )
    .await;

    let session = app.invoke("get_session", json!({})).await;
    assert!(
        session.is_object() && session["workspaceId"] != Value::Null,
        "the window opens the workspace with the token from the environment (read once and \
         passed down, not lost with the variable): {session}"
    );

    let url = "https://example.com/agentdesk-e2e-environment";
    app.invoke("open_external", json!({ "url": url })).await;
    let env = app
        .eventually("the stub opener ran and wrote its environment", || async {
            std::fs::read_to_string(&record).ok()
        })
        .await;
    let opened = std::fs::read_to_string(&args).unwrap_or_default();
    assert_eq!(
        opened.trim(),
        url,
        "the stub is the opener the app started for this link"
    );
    assert!(
        env.lines().any(|l| l == INHERITED),
        "the opener got the app's environment (else this test proves nothing): {env}"
    );
    assert!(
        !env.lines().any(|l| l.starts_with("AGENTDESK_TOKEN=")) && !env.contains(&token),
        "the browser a link opens must not inherit the access token"
    );

    let pid = app.app_pid().expect("the app is running");
    let children = children_environments(pid);
    assert!(
        !children.is_empty(),
        "the app runs WebKit's processes as its children"
    );
    for (child, environ) in &children {
        assert!(
            !environ.contains(&token),
            "process {child} ({}) started by the app must not inherit the access token",
            std::fs::read_to_string(Path::new("/proc").join(child.to_string()).join("comm"))
                .unwrap_or_default()
                .trim()
        );
    }
    app.quit().await;
}
