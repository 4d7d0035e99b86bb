//! Agentdesk's desktop shell: parses the command line, then either runs a headless
//! subcommand (`agentdesk_app::cli`: no GTK, no display needed) or opens the Tauri window.
//!
//! The shell is thin on purpose and holds only what needs Tauri: app setup and plugins
//! (`app`), thin commands (`commands`), the tray (`tray`), the window (`window`), and the
//! one place that names UI events (`events`). What the app does lives in the Tauri-free
//! `agentdesk_app` crate, over the core crates under `crates/`.
//!
//! Modules depend one way: `app` on `commands`, `events`, `tray` and `window`; `commands`
//! and `events` on `tray` and `window`; `tray` on `window`.

mod app;
mod commands;
mod events;
mod tray;
mod window;

pub use agentdesk_app::exit;

/// Entry point of the binary; returns the process exit code.
pub fn run() -> i32 {
    // First of all, before any thread exists (see `EnvToken::take`): the token leaves the
    // environment, so the browser, file manager and WebKit processes the app starts never
    // inherit it.
    let env_token = agentdesk_app::secrets::EnvToken::take();
    limit_malloc_arenas();
    agentdesk_app::cli::run(env_token, app::run_window)
}

/// At most two glibc malloc arenas. By default glibc gives threads up to 8 arenas per core,
/// and this process has dozens of threads (tokio's workers and blocking pool, SQLite's
/// writer, GTK's and WebKit's); each arena keeps its own free pages, so sync's short-lived
/// allocations were spread over a dozen arenas that `malloc_trim` cannot fully empty
/// (measured: 4-5 MB less PSS at 100k cached; BENCHMARKS.md figure 6). Allocation here is
/// not contended enough for more arenas to pay. Set first thing, before any thread exists,
/// so every thread's allocations fall under it.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a tunable of glibc's allocator; called before any other
    // thread exists, so no allocation races with the change.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
