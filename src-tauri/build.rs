//! Generates Tauri's context (config, embedded UI, capabilities) and the permission set of
//! the app's own commands: only the commands listed here can be granted to the UI.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(agentdesk_commands()));
    tauri_build::try_build(attributes).expect("tauri-build failed to generate the app context");
}

/// Every `#[tauri::command]` the shell registers, by name. Keep in step with
/// `src-tauri/commands.rs`; a command missing here cannot be invoked from the UI.
fn agentdesk_commands() -> &'static [&'static str] {
    &["get_app_info"]
}
