//! When Agentdesk panics: a report is written to the log file before the process ends, and a
//! marker (`last-crash.json` in the data directory) tells the next start, which says so (the
//! CLI on stderr, the window in a line at the top) and where the log is.
//!
//! A panic on any thread ends the process. A thread that died would otherwise leave an app
//! that looks alive with, say, no sync engine behind it; ending at once with a report is
//! easier to see, to explain and to fix.
//!
//! The report names the thread, the source location, the time and the call stack (function
//! names only), never the panic's message: a message is formatted from whatever values were
//! at hand (`byte index 5 is not a char boundary ... of "<a customer's text>"`, an error's
//! `Debug` with a URL or a request), so it could carry message text or a token. Only a
//! message that is a literal of the code (a `&'static str` payload) is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{logging, paths};

/// The exit code of a process that panicked (the code Rust itself uses for a panic).
pub const EXIT_CODE: i32 = 101;

/// The environment variable of the test-only trigger (see [`test_trigger`]).
const TRIGGER: &str = "AGENTDESK_TEST_PANIC";

/// What the next start learns about a run that ended in a panic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrashReport {
    /// When it stopped, in unix seconds.
    pub at: i64,
    /// The name of the thread that panicked (`unnamed` for a thread without one).
    pub thread: String,
    /// `file:line:column` of the panic, when known.
    pub location: Option<String>,
    /// The log file holding the full report.
    pub log_file: PathBuf,
}

impl CrashReport {
    /// The line the CLI prints at its next start.
    pub fn describe(&self) -> String {
        format!(
            "Agentdesk stopped unexpectedly at {} (a crash in its {} thread); what happened is in the log: {}",
            crate::time::utc(self.at),
            self.thread,
            self.log_file.display()
        )
    }
}

/// The marker a crash leaves for the next start.
pub fn marker_file(data_dir: &Path) -> PathBuf {
    data_dir.join("last-crash.json")
}

/// Installs the panic hook for the rest of the process: every panic, on any thread, is
/// written to today's log file in `data_dir`'s log directory (synchronously: the log's
/// background writer would not get to it), to stderr, and to the marker; then the process
/// ends with [`EXIT_CODE`], without unwinding into whatever state the panic left.
pub fn install(data_dir: &Path) {
    let data_dir = data_dir.to_path_buf();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        // Only a literal of the code; a formatted message may hold anything (module doc).
        let literal = info.payload().downcast_ref::<&'static str>().copied();
        let report = CrashReport {
            at: crate::time::now(),
            thread,
            location,
            log_file: logging::todays_log_file(&paths::log_dir(&data_dir)),
        };
        let text = report_text(
            &report,
            literal,
            &std::backtrace::Backtrace::force_capture(),
        );
        let _ = append_to_log(&report.log_file, &text);
        let _ = std::io::stderr().write_all(text.as_bytes());
        if let Ok(json) = serde_json::to_vec_pretty(&report) {
            let _ = paths::write_private(&marker_file(&data_dir), &json);
        }
        // SAFETY: `_exit` ends the process at once, running no destructor or `atexit`
        // handler of GTK or WebKit from a thread that is not theirs, and leaving no core
        // dump of the process's memory (tokens, messages) as an abort could.
        unsafe { libc::_exit(EXIT_CODE) }
    }));
}

/// The report as it goes to the log: one line like the log's own, then the stack.
fn report_text(
    report: &CrashReport,
    literal: Option<&str>,
    backtrace: &std::backtrace::Backtrace,
) -> String {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let location = report.location.as_deref().unwrap_or("an unknown place");
    let reason = match literal {
        Some(text) => format!(": {text}"),
        None => " (its message is not logged: it may hold customer text or a token)".into(),
    };
    format!(
        "{now} ERROR agentdesk: Agentdesk stopped unexpectedly: a panic in thread '{}' at {location}{reason}\n\
         call stack (function names only):\n{backtrace}\n",
        report.thread
    )
}

fn append_to_log(file: &Path, text: &str) -> std::io::Result<()> {
    paths::touch_private(file)?;
    let mut log = std::fs::OpenOptions::new().append(true).open(file)?;
    log.write_all(text.as_bytes())?;
    log.sync_data()
}

/// The report of the last run, if it ended in a panic; the marker is removed, so it is
/// reported once, by the next start (the window or a subcommand).
pub fn take_last(data_dir: &Path) -> Option<CrashReport> {
    let file = marker_file(data_dir);
    let bytes = std::fs::read(&file).ok()?;
    let _ = std::fs::remove_file(&file);
    match serde_json::from_slice(&bytes) {
        Ok(report) => Some(report),
        Err(err) => {
            tracing::warn!(%err, "the last crash's marker is unreadable; ignored");
            None
        }
    }
}

/// The test-only trigger, kept out of the command line's help: with `AGENTDESK_TEST_PANIC`
/// set, a background thread panics at start, with the variable's value in its message (a
/// test sets it to a token or a customer's text to see that the log never carries it). The
/// caller waits for that thread, so the process ends in the hook before doing anything else.
pub fn test_trigger() {
    let Some(value) = std::env::var_os(TRIGGER) else {
        return;
    };
    let value = value.to_string_lossy().into_owned();
    let panicking = std::thread::Builder::new()
        .name("test-panic".into())
        .spawn(move || panic!("test panic carrying {value}"));
    if let Ok(thread) = panicking {
        let _ = thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_taken_once() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(take_last(dir.path()), None, "no crash, nothing to say");
        let report = CrashReport {
            at: 1_700_000_000,
            thread: "tokio-runtime-worker".into(),
            location: Some("crates/sync/src/engine.rs:1:1".into()),
            log_file: dir.path().join("logs/agentdesk.log.2023-11-14"),
        };
        paths::write_private(
            &marker_file(dir.path()),
            &serde_json::to_vec(&report).unwrap(),
        )
        .unwrap();
        assert_eq!(
            take_last(dir.path()),
            Some(report.clone()),
            "the next start learns of the crash"
        );
        assert_eq!(
            take_last(dir.path()),
            None,
            "and says so once, not at every start after"
        );
        let line = report.describe();
        assert!(
            line.contains("stopped unexpectedly") && line.contains("agentdesk.log.2023-11-14"),
            "the sentence says what happened and where the log is: {line}"
        );
    }

    #[test]
    fn a_formatted_message_is_never_in_the_report() {
        let report = CrashReport {
            at: 0,
            thread: "main".into(),
            location: Some("src/x.rs:2:3".into()),
            log_file: PathBuf::from("/l"),
        };
        let bt = std::backtrace::Backtrace::disabled();
        let text = report_text(&report, None, &bt);
        assert!(
            text.contains("thread 'main' at src/x.rs:2:3") && text.contains("not logged"),
            "the report names the thread and place, and says why there is no message: {text}"
        );
        let text = report_text(&report, Some("a literal of the code"), &bt);
        assert!(
            text.contains(": a literal of the code"),
            "a literal message is safe to write: {text}"
        );
    }
}
