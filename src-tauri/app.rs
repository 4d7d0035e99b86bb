//! The desktop window: plugins (single instance first, deep links, window state, opener,
//! autostart), the tray, window events (focus, visibility, close to tray), the first session
//! (the active workspace, or the demo when none is configured) and a clean exit.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tauri::{AppHandle, Emitter, Manager, RunEvent, WindowEvent};
use tauri_plugin_autostart::ManagerExt as _;

use crate::session::{self, events, Shared};
use crate::{cli::GlobalArgs, commands, dto, exit, logging, notify::Notifier, paths};

/// The label of the one main window (see tauri.conf.json).
pub const MAIN_WINDOW: &str = "main";

/// Opens the window and runs the event loop; returns the exit code.
pub fn run_window(global: &GlobalArgs) -> i32 {
    limit_javascript_tiers();
    let data_dir = paths::data_dir(global.data_dir.as_ref());
    let _log_guard = logging::init(&paths::log_dir(&data_dir), true);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "starting Agentdesk");
    // After the log starts, so a start that found no display is in the log file too.
    if let Some(message) = missing_display() {
        tracing::warn!("no display: the window cannot open");
        eprintln!("{message}");
        return exit::OTHER;
    }
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
            let notifier = Arc::new(Notifier::new(move |conversation| {
                session::open_from_notification(&click_handle, conversation);
            }));
            app.manage(Shared::new(data_dir.clone(), notifier));
            app.manage(crate::tray::TrayState::default());
            crate::tray::build(&handle)?;
            let settings = app.state::<Shared>().settings();
            let hidden = settings.start_hidden || std::env::args().any(|a| a == "--hidden");
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                configure_webkit(&window);
                if hidden {
                    let _ = window.hide();
                } else {
                    let _ = window.show();
                }
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
                start_first_session(&handle).await;
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
                    if app.state::<Shared>().settings().close_to_tray =>
                {
                    api.prevent_close();
                    let _ = window.hide();
                    set_visible(app, false);
                }
                WindowEvent::Focused(focused) => {
                    app.state::<Shared>()
                        .window_focused
                        .store(*focused, Ordering::Relaxed);
                    if *focused {
                        set_visible(app, true);
                    }
                }
                _ => {}
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_app_info,
            commands::get_session,
            commands::open_demo,
            commands::check_token,
            commands::connect_workspace,
            commands::list_workspaces,
            commands::switch_workspace,
            commands::remove_workspace,
            commands::set_acting_admin,
            commands::logout,
            commands::get_view_counts,
            commands::list_conversations,
            commands::get_conversation,
            commands::mark_read,
            commands::mark_unread,
            commands::set_open_conversation,
            commands::send_reply,
            commands::close_conversation,
            commands::reopen_conversation,
            commands::snooze_conversation,
            commands::assign_conversation,
            commands::retry_outbox,
            commands::discard_outbox,
            commands::get_directory,
            commands::get_contact_panel,
            commands::track_event,
            commands::search,
            commands::get_settings,
            commands::update_settings,
            commands::list_saved_replies,
            commands::save_saved_reply,
            commands::delete_saved_reply,
            commands::sync_now,
            commands::get_status,
            commands::open_external,
            commands::mark_ready,
            commands::take_pending_open,
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
            tauri::async_runtime::block_on(session::close(handle));
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

/// The active workspace, or the demo when nothing is configured, so a first start shows a
/// living inbox. Failures land on the connect screen with their message.
async fn start_first_session(app: &AppHandle) {
    boot_first_session(app).await;
    app.state::<Shared>().first_boot.send_replace(true);
}

async fn boot_first_session(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let registry = match shared.registry.load() {
        Ok(r) => r,
        Err(message) => {
            tracing::warn!(%message, "cannot read the workspace list");
            return;
        }
    };
    let result = match registry.active().cloned() {
        Some(workspace) => session::boot_saved(app, workspace).await,
        None if registry.workspaces.is_empty()
            && std::env::var_os("AGENTDESK_NO_DEMO").is_none() =>
        {
            shared.demo_auto_opened.store(true, Ordering::Relaxed);
            session::boot_demo(app).await
        }
        None => return,
    };
    if let Err(err) = result {
        tracing::warn!(code = err.code, message = %err.message, "could not open the workspace");
        let _ = app.emit(events::SESSION, None::<dto::Session>);
    }
}

fn set_visible(app: &AppHandle, visible: bool) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(s) = app.state::<Shared>().session.lock().await.as_ref() {
            s.handle.set_visible(visible);
        }
    });
}

/// Routes an `agentdesk://` link to the UI, or logs why it was refused.
fn open_link(app: &AppHandle, link: &str) {
    match crate::deeplink::parse(link) {
        Ok(open) => {
            show_main_window(app);
            session::request_open(
                app,
                dto::OpenConversation {
                    id: open.id,
                    prefill: open.prefill,
                },
            );
        }
        Err(reason) => tracing::warn!(%reason, "ignored an agentdesk:// link"),
    }
}

/// Start at login on or off (the autostart plugin writes the desktop entry).
pub fn set_autostart(app: &AppHandle, on: bool) {
    let launcher = app.autolaunch();
    let result = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    if let Err(err) = result {
        tracing::warn!(%err, on, "could not change start at login");
    }
}

/// On Linux, GTK aborts without a display (tao panics when `gtk_init` fails); say what to do
/// instead. The variables alone are not enough: a `DISPLAY` left over from a closed session
/// or a stopped Xvfb names a server nobody answers, so GTK is initialised here, on the main
/// thread the event loop will use (tao's own `gtk::init()` then finds it done).
fn missing_display() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (display, wayland) = (var("DISPLAY"), var("WAYLAND_DISPLAY"));
        let problem = if display.is_none() && wayland.is_none() {
            "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set)".to_string()
        } else if gtk::init().is_err() {
            let named: Vec<String> = [("DISPLAY", display), ("WAYLAND_DISPLAY", wayland)]
                .into_iter()
                .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
                .collect();
            format!("no display answered at {}", named.join(", "))
        } else {
            return None;
        };
        Some(format!(
            "error: {problem}, so the window cannot open.\n\
             Run it under a virtual display:  xvfb-run -a agentdesk\n\
             The headless subcommands need no display: agentdesk --help"
        ))
    }
    #[cfg(not(target_os = "linux"))]
    None
}

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    set_visible(app, true);
}

/// The page's JavaScript runs in JavaScriptCore's interpreter and baseline JIT only. The
/// optimising tiers (DFG and FTL) compile the inbox's hot functions a second and a third
/// time, with compiler threads and code memory in the web process (5 MB measured at 100k
/// cached, BENCHMARKS.md figure 6), for a page whose work per event is small: a virtual list
/// of a few dozen rows and the JSON of one page of a view (view switching measured beside it,
/// figure 6b). The interpreter-only mode (`JSC_useJIT=false`) saves 10 MB but made switching
/// about 1.5 times slower, so the baseline JIT stays. A value already in the environment
/// wins. Called before Tauri starts any thread: the web process inherits the environment.
fn limit_javascript_tiers() {
    for var in ["JSC_useDFGJIT", "JSC_useFTLJIT"] {
        if std::env::var_os(var).is_none() {
            std::env::set_var(var, "false");
        }
    }
}

/// Two WebKit settings Tauri does not expose.
///
/// The cache model for a single page with no navigation: WebKit's default (web browser)
/// keeps caches of previously viewed pages and resources sized for browsing, which the inbox
/// never uses (it is one page, its assets are bundled, and remote images arrive as data URLs
/// fetched by the shell). WebKit documents this model as the one that "substantially"
/// reduces memory for applications without a browsing interface.
///
/// Hardware acceleration only where there is hardware: without a GPU render node
/// (`/dev/dri/renderD*`: virtual machines, remote desktops, Xvfb) Mesa's software
/// rasteriser stands in for the GPU, and WebKit's accelerated compositing then costs a
/// second copy of every layer in the web process (about 95 MB measured, BENCHMARKS.md
/// figure 6) and CPU for emulated GL, for nothing a CPU-drawn page lacks. With a render node
/// WebKit's own policy stays.
fn configure_webkit(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        let software_only = !has_gpu_render_node();
        let result = window.with_webview(move |webview| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = webview.inner();
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if software_only {
                if let Some(settings) = WebViewExt::settings(&view) {
                    settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                }
            }
        });
        match result {
            Ok(()) if software_only => {
                tracing::info!("no GPU render node: WebKit draws the page without GL compositing")
            }
            Ok(()) => {}
            Err(e) => tracing::debug!(error = %e, "could not configure WebKit"),
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// Whether this user can open a DRM render node, i.e. there is a GPU Mesa can draw with. A
/// node the user may not open (not in its group) leaves Mesa with the software rasteriser
/// too, so it counts as none.
#[cfg(target_os = "linux")]
fn has_gpu_render_node() -> bool {
    let Ok(entries) = std::fs::read_dir("/dev/dri") else {
        return false;
    };
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().starts_with("renderD")
            && std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(e.path())
                .is_ok()
    })
}
