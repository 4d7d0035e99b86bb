//! The real app in real WebKit: the window opens and a click round-trips through a Rust
//! command into the page. With AGENTDESK_NO_DEMO the connect screen shows instead of the demo.

use agentdesk_e2e::App;

#[tokio::test(flavor = "multi_thread")]
async fn about_shows_the_version_reported_by_the_rust_command() {
    agentdesk_e2e::within(
        "about_shows_the_version_reported_by_the_rust_command",
        scenario(),
    )
    .await;
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
        env!("CARGO_PKG_VERSION"),
        "the version shown comes from the get_app_info command and must be the app's"
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
