//! Runs the real `agentdesk` binary headless, the way a user or a script does: its own
//! process, a temporary data directory, the token kept in the private file store
//! (`AGENTDESK_TOKEN_STORE=file`, never the user's keychain) and no session bus unless a test
//! gives one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The binary and data directory of one simulated installation.
#[derive(Debug, Clone)]
pub struct Cli {
    bin: PathBuf,
    data: PathBuf,
    env: Vec<(String, String)>,
}

/// What a finished run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// What it printed on stdout.
    pub stdout: String,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertion messages.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Cli {
    /// `bin` is the app binary (`env!("CARGO_BIN_EXE_agentdesk-under-test")`).
    pub fn new(bin: &Path, data: &Path) -> Cli {
        Cli {
            bin: bin.to_owned(),
            data: data.to_owned(),
            env: Vec::new(),
        }
    }

    /// Adds an environment variable to every run.
    pub fn with_env(mut self, key: &str, value: &str) -> Cli {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        &self.data
    }

    /// A command for `args` (with `--data-dir`), stdio piped.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_with(&self.bin, args)
    }

    /// The app binary under test.
    pub fn binary(&self) -> &std::path::Path {
        self.bin.as_ref()
    }

    /// Like [`Cli::command`], running a copy of the binary at `bin` (e.g. one another user
    /// can execute).
    pub fn command_with(&self, bin: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .env_remove("AGENTDESK_TOKEN")
            .env_remove("AGENTDESK_BASE_URL")
            .env_remove("AGENTDESK_DATA_DIR")
            .env("AGENTDESK_TOKEN_STORE", "file")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `args` to the end, feeding `stdin` if given.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut child = self.command(args).spawn().expect("the app binary starts");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin is piped")
                .write_all(input.as_bytes())
                .expect("write the app's stdin");
        }
        drop(child.stdin.take());
        child
            .wait_with_output()
            .expect("the app binary finishes")
            .into()
    }

    /// Starts `args` without waiting (stdin closed, output discarded), for kill tests.
    pub fn spawn_quiet(&self, args: &[&str]) -> Child {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.spawn().expect("the app binary starts")
    }

    /// `agentdesk login --token-stdin --base-url URL`.
    pub fn login(&self, base_url: &str, token: &str) -> Run {
        self.run(
            &["login", "--token-stdin", "--base-url", base_url],
            Some(&format!("{token}\n")),
        )
    }

    /// The active workspace's cache file, from `workspaces.json`.
    pub fn db_path(&self) -> PathBuf {
        let raw = std::fs::read(self.data.join("workspaces.json"))
            .expect("workspaces.json exists after a login");
        let registry: serde_json::Value =
            serde_json::from_slice(&raw).expect("workspaces.json is JSON");
        let ws = &registry["workspaces"][0];
        agentdesk_store::db_path(
            &self.data,
            ws["id"].as_str().expect("workspace id"),
            ws["adminId"].as_str().expect("workspace admin id"),
        )
    }
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
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
