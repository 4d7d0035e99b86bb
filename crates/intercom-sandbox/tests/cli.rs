//! The `intercom-sandbox` binary as a user runs it: the first stdout line names the address,
//! it serves there, and SIGTERM or SIGINT stops it cleanly with exit status 0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_intercom-sandbox");

/// Starts the binary with `args` and returns it with its first stdout line.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--conversations", "40", "--contacts", "10"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("the binary must print its address within 30 s");
        }
    };
    (child, line.trim_end().to_string())
}

/// The port of `listening on http://127.0.0.1:PORT`, or a failure naming the line.
fn port_of(line: &str) -> u16 {
    let port = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse::<u16>().ok());
    match port {
        Some(p) if p != 0 => p,
        _ => panic!(
            "the first stdout line must be `listening on http://127.0.0.1:PORT`, got {line:?}"
        ),
    }
}

/// The raw HTTP response to `GET path` on the port.
fn get(port: u16, path: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("the advertised port accepts");
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout can be set");
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer demo-token\r\nConnection: close\r\n\r\n"
    )
    .expect("the request is sent");
    let mut out = String::new();
    let _ = tcp.read_to_string(&mut out);
    out
}

/// Sends `signal` to the child and waits (with a deadline) for its exit status: a thread
/// blocks in `wait` and hands the status over, so the test wakes when the process exits.
fn stop_with(mut child: Child, signal: &str) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIG{signal} must reach the sandbox");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(status) => status.expect("the child can be waited on"),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("SIG{signal} must stop the sandbox within 10 s");
        }
    }
}

#[test]
fn the_binary_announces_its_address_serves_and_stops_cleanly_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let (child, line) = spawn(&[]);
        let port = port_of(&line);
        let me = get(port, "/me");
        assert!(
            me.starts_with("HTTP/1.1 200"),
            "the announced address serves the API: {:?}",
            me.lines().next()
        );
        let status = stop_with(child, signal);
        assert_eq!(
            status.code(),
            Some(0),
            "SIG{signal} is a clean stop, so the exit status must be 0 ({status})"
        );
    }
}

/// The status line and body of a raw response (the body as received, maybe cut short).
fn status_and_body(raw: &str) -> (&str, &str) {
    let status = raw.lines().next().unwrap_or_default();
    let body = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body)
}

#[test]
fn fault_flags_apply_from_the_first_request() {
    let (child, line) = spawn(&["--malformed-rate", "1"]);
    let (status, body) = {
        let raw = get(port_of(&line), "/me");
        let (s, b) = status_and_body(&raw);
        (s.to_string(), b.to_string())
    };
    stop_with(child, "TERM");
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "a malformed page still says 200: {status}"
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "--malformed-rate 1 must make every body unparsable, got {body:?}"
    );

    let (child, line) = spawn(&["--rate-limited-rate", "1"]);
    let raw = get(port_of(&line), "/me");
    stop_with(child, "TERM");
    let (status, body) = status_and_body(&raw);
    assert!(
        status.starts_with("HTTP/1.1 429"),
        "--rate-limited-rate 1 is a 429 storm: {status}"
    );
    assert!(
        body.contains("rate_limit_exceeded"),
        "a storm's 429 says rate_limit_exceeded: {body}"
    );

    let (child, line) = spawn(&["--reset-rate", "1"]);
    let raw = get(port_of(&line), "/me");
    stop_with(child, "TERM");
    let (status, body) = status_and_body(&raw);
    let length: usize = raw
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .expect("a reset response announces its length");
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "a reset comes after the status line: {status}"
    );
    assert!(
        body.len() < length,
        "--reset-rate 1 must cut every body short ({} of {length} bytes)",
        body.len()
    );

    let (child, line) = spawn(&["--stall-rate", "1", "--stall-ms", "300"]);
    let started = Instant::now();
    let raw = get(port_of(&line), "/me");
    let waited = started.elapsed();
    stop_with(child, "TERM");
    assert!(
        raw.starts_with("HTTP/1.1 200"),
        "a stalled request still answers"
    );
    assert!(
        waited >= Duration::from_millis(300),
        "--stall-rate 1 --stall-ms 300 must hold the answer at least 300 ms, it came after {waited:?}"
    );
}

#[test]
fn a_stall_rate_without_a_duration_and_bad_rates_are_refused() {
    for (args, flag) in [
        (
            &["--stall-rate", "0.5", "--stall-ms", "0"][..],
            "--stall-ms",
        ),
        (&["--reset-rate", "1.5"][..], "--reset-rate"),
        (
            &["--fault-rate", "0.6", "--malformed-rate", "0.6"][..],
            "add up to",
        ),
    ] {
        let out = Command::new(BIN)
            .args(["--port", "0", "--conversations", "5", "--contacts", "2"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} is a usage error, not a sandbox that silently misbehaves: {stderr}"
        );
        assert!(
            stderr.contains(flag),
            "the error for {args:?} must name {flag}: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "a refused start must not announce an address"
        );
    }
}

#[test]
fn help_documents_every_fault_flag() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .expect("--help runs");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "--help exits 0");
    for flag in [
        "--fault-rate",
        "--reset-rate",
        "--stall-rate",
        "--stall-ms",
        "--malformed-rate",
        "--rate-limited-rate",
        "--latency-ms",
        "--jitter-ms",
        "--quirks",
    ] {
        assert!(help.contains(flag), "--help must document {flag}:\n{help}");
    }
}

#[test]
fn the_quirks_flag_turns_on_the_hostile_preset() {
    let (child, line) = spawn(&["--quirks"]);
    let port = port_of(&line);
    let quirks = get(port, "/_sandbox/quirks");
    let me = get(port, "/me");
    stop_with(child, "TERM");
    let (status, body) = status_and_body(&quirks);
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "the control API reads the quirks: {status}"
    );
    let got: intercom_sandbox::Quirks =
        serde_json::from_str(body).expect("GET /_sandbox/quirks answers the quirks as JSON");
    assert_eq!(
        got,
        intercom_sandbox::Quirks::hostile(),
        "--quirks puts the hostile preset in force from the start"
    );
    assert!(
        me.starts_with("HTTP/1.1 200"),
        "the sandbox still serves with quirks on: {:?}",
        me.lines().next()
    );

    let (child, line) = spawn(&[]);
    let quirks = get(port_of(&line), "/_sandbox/quirks");
    stop_with(child, "TERM");
    let got: intercom_sandbox::Quirks = serde_json::from_str(status_and_body(&quirks).1)
        .expect("GET /_sandbox/quirks answers the quirks as JSON");
    assert_eq!(
        got,
        intercom_sandbox::Quirks::default(),
        "without --quirks every quirk is off"
    );
}
