//! The headless CLI against the sandbox over real HTTP, with temporary data directories:
//! login, sync, status, search and logout behave as documented, exit codes tell failures
//! apart, a backfill killed with SIGKILL resumes and ends exact, and logout leaves no file of
//! the workspace behind.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use intercom_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

fn agentdesk(data: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentdesk"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("AGENTDESK_TOKEN")
        .env_remove("AGENTDESK_BASE_URL")
        // Tests never touch the user's keychain.
        .env("AGENTDESK_TOKEN_STORE", "file")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("agentdesk runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("agentdesk finishes")
}

/// The binary on `data` with the process's umask set to `umask` first (as a shell's `umask`
/// does), so the files' modes do not depend on the test runner's own umask.
fn command_with_umask(data: &Path, args: &[&str], umask: libc::mode_t) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentdesk"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("AGENTDESK_TOKEN")
        .env_remove("AGENTDESK_BASE_URL")
        .env("AGENTDESK_TOKEN_STORE", "file")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: umask is async-signal-safe and touches nothing of the parent.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(umask);
            Ok(())
        });
    }
    cmd
}

/// As [`agentdesk`], under `umask`.
fn agentdesk_with_umask(
    data: &Path,
    args: &[&str],
    umask: libc::mode_t,
    stdin: Option<&str>,
) -> Output {
    let mut child = command_with_umask(data, args, umask)
        .spawn()
        .expect("agentdesk runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("agentdesk finishes")
}

/// Every folder under `root` (itself included) that is not 0700 and every file that is not
/// 0600, with its mode.
fn not_private(root: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut wrong = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).expect("an entry of the data directory");
        let mode = meta.permissions().mode() & 0o777;
        let wanted = if meta.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            0o700
        } else {
            0o600
        };
        if mode != wanted {
            wrong.push(format!("{} {mode:o}", path.display()));
        }
    }
    wrong
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// View totals from the sandbox's truth, keyed like `status --json`'s views: each
/// conversation counted in the views the store's one membership rule puts it in.
fn truth_totals(truth: &Value, me: &str) -> Vec<(String, i64)> {
    use agentdesk_store::{Assignment, ConversationState, View};
    let convs = truth["conversations"].as_array().unwrap();
    let assigned = |c: &Value, k: &str| Some(id_of(&c[k])).filter(|id| !id.is_empty() && id != "0");
    let views = [
        View::Mine,
        View::Unassigned,
        View::AllOpen,
        View::Snoozed,
        View::Closed,
    ];
    views
        .iter()
        .map(|view| {
            let total = convs
                .iter()
                .filter(|c| {
                    let (admin, team) = (
                        assigned(c, "admin_assignee_id"),
                        assigned(c, "team_assignee_id"),
                    );
                    let Some(state) = ConversationState::parse(c["state"].as_str().unwrap_or(""))
                    else {
                        return false;
                    };
                    view.contains(
                        Assignment {
                            state,
                            admin_assignee_id: admin.as_deref(),
                            team_assignee_id: team.as_deref(),
                        },
                        me,
                    )
                })
                .count() as i64;
            (view.to_string(), total)
        })
        .collect()
}

fn status_totals(status: &Value) -> Vec<(String, i64)> {
    status["views"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v["id"].as_str().unwrap().starts_with("team:"))
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_string(),
                v["total"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn login_sync_status_search_logout() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            conversations: 200,
            contacts: 80,
            ..Default::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", sb.base_url()],
        &[],
        Some("wrong-token\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "a rejected token is an auth failure: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("Developer Hub"),
        "the message says where to get a new token: {}",
        text(&out)
    );
    assert!(
        !data.join("workspaces.json").exists(),
        "nothing is saved for a token that failed its check"
    );

    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", sb.base_url()],
        &[],
        Some(&format!("{}\n", sb.token())),
    );
    assert!(
        out.status.success(),
        "login with the sandbox token: {}",
        text(&out)
    );
    let token_files: Vec<_> = std::fs::read_dir(data.join("secrets")).unwrap().collect();
    assert_eq!(
        token_files.len(),
        1,
        "the token is stored once, in the private file store"
    );

    let before = sb.request_count();
    let out = agentdesk(data, &["sync", "--once"], &[], None);
    assert!(out.status.success(), "sync --once: {}", text(&out));
    let spent = sb.request_count() - before;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("requests by step: "))
        .unwrap_or_else(|| panic!("sync --once prints its requests per step: {stdout}"));
    for step in [
        "directory",
        "backfill",
        "tickets",
        "poll",
        "details",
        "contacts",
        "events",
        "outbox",
    ] {
        assert!(
            line.contains(&format!("{step} ")),
            "each step that ran is named with its requests: {line}"
        );
    }
    assert!(
        line.ends_with(&format!("({spent} in all)")),
        "the steps add up to the requests the server saw, so a runaway shows: {line}"
    );

    let out = agentdesk(data, &["status", "--json"], &[], None);
    assert!(out.status.success(), "status --json: {}", text(&out));
    let status: Value =
        serde_json::from_slice(&out.stdout).expect("status --json prints JSON only on stdout");
    let truth = sb.truth();
    assert_eq!(
        status_totals(&status),
        truth_totals(&truth, sb.admin_id()),
        "every view's total equals Intercom's"
    );
    assert_eq!(
        status["sync"]["conversations"],
        truth["conversations"].as_array().unwrap().len(),
        "every conversation is cached"
    );
    assert_eq!(status["outbox"]["pending"], 0, "nothing waits to be sent");
    for v in status["views"].as_array().unwrap() {
        for key in ["id", "name", "total", "unread"] {
            assert!(v.get(key).is_some(), "scripts rely on views[].{key}");
        }
    }

    let out = agentdesk(data, &["search", "invoice", "--json"], &[], None);
    assert!(out.status.success(), "search: {}", text(&out));
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = hits.as_array().unwrap();
    assert!(
        !hits.is_empty(),
        "the generated workspace has invoice questions"
    );
    assert!(
        hits.iter().all(|h| h["snippet"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["match"] == true)),
        "every hit marks what matched"
    );
    let out = agentdesk(
        data,
        &["search", "\"unbalanced AND ( OR *", "--json"],
        &[],
        None,
    );
    assert!(
        out.status.success(),
        "hostile search syntax is searched as words, never an error: {}",
        text(&out)
    );

    // Tag and priority filters (issue 14) answer what Intercom holds.
    let open: Vec<&Value> = truth["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "open")
        .collect();
    let tag = open
        .iter()
        .flat_map(|c| c["tags"]["tags"].as_array().into_iter().flatten())
        .next()
        .expect("some open conversation carries a tag");
    let tagged_id = tag["id"].as_str().unwrap().to_string();
    let name = tag["name"].as_str().unwrap().to_string();
    let ids_of = |out: &Output| -> Vec<String> {
        let rows: Value = serde_json::from_slice(&out.stdout).expect("list --json prints JSON");
        let mut ids: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut expected: Vec<String> = open
        .iter()
        .filter(|c| {
            c["tags"]["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["id"] == tagged_id.as_str())
        })
        .map(|c| id_of(&c["id"]))
        .collect();
    expected.sort();
    let out = agentdesk(
        data,
        &[
            "list",
            "--tag",
            &name.to_uppercase(),
            "--json",
            "--limit",
            "500",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "list --tag: {}", text(&out));
    assert_eq!(
        ids_of(&out),
        expected,
        "list --tag (its name in any case) lists the open conversations carrying it"
    );
    let mut expected: Vec<String> = open
        .iter()
        .filter(|c| c["priority"] == "priority")
        .map(|c| id_of(&c["id"]))
        .collect();
    expected.sort();
    let out = agentdesk(
        data,
        &["list", "--priority", "--json", "--limit", "500"],
        &[],
        None,
    );
    assert!(out.status.success(), "list --priority: {}", text(&out));
    assert_eq!(
        ids_of(&out),
        expected,
        "list --priority lists the open priority ones"
    );
    let out = agentdesk(data, &["list", "--tag", "no-such-tag"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown tag is a usage error"
    );
    assert!(
        text(&out).contains(&name),
        "the message lists the workspace's tags: {}",
        text(&out)
    );
    let out = agentdesk(
        data,
        &["search", "invoice", "--priority", "--json"],
        &[],
        None,
    );
    assert!(out.status.success(), "search --priority: {}", text(&out));
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
    let priority_ids: Vec<String> = truth["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["priority"] == "priority")
        .map(|c| id_of(&c["id"]))
        .collect();
    assert!(
        hits.as_array()
            .unwrap()
            .iter()
            .all(|h| priority_ids.contains(&h["conversationId"].as_str().unwrap().to_string())),
        "search --priority keeps priority conversations only: {hits}"
    );

    // Tickets (issue 14): the open ones Intercom has, a state filter, a bad state.
    let out = agentdesk(data, &["tickets", "--json", "--limit", "200"], &[], None);
    assert!(out.status.success(), "tickets: {}", text(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).expect("tickets --json prints JSON");
    let open_tickets = sb
        .ticket_ids()
        .iter()
        .filter_map(|id| sb.ticket(id))
        .filter(|t| t["ticket_state"]["category"] != "resolved")
        .count();
    assert_eq!(
        listed.as_array().unwrap().len(),
        open_tickets,
        "agentdesk tickets lists every open ticket Intercom has"
    );
    let out = agentdesk(
        data,
        &["tickets", "--state", "resolved", "--json"],
        &[],
        None,
    );
    let resolved: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        resolved
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "resolved"),
        "--state keeps that state only: {resolved}"
    );
    let out = agentdesk(data, &["tickets", "--state", "lost"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown state is a usage error"
    );
    let out = agentdesk(data, &["tickets", "--type", "no such type"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown type is a usage error"
    );
    assert!(
        text(&out).contains("Bug report"),
        "the message lists the workspace's types: {}",
        text(&out)
    );

    let out = agentdesk(data, &["logout"], &[], None);
    assert!(out.status.success(), "logout: {}", text(&out));
    let leftovers: Vec<_> = walk(data)
        .into_iter()
        .filter(|p| {
            !p.starts_with(data.join("logs"))
                && p.file_name().is_some_and(|n| n != "workspaces.json")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "logout leaves no cache, WAL, SHM or token file behind: {leftovers:?}"
    );
    let out = agentdesk(data, &["status"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "with no workspace, status is a usage error saying to log in: {}",
        text(&out)
    );
    rt.block_on(sb.shutdown());
}

/// Under umask 022 (files 0644, folders 0755 by default) every folder the app makes is 0700
/// and every file 0600, after a login (the workspace list, the token file), a sync (the
/// cache with its WAL and SHM files, the log) and a logout: another user of the computer
/// reads nothing of the customers' messages, names or emails, nor the token.
#[test]
fn files_are_private_whatever_the_umask() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            conversations: 40,
            contacts: 20,
            ..Default::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A data directory inside one that does not exist yet: the app creates both.
    let data = dir.path().join("profile").join("agentdesk");
    let out = agentdesk_with_umask(
        &data,
        &["login", "--token-stdin", "--base-url", sb.base_url()],
        0o022,
        Some(sb.token()),
    );
    assert!(out.status.success(), "login: {}", text(&out));
    assert!(
        data.join("secrets").is_dir() && data.join("workspaces.json").is_file(),
        "login wrote the token file and the workspace list (what this test checks)"
    );
    let wrong = not_private(&data);
    assert!(
        wrong.is_empty(),
        "after login, entries readable by other users: {wrong:?}"
    );

    let out = agentdesk_with_umask(&data, &["sync", "--once"], 0o022, None);
    assert!(out.status.success(), "sync --once: {}", text(&out));
    let wrong = not_private(&data);
    assert!(
        wrong.is_empty(),
        "after a sync, entries readable by other users (the cache holds customers' messages): {wrong:?}"
    );
    // A clean close removes the WAL and SHM files: look while a sync runs. The sync opens
    // the cache before its first request, so each request the sandbox serves is the moment
    // to look (no polling clock).
    let sidecars_of = |data: &Path| -> Vec<std::path::PathBuf> {
        walk(data)
            .into_iter()
            .filter(|p| {
                let name = p.to_string_lossy();
                name.ends_with(".sqlite3-wal") || name.ends_with(".sqlite3-shm")
            })
            .collect()
    };
    let before = sb.request_count();
    let mut running = command_with_umask(&data, &["sync"], 0o022)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("a continuous sync runs");
    rt.block_on(sb.wait_for_requests(
        "a running sync opens the cache in WAL mode and talks to Intercom",
        Duration::from_secs(60),
        |sb| sb.request_count() > before && sidecars_of(&data).len() == 2,
    ));
    let sidecars = sidecars_of(&data);
    let wrong = not_private(&data);
    // SIGTERM: the sync stops cleanly.
    // SAFETY: signalling our own child by its pid.
    unsafe {
        libc::kill(running.id() as libc::pid_t, libc::SIGTERM);
    }
    let _ = running.wait();
    assert!(
        wrong.is_empty(),
        "while a sync runs, entries readable by other users (the WAL and SHM files {sidecars:?} \
         hold pages of the cache): {wrong:?}"
    );
    let out = agentdesk_with_umask(&data, &["status"], 0o022, None);
    assert!(out.status.success(), "status: {}", text(&out));

    let out = agentdesk_with_umask(&data, &["logout"], 0o022, None);
    assert!(out.status.success(), "logout: {}", text(&out));
    let wrong = not_private(&data);
    assert!(
        wrong.is_empty(),
        "after logout, entries readable by other users: {wrong:?}"
    );
    rt.block_on(sb.shutdown());
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn bad_input_gets_exit_codes_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--region", "mars"],
        &[],
        Some("tok"),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown region is a usage error: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("us, eu or au"),
        "the message lists the regions"
    );
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", "ftp://example.com"],
        &[],
        Some("tok"),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a non-http base URL is refused: {}",
        text(&out)
    );
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", "http://127.0.0.1:1"],
        &[],
        Some("tok"),
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "nothing listening is a network failure: {}",
        text(&out)
    );
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", "http://127.0.0.1:1"],
        &[],
        Some("   \n"),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an empty token is refused before any request: {}",
        text(&out)
    );
    let out = agentdesk(data, &["sync", "--once"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "sync with no workspace says to log in: {}",
        text(&out)
    );
}

/// A backfill killed with SIGKILL at several points, then restarted: the cache ends exact
/// and the pages fetched again stay few.
#[test]
fn backfill_killed_with_sigkill_resumes_exact() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            conversations: 3_000,
            contacts: 300,
            latency: Duration::from_millis(20),
            ..Default::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", sb.base_url()],
        &[],
        Some(sb.token()),
    );
    assert!(out.status.success(), "login: {}", text(&out));

    let mut kills = 0;
    for kill_after_lines in [2, 4, 6] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .args(["sync", "--once", "--metadata-only", "--data-dir"])
            .arg(data)
            .env("AGENTDESK_TOKEN_STORE", "file")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut seen = 0;
        while let Some(Ok(line)) = lines.next() {
            if line.starts_with("backfill ") {
                seen += 1;
                if seen == kill_after_lines {
                    child.kill().expect("SIGKILL the sync");
                    kills += 1;
                    break;
                }
            }
        }
        let _ = child.wait();
    }
    assert!(kills >= 1, "at least one run was killed mid-backfill");
    let before = sb.request_count();
    let out = agentdesk(data, &["sync", "--once", "--metadata-only"], &[], None);
    assert!(
        out.status.success(),
        "the restarted sync completes: {}",
        text(&out)
    );
    let resumed_requests = sb.request_count() - before;

    let truth = sb.truth();
    let want: std::collections::BTreeMap<String, i64> = truth["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (id_of(&c["id"]), c["updated_at"].as_i64().unwrap()))
        .collect();
    let registry: Value =
        serde_json::from_slice(&std::fs::read(data.join("workspaces.json")).unwrap()).unwrap();
    let ws = &registry["workspaces"][0];
    let db = agentdesk_store::db_path(
        data,
        ws["id"].as_str().unwrap(),
        ws["adminId"].as_str().unwrap(),
    );
    let store = agentdesk_store::Store::open(&db).unwrap();
    assert_eq!(
        store.conversation_count().unwrap() as usize,
        want.len(),
        "every conversation is cached once: none missing, none duplicated"
    );
    for (id, updated_at) in &want {
        let cached = store.conversation_updated_at(id).unwrap();
        assert_eq!(
            cached,
            Some(*updated_at),
            "conversation {id} equals Intercom's after the kills"
        );
    }
    let minimum_pages = want.len().div_ceil(150) as u64;
    assert!(
        resumed_requests < minimum_pages,
        "the restart fetched {resumed_requests} requests; a full restart would need at least {minimum_pages}: it must resume, not start over"
    );
    rt.block_on(sb.shutdown());
}

/// `agentdesk reply` and `agentdesk close` (issue 22, item 8): each write goes through the
/// outbox and reaches Intercom once before the command returns; a typo queues nothing; with
/// Intercom unreachable the write waits in the outbox (exit 4, not lost) and the next sync
/// sends it, once.
#[test]
fn reply_and_close_from_the_command_line_are_sent_once() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(SandboxConfig {
            conversations: 40,
            contacts: 20,
            ..Default::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let out = agentdesk(
        data,
        &["login", "--token-stdin", "--base-url", sb.base_url()],
        &[],
        Some(&format!("{}\n", sb.token())),
    );
    assert!(out.status.success(), "login: {}", text(&out));
    let out = agentdesk(data, &["sync", "--once"], &[], None);
    assert!(out.status.success(), "sync: {}", text(&out));
    let open: Vec<String> = sb.truth()["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "open")
        .map(|c| id_of(&c["id"]))
        .take(3)
        .collect();
    let [a, b, c] = [&open[0], &open[1], &open[2]];
    let parts_with = |id: &str, needle: &str| -> usize {
        sb.truth()["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| id_of(&x["id"]) == id)
            .and_then(|x| {
                x["conversation_parts"]["conversation_parts"]
                    .as_array()
                    .cloned()
            })
            .unwrap_or_default()
            .iter()
            .filter(|p| p["body"].as_str().unwrap_or("").contains(needle))
            .count()
    };
    let state_of = |id: &str| -> String {
        sb.truth()["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| id_of(&x["id"]) == id)
            .map(|x| x["state"].as_str().unwrap_or("").to_owned())
            .unwrap_or_default()
    };

    let out = agentdesk(
        data,
        &["reply", a],
        &[],
        Some("We shipped the fix <today> & it works\n"),
    );
    assert!(out.status.success(), "reply: {}", text(&out));
    assert!(
        text(&out).contains(&format!("sent: reply to conversation {a}")),
        "it says the reply was sent: {}",
        text(&out)
    );
    assert_eq!(
        parts_with(a, "We shipped the fix &lt;today&gt; &amp; it works"),
        1,
        "the reply reached Intercom once, its text escaped as HTML"
    );
    let out = agentdesk(
        data,
        &["reply", "--note", a],
        &[],
        Some("internal: checked the logs"),
    );
    assert!(out.status.success(), "note: {}", text(&out));
    assert_eq!(
        parts_with(a, "internal: checked the logs"),
        1,
        "the note too"
    );

    let out = agentdesk(data, &["close", b, "no-such-conversation"], &[], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown id is a usage error: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("no-such-conversation") && text(&out).contains("nothing was queued"),
        "the message names the id and says nothing was queued: {}",
        text(&out)
    );
    assert_eq!(
        state_of(b),
        "open",
        "a typo among the ids closes none of them"
    );
    let out = agentdesk(data, &["reply", a], &[], Some("  \n"));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an empty message is refused: {}",
        text(&out)
    );
    let huge = format!("{}TAIL-OF-A-LONG-MESSAGE", "x".repeat(256 * 1024));
    let out = agentdesk(data, &["reply", a], &[], Some(&huge));
    assert_eq!(
        out.status.code(),
        Some(2),
        "a message over 256 KB is refused: {}",
        text(&out)
    );
    assert!(
        text(&out).contains("nothing was queued"),
        "it says nothing was sent rather than cutting the message short: {}",
        text(&out)
    );
    assert_eq!(
        parts_with(a, "xxxxxxxxxx"),
        0,
        "no part of it reached Intercom"
    );

    let out = agentdesk(data, &["close", b, c], &[], None);
    assert!(out.status.success(), "close: {}", text(&out));
    assert_eq!(
        (state_of(b), state_of(c)),
        ("closed".into(), "closed".into()),
        "both are closed in Intercom"
    );

    // Intercom unreachable: the reply waits in the outbox, and the next sync sends it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = agentdesk(
        data,
        &["reply", a],
        &[("AGENTDESK_BASE_URL", &nowhere)],
        Some("sent later"),
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "offline is a network failure: {}",
        text(&out)
    );
    assert!(
        text(&out).contains(&format!("queued: reply to conversation {a}"))
            && text(&out).contains("not lost"),
        "it says the reply waits and is not lost: {}",
        text(&out)
    );
    assert_eq!(
        parts_with(a, "sent later"),
        0,
        "nothing reached Intercom yet"
    );
    let out = agentdesk(data, &["sync", "--once"], &[], None);
    assert!(out.status.success(), "sync: {}", text(&out));
    assert_eq!(
        parts_with(a, "sent later"),
        1,
        "the next sync sent the waiting reply, once"
    );
    rt.block_on(sb.shutdown());
}
