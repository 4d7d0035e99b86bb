//! A crash, seen from the next start of the window: a run that panicked on a background
//! thread (the hidden test trigger, `AGENTDESK_TEST_PANIC`) ended with exit code 101 and its
//! report in the log; the window started next says it stopped unexpectedly and where that
//! log is, once.

use agentdesk_e2e::{App, Bus, DEADLINE};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_window_after_a_crash_says_it_stopped_unexpectedly_and_where_the_log_is() {
    agentdesk_e2e::within(
        "the_window_after_a_crash_says_it_stopped_unexpectedly_and_where_the_log_is",
        after_a_crash(),
    )
    .await;
}

async fn after_a_crash() {
    let bus = Bus::start_without_services().await;
    let data_dir = tempfile::tempdir().expect("a data directory");
    let run = tokio::process::Command::new(agentdesk_e2e::app_binary())
        .arg("paths")
        .env("AGENTDESK_DATA_DIR", data_dir.path())
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("AGENTDESK_TEST_PANIC", "a customer's words")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("the crashing run ends within the deadline")
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(101),
        "the panic ends the process with the crash code: {out:?}"
    );

    let app = App::launch_in(bus, data_dir, &[("AGENTDESK_NO_DEMO", "1")]).await;
    let info = app.invoke("get_app_info", json!({})).await;
    let log_file = info["lastCrash"]["logFile"]
        .as_str()
        .unwrap_or_else(|| panic!("get_app_info reports the last run's crash: {info}"))
        .to_string();
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    assert!(
        log.contains("stopped unexpectedly") && !log.contains("a customer's words"),
        "the log file the window names holds the report, without the panic's message: {log}"
    );
    let notice = app.find("[data-testid=crash-notice]").await;
    let text = notice.text().await.expect("the notice's text");
    assert!(
        text.contains("Agentdesk stopped unexpectedly") && text.contains(&log_file),
        "the window says the app stopped unexpectedly and where the log is: {text}"
    );
    app.client
        .find(fantoccini::Locator::XPath(
            "//*[@data-testid='crash-notice']//button[normalize-space()='Dismiss']",
        ))
        .await
        .expect("the notice can be dismissed")
        .click()
        .await
        .expect("dismiss it");
    app.eventually("the dismissed notice goes", || async {
        app.client
            .find(fantoccini::Locator::Css("[data-testid=crash-notice]"))
            .await
            .is_err()
            .then_some(())
    })
    .await;
    app.quit().await;
}
