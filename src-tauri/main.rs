//! The `agentdesk` binary: the desktop window, or a headless subcommand. All of it lives in
//! the library so tests and the CLI share one code path.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    std::process::exit(agentdesk_lib::run());
}
