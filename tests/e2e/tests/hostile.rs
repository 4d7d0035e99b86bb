//! Suite 5 of the reliability issue, in the real app (WebKit through WebDriver): every
//! payload of the hostile corpus (`tests/reliability/hostile/payloads.txt`) reaches the
//! window through the demo workspace's sandbox, the way Intercom would deliver it:
//!
//! - as a customer message, each its own part of one conversation, rendered in the thread;
//! - as a custom attribute value of that conversation's contact, whose name, email and
//!   location are payloads too, rendered in the customer panel (and the name on each part);
//! - as the subject of a new conversation, one per payload, each from its own contact whose
//!   name is another payload, rendered in the Unassigned list (scrolled through, since the
//!   list only renders the rows on screen).
//!
//! A hook detects execution (each payload's script records its number in `window.__xh`) and
//! a loopback TCP trap counts every remote request. Before any click on Load images, nothing
//! may execute and nothing may load. The window's CSP (`tauri.conf.json`: scripts from the
//! app only, no remote images) would stop both even if a view put a payload in as markup, so
//! each name, attribute, location part and subject must also read back as its own literal
//! text: a payload rendered as HTML would not (checked by hand with `{@html}` in the list and
//! the panel: the test fails on the text, while the hook stays empty).
//!
//! The app refreshes a contact it has cached only when one of its conversations is opened
//! (`set_open_conversation`, as the window does on a click), so the test edits the contacts
//! first and then opens: the thread by a click, the new conversations by opening each through
//! the same command and reading it (`get_conversation`). Conversations created during the test
//! used to be "not synced in time": each re-read of the open thread asked the engine to
//! refetch it, whose change event caused the next re-read, and that loop starved the sync
//! cycle (fixed: a read never fetches; `crates/app/src/inbox.rs` ::
//! `rereading_on_every_change_event_does_not_refetch_the_conversation_in_a_loop`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agentdesk_e2e::App;
use fantoccini::Locator;
use serde_json::{json, Map, Value};

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

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// One new conversation of the test: its subject and its contact's name, both payloads.
struct Titled {
    id: String,
    subject: String,
    name: String,
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
    let n = payloads.len();
    assert!(n >= 100, "the corpus holds at least 100 payloads");
    let pick = |i: usize| payloads[i % n].clone();

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
    let truth = sandbox.truth().await;
    let contact_of = |c: &Value| id_of(&c["contacts"]["contacts"][0]["id"]);
    let conv_contact = truth["conversations"]
        .as_array()
        .and_then(|all| all.iter().find(|c| id_of(&c["id"]) == conv))
        .map(contact_of)
        .filter(|c| !c.is_empty())
        .expect("the opened conversation has a contact in the sandbox");
    let other_contacts: Vec<String> = truth["contacts"]
        .as_array()
        .expect("the truth lists contacts")
        .iter()
        .map(|c| id_of(&c["id"]))
        .filter(|c| !c.is_empty() && *c != conv_contact)
        .take(n)
        .collect();
    assert_eq!(
        other_contacts.len(),
        n,
        "the demo has a contact for each hostile subject"
    );

    // Every payload as its own customer message (so broken markup in one cannot hide the
    // next), then a plain marker to know when the thread has them all.
    for p in &payloads {
        sandbox.contact_reply(&conv, p).await;
    }
    sandbox
        .contact_reply(&conv, "<p>hostile-corpus-end</p>")
        .await;
    // The thread's contact: every payload as a custom attribute value; name, email and
    // location are payloads too.
    let attributes: Map<String, Value> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("hostile {i:03}"), Value::String(p.clone())))
        .collect();
    let conv_name = pick(0);
    let shown_fields = [conv_name.clone(), pick(1), pick(2), pick(3), pick(4)];
    sandbox
        .update_contact(
            &conv_contact,
            json!({
                "name": conv_name,
                "email": pick(1),
                "location": {"city": pick(2), "region": pick(3), "country": pick(4)},
                "custom_attributes": attributes,
            }),
        )
        .await;

    // The thread and the customer panel.
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
    let expected_panel: Vec<String> = shown_fields
        .iter()
        .cloned()
        .chain(payloads.iter().cloned())
        .collect();
    app.eventually(
        "the customer panel shows the edited contact as text: every payload as an attribute \
         value, and the name, email and location",
        || async {
            let missing = app
                .client
                .execute(
                    "const panel = document.querySelector('[data-testid=contact-panel]'); \
                     const text = panel ? panel.textContent : ''; \
                     return arguments[0].filter((p) => !text.includes(p)).length;",
                    vec![json!(expected_panel)],
                )
                .await
                .ok()?;
            (missing == json!(0)).then_some(())
        },
    )
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

    // With the thread open (as an agent would have it), one new conversation per payload as
    // its subject, each from a contact named by the next payload.
    let mut titled = Vec::with_capacity(n);
    for (i, contact) in other_contacts.iter().enumerate() {
        let name = pick(i + 1);
        sandbox.update_contact(contact, json!({"name": name})).await;
        let subject = pick(i);
        let id = sandbox
            .new_conversation(
                Some(contact),
                &subject,
                &format!("<p>hostile subject {i}</p>"),
            )
            .await;
        titled.push(Titled { id, subject, name });
    }
    app.invoke("sync_now", json!({})).await;

    // The new conversations: synced, and their contacts refreshed the way opening each one
    // refreshes it (the app keeps a cached contact until one of its conversations is opened).
    let ids: Vec<&str> = titled.iter().map(|t| t.id.as_str()).collect();
    let unassigned = || async {
        let page = app
            .invoke(
                "list_conversations",
                json!({"view": "unassigned", "cursor": null, "limit": 500}),
            )
            .await;
        page["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| (id_of(&r["id"]), r.clone()))
                    .collect::<BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    };
    app.eventually(
        "every conversation created while the thread is open is synced into Unassigned (an \
         open thread once refetched itself in a loop that held the sync cycle)",
        || async {
            let rows = unassigned().await;
            ids.iter().all(|id| rows.contains_key(*id)).then_some(())
        },
    )
    .await;
    // Open each the way the window opens one (it refreshes the conversation and its contact
    // once), then read it; the thread the window shows is the open one again afterwards.
    let refused = app
        .client
        .execute_async(
            "const [ids, shown, done] = arguments; \
             const invoke = window.__TAURI_INTERNALS__.invoke; \
             (async () => { const failed = []; \
               for (const id of ids) { \
                 await invoke('set_open_conversation', {id}); \
                 await invoke('get_conversation', {id, loadImages: false}) \
                   .catch((e) => failed.push({id, e})); } \
               await invoke('set_open_conversation', {id: shown}); \
               return failed; })().then(done);",
            vec![json!(ids), json!(conv)],
        )
        .await
        .expect("open every new conversation");
    assert_eq!(
        refused,
        json!([]),
        "every new conversation can be read from the cache"
    );
    app.eventually(
        "the cache names every new conversation's contact by its new name",
        || async {
            let rows = unassigned().await;
            titled
                .iter()
                .all(|t| rows.get(&t.id).is_some_and(|r| r["contactName"] == t.name))
                .then_some(())
        },
    )
    .await;

    // The Unassigned list renders every subject and name: scroll through it, since only the
    // rows on screen are in the DOM.
    app.client
        .find(Locator::XPath(
            "//span[@data-testid='badge-unassigned']/ancestor::button[1]",
        ))
        .await
        .expect("the Unassigned view")
        .click()
        .await
        .expect("show Unassigned");
    let rendered = app
        .eventually(
            "the Unassigned list renders every hostile subject and name as its literal text",
            || async {
                let seen = app
                    .client
                    .execute_async(
                        "const [ids, done] = arguments; \
                         const list = document.querySelector('[data-testid=conversation-list]'); \
                         const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))); \
                         const seen = {}; \
                         (async () => { \
                           list.scrollTop = 0; await frame(); \
                           for (let step = 0; step < 500; step++) { \
                             for (const row of list.querySelectorAll('[role=option][data-id]')) { \
                               const c = row.querySelector('.contact'); const s = row.querySelector('.subject'); \
                               seen[row.dataset.id] = {name: c ? c.textContent : null, subject: s ? s.textContent : null}; \
                             } \
                             if (ids.every((id) => id in seen)) break; \
                             if (list.scrollTop + list.clientHeight >= list.scrollHeight) break; \
                             list.scrollTop += Math.max(1, Math.floor(list.clientHeight / 2)); await frame(); \
                           } \
                           list.scrollTop = 0; \
                           done(seen); \
                         })();",
                        vec![json!(ids)],
                    )
                    .await
                    .ok()?;
                titled
                    .iter()
                    .all(|t| {
                        seen[&t.id]["subject"] == t.subject.as_str()
                            && seen[&t.id]["name"] == t.name.as_str()
                    })
                    .then_some(titled.len())
            },
        )
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
    let names: std::collections::BTreeSet<&str> = titled
        .iter()
        .map(|t| t.name.as_str())
        .chain([conv_name.as_str()])
        .collect();
    println!(
        "figure: hostile (WebKit): payloads {n} as messages, {} as contact names, {} as attribute values, {rendered} as subjects, executions {}, remote loads before a click {remote}",
        names.len(),
        attributes.len(),
        match &executed {
            Value::Null => "0".to_string(),
            v => v.to_string(),
        }
    );
    assert_eq!(
        executed,
        Value::Null,
        "no payload may run in the app, whether in a message, a contact's name or attributes, \
         or a subject (the numbers are the payloads that ran)"
    );
    assert_eq!(
        remote, 0,
        "nothing in a message, a contact or a subject may load from a remote server before a \
         click on Load images"
    );
    app.quit().await;
}
