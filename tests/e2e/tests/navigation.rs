//! The window never leaves the app's own pages, in the real app (WebKit through WebDriver):
//! a page that sets `location.href` or calls `window.open` (on a click) towards a loopback
//! server (a local service, the agent's router) stays where it is, the navigation and
//! new-window guards refuse it before any request leaves, and no second window opens.
//!
//! Proving that nothing arrived needs proof that something would have: the server counts a
//! request the test makes itself, and each attempt is waited on until the app's log says the
//! guard refused it (or, without the guard, until the server sees the window's request).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use agentdesk_e2e::{App, Bus};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP server answering every request with a small page; counts the requests
/// and keeps their request lines.
struct Loopback {
    port: u16,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Loopback {
    async fn start() -> Loopback {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let (seen, counted) = (Arc::clone(&requests), Arc::clone(&count));
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (seen, counted) = (Arc::clone(&seen), Arc::clone(&counted));
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buf[..n]);
                    let line = head.lines().next().unwrap_or_default().to_string();
                    seen.lock().unwrap().push(line);
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = "<!doctype html><title>not the app</title><p>not the app</p>";
                    let _ = stream
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .await;
                });
            }
        });
        Loopback {
            port,
            requests,
            count,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Lines of the app's log files containing `needle`.
fn log_lines_with(data_dir: &Path, needle: &str) -> usize {
    std::fs::read_dir(data_dir.join("logs"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .map(|text| text.lines().filter(|l| l.contains(needle)).count())
        .sum()
}

async fn location(app: &App) -> String {
    app.client
        .execute("return document.location.href;", vec![])
        .await
        .expect("the page answers")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_never_leaves_the_app_for_a_loopback_server() {
    agentdesk_e2e::within(
        "the_window_never_leaves_the_app_for_a_loopback_server",
        never_leaves(),
    )
    .await;
}

async fn never_leaves() {
    let server = Loopback::start().await;
    let app = App::launch_on(
        Bus::start_without_services().await,
        &[("AGENTDESK_NO_DEMO", "1")],
    )
    .await;
    app.find("[data-testid=empty-state]").await;
    let home = location(&app).await;
    assert!(
        home.starts_with("tauri://localhost"),
        "the app's own page is served by Tauri's protocol: {home}"
    );

    // Positive control: the server counts what reaches it.
    let own = reqwest::get(server.url("/from-the-test"))
        .await
        .expect("the test's own request reaches the loopback server");
    assert!(own.status().is_success(), "the loopback server answers");
    assert_eq!(
        server.count(),
        1,
        "the server counted the test's own request, so a request from the window would show"
    );

    // location.href
    let refused = "refused a navigation away from the app's pages";
    app.client
        .execute(
            "location.href = arguments[0]; return null;",
            vec![json!(server.url("/location-href"))],
        )
        .await
        .expect("the page runs the script");
    app.eventually(
        "the guard refuses the navigation, or the server sees it",
        || async {
            (log_lines_with(app.data_dir.path(), refused) >= 1 || server.count() > 1).then_some(())
        },
    )
    .await;
    assert_eq!(
        server.requests(),
        vec!["GET /from-the-test HTTP/1.1".to_string()],
        "setting location.href to a loopback URL must not send the window there: only the \
         test's own request may reach the server"
    );
    assert_eq!(
        location(&app).await,
        home,
        "the window stays on the app's page"
    );
    let info = app.invoke("get_app_info", json!({})).await;
    assert_eq!(
        info["name"], "Agentdesk",
        "the app's page still talks to the app (the IPC works: it is the app, not another page)"
    );

    // window.open, from a click (WebKit blocks a window.open without a user gesture before
    // any handler sees it; a click is what a page would need to get one).
    let refused_window = "refused to open a new window";
    app.client
        .execute(
            "const url = arguments[0]; const b = document.createElement('button'); \
             b.id = 'opens-a-window'; b.textContent = 'open'; \
             b.style = 'position:fixed;top:0;left:0;z-index:9999'; \
             b.onclick = () => window.open(url); document.body.append(b); return null;",
            vec![json!(server.url("/window-open"))],
        )
        .await
        .expect("the page runs the script");
    app.find("#opens-a-window")
        .await
        .click()
        .await
        .expect("WebDriver clicks the button");
    app.eventually(
        "the guard refuses the new window, or the server sees it",
        || async {
            (log_lines_with(app.data_dir.path(), refused_window) >= 1 || server.count() > 1)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        server.count(),
        1,
        "window.open towards a loopback URL must send nothing: {:?}",
        server.requests()
    );
    let windows = app.client.windows().await.expect("the window handles");
    assert_eq!(
        windows.len(),
        1,
        "window.open opens no second window: {windows:?}"
    );
    assert_eq!(
        location(&app).await,
        home,
        "the window is still on the app's page"
    );
    println!(
        "figure: navigation: location.href and window.open to a loopback server: requests from the window 0, windows 1, page {home}"
    );
    app.quit().await;
}
