//! Harness for the end-to-end tests: starts `tauri-driver` (which drives Debian's
//! `WebKitWebDriver`) against the built `agentdesk` binary, with a fresh data directory and
//! a private D-Bus session bus, and hands the test a WebDriver client. Run under `xvfb-run -a`
//! (the Makefile's `test-e2e` does that); it needs a display and `dbus-daemon`.
//!
//! Isolation: Agentdesk is a single-instance app (the single-instance plugin claims a name on
//! the session bus), so an app still shutting down from the previous test would take the next
//! test's launch and leave WebDriver waiting for a window that never comes. Each [`App`] gets
//! its own bus ([`Bus`]) and its own process group, and everything it started is gone when it
//! is dropped. Every wait has a deadline; [`within`] bounds a whole test.

pub mod desktop;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the harness waits for a process to come up or an element to appear. Generous:
/// the machine has 2 cores and a debug WebKit start can take seconds; nothing waits this long
/// when things work.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The most a whole test may take. A test that hangs fails with its name instead of holding
/// CI until the job's limit.
pub const TEST_DEADLINE: Duration = Duration::from_secs(300);

/// Runs a test body under [`TEST_DEADLINE`]; on expiry the body (and the [`App`] it owns, with
/// every process it started) is dropped and the test fails naming `what`.
pub async fn within<F: std::future::Future>(what: &str, body: F) -> F::Output {
    match tokio::time::timeout(TEST_DEADLINE, body).await {
        Ok(out) => out,
        Err(_) => panic!("{what} did not finish within {TEST_DEADLINE:?}"),
    }
}

/// A private D-Bus session bus (`dbus-daemon`), killed on drop.
pub struct Bus {
    /// `DBUS_SESSION_BUS_ADDRESS` for processes on this bus.
    pub address: String,
    daemon: Child,
    /// The configuration file of a bus that starts no services (kept until the bus ends).
    _config: Option<tempfile::TempDir>,
}

/// A session bus's configuration without any service directory: the bus can start nothing.
const BUS_WITHOUT_SERVICES: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

impl Bus {
    /// A bus with the standard session configuration: it starts the services installed on the
    /// machine on demand (a notification daemon such as dunst, if one is installed).
    pub async fn start() -> Bus {
        Bus::spawn("--session", None).await
    }

    /// A bus that starts no service: its configuration names no service directory, so a
    /// notification daemon installed on the machine (dunst ships a `.service` file for
    /// `org.freedesktop.Notifications`) is not started by the first `Notify` call, and every
    /// `Notify` fails with `ServiceUnknown`, as on a desktop without a notification service.
    pub async fn start_without_services() -> Bus {
        let dir = tempfile::tempdir().expect("a directory for the bus configuration");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, BUS_WITHOUT_SERVICES).expect("write the bus configuration");
        let flag = format!("--config-file={}", config.display());
        Bus::spawn(&flag, Some(dir)).await
    }

    async fn spawn(config_flag: &str, config: Option<tempfile::TempDir>) -> Bus {
        let mut daemon = Command::new("dbus-daemon")
            .args([config_flag, "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("dbus-daemon runs (package dbus; make test installs it)");
        let stdout = daemon.stdout.take().expect("dbus-daemon stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .expect("dbus-daemon printed its address within the deadline")
            .expect("dbus-daemon stdout readable")
            .expect("dbus-daemon printed an address");
        Bus {
            address: address.trim().to_string(),
            daemon,
            _config: config,
        }
    }

    /// Counts `org.freedesktop.Notifications.Notify` calls made on this bus from now on.
    pub fn watch_notifications(&self) -> NotificationWatch {
        let mut monitor = Command::new("dbus-monitor")
            .args([
                "--address",
                &self.address,
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("dbus-monitor runs (package dbus)");
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let stdout = monitor.stdout.take().expect("monitor output");
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("member=Notify") {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        NotificationWatch {
            count,
            _monitor: monitor,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.start_kill();
    }
}

/// Notifications seen on a [`Bus`] since [`Bus::watch_notifications`].
pub struct NotificationWatch {
    count: Arc<AtomicUsize>,
    _monitor: Child,
}

impl NotificationWatch {
    /// Notifications seen so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// The built app binary: `AGENTDESK_BIN`, or the workspace's debug build.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("AGENTDESK_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(
                std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
            )
            .join("../../target")
        });
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
/// its process group (tauri-driver, WebKitWebDriver, the app and its WebKit processes) and its
/// bus as a fallback.
pub struct App {
    /// The WebDriver session.
    pub client: Client,
    /// The app's `--data-dir`, deleted on drop.
    pub data_dir: tempfile::TempDir,
    /// The app's private session bus (for a second launch, or to watch notifications).
    pub bus: Bus,
    driver: Child,
    group: Option<u32>,
}

impl App {
    /// Starts tauri-driver and a WebDriver session on the app, on a bus of its own, with `env`
    /// added to the app's environment (the app inherits tauri-driver's).
    pub async fn launch(env: &[(&str, &str)]) -> App {
        App::launch_on(Bus::start().await, env).await
    }

    /// As [`App::launch`], on a bus the test started first (to watch it from the beginning).
    pub async fn launch_on(bus: Bus, env: &[(&str, &str)]) -> App {
        let data_dir = tempfile::tempdir().expect("a temporary data directory");
        App::launch_in(bus, data_dir, env).await
    }

    /// As [`App::launch_on`], with a data directory the test prepared first (for instance
    /// with [`cli`]`(["login", ...])`, to open a workspace at a custom base URL).
    pub async fn launch_in(bus: Bus, data_dir: tempfile::TempDir, env: &[(&str, &str)]) -> App {
        App::launch_with_args(bus, data_dir, env, &[]).await
    }

    /// As [`App::launch_in`], with command-line arguments for the app (an `agentdesk://`
    /// link, as a desktop starts it for a clicked link).
    pub async fn launch_with_args(
        bus: Bus,
        data_dir: tempfile::TempDir,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> App {
        let binary = app_binary();
        assert!(
            binary.exists(),
            "the app binary {} must be built before the e2e tests (make test builds it)",
            binary.display()
        );
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
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = command
            .spawn()
            .expect("tauri-driver must be installed (make test installs it with cargo install)");
        let group = driver.id();
        // tauri-driver opens its port before WebKitWebDriver is ready: wait for both.
        wait_for_port(port, "tauri-driver").await;
        wait_for_port(native_port, "WebKitWebDriver").await;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary.to_string_lossy(), "args": args }),
        );
        caps.insert("browserName".into(), serde_json::json!("wry"));
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut builder = ClientBuilder::rustls().expect("rustls client");
        builder.capabilities(caps);
        let connect = builder.connect(&webdriver);
        let Ok(session) = tokio::time::timeout(DEADLINE, connect).await else {
            panic!(
                "no WebDriver session on the app within {DEADLINE:?}: the window never \
                 reached WebKitWebDriver (did the app start, or hand over to another \
                 instance on the same bus?)"
            )
        };
        let client = session.expect("a WebDriver session on the app");
        App {
            client,
            data_dir,
            bus,
            driver,
            group,
        }
    }

    /// A second launch of the app binary with `args`, on this app's bus and data directory
    /// (so the single-instance plugin finds the running window); returns its exit status.
    pub async fn second_launch(&self, args: &[&str]) -> std::process::ExitStatus {
        let run = Command::new(app_binary())
            .args(args)
            .env("AGENTDESK_DATA_DIR", self.data_dir.path())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus.address)
            .kill_on_drop(true)
            .status();
        tokio::time::timeout(DEADLINE, run)
            .await
            .unwrap_or_else(|_| panic!("a second launch did not exit within {DEADLINE:?}"))
            .expect("a second launch runs")
    }

    /// The app's own process: the `agentdesk` binary in this app's process group (started by
    /// WebKitWebDriver), if it is running.
    pub fn app_pid(&self) -> Option<u32> {
        let group = self.group?;
        let binary = std::fs::canonicalize(app_binary()).ok()?;
        std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .find_map(|entry| {
                let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after its ')'.
                let pgrp: u32 = stat
                    .rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .nth(2)?
                    .parse()
                    .ok()?;
                let exe = std::fs::read_link(entry.path().join("exe")).ok()?;
                (pgrp == group && exe == binary).then_some(pid)
            })
    }

    /// Ends the app the way a desktop logout or `kill` does (SIGTERM) and waits, up to the
    /// deadline, until its process is gone. The WebDriver session is dead afterwards.
    pub async fn terminate_app(&self) {
        let pid = self.app_pid().expect("the app is running");
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let start = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid) {
            assert!(
                start.elapsed() < DEADLINE,
                "the app did not exit within {DEADLINE:?} of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the app at once (SIGKILL: no shutdown, as a crash or a power cut does), stops
    /// its WebDriver processes, and hands back its data directory for a relaunch with
    /// [`App::launch_in`] or [`App::launch_with_args`].
    pub async fn kill(mut self) -> tempfile::TempDir {
        let pid = self.app_pid().expect("the app is running");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        let start = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid) {
            assert!(
                start.elapsed() < DEADLINE,
                "the app did not die within {DEADLINE:?} of SIGKILL"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(group) = self.group.take() {
            signal_group(group, "KILL");
            let start = Instant::now();
            while group_alive(group) && start.elapsed() < DEADLINE {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        std::mem::replace(
            &mut self.data_dir,
            tempfile::tempdir().expect("a placeholder directory"),
        )
    }

    /// Calls one of the app's commands from inside the page, through Tauri's real IPC.
    pub async fn invoke(&self, command: &str, args: serde_json::Value) -> serde_json::Value {
        self.try_invoke(command, args)
            .await
            .unwrap_or_else(|err| panic!("{command} was rejected: {err}"))
    }

    /// As [`App::invoke`], for a command that may be refused: `Err` carries the app's
    /// `{code, message}`.
    pub async fn try_invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let script = "const [cmd, args, done] = arguments; \
            window.__TAURI_INTERNALS__.invoke(cmd, args).then((v) => done({ok: v}), (e) => done({err: e}));";
        let out = self
            .client
            .execute_async(script, vec![command.into(), args])
            .await
            .unwrap_or_else(|e| panic!("invoking {command} failed in WebDriver: {e}"));
        match out.get("err") {
            Some(err) => Err(err.clone()),
            None => Ok(out.get("ok").cloned().unwrap_or(serde_json::Value::Null)),
        }
    }

    /// The demo workspace's sandbox, once the app has started it: its URL, and the control
    /// secret without which its control API answers nothing.
    pub async fn demo_sandbox(&self) -> Sandbox {
        let file = self.data_dir.path().join("demo-sandbox.url");
        let secret_file = self.data_dir.path().join("demo-sandbox.secret");
        let start = Instant::now();
        loop {
            let url = std::fs::read_to_string(&file).unwrap_or_default();
            let secret = std::fs::read_to_string(&secret_file).unwrap_or_default();
            if !url.trim().is_empty() && !secret.trim().is_empty() {
                let mut headers = reqwest::header::HeaderMap::new();
                let value = reqwest::header::HeaderValue::from_str(secret.trim())
                    .expect("the control secret is a header value");
                headers.insert("x-sandbox-secret", value);
                return Sandbox {
                    url: url.trim().to_string(),
                    http: reqwest::Client::builder()
                        .default_headers(headers)
                        .build()
                        .expect("an HTTP client"),
                };
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

    /// Checks `check` every 200 ms for all of `window`, failing at the first violation it
    /// reports: for promises that something does *not* happen (no request, no notification),
    /// where `window` is as long as the thing would have taken to happen.
    pub async fn throughout<F, Fut>(&self, window: Duration, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let start = Instant::now();
        loop {
            if let Err(violation) = check().await {
                panic!(
                    "{violation} ({:?} into a {window:?} window)",
                    start.elapsed()
                );
            }
            if start.elapsed() >= window {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The text in the composer now, if a conversation is open.
    pub async fn composer_text(&self) -> Option<String> {
        let area = self
            .client
            .find(Locator::Css("[data-testid=composer] textarea"))
            .await
            .ok()?;
        area.prop("value").await.ok()?
    }

    /// The unread count a view's badge shows (its `aria-label`, "N unread"), if it is shown.
    pub async fn badge(&self, view: &str) -> Option<i64> {
        let el = self
            .client
            .find(Locator::Css(&format!("[data-testid=badge-{view}]")))
            .await
            .ok()?;
        let label = el.attr("aria-label").await.ok()??;
        label.split_whitespace().next()?.parse().ok()
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

    /// Ends the session (which closes the app), stops tauri-driver with SIGTERM so it takes
    /// WebKitWebDriver down with it, and waits until nothing of the process group is left
    /// (SIGKILL after the deadline), so the next test starts on a clean machine.
    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(DEADLINE, self.client.clone().close()).await;
        let Some(group) = self.group.take() else {
            return;
        };
        signal_group(group, "TERM");
        let _ = tokio::time::timeout(Duration::from_secs(10), self.driver.wait()).await;
        let start = Instant::now();
        while group_alive(group) && start.elapsed() < DEADLINE {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        signal_group(group, "KILL");
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(group) = self.group.take() {
            signal_group(group, "KILL");
        }
    }
}

/// Runs the app binary's command line (`agentdesk <args>`) on `data_dir` and `bus`, with
/// `stdin` piped in; returns its exit status, stdout and stderr.
pub async fn cli(
    data_dir: &Path,
    bus: &Bus,
    args: &[&str],
    stdin: &str,
) -> (std::process::ExitStatus, String, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(app_binary())
        .args(args)
        .env("AGENTDESK_DATA_DIR", data_dir)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env_remove("AGENTDESK_TOKEN")
        .env_remove("AGENTDESK_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the app binary runs as a command line");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("write stdin");
    drop(input);
    let out = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("agentdesk {args:?} did not exit within {DEADLINE:?}"))
        .expect("the command line ran");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An exited process its parent has not reaped yet (WebKitWebDriver reaps its browser late).
fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .next()?
                .to_string();
            Some(state == "Z" || state == "X")
        })
        .unwrap_or(true)
}

fn signal_group(group: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
}

fn group_alive(group: u32) -> bool {
    std::process::Command::new("kill")
        .args(["-0", "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
    /// Its base URL.
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

    /// A contact (`contact_id`, or a random one) starts a new open, unassigned conversation;
    /// returns its id.
    pub async fn new_conversation(
        &self,
        contact_id: Option<&str>,
        subject: &str,
        body: &str,
    ) -> String {
        let out: serde_json::Value = self
            .http
            .post(format!("{}/_sandbox/conversations", self.url))
            .json(&serde_json::json!({"contact_id": contact_id, "subject": subject, "body": body}))
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

    /// Edits a contact as an edit in Intercom would (`POST /_sandbox/contact_update`): each
    /// field of `fields` (`name`, `email`, `phone`, `location`, `custom_attributes`) is set,
    /// attributes merged. Returns the contact as `GET /contacts/{id}` now shows it.
    pub async fn update_contact(
        &self,
        contact_id: &str,
        fields: serde_json::Value,
    ) -> serde_json::Value {
        let mut body = fields;
        body["contact_id"] = contact_id.into();
        let resp = self
            .http
            .post(format!("{}/_sandbox/contact_update", self.url))
            .json(&body)
            .send()
            .await
            .expect("contact_update");
        let status = resp.status();
        let out: serde_json::Value = resp.json().await.expect("contact_update JSON");
        assert!(
            status.is_success(),
            "the sandbox refused to update contact {contact_id} ({status}): {out}"
        );
        out
    }
}
