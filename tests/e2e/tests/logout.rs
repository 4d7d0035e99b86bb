//! Logout leaves nothing of the workspace on disk, in the real app (WebKit through
//! WebDriver): a workspace whose newest conversation carries a marker in its message, its
//! contact's name and email is synced, the window is used on it (the conversation opened,
//! its images loaded, the marker searched for), the agent logs out and the app ends; then
//! no byte under the data directory or the app's XDG data, config, cache and state folders
//! (logs, WebKit's own storage and caches, settings, window state) holds the marker, in
//! UTF-8 or UTF-16 (WebKit's storage writes UTF-16).
//!
//! The same scan finds the marker in the cache before the logout, so a clean result is the
//! files' doing, not the scan's.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agentdesk_e2e::{App, Bus};
use fantoccini::Locator;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every file under `roots` (symbolic links not followed) holding one of `needles`.
fn files_holding(roots: &[&Path], needles: &[Vec<u8>]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if needles
                .iter()
                .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            {
                found.push(path);
            }
        }
    }
    found
}

/// The marker as UTF-8 and as UTF-16 (little- and big-endian).
fn encodings(marker: &str) -> Vec<Vec<u8>> {
    let utf16: Vec<u16> = marker.encode_utf16().collect();
    vec![
        marker.as_bytes().to_vec(),
        utf16.iter().flat_map(|u| u.to_le_bytes()).collect(),
        utf16.iter().flat_map(|u| u.to_be_bytes()).collect(),
    ]
}

/// A loopback server answering every request with a 1x1 PNG; counts the requests.
async fn image_server() -> (u16, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                if stream.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    PNG.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(PNG).await;
            });
        }
    });
    (port, count, task)
}

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_leaves_no_trace_of_the_workspace_on_disk() {
    agentdesk_e2e::within(
        "logout_leaves_no_trace_of_the_workspace_on_disk",
        no_trace(),
    )
    .await;
}

async fn no_trace() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let marker = format!("zqmarker{nanos:x}");
    let (image_port, image_requests, image_task) = image_server().await;

    // A workspace in this process whose newest conversation, assigned to the acting admin,
    // carries the marker in its message, and whose contact carries it in name and email.
    let sandbox = intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
        conversations: 40,
        contacts: 20,
        ..Default::default()
    })
    .await
    .expect("the sandbox starts");
    let contact = id_of(&sandbox.truth()["contacts"][0]["id"]);
    sandbox
        .update_contact(
            &contact,
            intercom_sandbox::ContactUpdate {
                name: Some(format!("Ana {marker}")),
                email: Some(format!("{marker}@example.com")),
                ..Default::default()
            },
        )
        .expect("the contact takes the marker");
    let conv = sandbox
        .inject_new_conversation(
            Some(&contact),
            &format!(
                "<p>My order {marker} never arrived.</p>\
                 <p><img src=\"http://127.0.0.1:{image_port}/{marker}.png\" alt=\"receipt\"></p>"
            ),
        )
        .expect("a conversation with the marker");
    sandbox
        .assign(&conv, Some(sandbox.admin_id()))
        .expect("assign it to the acting admin");

    let xdg = tempfile::tempdir().expect("XDG folders");
    let folder = |name: &str| {
        let dir = xdg.path().join(name);
        std::fs::create_dir_all(&dir).expect("an XDG folder");
        dir.to_string_lossy().into_owned()
    };
    let (data_home, config_home, cache_home, state_home) = (
        folder("data"),
        folder("config"),
        folder("cache"),
        folder("state"),
    );

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
    let app = App::launch_in(
        bus,
        data_dir,
        &[
            ("AGENTDESK_NO_DEMO", "1"),
            // The default level (crates/app/src/logging.rs DEFAULT_FILTER): what an agent's
            // log holds, not the quieter level the rest of the suite runs at.
            ("AGENTDESK_LOG", "info,html5ever=error"),
            ("XDG_DATA_HOME", &data_home),
            ("XDG_CONFIG_HOME", &config_home),
            ("XDG_CACHE_HOME", &cache_home),
            ("XDG_STATE_HOME", &state_home),
        ],
    )
    .await;
    let roots = [app.data_dir.path(), xdg.path()];
    let needles = encodings(&marker);

    // Use the window as an agent does: open the conversation from the list, load its
    // images, search for the marker and open the hit.
    let row = format!("[data-testid=conversation-list] [data-id='{conv}']");
    app.find(&row)
        .await
        .click()
        .await
        .expect("open the conversation");
    app.eventually("the thread shows the customer's message", || async {
        let thread = app
            .client
            .find(Locator::Css("[data-testid=thread]"))
            .await
            .ok()?;
        let text = thread.text().await.ok()?;
        text.contains(&marker).then_some(())
    })
    .await;
    app.client
        .find(Locator::XPath("//button[normalize-space()='Load images']"))
        .await
        .expect("the thread offers to load its remote image")
        .click()
        .await
        .expect("load the images");
    // The click asks for the thread again with its images (the window's own call, awaited
    // here so the step is done before the next). The window fetches public addresses only
    // (issue 21, item 4), so this loopback image is refused before any connection: what
    // counts here is that the attempt, the URL with the marker in it, leaves no trace.
    app.invoke("get_conversation", json!({"id": conv, "loadImages": true}))
        .await;
    let search = app.find("input[aria-label='Search conversations']").await;
    search.send_keys(&marker).await.expect("type the marker");
    app.find("#search-results [role=option] button")
        .await
        .click()
        .await
        .expect("open the search hit");
    app.eventually("the thread shows the hit", || async {
        let thread = app
            .client
            .find(Locator::Css("[data-testid=thread]"))
            .await
            .ok()?;
        let text = thread.text().await.ok()?;
        text.contains(&marker).then_some(())
    })
    .await;

    // WebKit's own storage, as a page that kept something there would fill it (the app's
    // page keeps nothing there today; logout must empty it whatever a page or the engine
    // put in it): local storage and IndexedDB, which WebKit writes to disk as UTF-16 and
    // in SQLite files.
    let stored = app
        .client
        .execute_async(
            "const [text, done] = arguments; \
             localStorage.setItem('agentdesk-e2e-draft', text); \
             const open = indexedDB.open('agentdesk-e2e', 1); \
             open.onupgradeneeded = () => open.result.createObjectStore('drafts'); \
             open.onerror = () => done('indexedDB: ' + open.error); \
             open.onsuccess = () => { const tx = open.result.transaction('drafts', 'readwrite'); \
               tx.objectStore('drafts').put(text, 'draft'); \
               tx.oncomplete = () => { open.result.close(); done('ok'); }; \
               tx.onerror = () => done('indexedDB: ' + tx.error); };",
            vec![json!(format!("a note about {marker}"))],
        )
        .await
        .expect("the page stores the text");
    assert_eq!(stored, json!("ok"), "the page's web storage takes the text");

    // The scan's own proof: while logged in, the cache holds the marker, and so do WebKit's
    // files once it has written them.
    let webview_files = |roots: &[&Path]| {
        files_holding(roots, &needles)
            .into_iter()
            .filter(|p| {
                !p.starts_with(app.data_dir.path().join("cache"))
                    && !p.starts_with(app.data_dir.path().join("logs"))
            })
            .collect::<Vec<_>>()
    };
    let before = app
        .eventually("WebKit writes the page's storage to disk", || async {
            Some(files_holding(&roots, &needles)).filter(|_| !webview_files(&roots).is_empty())
        })
        .await;
    assert!(
        before
            .iter()
            .any(|p| p.starts_with(app.data_dir.path().join("cache"))),
        "before logout the cache holds the marker (else the scan could not find anything): \
         {before:?}"
    );

    app.invoke("logout", json!({"force": true})).await;
    app.find("[data-testid=empty-state]").await;
    // WebKit deletes its data in the background: wait, within the deadline, until no file
    // holds the marker; a timeout means some file kept a customer's words after logout.
    app.eventually(
        "after logout no file under the data, config, cache and state folders holds a \
         customer's message, name or email, nor what the page stored",
        || async { Some(()).filter(|_| files_holding(&roots, &needles).is_empty()) },
    )
    .await;
    // Whatever the app writes as it ends (window state, WebKit's storage) counts too.
    app.terminate_app().await;

    let left = files_holding(&roots, &needles);
    let files: usize = {
        let mut n = 0;
        let mut stack: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
        while let Some(p) = stack.pop() {
            match std::fs::read_dir(&p) {
                Ok(entries) => stack.extend(entries.flatten().map(|e| e.path())),
                Err(_) => n += 1,
            }
        }
        n
    };
    assert!(
        left.is_empty(),
        "after logout no file under the data, config, cache and state folders may hold a \
         customer's message, name or email (marker {marker}); found in: {left:?} (before \
         logout: {before:?})"
    );
    println!(
        "figure: logout traces: files scanned {files}, holding the marker before logout {}, after 0; image requests {}",
        before.len(),
        image_requests.load(Ordering::SeqCst)
    );
    app.quit().await;
    image_task.abort();
    sandbox.shutdown().await;
}
