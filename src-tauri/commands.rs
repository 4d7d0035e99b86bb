//! Tauri commands: the only surface the UI can call. Each is `verb_noun`, holds no SQL or
//! HTTP, and is listed in `src-tauri/build.rs` so a capability can grant it.

use tauri::State;

use crate::{app::AppState, dto::AppInfo};

/// Version and the directories in use, for the About line and bug reports.
#[tauri::command]
pub fn get_app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        name: "Agentdesk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: state.data_dir.display().to_string(),
        log_dir: crate::paths::log_dir(&state.data_dir).display().to_string(),
    }
}
