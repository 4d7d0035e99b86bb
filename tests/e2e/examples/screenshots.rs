//! Takes the README's screenshots from the real app (WebKit, under Xvfb) on the demo
//! workspace: the main window, a thread with the customer panel, and settings.
//! Run: `make screenshots` (or under `dbus-run-session -- xvfb-run -a` with AGENTDESK_BIN set).

use agentdesk_e2e::App;
use fantoccini::Locator;
use serde_json::json;

#[tokio::main]
async fn main() {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "docs/screenshots".into()),
    );
    std::fs::create_dir_all(&out).expect("screenshot folder");
    let app = App::launch(&[("AGENTDESK_DEMO_LIVE_RATE", "0")]).await;
    let _ = app.client.set_window_size(1280, 800).await;
    app.demo_sandbox().await;
    // Wait for the backfill to fill Your inbox.
    app.eventually("Your inbox has conversations", || async {
        let page = app
            .invoke(
                "list_conversations",
                json!({"view": "mine", "cursor": null, "limit": 5}),
            )
            .await;
        page["rows"]
            .as_array()
            .filter(|r| !r.is_empty())
            .map(|_| ())
    })
    .await;
    app.find("[data-testid=conversation-list] [data-id]").await;
    save(&app, &out.join("main.png")).await;

    app.find("[data-testid=conversation-list] [data-id]")
        .await
        .click()
        .await
        .expect("open a conversation");
    app.find("[data-testid=thread]").await;
    app.eventually("the customer panel shows", || async {
        app.client
            .find(Locator::XPath("//*[contains(., 'Track event')]"))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
    save(&app, &out.join("thread.png")).await;

    app.client
        .find(Locator::XPath("//button[normalize-space()='Settings']"))
        .await
        .expect("Settings button")
        .click()
        .await
        .expect("open settings");
    app.eventually("settings open", || async {
        app.client
            .find(Locator::XPath("//*[contains(., 'Do not disturb')]"))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
    save(&app, &out.join("settings.png")).await;
    app.quit().await;
}

async fn save(app: &App, path: &std::path::Path) {
    // Capture once fonts are loaded and two frames have painted since the last change,
    // rather than after a guessed delay.
    app.client
        .execute_async(
            "const done = arguments[0]; document.fonts.ready.then(() => \
             requestAnimationFrame(() => requestAnimationFrame(() => done(true))));",
            vec![],
        )
        .await
        .expect("the page settles");
    let png = app.client.screenshot().await.expect("a screenshot");
    std::fs::write(path, png).expect("write the screenshot");
    println!("wrote {}", path.display());
}
