//! Commands about the outbox: sending a refused item again, or discarding it.

use agentdesk_app::{AppResult, AppState};
use tauri::State;

#[tauri::command]
pub(crate) async fn retry_outbox(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.retry_outbox(&id).await
}

#[tauri::command]
pub(crate) async fn discard_outbox(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.discard_outbox(&id).await
}
