//! Hello world: one window, one page; the page calls `ready` after its first frame, and with
//! `HELLO_READY_FILE` set the unix time in milliseconds is written there (as Agentdesk's
//! `mark_ready` does with `AGENTDESK_READY_FILE`).

#[tauri::command]
fn ready() {
    if let Some(path) = std::env::var_os("HELLO_READY_FILE") {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let _ = std::fs::write(path, ms.to_string());
    }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("the hello window failed to run");
}
