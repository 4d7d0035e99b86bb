//! The binary's headless face: `--help`, `--version` and subcommands need no display, and
//! opening the window without one explains itself instead of crashing in GTK.

use std::process::{Command, Output};

fn agentdesk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentdesk"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the agentdesk binary runs")
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
