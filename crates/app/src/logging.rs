//! Logging: `tracing` to stderr (coloured only on a terminal) and to a daily rolling file in
//! the app's log directory, keeping the last 14 files.
//! The level comes from `AGENTDESK_LOG` (an `EnvFilter` string), default `info` with the HTML
//! parser at `error` (html5ever warns about every malformed table in a customer's message,
//! which is the sanitizer's input, not a problem of ours). Tokens and
//! message bodies are never logged above debug (the client wraps the token in a secret type).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

const DEFAULT_FILTER: &str = "info,html5ever=error";

/// Daily files are `agentdesk.log.YYYY-MM-DD`.
const LOG_FILE_PREFIX: &str = "agentdesk.log";

/// Two weeks of daily files; older ones are deleted when the log starts or rolls over.
const KEPT_LOG_FILES: usize = 14;

/// Lines the file writer may fall behind by before new ones are dropped (and counted as
/// dropped). tracing-appender's default, 128,000, is a channel allocated and initialised in
/// full at start: 4 MB resident for the life of the app (found with a catchpoint on mmap,
/// BENCHMARKS.md figure 6). 4,096 lines (128 KB) cover any burst at the default level; at
/// `debug` a sync of thousands of pages may drop lines rather than block the app.
const BUFFERED_LINES: usize = 4096;

/// Installs the global subscriber. Keep the guard alive for the life of the process, or
/// the file writer stops flushing. If the log directory cannot be created (or the file
/// opened) the app still runs, logging to stderr only, and says so once.
pub fn init(log_dir: &Path, to_stderr: bool) -> Option<WorkerGuard> {
    let filter = || {
        EnvFilter::try_from_env("AGENTDESK_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
    };
    // Colour only for a person at a terminal: in a pipe, a file or CI, escape codes are noise.
    let stderr_layer = to_stderr.then(|| {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
    });
    let appender = crate::paths::private_dir(log_dir)
        .map_err(Box::<dyn std::error::Error>::from)
        .and_then(|()| {
            let inner = RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix(LOG_FILE_PREFIX)
                .max_log_files(KEPT_LOG_FILES)
                .build(log_dir)
                .map_err(Box::<dyn std::error::Error>::from)?;
            let mut files = PrivateDailyFiles {
                dir: log_dir.to_path_buf(),
                day: None,
                inner,
            };
            // The appender just created today's file, empty: private before any line.
            files.narrow();
            Ok(files)
        });
    let (file_layer, guard, problem) = match appender {
        Ok(appender) => {
            let (writer, guard) = NonBlockingBuilder::default()
                .buffered_lines_limit(BUFFERED_LINES)
                .finish(appender);
            (
                Some(fmt::layer().with_writer(writer).with_ansi(false)),
                Some(guard),
                None,
            )
        }
        Err(err) => (None, None, Some(err)),
    };
    let _ = tracing_subscriber::registry()
        .with(filter())
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    if let Some(err) = problem {
        tracing::warn!(dir = %log_dir.display(), %err, "cannot write log files there; logging to stderr only");
    }
    guard
}

/// The name of the daily file for the current UTC date, as tracing-appender names it
/// (`agentdesk.log.YYYY-MM-DD`; it rolls over at midnight UTC).
pub fn todays_log_file(log_dir: &Path) -> PathBuf {
    let date = time::OffsetDateTime::now_utc().date();
    log_dir.join(format!(
        "{LOG_FILE_PREFIX}.{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

/// The rolling appender with each day's file private (0600): tracing-appender creates its
/// files with the umask's mode and has no option for it, so a day's file is narrowed as soon
/// as the appender has created it: at start before any line, and at the daily rollover right
/// after the new day's first line (in the 0700 log folder, so no other user can open it in
/// between). Creating the file first instead would make the appender keep one file fewer
/// when it prunes, since it counts what exists before it creates a day's file.
struct PrivateDailyFiles {
    dir: PathBuf,
    day: Option<time::Date>,
    inner: RollingFileAppender,
}

impl PrivateDailyFiles {
    /// Narrows today's file once per day, when it exists.
    fn narrow(&mut self) {
        let today = time::OffsetDateTime::now_utc().date();
        if self.day != Some(today) {
            let file = todays_log_file(&self.dir);
            if file.exists() && crate::paths::touch_private(&file).is_ok() {
                self.day = Some(today);
            }
        }
    }
}

impl Write for PrivateDailyFiles {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.narrow();
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
