//! The desktop window: plugins (single instance, window state), the tray, closing to the
//! tray, and the command handlers. Only reached when the binary runs with no subcommand.

use std::path::PathBuf;

use tauri::{
    menu::{Menu, MenuItem},
    tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent},
    AppHandle, Manager, WindowEvent,
};

use crate::{cli::GlobalArgs, commands, exit, logging, paths};

/// State shared with commands.
pub struct AppState {
    pub data_dir: PathBuf,
}

/// The label of the one main window (see tauri.conf.json).
const MAIN_WINDOW: &str = "main";

/// Opens the window and runs the event loop; returns the exit code.
pub fn run_window(global: &GlobalArgs) -> i32 {
    if let Some(message) = missing_display() {
        eprintln!("{message}");
        return exit::OTHER;
    }
    let data_dir = paths::data_dir(global.data_dir.as_ref());
    let _log_guard = logging::init(&paths::log_dir(&data_dir), true);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "starting Agentdesk");

    let result = tauri::Builder::default()
        // Must be the first plugin: a second launch hands over to the running one and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .manage(AppState { data_dir })
        .invoke_handler(tauri::generate_handler![commands::get_app_info])
        .setup(|app| {
            build_tray(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window hides it to the tray; Quit in the tray menu ends the app.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == MAIN_WINDOW {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => exit::OK,
        Err(err) => {
            tracing::error!(%err, "the window could not start");
            eprintln!("error: Agentdesk could not start its window: {err}");
            exit::OTHER
        }
    }
}

/// On Linux, GTK aborts without a display; say what to do instead.
fn missing_display() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return None;
    }
    Some(
        "error: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open.\n\
         Run it under a virtual display:  xvfb-run -a agentdesk\n\
         The headless subcommands need no display: agentdesk --help"
            .to_string(),
    )
}

fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

fn build_tray(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Agentdesk", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &quit])?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("Agentdesk")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main_window(app),
            "quit" => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}
