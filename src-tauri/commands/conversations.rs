//! Commands about conversations: counts, a view's page, the thread, read marks, the one on
//! screen, replies and actions (close, reopen, snooze, assign, tag, priority, attributes),
//! the workspace's tags, drafts, search, and the conversation
//! a link asked to open before the inbox listened.

use agentdesk_app::dto;
use agentdesk_app::outbox::{AssigneeArg, AttributeArg};
use agentdesk_app::{AppResult, AppState};
use tauri::State;

#[tauri::command]
pub(crate) async fn get_view_counts(state: State<'_, AppState>) -> AppResult<Vec<dto::ViewCount>> {
    state.view_counts().await
}

#[tauri::command]
pub(crate) async fn list_conversations(
    state: State<'_, AppState>,
    view: String,
    cursor: Option<String>,
    limit: usize,
    sort: Option<String>,
) -> AppResult<dto::ConversationPage> {
    state
        .list_conversations(&view, cursor.as_deref(), limit, sort.as_deref())
        .await
}

#[tauri::command]
pub(crate) async fn list_tags(state: State<'_, AppState>) -> AppResult<Vec<dto::Tag>> {
    state.tags().await
}

#[tauri::command]
pub(crate) async fn tag_item(
    state: State<'_, AppState>,
    kind: String,
    id: String,
    tag_id: String,
) -> AppResult<dto::OutboxItem> {
    state.tag_item(&kind, id, tag_id).await
}

#[tauri::command]
pub(crate) async fn untag_item(
    state: State<'_, AppState>,
    kind: String,
    id: String,
    tag_id: String,
) -> AppResult<dto::OutboxItem> {
    state.untag_item(&kind, id, tag_id).await
}

#[tauri::command]
pub(crate) async fn set_priority(
    state: State<'_, AppState>,
    id: String,
    priority: bool,
) -> AppResult<dto::OutboxItem> {
    state.set_priority(id, priority).await
}

#[tauri::command]
pub(crate) async fn update_conversation_attributes(
    state: State<'_, AppState>,
    id: String,
    attributes: Vec<AttributeArg>,
) -> AppResult<dto::OutboxItem> {
    state.update_conversation_attributes(id, attributes).await
}

#[tauri::command]
pub(crate) async fn get_conversation(
    state: State<'_, AppState>,
    id: String,
    load_images: bool,
) -> AppResult<dto::ConversationDetail> {
    state.conversation(&id, load_images).await
}

#[tauri::command]
pub(crate) async fn mark_read(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.mark_read(id).await
}

#[tauri::command]
pub(crate) async fn mark_unread(state: State<'_, AppState>, id: String) -> AppResult<()> {
    state.mark_unread(id).await
}

/// The conversation on screen (null when none): opening one refreshes it from Intercom once.
#[tauri::command]
pub(crate) async fn set_open_conversation(
    state: State<'_, AppState>,
    id: Option<String>,
) -> AppResult<()> {
    state.set_open_conversation(id).await;
    Ok(())
}

#[tauri::command]
pub(crate) async fn send_reply(
    state: State<'_, AppState>,
    conversation_id: String,
    body: String,
    kind: String,
) -> AppResult<dto::OutboxItem> {
    state.send_reply(conversation_id, &body, &kind).await
}

#[tauri::command]
pub(crate) async fn close_conversation(
    state: State<'_, AppState>,
    id: String,
) -> AppResult<dto::OutboxItem> {
    state.close_conversation(id).await
}

#[tauri::command]
pub(crate) async fn reopen_conversation(
    state: State<'_, AppState>,
    id: String,
) -> AppResult<dto::OutboxItem> {
    state.reopen_conversation(id).await
}

#[tauri::command]
pub(crate) async fn snooze_conversation(
    state: State<'_, AppState>,
    id: String,
    until: i64,
) -> AppResult<dto::OutboxItem> {
    state.snooze_conversation(id, until).await
}

#[tauri::command]
pub(crate) async fn assign_conversation(
    state: State<'_, AppState>,
    id: String,
    assignee: AssigneeArg,
) -> AppResult<dto::OutboxItem> {
    state.assign_conversation(id, assignee).await
}

#[tauri::command]
pub(crate) async fn search(
    state: State<'_, AppState>,
    query: String,
    limit: usize,
) -> AppResult<Vec<dto::SearchHit>> {
    state.search(query, limit).await
}

/// The conversation an `agentdesk://` link or a notification asked to open before the inbox
/// listened (a cold start with a link), or null. The inbox calls it once it listens for
/// `app://open-conversation`; later requests come as that event.
#[tauri::command]
pub(crate) fn take_pending_open(state: State<'_, AppState>) -> Option<dto::OpenConversation> {
    state.take_pending_open()
}

#[tauri::command]
pub(crate) async fn list_tickets(
    app: State<'_, AppState>,
    state: Option<String>,
    ticket_type_id: Option<String>,
    cursor: Option<String>,
    limit: usize,
) -> AppResult<dto::TicketPage> {
    app.list_tickets(
        state.as_deref(),
        ticket_type_id.as_deref(),
        cursor.as_deref(),
        limit,
    )
    .await
}

#[tauri::command]
pub(crate) async fn get_ticket(
    state: State<'_, AppState>,
    id: String,
    load_images: bool,
) -> AppResult<dto::TicketDetail> {
    state.ticket(&id, load_images).await
}

#[tauri::command]
pub(crate) async fn list_ticket_types(
    state: State<'_, AppState>,
) -> AppResult<Vec<dto::TicketType>> {
    state.ticket_types().await
}

#[tauri::command]
pub(crate) async fn update_ticket(
    app: State<'_, AppState>,
    id: String,
    state: Option<String>,
    attributes: Option<Vec<AttributeArg>>,
) -> AppResult<dto::OutboxItem> {
    app.update_ticket(id, state, attributes.unwrap_or_default())
        .await
}

#[tauri::command]
pub(crate) async fn reply_ticket(
    state: State<'_, AppState>,
    ticket_id: String,
    body: String,
    kind: String,
) -> AppResult<dto::OutboxItem> {
    state.reply_ticket(ticket_id, &body, &kind).await
}

#[tauri::command]
pub(crate) async fn save_draft(
    state: State<'_, AppState>,
    workspace_id: String,
    id: String,
    kind: String,
    text: String,
) -> AppResult<()> {
    state.save_draft(&workspace_id, id, &kind, text).await
}

#[tauri::command]
pub(crate) async fn list_drafts(
    state: State<'_, AppState>,
) -> AppResult<Vec<agentdesk_app::drafts::Draft>> {
    state.drafts().await
}
