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

/// Sends `signal` to the child and waits (with a deadline) for its exit status.
fn stop_with(child: &mut Child, signal: &str) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIG{signal} must reach the sandbox");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("SIG{signal} must stop the sandbox within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_binary_announces_its_address_serves_and_stops_cleanly_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let (mut child, line) = spawn(&[]);
        let port = port_of(&line);
        let me = get(port, "/me");
        assert!(
            me.starts_with("HTTP/1.1 200"),
            "the announced address serves the API: {:?}",
            me.lines().next()
        );
        let status = stop_with(&mut child, signal);
        assert_eq!(
            status.code(),
            Some(0),
            "SIG{signal} is a clean stop, so the exit status must be 0 ({status})"
        );
    }
}
