//! The main window and the desktop around it: creating it with its guards (it never leaves
//! the app's own pages, opens no other window and downloads nothing), showing it, telling
//! the session when it is on screen, start at login, the display check before GTK starts,
//! and the WebKit settings Tauri does not expose.

use std::path::Path;

use agentdesk_app::{links, paths, AppState};
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Url, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_autostart::ManagerExt as _;

/// The label of the one main window (see tauri.conf.json).
pub(crate) const MAIN_WINDOW: &str = "main";

/// Creates the main window from its entry in tauri.conf.json (marked `"create": false`
/// there, so Tauri leaves it to this function), with:
///
/// - a navigation guard: the webview shows only the app's own pages
///   ([`links::is_app_page`]); a link's context menu, `location.href`, a form or a redirect
///   to anywhere else is refused before any request leaves. Links in messages open in the
///   system browser through `open_external` (the page catches their clicks), never here.
/// - a new-window guard: `window.open` and "Open Link in New Window" open nothing.
/// - no downloads ("Download Linked File" writes nothing anywhere).
/// - WebKit's storage in the private data directory (`paths::webview_dir`), not in
///   `$XDG_DATA_HOME` beside another profile's.
pub(crate) fn build_main_window(app: &AppHandle, data_dir: &Path) -> tauri::Result<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .ok_or(tauri::Error::WindowNotFound)?;
    let origins = app_origins(app);
    let webview_dir = std::path::absolute(paths::webview_dir(data_dir))?;
    paths::private_dir(&webview_dir)?;
    WebviewWindowBuilder::from_config(app, &config)?
        .data_directory(webview_dir)
        .on_navigation(move |url| {
            let allowed = links::is_app_page(url, &origins);
            if !allowed {
                // The scheme only: the rest of a URL may come from a customer's message.
                tracing::warn!(
                    scheme = url.scheme(),
                    "refused a navigation away from the app's pages"
                );
            }
            allowed
        })
        .on_new_window(|url, _features| {
            tracing::warn!(scheme = url.scheme(), "refused to open a new window");
            NewWindowResponse::Deny
        })
        .on_download(|_webview, _event| {
            tracing::warn!("refused a download");
            false
        })
        .build()
}

/// Where the app's own pages are: Tauri's custom protocol for the bundled UI, and in
/// development (`tauri dev`, no bundled UI) the dev server too.
fn app_origins(app: &AppHandle) -> Vec<Url> {
    // Linux and macOS serve the bundled UI at tauri://localhost; Windows at
    // http://tauri.localhost, which on Linux would be a name resolving to loopback.
    let bundled = if cfg!(windows) {
        "http://tauri.localhost"
    } else {
        "tauri://localhost"
    };
    let mut origins: Vec<Url> = Url::parse(bundled).into_iter().collect();
    if tauri::is_dev() {
        origins.extend(app.config().build.dev_url.clone());
    }
    origins
}

/// Tells the session whether the window is on screen (the engine polls slower while it is
/// hidden in the tray).
pub(crate) fn set_visible(app: &AppHandle, visible: bool) {
    let state = app.state::<AppState>().inner().clone();
    tauri::async_runtime::spawn(async move { state.set_window_visible(visible).await });
}

/// Start at login on or off (the autostart plugin writes the desktop entry).
pub(crate) fn set_autostart(app: &AppHandle, on: bool) {
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
pub(crate) fn missing_display() -> Option<String> {
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

/// Brings the window up: unminimized, shown, focused.
pub(crate) fn show_main_window(app: &AppHandle) {
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
pub(crate) fn limit_javascript_tiers() {
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
pub(crate) fn configure_webkit(window: &tauri::WebviewWindow) {
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
