//! Harness for the end-to-end tests: starts `tauri-driver` (which drives Debian's
//! `WebKitWebDriver`) against the built `agentdesk` binary, with a fresh data directory,
//! and hands the test a WebDriver client. Run under `dbus-run-session -- xvfb-run -a`
//! (the Makefile's `test-e2e` does that); it needs a display and a session bus.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

/// How long the harness waits for a process to come up or an element to appear. Generous:
/// the machine has 2 cores and a debug WebKit start can take seconds; nothing waits this long
/// when things work.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The built app binary: `AGENTDESK_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("AGENTDESK_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("debug/agentdesk")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the loopback interface must have a free port")
}

async fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < DEADLINE,
            "{what} did not open port {port} within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One running app under WebDriver. Call [`App::quit`] at the end of a test; dropping it kills
/// tauri-driver (and with it WebKitWebDriver and the app) as a fallback.
pub struct App {
    pub client: Client,
    pub data_dir: tempfile::TempDir,
    driver: Child,
}

impl App {
    /// Starts tauri-driver and a WebDriver session on the app, with `env` added to the app's
    /// environment (the app inherits tauri-driver's).
    pub async fn launch(env: &[(&str, &str)]) -> App {
        let binary = app_binary();
        assert!(
            binary.exists(),
            "the app binary {} must be built before the e2e tests (make test builds it)",
            binary.display()
        );
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        let port = free_port();
        let native_port = free_port();
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("AGENTDESK_DATA_DIR", data_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = command
            .spawn()
            .expect("tauri-driver must be installed (make test installs it with cargo install)");
        // tauri-driver opens its port before WebKitWebDriver is ready: wait for both.
        wait_for_port(port, "tauri-driver").await;
        wait_for_port(native_port, "WebKitWebDriver").await;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary.to_string_lossy() }),
        );
        caps.insert("browserName".into(), serde_json::json!("wry"));
        let client = ClientBuilder::rustls()
            .expect("rustls client")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session on the app");
        App {
            client,
            data_dir,
            driver,
        }
    }

    /// Calls one of the app's commands from inside the page, through Tauri's real IPC.
    pub async fn invoke(&self, command: &str, args: serde_json::Value) -> serde_json::Value {
        let script = "const [cmd, args, done] = arguments; \
            window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done({ok: v}), (e) => done({err: e}));";
        let out = self
            .client
            .execute_async(script, vec![command.into(), args])
            .await
            .unwrap_or_else(|e| panic!("invoking {command} failed in WebDriver: {e}"));
        if let Some(err) = out.get("err") {
            panic!("{command} was rejected: {err}");
        }
        out.get("ok").cloned().unwrap_or(serde_json::Value::Null)
    }

    /// The demo workspace's sandbox URL, once the app has started it.
    pub async fn demo_sandbox(&self) -> Sandbox {
        let file = self.data_dir.path().join("demo-sandbox.url");
        let start = Instant::now();
        loop {
            if let Ok(url) = std::fs::read_to_string(&file) {
                if !url.trim().is_empty() {
                    return Sandbox {
                        url: url.trim().to_string(),
                        http: reqwest::Client::new(),
                    };
                }
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the demo workspace did not start within {DEADLINE:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `check` until it returns `Some`, up to the deadline; `what` names the wait.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let start = Instant::now();
        loop {
            if let Some(value) = check().await {
                return value;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out after {DEADLINE:?} waiting for: {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for an element by CSS selector, up to the deadline.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(DEADLINE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("element {css} did not appear within {DEADLINE:?}: {e}"))
    }

    /// Ends the session (which closes the app) and stops tauri-driver with SIGTERM so it takes
    /// WebKitWebDriver down with it.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), self.driver.wait()).await;
    }
}

fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
                .map(|home| home.join("bin/tauri-driver"))
                .filter(|p| p.exists())
        })
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}

/// The demo workspace's sandbox, driven through its loopback control API.
pub struct Sandbox {
    pub url: String,
    http: reqwest::Client,
}

impl Sandbox {
    /// The full state (`GET /_sandbox/truth`).
    pub async fn truth(&self) -> serde_json::Value {
        self.http
            .get(format!("{}/_sandbox/truth", self.url))
            .send()
            .await
            .expect("truth")
            .json()
            .await
            .expect("truth JSON")
    }

    /// The admin the demo acts as (`GET /me` with the demo token).
    pub async fn me(&self) -> serde_json::Value {
        self.http
            .get(format!("{}/me", self.url))
            .bearer_auth("demo-token")
            .header("Intercom-Version", "2.14")
            .send()
            .await
            .expect("/me")
            .json()
            .await
            .expect("/me JSON")
    }

    /// A customer writes into a conversation; returns the new part id.
    pub async fn contact_reply(&self, conversation_id: &str, body: &str) -> String {
        let out: serde_json::Value = self
            .http
            .post(format!("{}/_sandbox/contact_reply", self.url))
            .json(&serde_json::json!({"conversation_id": conversation_id, "body": body}))
            .send()
            .await
            .expect("contact_reply")
            .json()
            .await
            .expect("contact_reply JSON");
        out["part_id"].as_str().unwrap_or_default().to_string()
    }

    /// A contact starts a new open, unassigned conversation; returns its id.
    pub async fn new_conversation(&self, subject: &str, body: &str) -> String {
        let out: serde_json::Value = self
            .http
            .post(format!("{}/_sandbox/conversations", self.url))
            .json(&serde_json::json!({"subject": subject, "body": body}))
            .send()
            .await
            .expect("new conversation")
            .json()
            .await
            .expect("new conversation JSON");
        match &out["conversation_id"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}
