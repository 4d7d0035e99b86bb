//! The binary's headless face: `--help`, `--version` and subcommands need no display, and
//! opening the window without one explains itself instead of crashing in GTK.

use std::process::{Command, Output};

fn agentdesk(args: &[&str]) -> Output {
    agentdesk_env(args, &[])
}

/// Runs the binary with no display, then with `env` set on top.
fn agentdesk_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentdesk"));
    cmd.args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("GDK_BACKEND");
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("the agentdesk binary runs")
}

#[test]
fn help_works_without_a_display() {
    let out = agentdesk(&["--help"]);
    assert!(
        out.status.success(),
        "--help must exit 0 with no display: {out:?}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Usage: agentdesk"),
        "--help prints usage: {text}"
    );
    assert!(
        text.contains("--data-dir"),
        "--help lists the global options: {text}"
    );
}

#[test]
fn version_works_without_a_display() {
    let out = agentdesk(&["--version"]);
    assert!(out.status.success(), "--version must exit 0: {out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        concat!("agentdesk ", env!("CARGO_PKG_VERSION")),
        "--version prints the package version"
    );
}

#[test]
fn window_without_a_display_says_how_to_run_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = agentdesk(&["--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no display is an error, not a crash: {out:?}"
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("no display"),
        "the message names the problem: {text}"
    );
    assert!(
        text.contains("xvfb-run -a agentdesk"),
        "the message shows the xvfb-run line: {text}"
    );
}

/// Regression: a DISPLAY (or WAYLAND_DISPLAY) that no server answers passed the variable check
/// and GTK then panicked in tao ("Failed to initialize gtk backend!", exit 101).
#[test]
fn a_display_nobody_answers_says_how_to_run_it() {
    let dir = tempfile::tempdir().unwrap();
    for env in [
        ("DISPLAY", ":99999"),
        ("WAYLAND_DISPLAY", "agentdesk-test-no-such-compositor"),
    ] {
        let out = agentdesk_env(&["--data-dir", dir.path().to_str().unwrap()], &[env]);
        let text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a dead display ({env:?}) is an error exit, not a GTK panic: {out:?}"
        );
        assert!(
            text.contains("no display") && !text.contains("panicked"),
            "the message names the problem instead of a panic ({env:?}): {text}"
        );
        assert!(
            text.contains("xvfb-run -a agentdesk"),
            "the message shows the xvfb-run line ({env:?}): {text}"
        );
    }
}

/// Regression: the stderr log always carried ANSI colour codes, so `make test` output and
/// anything that captured stderr (CI logs, a pipe to a file) was full of escape bytes.
#[test]
fn log_lines_on_a_piped_stderr_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    // The window logs its start before it finds the display dead, so stderr has log lines.
    let out = agentdesk_env(
        &["--data-dir", dir.path().to_str().unwrap()],
        &[("DISPLAY", ":99999"), ("AGENTDESK_LOG", "info")],
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("starting Agentdesk"),
        "the window's start is logged to stderr: {text}"
    );
    assert!(
        !text.contains('\x1b'),
        "stderr is a pipe here, not a terminal, so no escape byte may reach it: {text:?}"
    );
}

/// The daily log files are pruned at start: without a limit, a year of use left 365 files.
/// (Which old files go is the appender's choice by creation time; these are all created in
/// the same clock tick, so only the count is asserted.)
#[test]
fn old_daily_log_files_are_pruned_to_fourteen() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=20 {
        let name = format!("agentdesk.log.2025-01-{day:02}");
        std::fs::write(logs.join(name), "old\n").unwrap();
    }
    std::fs::write(logs.join("notes.txt"), "not a log\n").unwrap();

    let out = agentdesk(&["--data-dir", dir.path().to_str().unwrap(), "paths"]);
    assert!(
        out.status.success(),
        "paths runs and starts the log: {out:?}"
    );

    let mut names: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let daily: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("agentdesk.log."))
        .collect();
    assert_eq!(
        daily.len(),
        14,
        "at most 14 daily files are kept, today's included: {names:?}"
    );
    assert!(
        daily.iter().any(|n| !n.starts_with("agentdesk.log.2025-")),
        "today's file is one of the 14 (the pruning made room for it): {names:?}"
    );
    assert!(
        names.contains(&"notes.txt".to_string()),
        "pruning touches only the app's own log files: {names:?}"
    );
}

#[test]
fn unknown_flags_are_usage_errors() {
    let out = agentdesk(&["--no-such-flag"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "usage errors exit 2 so scripts can tell them apart"
    );
}

#[test]
fn paths_honours_the_data_dir_override() {
    let dir = tempfile::tempdir().unwrap();
    let out = agentdesk(&["paths", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "paths exits 0: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("data: {}", dir.path().display())),
        "the override decides where data lives: {text}"
    );
}

/// Runs the binary with the data dir given by `--data-dir`, either before everything else
/// (`agentdesk --data-dir D status`) or after it (`agentdesk status --data-dir D`).
fn agentdesk_with_data_dir(dir: &std::path::Path, option_first: bool, args: &[&str]) -> Output {
    let dir = dir.to_str().expect("the temp dir is UTF-8");
    let all: Vec<&str> = if option_first {
        ["--data-dir", dir].iter().chain(args).copied().collect()
    } else {
        args.iter().chain(&["--data-dir", dir]).copied().collect()
    };
    agentdesk(&all)
}

/// Regression: with clap's `args_conflicts_with_subcommands`, an option before the subcommand
/// made clap read the subcommand's name as the LINK, so `agentdesk --data-dir D status`
/// opened the window (or exited 2) instead of printing the status.
#[test]
fn a_global_option_before_or_after_the_subcommand_runs_it() {
    for option_first in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let shown = dir.path().display().to_string();

        let out = agentdesk_with_data_dir(dir.path(), option_first, &["paths"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "paths runs headless whatever the option order (first: {option_first}): {out:?}"
        );
        assert!(
            stdout.contains(&format!("data: {shown}")),
            "paths reports the --data-dir it was given (first: {option_first}): {stdout}"
        );

        // With nothing connected, status and sync refuse with the same sentence naming the
        // data dir: proof that they, not the window, ran with the option.
        for args in [&["status", "--json"][..], &["sync", "--once"][..]] {
            let out = agentdesk_with_data_dir(dir.path(), option_first, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("no workspace is connected in {shown}")),
                "`{}` runs with the data dir (first: {option_first}): {out:?}",
                args.join(" ")
            );
            assert!(
                !stderr.contains("no display"),
                "a subcommand never tries to open the window (first: {option_first}): {stderr}"
            );
        }
    }
}

/// A deep link as the only argument (how the desktop entry launches us) opens the window,
/// with or without a global option: it must not be mistaken for an unknown subcommand.
#[test]
fn a_deep_link_argument_opens_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let link = "agentdesk://conversation/1";
    for args in [
        vec![link],
        vec!["--data-dir", dir.path().to_str().unwrap(), link],
    ] {
        let out = agentdesk(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(1),
            "a link is not a usage error; with no display the window refuses with 1: {out:?}"
        );
        assert!(
            stderr.contains("no display"),
            "a link leads to the window, which says it has no display ({args:?}): {stderr}"
        );
    }
}

/// The LINK and `--hidden` are the window's; beside a subcommand they would be silently
/// dropped, so the combination is refused as a usage error.
#[test]
fn a_link_beside_a_subcommand_is_a_usage_error() {
    for args in [
        &["agentdesk://conversation/1", "paths"][..],
        &["--hidden", "paths"][..],
    ] {
        let out = agentdesk(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} mixes the window's arguments with a subcommand: {out:?}"
        );
    }
}

/// A panic on a background thread (the hidden test trigger, `AGENTDESK_TEST_PANIC`, which
/// puts its value in the panic's message) ends the process with exit code 101 after the log
/// file got the report: the thread and the place, never the message (it could hold a token
/// or a customer's text). The next start says it stopped unexpectedly and where the log is,
/// once.
#[test]
fn a_panic_is_logged_without_its_message_and_the_next_start_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let secret = "tok_dG9rZW4tbm90LWZvci1sb2dz and a customer's words";
    let out = agentdesk_env(
        &["--data-dir", data, "paths"],
        &[("AGENTDESK_TEST_PANIC", secret)],
    );
    assert_eq!(
        out.status.code(),
        Some(101),
        "a panic on any thread ends the process with Rust's panic code: {out:?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("tok_dG9rZW4") && !stderr.contains("customer's words"),
        "stderr (a terminal, a desktop's journal) never gets the panic's message: {stderr}"
    );
    let logs = dir.path().join("logs");
    let log: String = std::fs::read_dir(&logs)
        .expect("the log directory exists")
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect();
    assert!(
        log.contains("stopped unexpectedly") && log.contains("'test-panic'"),
        "the log file names the crash and the thread that panicked, written before the \
         process ended: {log}"
    );
    assert!(
        !log.contains("tok_dG9rZW4") && !log.contains("customer's words"),
        "the log never gets the panic's message (it may hold a token or message text): {log}"
    );

    let out = agentdesk(&["--data-dir", data, "paths"]);
    assert!(out.status.success(), "the next start runs: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stopped unexpectedly") && stderr.contains(&logs.display().to_string()),
        "the next start says the last run stopped unexpectedly and where the log is: {stderr}"
    );
    let out = agentdesk(&["--data-dir", data, "paths"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("stopped unexpectedly"),
        "it is said once, not at every start: {out:?}"
    );
}
