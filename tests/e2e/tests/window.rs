//! The real app in real WebKit: the window opens and a click round-trips through a Rust
//! command into the page (with AGENTDESK_NO_DEMO the connect screen shows instead of the
//! demo); the window state is kept in the data dir; closing the window hides it to the tray.

use agentdesk_e2e::App;

#[tokio::test(flavor = "multi_thread")]
async fn about_shows_the_version_reported_by_the_rust_command() {
    agentdesk_e2e::within(
        "about_shows_the_version_reported_by_the_rust_command",
        scenario(),
    )
    .await;
}

/// The version the app binary reports (`agentdesk --version` prints `agentdesk X.Y.Z`): the
/// test crate's own CARGO_PKG_VERSION would match the app's only by coincidence.
fn binary_version() -> String {
    let out = std::process::Command::new(agentdesk_e2e::app_binary())
        .arg("--version")
        .output()
        .expect("the app binary runs --version");
    assert!(out.status.success(), "--version exits 0: {out:?}");
    let line = String::from_utf8_lossy(&out.stdout);
    line.trim()
        .strip_prefix("agentdesk ")
        .unwrap_or_else(|| panic!("--version prints `agentdesk X.Y.Z`, got {line:?}"))
        .to_string()
}

async fn scenario() {
    let app = App::launch(&[("AGENTDESK_NO_DEMO", "1")]).await;

    let empty = app.find("[data-testid=empty-state]").await;
    let text = empty.text().await.expect("empty state text");
    assert!(
        text.contains("No workspace connected"),
        "with no workspace and the demo off, the window must say so; got {text:?}"
    );

    app.find("[data-testid=about]")
        .await
        .click()
        .await
        .expect("click About");
    let version = app
        .find("[data-testid=version]")
        .await
        .text()
        .await
        .expect("version text");
    assert_eq!(
        version,
        binary_version(),
        "the version shown comes from the get_app_info command and must be the app binary's"
    );

    let data_dir = app
        .find("[data-testid=about-panel] code")
        .await
        .text()
        .await
        .expect("data dir");
    assert_eq!(
        data_dir,
        app.data_dir.path().display().to_string(),
        "the app must use the data directory it was given (AGENTDESK_DATA_DIR), not the user's"
    );
    app.quit().await;
}

/// Regression: the window-state plugin kept its file in Tauri's config dir
/// (`~/.config/dev.agentdesk.app/.window-state.json`) whatever `--data-dir` said, so every test
/// run and every side-by-side profile wrote the user's own window geometry.
#[tokio::test(flavor = "multi_thread")]
async fn window_state_is_saved_in_the_data_dir() {
    agentdesk_e2e::within("window_state_is_saved_in_the_data_dir", window_state()).await;
}

async fn window_state() {
    // A config home of the test's own: where the plugin would write without the fix.
    let config_home = tempfile::tempdir().expect("a temporary config home");
    let config_home_path = config_home.path().to_str().expect("UTF-8 temp path");
    let app = App::launch(&[
        ("AGENTDESK_NO_DEMO", "1"),
        ("XDG_CONFIG_HOME", config_home_path),
    ])
    .await;
    app.find("[data-testid=empty-state]").await;

    // The plugin saves the state when the app exits; SIGTERM ends the app like Quit.
    app.terminate_app().await;

    let saved = app.data_dir.path().join("window-state.json");
    let text = std::fs::read_to_string(&saved).unwrap_or_else(|e| {
        panic!(
            "the window state must be saved in the data dir at {}: {e}",
            saved.display()
        )
    });
    let state: serde_json::Value = serde_json::from_str(&text).expect("the state file is JSON");
    assert!(
        state["main"]["width"].as_u64().is_some_and(|w| w > 0),
        "the file holds the main window's geometry: {text}"
    );
    let default_place = config_home
        .path()
        .join("dev.agentdesk.app/.window-state.json");
    assert!(
        !default_place.exists(),
        "nothing may be written to the config dir's state file when a data dir is given"
    );
    app.quit().await;
}

/// Closing the window (the title bar's close button: the window manager sends it
/// `WM_DELETE_WINDOW`) hides it to the tray: the app keeps running, so sync and notifications
/// go on, and launching it again shows the same window from the same process.
#[tokio::test(flavor = "multi_thread")]
async fn closing_the_window_hides_it_and_a_second_launch_shows_it() {
    agentdesk_e2e::within(
        "closing_the_window_hides_it_and_a_second_launch_shows_it",
        close_to_tray(),
    )
    .await;
}

async fn close_to_tray() {
    use agentdesk_e2e::desktop;

    let app = App::launch(&[("AGENTDESK_NO_DEMO", "1")]).await;
    app.find("[data-testid=empty-state]").await;
    let pid = app.app_pid().expect("the app is running");
    let window = app
        .eventually("the main window is shown", || async {
            desktop::window_of(pid, "Agentdesk").filter(|&w| desktop::is_shown(w))
        })
        .await;

    desktop::request_close(window);
    app.eventually("the closed window is hidden", || async {
        (!desktop::is_shown(window)).then_some(())
    })
    .await;
    assert_eq!(
        app.app_pid(),
        Some(pid),
        "closing the window must not end the app: it stays in the tray and keeps syncing"
    );

    let status = app.second_launch(&[]).await;
    assert!(
        status.success(),
        "a second launch hands over to the running app and exits cleanly: {status:?}"
    );
    app.eventually("the hidden window is shown again", || async {
        desktop::is_shown(window).then_some(())
    })
    .await;
    assert_eq!(
        app.app_pid(),
        Some(pid),
        "the running app showed its window; no second app was started"
    );
    let page = app
        .client
        .execute("return document.visibilityState", vec![])
        .await
        .expect("the page still answers WebDriver");
    assert_eq!(
        page, "visible",
        "the page shown again is the same live page, now visible"
    );
    app.quit().await;
}
