//! The desktop app: plugins (single instance first, deep links, window state, opener,
//! autostart), the app state and the tray, window events (focus, visibility, close to tray),
//! the first session (the active workspace, or the demo when none is configured) and a
//! clean exit. What the app does lives in `agentdesk_app`; this wires it to Tauri.

use std::sync::Arc;

use agentdesk_app::cli::GlobalArgs;
use agentdesk_app::notify::Notifier;
use agentdesk_app::{exit, logging, paths, AppState};
use tauri::{AppHandle, Manager, RunEvent, WindowEvent};

use crate::events::TauriUi;
use crate::window::{self, show_main_window, MAIN_WINDOW};
use crate::{commands, tray};

/// Opens the window and runs the event loop; returns the exit code.
pub(crate) fn run_window(global: &GlobalArgs) -> i32 {
    window::limit_javascript_tiers();
    let data_dir = paths::data_dir(global.data_dir.as_ref());
    let _log_guard = logging::init(&paths::log_dir(&data_dir), true);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "starting Agentdesk");
    // After the log starts, so a start that found no display is in the log file too.
    if let Some(message) = window::missing_display() {
        tracing::warn!("no display: the window cannot open");
        eprintln!("{message}");
        return exit::OTHER;
    }
    let env_token = global.env_token.clone();
    let first_links: Vec<String> = std::env::args()
        .filter(|a| a.starts_with("agentdesk://"))
        .collect();

    let app = tauri::Builder::default()
        // Must be the first plugin: a second launch (or an agentdesk:// link) hands over to the
        // running one and exits.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            show_main_window(app);
            for link in argv.iter().filter(|a| a.starts_with("agentdesk://")) {
                open_link(app, link);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(window_state_plugin(&data_dir))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .setup(move |app| {
            let handle = app.handle().clone();
            let click_handle = handle.clone();
            // A click on a notification shows the window on that conversation (or the inbox):
            // the agent's own click, so the conversation is read.
            let notifier = Arc::new(Notifier::new(move |conversation| {
                show_main_window(&click_handle);
                if let Some(id) = conversation {
                    click_handle.state::<AppState>().request_open(
                        agentdesk_app::dto::OpenConversation {
                            id,
                            prefill: None,
                            from_link: false,
                        },
                    );
                }
            }));
            let state = AppState::new(
                data_dir.clone(),
                notifier,
                Arc::new(TauriUi::new(handle.clone())),
                env_token.clone(),
            );
            app.manage(state.clone());
            app.manage(tray::TrayState::default());
            tray::build(&handle)?;
            let hidden = state.settings().start_hidden || std::env::args().any(|a| a == "--hidden");
            // The window-state plugin keeps the mode of a file that exists (it truncates).
            let _ = paths::touch_private(&paths::window_state_file(&data_dir));
            if let Ok(config_dir) = app.path().app_config_dir() {
                // The plugin also creates this folder (empty, see window_state_plugin).
                let _ = paths::private_dir(&config_dir);
            }
            let window = window::build_main_window(&handle, &data_dir)?;
            window::configure_webkit(&window);
            if hidden {
                let _ = window.hide();
            } else {
                let _ = window.show();
            }
            #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
            {
                use tauri_plugin_deep_link::DeepLinkExt;
                let link_handle = handle.clone();
                app.deep_link().on_open_url(move |event| {
                    for url in event.urls() {
                        open_link(&link_handle, url.as_str());
                    }
                });
            }
            // SIGTERM (a logout of the desktop session, `kill`) and SIGINT end the app like Quit:
            // the session stops and the cache closes cleanly, so the next start needs no check.
            let exit_handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let (Ok(mut term), Ok(mut int)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                ) else {
                    return;
                };
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                tracing::info!("stopping on a signal");
                exit_handle.exit(0);
            });
            let links = first_links.clone();
            tauri::async_runtime::spawn(async move {
                state.start_first_session().await;
                for link in links {
                    open_link(&handle, &link);
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() != MAIN_WINDOW {
                return;
            }
            let app = window.app_handle();
            match event {
                WindowEvent::CloseRequested { api, .. }
                    if app.state::<AppState>().settings().close_to_tray =>
                {
                    api.prevent_close();
                    let _ = window.hide();
                    window::set_visible(app, false);
                }
                WindowEvent::Focused(focused) => {
                    app.state::<AppState>().set_window_focused(*focused);
                    if *focused {
                        window::set_visible(app, true);
                    }
                }
                _ => {}
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::get_app_info,
            commands::workspaces::get_session,
            commands::workspaces::open_demo,
            commands::workspaces::check_token,
            commands::workspaces::connect_workspace,
            commands::workspaces::list_workspaces,
            commands::workspaces::switch_workspace,
            commands::workspaces::remove_workspace,
            commands::workspaces::set_acting_admin,
            commands::workspaces::logout,
            commands::conversations::get_view_counts,
            commands::conversations::list_conversations,
            commands::conversations::get_conversation,
            commands::conversations::mark_read,
            commands::conversations::mark_unread,
            commands::conversations::set_open_conversation,
            commands::conversations::send_reply,
            commands::conversations::close_conversation,
            commands::conversations::reopen_conversation,
            commands::conversations::snooze_conversation,
            commands::conversations::assign_conversation,
            commands::conversations::list_tags,
            commands::conversations::save_draft,
            commands::conversations::list_drafts,
            commands::conversations::tag_item,
            commands::conversations::untag_item,
            commands::conversations::set_priority,
            commands::conversations::update_conversation_attributes,
            commands::conversations::list_tickets,
            commands::conversations::get_ticket,
            commands::conversations::list_ticket_types,
            commands::conversations::update_ticket,
            commands::conversations::reply_ticket,
            commands::outbox::retry_outbox,
            commands::outbox::discard_outbox,
            commands::contacts::get_directory,
            commands::contacts::get_contact_panel,
            commands::contacts::track_event,
            commands::conversations::search,
            commands::app::get_settings,
            commands::app::update_settings,
            commands::app::list_saved_replies,
            commands::app::save_saved_reply,
            commands::app::delete_saved_reply,
            commands::app::sync_now,
            commands::app::get_status,
            commands::app::open_external,
            commands::app::mark_ready,
            commands::conversations::take_pending_open,
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(%err, "the window could not start");
            eprintln!("error: Agentdesk could not start its window: {err}");
            return exit::OTHER;
        }
    };
    app.run(|handle, event| {
        if let RunEvent::ExitRequested { .. } | RunEvent::Exit = event {
            // Stop sync cleanly (the current transaction finishes), close the cache and the
            // notifications. Idempotent: the second call finds no session.
            let state = handle.state::<AppState>().inner().clone();
            tauri::async_runtime::block_on(state.close());
        }
    });
    exit::OK
}

/// The window-state plugin, keeping its file in the data directory like every other file of
/// ours, so profiles and tests given `--data-dir` do not share or overwrite the user's
/// `~/.config/dev.agentdesk.app/.window-state.json` (the plugin still creates that directory,
/// empty, before it writes). The plugin has no directory option: it
/// joins the file name to Tauri's config dir, and `Path::join` with an absolute path replaces
/// the base, so an absolute "file name" puts the file where we say (tests/e2e/tests/window.rs
/// checks it). A data directory that is not UTF-8 keeps the plugin's default place.
fn window_state_plugin(data_dir: &std::path::Path) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let builder = tauri_plugin_window_state::Builder::default();
    // Absolute even for a relative `--data-dir`, which would otherwise land under the base.
    let file = std::path::absolute(paths::window_state_file(data_dir))
        .ok()
        .and_then(|f| f.into_os_string().into_string().ok());
    match file {
        Some(file) => builder.with_filename(file),
        None => {
            tracing::warn!(data_dir = %data_dir.display(), "window state stays in the config directory");
            builder
        }
    }
    .build()
}

/// Routes an `agentdesk://` link to the UI, or logs why it was refused.
fn open_link(app: &AppHandle, link: &str) {
    match agentdesk_app::deeplink::parse(link) {
        Ok(open) => {
            show_main_window(app);
            app.state::<AppState>().request_open(open);
        }
        Err(reason) => tracing::warn!(%reason, "ignored an agentdesk:// link"),
    }
}
