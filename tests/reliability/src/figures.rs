//! Figures: each suite prints one `figure: <suite>: <text>` line to stdout (visible with
//! `--nocapture`), and appends it to the file named by `RELIABILITY_FIGURES` when set, which
//! is how `scripts/reliability/run.sh` collects them for RELIABILITY.md.

use std::io::Write;

/// Prints (and records) one figure line for `suite`.
pub fn report(suite: &str, text: &str) {
    let line = format!("figure: {suite}: {text}");
    println!("{line}");
    if let Some(path) = std::env::var_os("RELIABILITY_FIGURES") {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path);
        match file {
            Ok(mut f) => {
                let _ = writeln!(f, "{line}");
            }
            Err(e) => eprintln!("cannot append the figure to {path:?}: {e}"),
        }
    }
}

/// Whether the long variants run (`RELIABILITY_LONG=1`, set by `make reliability`).
pub fn long() -> bool {
    std::env::var("RELIABILITY_LONG").is_ok_and(|v| v == "1")
}

/// The seed of a randomized suite: `RELIABILITY_SEED` to replay a run, else fresh. Print it
/// in the figure so any failure can be replayed.
pub fn seed() -> u64 {
    std::env::var("RELIABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        })
}
