//! Where Agentdesk keeps its files: one data directory (caches, settings) and a log directory
//! inside it. `--data-dir` or `AGENTDESK_DATA_DIR` override it, which is how tests and
//! several side-by-side profiles stay apart.

use std::path::PathBuf;

/// The app identifier from tauri.conf.json; the default data directory is named after it.
pub const IDENTIFIER: &str = "dev.agentdesk.app";

/// The data directory: the override if given, else `$XDG_DATA_HOME/dev.agentdesk.app`
/// (the same place Tauri's `app_data_dir` resolves to on Linux).
pub fn data_dir(overridden: Option<&PathBuf>) -> PathBuf {
    if let Some(dir) = overridden {
        return dir.clone();
    }
    dirs::data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("agentdesk"))
        .join(IDENTIFIER)
}

/// Rolling log files live here.
pub fn log_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("logs")
}

/// The window-state plugin's file (size, position, maximized), in the data directory.
pub fn window_state_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("window-state.json")
}
