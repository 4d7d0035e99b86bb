//! Commands about workspaces and sessions: the open session, the demo, checking a token,
//! connecting, listing, switching, removing, acting as another admin, logging out.

use agentdesk_app::dto;
use agentdesk_app::workspaces::RegionSpec;
use agentdesk_app::{AppError, AppResult, AppState};
use tauri::State;

fn parse_region(region: &str) -> AppResult<RegionSpec> {
    RegionSpec::parse(region).map_err(AppError::invalid)
}

#[tauri::command]
pub(crate) async fn get_session(state: State<'_, AppState>) -> AppResult<Option<dto::Session>> {
    // At start-up the first session boots in the background; answer once it has.
    state
        .first_boot_done(std::time::Duration::from_secs(15))
        .await;
    Ok(state.current_if_any().await.map(|s| s.dto()))
}

#[tauri::command]
pub(crate) async fn open_demo(state: State<'_, AppState>) -> AppResult<dto::Session> {
    state.boot_demo().await
}

#[tauri::command]
pub(crate) async fn check_token(token: String, region: String) -> AppResult<dto::TokenCheck> {
    let region = parse_region(&region)?;
    let check = agentdesk_app::connect::check_token(&region, &token).await?;
    Ok(dto::TokenCheck::from(&check))
}

/// Checks the token again (never trust the UI's earlier check), stores it, and boots.
#[tauri::command]
pub(crate) async fn connect_workspace(
    state: State<'_, AppState>,
    token: String,
    region: String,
    admin_id: String,
) -> AppResult<dto::Session> {
    let region = parse_region(&region)?;
    state.connect(region, &token, &admin_id).await
}

#[tauri::command]
pub(crate) async fn list_workspaces(
    state: State<'_, AppState>,
) -> AppResult<Vec<dto::WorkspaceSummary>> {
    state.workspace_summaries().await
}

#[tauri::command]
pub(crate) async fn switch_workspace(
    state: State<'_, AppState>,
    id: String,
) -> AppResult<dto::Session> {
    state.switch_workspace(&id).await
}

#[tauri::command]
pub(crate) async fn remove_workspace(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.remove_workspace(&id).await
}

#[tauri::command]
pub(crate) async fn set_acting_admin(
    state: State<'_, AppState>,
    admin_id: String,
) -> AppResult<dto::Session> {
    state.set_acting_admin(&admin_id).await
}

#[tauri::command]
pub(crate) async fn logout(state: State<'_, AppState>, force: bool) -> AppResult<()> {
    state.logout(force).await
}
