//! Notifications against a real notification server: dunst on a private session bus, drawing
//! on a private Xvfb display (dunst needs an X display; nothing here needs one of the
//! machine's). Batches go through the app's real path (`Notifier::show`, notify-rust, D-Bus)
//! and are read back from dunst's own history: the body it received and the message it drew.
//!
//! One test in this binary on purpose: notify-rust finds the bus through
//! `DBUS_SESSION_BUS_ADDRESS` only, so the test sets it for its own process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use agentdesk_app::notify::{coalesce, NewMessage, Notifier};

/// Generous: the machine has 2 cores and other builds; nothing waits this long when it works.
const DEADLINE: Duration = Duration::from_secs(30);

/// A process killed (and reaped) when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` with its stdout piped and returns it with the first line it prints.
fn start_and_read_line(mut command: Command, what: &str) -> (Running, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} must run (make test installs it): {e}"));
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what} printed nothing within {DEADLINE:?}"));
    assert!(
        !line.trim().is_empty(),
        "{what} must print where it listens"
    );
    (running, line.trim().to_string())
}

/// A session bus that starts no service (so only the dunst started here answers).
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
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

/// dunst as most people run it: markup read in full (its default), the summary in bold over
/// the body, notifications kept until closed, a history to read back.
const DUNSTRC: &str = r#"[global]
    markup = full
    format = "<b>%s</b>\n%b"
    history_length = 50
    sticky_history = yes
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
[urgency_critical]
    timeout = 0
"#;

struct Desktop {
    bus: String,
    dunst_log: std::path::PathBuf,
    _dir: tempfile::TempDir,
    // Dropped in order: dunst first, then its bus and display.
    _dunst: Running,
    _bus: Running,
    _display: Running,
}

fn start_desktop() -> Desktop {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut xvfb = Command::new("Xvfb");
    // `-displayfd 1`: Xvfb picks a free display and prints its number once it accepts clients.
    xvfb.args([
        "-displayfd",
        "1",
        "-nolisten",
        "tcp",
        "-screen",
        "0",
        "800x600x24",
    ])
    .stderr(Stdio::null());
    let (display, number) = start_and_read_line(xvfb, "Xvfb (package xvfb)");
    let config = dir.path().join("bus.conf");
    std::fs::write(&config, BUS_CONFIG).expect("write the bus configuration");
    let mut dbus = Command::new("dbus-daemon");
    dbus.arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--nopidfile", "--print-address=1"])
        .stderr(Stdio::null());
    let (bus_daemon, bus) = start_and_read_line(dbus, "dbus-daemon (package dbus)");
    let rc = dir.path().join("dunstrc");
    std::fs::write(&rc, DUNSTRC).expect("write dunstrc");
    let dunst_log = dir.path().join("dunst.log");
    let log = std::fs::File::create(&dunst_log).expect("dunst's log file");
    let dunst = Command::new("dunst")
        .arg("-config")
        .arg(&rc)
        .env("DISPLAY", format!(":{number}"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("WAYLAND_DISPLAY")
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("dunst must run (make test installs it)");
    let dunst = Running(dunst);
    // Blocks on the bus until dunst owns the notification service's name (no polling).
    let waited = Command::new("gdbus")
        .args(["wait", "--session", "--timeout"])
        .arg(DEADLINE.as_secs().to_string())
        .arg("org.freedesktop.Notifications")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .output()
        .expect("gdbus runs (package libglib2.0-bin, with GTK)");
    assert!(
        waited.status.success(),
        "dunst did not take org.freedesktop.Notifications within {DEADLINE:?}: {}",
        std::fs::read_to_string(&dunst_log).unwrap_or_default()
    );
    Desktop {
        bus,
        dunst_log,
        _dir: dir,
        _dunst: dunst,
        _bus: bus_daemon,
        _display: display,
    }
}

fn dunstctl(bus: &str, args: &[&str]) -> String {
    let out = Command::new("dunstctl")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .output()
        .expect("dunstctl runs (package dunst)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What dunst kept of one notification: the body it received, and the markup it drew.
#[derive(Debug)]
struct Received {
    summary: String,
    body: String,
    message: String,
}

/// dunst's history (`dunstctl history`), which must hold `n` notifications: `Notifier::show`
/// returns once dunst answered the Notify call, and `dunstctl close-all` once dunst moved
/// every notification to its history, so nothing is left to wait for.
fn history(bus: &str, n: usize) -> Vec<Received> {
    let json = dunstctl(bus, &["history"]);
    let entries: Vec<Received> = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| v["data"][0].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| Received {
            summary: e["summary"]["data"].as_str().unwrap_or_default().into(),
            body: e["body"]["data"].as_str().unwrap_or_default().into(),
            message: e["message"]["data"].as_str().unwrap_or_default().into(),
        })
        .collect();
    assert!(
        entries.len() >= n,
        "dunst's history holds the {n} notifications shown and closed: {json}"
    );
    entries
}

/// The text a person sees for Pango markup with no tags left in it: its entities decoded.
fn shown_text(markup: &str) -> String {
    assert!(
        !markup.contains('<') && !markup.contains('>'),
        "the drawn text must hold no tag, or part of it was read as markup: {markup:?}"
    );
    let mut out = String::new();
    let mut rest = markup;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find(';')
            .unwrap_or_else(|| panic!("a bare & is not markup: {markup:?}"));
        let entity = &rest[at + 1..at + end];
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            other => panic!("an entity dunst does not write: &{other}; in {markup:?}"),
        });
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}

/// dunst's message is `<b>SUMMARY</b>\nBODY` (the format above): the two parts as shown.
fn drawn(received: &Received) -> (String, String) {
    let (summary, body) = received
        .message
        .split_once('\n')
        .unwrap_or_else(|| panic!("dunst drew summary and body: {received:?}"));
    let summary = summary
        .strip_prefix("<b>")
        .and_then(|s| s.strip_suffix("</b>"))
        .unwrap_or_else(|| panic!("the summary is drawn in bold: {received:?}"));
    (shown_text(summary), shown_text(body))
}

fn msg(conversation: &str, name: &str, text: &str) -> NewMessage {
    NewMessage {
        conversation_id: conversation.into(),
        contact_name: name.into(),
        text: text.into(),
    }
}

/// Regression (issue 21): a customer's message went to the notification server as markup, so
/// `<a href>` became a link, `<img>` an image, and `a < b & c` a blank notification.
#[test]
fn markup_in_a_customers_name_or_message_is_shown_as_text_by_a_real_notification_server() {
    let desktop = start_desktop();
    // The only test of this binary, before any notification: notify-rust reads the address
    // when it connects.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &desktop.bus);

    let text = r#"Pay here: <a href="https://evil.example/pay">your invoice</a> <img src="https://evil.example/track.png"> and a < b & c"#;
    let name = r#"<b>Eve</b> & <a href="https://evil.example/">Co</a>"#;
    let one = coalesce(&[msg("1", name, text)], false).expect("one message is a notification");
    let other = "Mallory <i>& sons</i>";
    let several = coalesce(
        &[msg("2", other, "hi"), msg("3", "Ann < Bob & Co", "hello")],
        false,
    )
    .expect("two conversations are one notification");

    let notifier = Notifier::new(|_| {});
    notifier.show(&one, false, notifier.epoch());
    notifier.show(&several, false, notifier.epoch());
    assert_eq!(
        notifier.problem(),
        None,
        "dunst answered on the bus, so no problem may be reported"
    );
    dunstctl(&desktop.bus, &["close-all"]);
    let received = history(&desktop.bus, 2);

    let first = received
        .iter()
        .find(|r| r.summary == one.summary)
        .unwrap_or_else(|| panic!("dunst received the one-message notification: {received:?}"));
    assert_eq!(
        first.body,
        r#"Pay here: &lt;a href="https://evil.example/pay"&gt;your invoice&lt;/a&gt; &lt;img src="https://evil.example/track.png"&gt; and a &lt; b &amp; c"#,
        "dunst reads the body as markup (body-markup), so it must receive it escaped"
    );
    let (summary, body) = drawn(first);
    assert_eq!(
        summary, name,
        "the name in the summary is shown exactly as the customer wrote it (the summary is \
         plain text to the server: escaping it too would show entities)"
    );
    assert_eq!(
        body, text,
        "the message is shown as its text: no link, no image, nothing dropped"
    );

    let second = received
        .iter()
        .find(|r| r.summary == several.summary)
        .unwrap_or_else(|| panic!("dunst received the summary notification: {received:?}"));
    let (_, body) = drawn(second);
    assert_eq!(
        body,
        format!("From Ann < Bob & Co and {other}"),
        "names in the body are shown as written"
    );

    let log = std::fs::read_to_string(&desktop.dunst_log).unwrap_or_default();
    assert!(
        !log.contains("Unable to parse markup"),
        "dunst must parse every body we send (a body it cannot parse is drawn blank): {log}"
    );
}
