//! Suite 6, secrets and logout: after a full sync with debug logging on, the access token is
//! in no file under the data, config, cache, state and log directories and in no output of
//! the process, except the one private token file the app falls back to when no keychain
//! service runs (as here: no session bus), which must be 0600; after logout, no cache, WAL,
//! SHM or token file of the workspace remains.

use std::os::unix::fs::PermissionsExt;

use agentdesk_reliability::cli::{walk, Cli};
use agentdesk_reliability::figures;
use intercom_sandbox::{Sandbox, SandboxConfig};
use rand::Rng;

const BIN: &str = env!("CARGO_BIN_EXE_agentdesk-under-test");

fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn the_token_is_in_no_file_or_output_and_logout_leaves_nothing() {
    let token = format!("tok_reliability_{:016x}", rand::thread_rng().gen::<u64>());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 51,
            conversations: 300,
            contacts: 90,
            tokens: vec![token.clone()],
            ..Default::default()
        }))
        .expect("the sandbox starts");
    let home = tempfile::tempdir().expect("a temp home");
    let h = home.path();
    let data = h.join("data");
    let mut app = Cli::new(BIN.as_ref(), &data).with_env("AGENTDESK_LOG", "debug");
    for (k, sub) in [
        ("HOME", ""),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ] {
        app = app.with_env(k, &h.join(sub).to_string_lossy());
    }

    let mut outputs = Vec::new();
    let out = app.login(sb.base_url(), &token);
    assert_eq!(out.code, Some(0), "login: {}", out.text());
    outputs.push(out.text());
    for args in [
        &["sync", "--once"][..],
        &["status", "--json"],
        &["status"],
        &["search", "invoice"],
        &["paths"],
    ] {
        let out = app.run(args, None);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.text());
        outputs.push(out.text());
    }
    let logs: Vec<_> = walk(&data.join("logs"));
    let log_bytes: u64 = logs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    assert!(
        log_bytes > 0,
        "debug logging wrote a log file, or this test checks nothing"
    );

    let needle = token.as_bytes();
    let mut found = Vec::new();
    let mut token_files = Vec::new();
    let files = walk(h);
    for p in &files {
        let bytes = std::fs::read(p).unwrap_or_default();
        let n = occurrences(&bytes, needle);
        if n == 0 {
            continue;
        }
        if p.starts_with(data.join("secrets")) && p.extension().is_some_and(|e| e == "token") {
            token_files.push(p.clone());
        } else {
            found.push((p.clone(), n * needle.len()));
        }
    }
    let output_bytes: usize = outputs
        .iter()
        .map(|o| occurrences(o.as_bytes(), needle) * needle.len())
        .sum();
    let file_bytes: usize = found.iter().map(|(_, b)| b).sum();
    assert_eq!(
        token_files.len(),
        1,
        "with no keychain service, the token lives in exactly one private file"
    );
    let mode = std::fs::metadata(&token_files[0])
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;

    // Logout.
    let out = app.run(&["logout"], None);
    assert_eq!(out.code, Some(0), "logout: {}", out.text());
    let left: Vec<_> = walk(&data)
        .into_iter()
        .filter(|p| !p.starts_with(data.join("logs")) && !p.ends_with("workspaces.json"))
        .collect();
    let registry = std::fs::read_to_string(data.join("workspaces.json")).unwrap_or_default();
    let token_after: usize = walk(h)
        .iter()
        .map(|p| occurrences(&std::fs::read(p).unwrap_or_default(), needle) * needle.len())
        .sum();
    figures::report(
        "secrets",
        &format!(
            "files scanned {}, log bytes {log_bytes}, token bytes found in files {file_bytes}, in process output {output_bytes}, token file mode {mode:o}; after logout: files of the workspace left {}, token bytes anywhere {token_after}",
            files.len(),
            left.len()
        ),
    );
    assert!(
        found.is_empty(),
        "the token must not be written anywhere but its private file: {found:?}"
    );
    assert_eq!(output_bytes, 0, "the token must never be printed");
    assert_eq!(mode, 0o600, "the token file is readable by its user only");
    assert!(
        left.is_empty(),
        "logout leaves no cache, WAL, SHM or token file behind: {left:?}"
    );
    assert_eq!(token_after, 0, "after logout the token is nowhere on disk");
    assert!(
        !registry.contains(sb.base_url()),
        "the registry forgets the workspace: {registry}"
    );
    rt.block_on(sb.shutdown());
}
