//! Suite 5 of the reliability issue, in the real app (WebKit through WebDriver): every
//! payload of the hostile corpus (`tests/reliability/hostile/payloads.txt`) arrives as a
//! customer message in the demo workspace's sandbox; the thread renders them; a hook detects execution (each payload's script records
//! its number in `window.__xh`) and a loopback TCP trap counts every remote request. Before
//! any click, nothing may execute and nothing may load.
//!
//! Contact names and custom attributes cannot be set through the sandbox's control API, and
//! conversations created through it during this test are not synced in time (reported to
//! the lead), so names, attributes and subjects are covered in Chromium
//! (`ui/tests/browser/hostile.spec.ts`) and subjects also by the CLI sync test
//! (`tests/reliability/tests/hostile.rs`), not here.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agentdesk_e2e::App;
use fantoccini::Locator;
use serde_json::{json, Value};

const CORPUS: &str = include_str!("../../reliability/hostile/payloads.txt");

/// The corpus with its placeholders filled (the same rules as the reliability crate's).
fn payloads(trap: &str) -> Vec<String> {
    let host = trap.trim_start_matches("http://");
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(n, p)| {
            p.replace("{X}", &format!("(top.__xh=top.__xh||[]).push({n})"))
                .replace("{TRAPHOST}", host)
                .replace("{TRAP}", trap)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_corpus_executes_nothing_and_loads_nothing_remote_in_webkit() {
    agentdesk_e2e::within(
        "hostile_corpus_executes_nothing_and_loads_nothing_remote_in_webkit",
        scenario(),
    )
    .await;
}

async fn scenario() {
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a trap port");
    let trap_url = format!("http://{}", trap.local_addr().expect("the trap's address"));
    let hits = Arc::new(AtomicUsize::new(0));
    let trap_hits = Arc::clone(&hits);
    tokio::spawn(async move {
        while trap.accept().await.is_ok() {
            trap_hits.fetch_add(1, Ordering::SeqCst);
        }
    });
    let payloads = payloads(&trap_url);
    assert!(
        payloads.len() >= 100,
        "the corpus holds at least 100 payloads"
    );

    let app = App::launch(&[("AGENTDESK_DEMO_LIVE_RATE", "0")]).await;
    let sandbox = app.demo_sandbox().await;
    let page = app
        .eventually("Your inbox has conversations", || async {
            let page = app
                .invoke(
                    "list_conversations",
                    json!({"view": "mine", "cursor": null, "limit": 5}),
                )
                .await;
            page["rows"].as_array().filter(|r| !r.is_empty()).cloned()
        })
        .await;
    let conv = page[0]["id"]
        .as_str()
        .expect("a conversation id")
        .to_string();

    // Every payload as its own customer message (so broken markup in one cannot hide the
    // next), then a plain marker to know when the thread has them all.
    for p in &payloads {
        sandbox.contact_reply(&conv, p).await;
    }
    sandbox
        .contact_reply(&conv, "<p>hostile-corpus-end</p>")
        .await;
    app.find(&format!(
        "[data-testid=conversation-list] [data-id='{conv}']"
    ))
    .await
    .click()
    .await
    .expect("open the conversation");
    app.eventually("the thread shows every hostile message", || async {
        let thread = app
            .client
            .find(Locator::Css("[data-testid=thread]"))
            .await
            .ok()?;
        thread
            .text()
            .await
            .ok()?
            .contains("hostile-corpus-end")
            .then_some(())
    })
    .await;
    // Bring every (lazy) image into view and wait until each has loaded or failed, so an
    // onerror or onload would have fired by now.
    app.eventually("every image has settled", || async {
        let done = app
            .client
            .execute(
                "const pending = Array.from(document.images).filter((i) => !i.complete); \
                 if (pending[0]) pending[0].scrollIntoView(); return pending.length === 0;",
                vec![],
            )
            .await
            .ok()?;
        (done == Value::Bool(true)).then_some(())
    })
    .await;
    let executed = app
        .client
        .execute(
            "return window.__xh === undefined ? null : JSON.stringify(window.__xh);",
            vec![],
        )
        .await
        .expect("read the hook");
    let remote = hits.load(Ordering::SeqCst);
    println!(
        "figure: hostile (WebKit): payloads {} as messages, executions {}, remote loads before a click {remote}",
        payloads.len(),
        match &executed {
            Value::Null => "0".to_string(),
            v => v.to_string(),
        }
    );
    assert_eq!(
        executed,
        Value::Null,
        "no payload of a customer message may run in the app"
    );
    assert_eq!(
        remote, 0,
        "nothing in a customer message may load from a remote server before a click on Load images"
    );
    app.quit().await;
}
