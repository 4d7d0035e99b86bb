//! The `agentdesk` binary, built inside this package so the suites can run, kill and restart
//! the real app as a separate process: its `main` is exactly `src-tauri/main.rs`'s.

fn main() {
    std::process::exit(agentdesk_lib::run());
}
