//! Generates Tauri's context (config, embedded UI, capabilities) and the permission set of
//! the app's own commands: only the commands listed here can be granted to the UI.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(agentdesk_commands()));
    tauri_build::try_build(attributes).expect("tauri-build failed to generate the app context");
}

/// Every `#[tauri::command]` the shell registers, by name. Keep in step with
/// `src-tauri/commands/` (and `generate_handler!` in `src-tauri/app.rs`); a command missing
/// here cannot be invoked from the UI.
fn agentdesk_commands() -> &'static [&'static str] {
    &[
        "get_app_info",
        "get_session",
        "open_demo",
        "check_token",
        "connect_workspace",
        "list_workspaces",
        "switch_workspace",
        "remove_workspace",
        "set_acting_admin",
        "logout",
        "get_view_counts",
        "list_conversations",
        "get_conversation",
        "mark_read",
        "mark_unread",
        "set_open_conversation",
        "send_reply",
        "close_conversation",
        "reopen_conversation",
        "snooze_conversation",
        "assign_conversation",
        "list_tags",
        "save_draft",
        "list_drafts",
        "tag_item",
        "untag_item",
        "set_priority",
        "update_conversation_attributes",
        "list_tickets",
        "get_ticket",
        "list_ticket_types",
        "update_ticket",
        "reply_ticket",
        "retry_outbox",
        "discard_outbox",
        "get_directory",
        "get_contact_panel",
        "track_event",
        "search",
        "get_settings",
        "update_settings",
        "list_saved_replies",
        "save_saved_reply",
        "delete_saved_reply",
        "sync_now",
        "get_status",
        "open_external",
        "mark_ready",
        "take_pending_open",
    ]
}
