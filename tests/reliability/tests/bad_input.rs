//! Suite 4, bad input: invalid, revoked, expired and read-only tokens; an unreachable region;
//! base URLs that are garbage or not http(s); a corrupt cache file; a cache folder without
//! write permission; a full disk (a file-size limit on the process); no keychain service.
//! Each case runs the real binary and must give a clear message naming the fix, an exit code
//! scripts can branch on, no crash, and lose nothing already stored. One test runs every
//! case and reports how many pass, then fails naming those that did not.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;

use agentdesk_reliability::cli::{Cli, Run};
use agentdesk_reliability::{cache, figures};
use agentdesk_store::{OutboxItem, OutboxKind, Store};
use intercom_sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_agentdesk-under-test");

type Outcome = Result<(), String>;

/// One bad-input case, run against the shared sandbox.
type Case<'a> = Box<dyn Fn() -> Outcome + 'a>;

/// Whether the full-disk case got a message naming the fix (see `full_disk`).
static FULL_DISK_MESSAGE_NAMES_FIX: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn check(ok: bool, why: impl Into<String>) -> Outcome {
    if ok {
        Ok(())
    } else {
        Err(why.into())
    }
}

/// Not a crash: an exit code of ours (0-4), not a panic (101) or a signal.
fn no_crash(run: &Run, what: &str) -> Outcome {
    check(
        matches!(run.code, Some(0..=4)),
        format!("{what} must end with one of the documented exit codes, not a crash: {run:?}"),
    )?;
    check(
        !run.stderr.contains("panicked"),
        format!("{what} must not panic: {}", run.stderr),
    )
}

fn config(tokens: &[&str], read_only: &[&str], port: u16) -> SandboxConfig {
    SandboxConfig {
        seed: 41,
        conversations: 120,
        contacts: 40,
        tokens: tokens.iter().map(|t| t.to_string()).collect(),
        read_only_tokens: read_only.iter().map(|t| t.to_string()).collect(),
        port,
        ..Default::default()
    }
}

fn synced(sb: &Sandbox, token: &str) -> (tempfile::TempDir, Cli) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    let login = app.login(sb.base_url(), token);
    assert_eq!(login.code, Some(0), "login: {}", login.text());
    let out = app.run(&["sync", "--once"], None);
    assert_eq!(out.code, Some(0), "first sync: {}", out.text());
    (dir, app)
}

fn truth_count(sb: &Sandbox) -> i64 {
    sb.truth()["conversations"].as_array().map_or(0, Vec::len) as i64
}

fn kept(app: &Cli, before: i64, what: &str) -> Outcome {
    let db = app.db_path();
    let now = cache::conversation_count(&db);
    check(
        now >= before,
        format!("{what}: {before} cached conversations before, {now} after: stored data was lost"),
    )?;
    let ic = cache::integrity_check(&db);
    check(ic == "ok", format!("{what}: integrity_check says {ic}"))
}

fn invalid_token(sb: &Sandbox) -> Outcome {
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    let out = app.login(sb.base_url(), "not-a-valid-token");
    no_crash(&out, "login with an invalid token")?;
    check(
        out.code == Some(3),
        format!("an invalid token is an auth failure (3): {out:?}"),
    )?;
    check(
        out.stderr.contains("Developer Hub"),
        format!("the message says where to get a new token: {}", out.stderr),
    )?;
    check(
        !dir.path().join("workspaces.json").exists(),
        "nothing is saved for a rejected token",
    )
}

fn revoked_token() -> Outcome {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(config(&["main", "revocable"], &[], 0)))
        .expect("sandbox");
    let port = sb
        .base_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let (_dir, app) = synced(&sb, "revocable");
    let before = cache::conversation_count(&app.db_path());
    rt.block_on(sb.shutdown());
    // The same Intercom, the token revoked in the Developer Hub.
    let sb = rt
        .block_on(Sandbox::start(config(&["main"], &[], port)))
        .expect("the sandbox restarts on its port");
    let out = app.run(&["sync", "--once"], None);
    no_crash(&out, "sync with a revoked token")?;
    check(
        out.code == Some(3),
        format!("a revoked token is an auth failure (3): {out:?}"),
    )?;
    check(
        out.stderr.contains("Developer Hub") || out.stderr.contains("agentdesk login"),
        format!(
            "the message says how to get or give a new token: {}",
            out.stderr
        ),
    )?;
    let status = app.run(&["status"], None);
    check(
        status.code == Some(0),
        format!("status still works offline from the cache: {status:?}"),
    )?;
    let r = kept(&app, before, "revoked token");
    rt.block_on(sb.shutdown());
    r
}

fn expired_token(sb: &Sandbox) -> Outcome {
    // Intercom answers an expired OAuth token like a revoked one (401); the override is how a
    // token that was valid at login and no longer is reaches the engine.
    let (_dir, app) = synced(sb, sb.token());
    let before = cache::conversation_count(&app.db_path());
    let app = app.with_env("AGENTDESK_TOKEN", "expired-token");
    let out = app.run(&["sync", "--once"], None);
    no_crash(&out, "sync with an expired token")?;
    check(
        out.code == Some(3),
        format!("an expired token is an auth failure (3): {out:?}"),
    )?;
    kept(&app, before, "expired token")
}

fn read_only_token(sb: &Sandbox) -> Outcome {
    let (_dir, app) = synced(sb, "reader");
    let db = app.db_path();
    let conv = sb.truth()["conversations"][0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    {
        let mut store = Store::open(&db).expect("the cache opens");
        store
            .enqueue(OutboxItem {
                conversation_id: conv.clone(),
                admin_id: sb.admin_id().into(),
                kind: OutboxKind::Reply {
                    body: "<p>from a read-only token</p>".into(),
                },
                client_uuid: agentdesk_sync::new_client_uuid(),
            })
            .expect("enqueue");
    }
    let out = app.run(&["sync", "--once"], None);
    no_crash(&out, "sync with a read-only token")?;
    check(
        out.code == Some(0),
        format!("reads go on with a read-only token: {out:?}"),
    )?;
    check(
        out.stderr.contains("refused"),
        format!("the run says an item was refused: {}", out.stderr),
    )?;
    let failed = Store::open(&db)
        .expect("the cache opens")
        .failed_items()
        .expect("failed items");
    check(
        failed.len() == 1,
        format!("the reply is marked failed, not dropped: {failed:?}"),
    )?;
    let reason = failed[0].last_error.clone().unwrap_or_default();
    check(
        reason.contains("write_conversations") || reason.contains("permission"),
        format!("the reason names the missing permission: {reason}"),
    )?;
    check(
        cache::conversation_count(&db) == truth_count(sb),
        "every conversation is still synced with a read-only token",
    )
}

fn bad_base_urls() -> Outcome {
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    for url in [
        "not a url",
        "ftp://example.com",
        "javascript:alert(1)",
        "http://",
        "file:///etc/passwd",
    ] {
        let out = app.login(url, "tok");
        no_crash(&out, &format!("login --base-url {url:?}"))?;
        check(
            out.code == Some(2),
            format!("a base URL of {url:?} is a usage error (2): {out:?}"),
        )?;
        check(
            out.stderr.to_lowercase().contains("url"),
            format!("the message for {url:?} is about the URL: {}", out.stderr),
        )?;
    }
    Ok(())
}

fn unreachable_region() -> Outcome {
    // A region whose API cannot be reached (this machine has no route to Intercom; for a
    // user, a wrong network or a proxy): a network failure (4) saying so.
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    let out = app.login("http://127.0.0.1:1", "tok");
    no_crash(&out, "login to an unreachable API")?;
    check(
        out.code == Some(4),
        format!("nothing listening is a network failure (4): {out:?}"),
    )
}

fn corrupt_cache(sb: &Sandbox) -> Outcome {
    let (dir, app) = synced(sb, sb.token());
    let db = app.db_path();
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend(std::iter::repeat_n(0xA5u8, 64 * 1024));
    std::fs::write(&db, garbage).expect("damage the cache");
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", db.display()));
    }
    let out = app.run(&["status"], None);
    no_crash(&out, "status on a corrupt cache")?;
    check(
        out.code == Some(0),
        format!("a corrupt cache does not stop the app: {out:?}"),
    )?;
    check(
        out.stderr.contains("damaged") && out.stderr.contains("rebuilt"),
        format!(
            "the app says the cache was damaged and will be rebuilt: {}",
            out.stderr
        ),
    )?;
    let moved = agentdesk_reliability::cli::walk(dir.path())
        .into_iter()
        .any(|p| p.to_string_lossy().contains(".corrupt-"));
    check(moved, "the damaged file is kept aside, not deleted")?;
    let out = app.run(&["sync", "--once"], None);
    check(
        out.code == Some(0),
        format!("the next sync rebuilds the cache: {out:?}"),
    )?;
    check(
        cache::conversation_count(&db) == truth_count(sb),
        "the rebuilt cache holds every conversation",
    )
}

/// Runs `args` as an unprivileged user when the suite runs as root (root ignores permission
/// bits), so a folder without write permission really is one.
fn run_unprivileged(app: &Cli, args: &[&str]) -> Run {
    // The build's target directory may sit in root's home (CI keeps it in ~/.cache), which the
    // unprivileged user cannot enter: run a copy from a place every user can reach.
    let copy = std::env::temp_dir().join(format!("agentdesk-unprivileged-{}", std::process::id()));
    std::fs::copy(app.binary(), &copy).expect("copy the app binary");
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("make the copy executable by everyone");
    let mut cmd = app.command_with(&copy, args);
    cmd.stdin(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("the app runs").into();
    let _ = std::fs::remove_file(&copy);
    out
}

fn chown_tree(path: &Path, uid: u32) {
    for p in std::iter::once(path.to_owned()).chain(agentdesk_reliability::cli::walk(path)) {
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).expect("a C path");
        // SAFETY: a valid NUL-terminated path.
        unsafe { libc::chown(c.as_ptr(), uid, uid) };
    }
    // Folders too (walk lists files only).
    fn dirs(p: &Path, uid: u32) {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                if e.path().is_dir() {
                    let c = std::ffi::CString::new(e.path().as_os_str().as_encoded_bytes())
                        .expect("a C path");
                    // SAFETY: a valid NUL-terminated path.
                    unsafe { libc::chown(c.as_ptr(), uid, uid) };
                    dirs(&e.path(), uid);
                }
            }
        }
    }
    dirs(path, uid);
}

fn read_only_cache_folder(sb: &Sandbox) -> Outcome {
    let (dir, app) = synced(sb, sb.token());
    let db = app.db_path();
    let before = cache::conversation_count(&db);
    sb.inject_new_conversation(None, "<p>something new to store</p>")
        .expect("a new conversation");
    // SAFETY: plain libc query.
    if unsafe { libc::geteuid() } == 0 {
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        chown_tree(dir.path(), 65534);
    }
    let folder = db.parent().expect("the cache folder").to_owned();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let out = run_unprivileged(&app, &["sync", "--once"]);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    no_crash(&out, "sync into a read-only cache folder")?;
    check(
        out.code != Some(0),
        format!("a cache that cannot be written is an error: {out:?}"),
    )?;
    check(
        out.stderr.contains("writable") || out.stderr.contains("read-only"),
        format!(
            "the message says to make the folder writable: {}",
            out.stderr
        ),
    )?;
    kept(&app, before, "read-only folder")?;
    let out = run_unprivileged(&app, &["sync", "--once"]);
    check(
        out.code == Some(0),
        format!("once writable again, sync works: {out:?}"),
    )?;
    check(
        cache::conversation_count(&db) == truth_count(sb),
        "and catches up with everything",
    )
}

fn full_disk(sb: &Sandbox) -> Outcome {
    let (_dir, app) = synced(sb, sb.token());
    let db = app.db_path();
    let before = cache::conversation_count(&db);
    for i in 0..60 {
        sb.inject_new_conversation(None, &format!("<p>message {i} {}</p>", "x".repeat(2_000)))
            .expect("a new conversation");
    }
    let mut cmd = app.command(&["sync", "--once"]);
    cmd.stdin(Stdio::null());
    // A file-size limit: any write past 16 KiB into a file fails (EFBIG), as on a full disk.
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 16 * 1024,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out: Run = cmd.output().expect("the app runs").into();
    no_crash(&out, "sync on a full disk")?;
    check(
        out.code != Some(0),
        format!("a full disk is an error: {out:?}"),
    )?;
    // A write refused with EFBIG (file-size limit) or EDQUOT (quota) reaches SQLite as
    // SQLITE_IOERR_WRITE; the store reports it like ENOSPC, naming the fix.
    let named = out.stderr.contains("disk is full") || out.stderr.contains("free some space");
    FULL_DISK_MESSAGE_NAMES_FIX.store(named, std::sync::atomic::Ordering::SeqCst);
    check(
        named,
        format!(
            "a full disk says so and names the fix (free some space): {}",
            out.stderr
        ),
    )?;
    kept(&app, before, "full disk")?;
    let out = app.run(&["sync", "--once"], None);
    check(
        out.code == Some(0),
        format!("with space again, sync works: {out:?}"),
    )?;
    check(
        cache::conversation_count(&db) == truth_count(sb),
        "and stores everything",
    )
}

fn no_keychain(sb: &Sandbox) -> Outcome {
    let dir = tempfile::tempdir().expect("a temp dir");
    let app = Cli::new(BIN.as_ref(), dir.path());
    let mut cmd = app.command(&["login", "--token-stdin", "--base-url", sb.base_url()]);
    // The keychain is asked first; with no session bus there is no Secret Service.
    cmd.env_remove("AGENTDESK_TOKEN_STORE");
    let mut child = cmd.spawn().expect("the app runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(sb.token().as_bytes())
            .expect("write the token");
    }
    let out: Run = child.wait_with_output().expect("login ends").into();
    no_crash(&out, "login with no keychain service")?;
    check(
        out.code == Some(0),
        format!("login works without a keychain: {out:?}"),
    )?;
    check(
        out.stdout.contains("No system keychain service"),
        format!("the app says where the token went instead: {}", out.stdout),
    )?;
    let files = agentdesk_reliability::cli::walk(&dir.path().join("secrets"));
    check(files.len() == 1, format!("one token file: {files:?}"))?;
    let mode = std::fs::metadata(&files[0])
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    check(
        mode == 0o600,
        format!("the token file is private (0600), not {mode:o}"),
    )?;
    let dmode = std::fs::metadata(dir.path().join("secrets"))
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    check(
        dmode == 0o700,
        format!("its folder is private (0700), not {dmode:o}"),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

#[test]
fn bad_input_gets_a_clear_message_no_crash_and_no_loss() {
    let rt = runtime();
    let sb = rt
        .block_on(Sandbox::start(config(&["main"], &["reader"], 0)))
        .expect("sandbox");
    let cases: Vec<(&str, Case)> = vec![
        ("invalid token", Box::new(|| invalid_token(&sb))),
        ("revoked token", Box::new(revoked_token)),
        ("expired token", Box::new(|| expired_token(&sb))),
        ("read-only token", Box::new(|| read_only_token(&sb))),
        ("garbage or non-http base URLs", Box::new(bad_base_urls)),
        ("unreachable API", Box::new(unreachable_region)),
        ("corrupt cache file", Box::new(|| corrupt_cache(&sb))),
        (
            "cache folder without write permission",
            Box::new(|| read_only_cache_folder(&sb)),
        ),
        ("full disk", Box::new(|| full_disk(&sb))),
        ("no keychain service", Box::new(|| no_keychain(&sb))),
    ];
    let mut failures = Vec::new();
    for (name, case) in &cases {
        if let Err(why) = case() {
            failures.push(format!("{name}: {why}"));
        }
    }
    figures::report(
        "bad input",
        &format!(
            "cases tried {}, cases passing {}{}",
            cases.len(),
            cases.len() - failures.len(),
            if failures.is_empty() {
                if FULL_DISK_MESSAGE_NAMES_FIX.load(std::sync::atomic::Ordering::SeqCst) {
                    String::new()
                } else {
                    " (full disk through a file-size limit: no crash, no loss, but the message is \"disk I/O error\" with no fix named; known gap)".to_string()
                }
            } else {
                format!(
                    " (failing: {})",
                    failures
                        .iter()
                        .map(|f| f.split(':').next().unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ),
    );
    let tried = cases.len();
    drop(cases);
    rt.block_on(sb.shutdown());
    assert!(
        failures.is_empty(),
        "every bad input must get a clear message, no crash and no loss ({} of {tried} failed):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
