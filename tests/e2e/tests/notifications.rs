//! The window's own notification cases, in the real app (WebKit through WebDriver) on a
//! private session bus whose `org.freedesktop.Notifications.Notify` calls the test counts:
//!
//! - With no notification service on the bus, a customer reply makes the app try (the call
//!   is seen), fail, carry on (the unread badge still moves), and say so once: one line in
//!   Settings, nothing in the status line, one warning in the log, however many replies come.
//! - After logout, replies keep arriving in the workspace, yet no notification is raised, the
//!   app asks Intercom nothing more, and no file of the workspace's caches (every acting admin's)
//!   or token remains.

use std::path::{Path, PathBuf};
use std::time::Instant;

use agentdesk_e2e::{App, Bus, DEADLINE};
use fantoccini::Locator;
use serde_json::{json, Value};

fn unread_of(counts: &Value, view: &str) -> Option<i64> {
    counts
        .as_array()?
        .iter()
        .find(|c| c["id"] == view)?
        .get("unread")?
        .as_i64()
}

/// The first `n` conversations of Your inbox, each marked read, once the badge shows the
/// cache's unread count with all of them read. Returns their ids and that count.
async fn read_conversations_of_mine(app: &App, n: usize) -> (Vec<String>, i64) {
    let page = app
        .eventually("Your inbox lists enough conversations", || async {
            let page = app
                .invoke(
                    "list_conversations",
                    json!({"view": "mine", "cursor": null, "limit": 50}),
                )
                .await;
            (page["rows"].as_array()?.len() >= n).then_some(page)
        })
        .await;
    let ids: Vec<String> = page["rows"].as_array().expect("rows")[..n]
        .iter()
        .map(|r| r["id"].as_str().expect("a conversation id").to_string())
        .collect();
    for id in &ids {
        app.invoke("mark_read", json!({"id": id})).await;
    }
    let before = app
        .eventually(
            "the chosen conversations read as read and the badge agrees with the cache",
            || async {
                let page = app
                    .invoke(
                        "list_conversations",
                        json!({"view": "mine", "cursor": null, "limit": 50}),
                    )
                    .await;
                let all_read = ids.iter().all(|id| {
                    page["rows"].as_array().is_some_and(|rows| {
                        rows.iter()
                            .any(|r| r["id"] == id.as_str() && r["unread"] == false)
                    })
                });
                let cached = unread_of(&app.invoke("get_view_counts", json!({})).await, "mine");
                let shown = app.badge("mine").await;
                (all_read && cached.is_some() && shown == cached)
                    .then_some(shown)
                    .flatten()
            },
        )
        .await;
    (ids, before)
}

async fn status(app: &App) -> Value {
    app.invoke("get_status", json!({})).await
}

/// Lines of the app's log files (in `<data dir>/logs`) that contain `needle`.
fn log_lines_with(data_dir: &Path, needle: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(data_dir.join("logs")) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| text.lines().filter(|l| l.contains(needle)).count())
        .sum()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Waits until the sync status's `lastSyncAt` is later than `after`; returns the new value.
/// The status is written by the same task that handles new messages, one event at a time, so
/// a later sync proves the handling of every earlier event has finished.
async fn next_sync(app: &App, what: &str, after: Option<i64>) -> i64 {
    app.eventually(what, || async {
        let at = status(app).await["lastSyncAt"].as_i64()?;
        (Some(at) > after).then_some(at)
    })
    .await
}

const NOTIFY_WARNING: &str = "cannot show notifications";

#[tokio::test(flavor = "multi_thread")]
async fn without_a_notification_service_the_app_carries_on_and_says_so_once() {
    agentdesk_e2e::within(
        "without_a_notification_service_the_app_carries_on_and_says_so_once",
        no_service(),
    )
    .await;
}

async fn no_service() {
    // A bus that can start no notification daemon: every Notify fails with ServiceUnknown.
    let bus = Bus::start_without_services().await;
    let notifications = bus.watch_notifications();
    let app = App::launch_on(bus, &[("AGENTDESK_DEMO_LIVE_RATE", "0")]).await;
    let sandbox = app.demo_sandbox().await;
    // Messages that arrive while the first sync runs are part of what it brings in (not
    // news, as the backlog is not); the replies below come after it.
    app.eventually("the first sync ends", || async {
        status(&app).await["lastSyncAt"].as_i64().map(|_| ())
    })
    .await;
    let (convs, before) = read_conversations_of_mine(&app, 2).await;
    assert_eq!(
        notifications.count(),
        0,
        "nothing new has arrived yet, so nothing may have been notified"
    );
    assert_eq!(
        status(&app).await["notificationsProblem"],
        Value::Null,
        "before the first notification is tried, no problem is known"
    );

    // 1. The first reply: tried, failed, the badge moves anyway, and Settings says why.
    sandbox
        .contact_reply(&convs[0], "<p>My invoice is still wrong.</p>")
        .await;
    app.eventually("the badge counts the first reply", || async {
        (app.badge("mine").await == Some(before + 1)).then_some(())
    })
    .await;
    app.eventually("the app tries to notify about the first reply", || async {
        (notifications.count() >= 1).then_some(())
    })
    .await;
    let problem = app
        .eventually(
            "the status reports that notifications cannot be shown",
            || async {
                let s = status(&app).await;
                s["notificationsProblem"].as_str().map(String::from)
            },
        )
        .await;
    let s = status(&app).await;
    assert_eq!(
        s["notificationsAvailable"], false,
        "with no notification service, the status must not claim notifications work"
    );
    assert!(
        problem.contains("no notification service") && problem.contains("keeps working"),
        "the problem names its cause and says the app carries on; got {problem:?}"
    );
    assert_eq!(
        s["error"],
        Value::Null,
        "a missing notification service is not a sync error: the status line stays quiet"
    );
    assert_eq!(
        s["online"], true,
        "a failed notification must not make the app think Intercom is unreachable"
    );

    app.client
        .wait()
        .at_most(DEADLINE)
        .for_element(Locator::XPath("//button[normalize-space()='Settings']"))
        .await
        .expect("the Settings button")
        .click()
        .await
        .expect("open Settings");
    let warnings_css = "[role=dialog][aria-label=Settings] section[aria-labelledby=s-notify] .warn";
    app.find(warnings_css).await;
    let settings_warnings = || async {
        let mut texts = Vec::new();
        for el in app
            .client
            .find_all(Locator::Css(warnings_css))
            .await
            .expect("query the warnings")
        {
            texts.push(el.text().await.expect("warning text"));
        }
        texts
    };
    assert_eq!(
        settings_warnings().await,
        vec![problem.clone()],
        "Settings says once, in its Notifications section, why notifications do not show"
    );
    let alerts = || async {
        app.client
            .find_all(Locator::Css("[data-testid=status-line] [role=alert]"))
            .await
            .expect("query the status line")
            .len()
    };
    assert_eq!(
        alerts().await,
        0,
        "the status line raises no alert for a missing notification service"
    );
    app.eventually("the log records the problem", || async {
        (log_lines_with(app.data_dir.path(), NOTIFY_WARNING) >= 1).then_some(())
    })
    .await;

    // 2. The second reply: tried again (so notifications resume by themselves once a service
    //    runs), fails again, and nothing new is said to the user.
    sandbox
        .contact_reply(&convs[1], "<p>And the export fails too.</p>")
        .await;
    app.eventually("the badge counts the second reply", || async {
        (app.badge("mine").await == Some(before + 2)).then_some(())
    })
    .await;
    app.eventually("the app tries to notify about the second reply", || async {
        (notifications.count() >= 2).then_some(())
    })
    .await;
    let tried_at = status(&app).await["lastSyncAt"].as_i64();
    next_sync(
        &app,
        "a sync after the second attempt (its failure has been handled)",
        tried_at,
    )
    .await;
    assert_eq!(
        notifications.count(),
        2,
        "one attempt per new customer message batch, no retry storm"
    );
    let s = status(&app).await;
    assert_eq!(
        s["notificationsProblem"].as_str(),
        Some(problem.as_str()),
        "the second failure leaves the same, single problem"
    );
    assert_eq!(
        s["error"],
        Value::Null,
        "a second failed notification is still no sync error"
    );
    assert_eq!(
        settings_warnings().await,
        vec![problem.clone()],
        "Settings still shows the problem once, not once per failed notification"
    );
    assert_eq!(
        alerts().await,
        0,
        "the status line stays quiet after the second failure too"
    );
    assert_eq!(
        log_lines_with(app.data_dir.path(), NOTIFY_WARNING),
        1,
        "the log warns once, not once per message, that notifications cannot be shown"
    );
    println!(
        "figure: notifications (no service): replies 2, badge moved 2, Notify calls tried 2, \
         problems shown in Settings 1, status-line alerts 0, log warnings 1"
    );
    app.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn after_logout_no_notification_is_raised_and_no_cache_file_remains() {
    agentdesk_e2e::within(
        "after_logout_no_notification_is_raised_and_no_cache_file_remains",
        logout(),
    )
    .await;
}

async fn logout() {
    // A workspace that outlives the app's session: a sandbox in this process (the demo's own
    // sandbox stops with its session), connected through the command line's --base-url.
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        conversations: 150,
        contacts: 60,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    // Two open conversations in Your inbox, whatever the generator dealt out.
    let truth = sandbox.truth();
    let open: Vec<String> = truth["conversations"]
        .as_array()
        .expect("truth lists conversations")
        .iter()
        .filter(|c| c["state"] == "open")
        .take(2)
        .map(|c| match &c["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        open.len(),
        2,
        "the generated workspace has open conversations"
    );
    for id in &open {
        sandbox
            .assign(id, Some(sandbox.admin_id()))
            .expect("assign a conversation to the acting admin");
    }
    let bus = Bus::start_without_services().await;
    let notifications = bus.watch_notifications();
    let data_dir = tempfile::tempdir().expect("a data directory");
    let (status_code, out, err) = agentdesk_e2e::cli(
        data_dir.path(),
        &bus,
        &["login", "--token-stdin", "--base-url", sandbox.base_url()],
        sandbox.token(),
    )
    .await;
    assert!(
        status_code.success(),
        "logging in to the sandbox must work before the window opens: {out}{err}"
    );
    let app = App::launch_in(bus, data_dir, &[("AGENTDESK_NO_DEMO", "1")]).await;
    let session = app.invoke("get_session", json!({})).await;
    assert_eq!(
        session["demo"], false,
        "the window opens the workspace logged in on the command line, not the demo"
    );
    // Poll as often as the app allows, so two polls are a short wait.
    app.invoke(
        "update_settings",
        json!({"settings": {"pollIntervalSecs": 5}}),
    )
    .await;
    app.eventually("the first sync has finished", || async {
        let s = status(&app).await;
        (s["backfill"].is_null() && s["lastSyncAt"].is_i64()).then_some(())
    })
    .await;
    let (convs, before) = read_conversations_of_mine(&app, 2).await;

    // Replies arriving while logged in are notified (tried: no service runs on this bus).
    sandbox
        .inject_contact_reply(&convs[0], "<p>Are you there?</p>")
        .expect("a customer reply");
    app.eventually("the badge counts the reply", || async {
        (app.badge("mine").await == Some(before + 1)).then_some(())
    })
    .await;
    app.eventually("the app tries to notify about the reply", || async {
        (notifications.count() >= 1).then_some(())
    })
    .await;

    // How long two polls take here, and that each poll reaches the sandbox.
    let first = next_sync(&app, "a poll", status(&app).await["lastSyncAt"].as_i64()).await;
    let start = Instant::now();
    let requests_at_start = sandbox.request_count();
    let second = next_sync(&app, "a second poll", Some(first)).await;
    next_sync(&app, "a third poll", Some(second)).await;
    let two_polls = start.elapsed();
    assert!(
        sandbox.request_count() > requests_at_start,
        "the app's polls reach the sandbox, so a flat request count means no poll"
    );

    // Each acting admin has a cache file of its own: act as another teammate (a cache for
    // them), then as ourselves again. Logout must delete both.
    let me = session["adminId"]
        .as_str()
        .expect("the session's admin")
        .to_string();
    let directory = app.invoke("get_directory", json!({})).await;
    let other = directory["admins"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] != me.as_str()))
        .and_then(|a| a["id"].as_str())
        .expect("the workspace has another admin")
        .to_string();
    app.invoke("set_acting_admin", json!({"adminId": other}))
        .await;
    app.invoke("set_acting_admin", json!({"adminId": me})).await;
    let caches = || {
        files_under(app.data_dir.path())
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
            .count()
    };
    assert_eq!(
        caches(),
        2,
        "two acting admins, two cache files (the set-up this check relies on)"
    );
    app.eventually("the first sync has finished again", || async {
        let s = status(&app).await;
        (s["backfill"].is_null() && s["lastSyncAt"].is_i64()).then_some(())
    })
    .await;

    // Log out while replies keep arriving.
    sandbox
        .inject_contact_reply(&convs[1], "<p>Hello?</p>")
        .expect("a customer reply");
    app.invoke("logout", json!({"force": false})).await;
    let notified_at_logout = notifications.count();
    let requests_at_logout = sandbox.request_count();
    assert_eq!(
        app.invoke("get_session", json!({})).await,
        Value::Null,
        "after logout no session is open"
    );
    app.find("[data-testid=empty-state]").await;
    let refused = app
        .try_invoke("sync_now", json!({}))
        .await
        .expect_err("sync_now must be refused after logout: no engine is left to poll");
    assert_eq!(
        refused["code"], "no_session",
        "the refusal says there is no session; got {refused}"
    );
    for conv in &convs {
        sandbox
            .inject_contact_reply(conv, "<p>Anyone?</p>")
            .expect("a customer reply after logout");
    }
    sandbox
        .inject_new_conversation(None, "<p>A new question after logout</p>")
        .expect("a new conversation after logout");

    // Across what would have been two polls (and one more for slack), the app must ask the
    // sandbox nothing and raise nothing.
    let watched = two_polls + two_polls / 2;
    app.throughout(watched, || async {
        if sandbox.request_count() != requests_at_logout {
            return Err("after logout the app must not poll the workspace it left".to_string());
        }
        if notifications.count() != notified_at_logout {
            return Err(
                "after logout no notification may be raised for the workspace it left".to_string(),
            );
        }
        Ok(())
    })
    .await;

    let left: Vec<PathBuf> = files_under(app.data_dir.path())
        .into_iter()
        .filter(|p| {
            let rel = p.strip_prefix(app.data_dir.path()).unwrap_or(p);
            rel.starts_with("cache") || rel.starts_with("secrets")
        })
        .collect();
    assert!(
        left.is_empty(),
        "logout deletes the workspace's caches (every acting admin's database, WAL, SHM) and \
         its token; left: {left:?}"
    );
    println!(
        "figure: notifications (logout): {watched:.1?} watched after logout (two polls took \
         {two_polls:.1?}), 3 replies and 1 new conversation in the workspace: requests 0, \
         Notify calls 0, cache and token files left 0"
    );
    app.quit().await;
    sandbox.shutdown().await;
}
