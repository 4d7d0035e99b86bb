//! Commands about the app itself: its information, settings, saved replies, sync status,
//! "Sync now", opening a link in the browser, and the ready mark for benchmarks.

use agentdesk_app::dto::{self, AppInfo};
use agentdesk_app::settings::Settings;
use agentdesk_app::{AppError, AppResult, AppState};
use tauri::{AppHandle, State};

use crate::tray::TrayState;

/// Version and the directories in use, for the About line and bug reports.
#[tauri::command]
pub(crate) fn get_app_info(state: State<'_, AppState>, tray: State<'_, TrayState>) -> AppInfo {
    AppInfo {
        name: "Agentdesk".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: state.data_dir.display().to_string(),
        log_dir: agentdesk_app::paths::log_dir(&state.data_dir)
            .display()
            .to_string(),
        tray_tooltip: tray.tooltip(),
        last_crash: state.last_crash.clone(),
    }
}

#[tauri::command]
pub(crate) fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings()
}

/// Merges a partial update into the settings, validates, saves, and applies what applies
/// now; start at login is the desktop's, so it is applied here.
#[tauri::command]
pub(crate) async fn update_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: serde_json::Value,
) -> AppResult<Settings> {
    let change = state.update_settings(&settings).await?;
    if change.after.start_at_login != change.before.start_at_login {
        crate::window::set_autostart(&app, change.after.start_at_login);
    }
    Ok(change.after)
}

#[tauri::command]
pub(crate) fn list_saved_replies(state: State<'_, AppState>) -> Vec<dto::SavedReply> {
    agentdesk_app::saved_replies::load(&state.data_dir)
}

#[tauri::command]
pub(crate) fn save_saved_reply(
    state: State<'_, AppState>,
    reply: dto::SavedReply,
) -> AppResult<Vec<dto::SavedReply>> {
    agentdesk_app::saved_replies::save_one(&state.data_dir, reply).map_err(AppError::invalid)
}

#[tauri::command]
pub(crate) fn delete_saved_reply(
    state: State<'_, AppState>,
    id: String,
) -> AppResult<Vec<dto::SavedReply>> {
    agentdesk_app::saved_replies::delete(&state.data_dir, &id).map_err(AppError::internal)
}

#[tauri::command]
pub(crate) async fn sync_now(state: State<'_, AppState>) -> AppResult<()> {
    state.sync_now().await
}

#[tauri::command]
pub(crate) fn get_status(state: State<'_, AppState>) -> dto::SyncStatus {
    state.status()
}

/// Opens a link from a message in the system browser (web and mail links only:
/// `agentdesk_app::links`).
#[tauri::command]
pub(crate) fn open_external(app: AppHandle, url: String) -> AppResult<()> {
    let link = agentdesk_app::links::external(&url)?;
    use tauri_plugin_opener::OpenerExt;
    app.opener()
        .open_url(link.as_str(), None::<&str>)
        .map_err(|e| AppError::internal(format!("No browser could open the link: {e}")))
}

/// The UI calls this once its first screen is interactive; with `AGENTDESK_READY_FILE` set
/// (benchmarks), the time is written there in unix milliseconds.
#[tauri::command]
pub(crate) fn mark_ready() {
    if let Some(path) = std::env::var_os("AGENTDESK_READY_FILE") {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let _ = std::fs::write(path, ms.to_string());
    }
}
