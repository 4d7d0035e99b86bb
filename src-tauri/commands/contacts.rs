//! Commands about people: the directory of teammates and teams, a customer's panel, and
//! recording a data event on a customer.

use agentdesk_app::dto;
use agentdesk_app::outbox::MetadataPair;
use agentdesk_app::{AppResult, AppState};
use tauri::State;

#[tauri::command]
pub(crate) async fn get_directory(state: State<'_, AppState>) -> AppResult<dto::Directory> {
    state.directory().await
}

#[tauri::command]
pub(crate) async fn get_contact_panel(
    state: State<'_, AppState>,
    contact_id: String,
) -> AppResult<dto::ContactPanel> {
    state.contact_panel(&contact_id).await
}

#[tauri::command]
pub(crate) async fn track_event(
    state: State<'_, AppState>,
    contact_id: String,
    name: String,
    metadata: Vec<MetadataPair>,
) -> AppResult<dto::OutboxItem> {
    state.track_event(contact_id, &name, metadata).await
}
