//! The command line: global options, and the headless subcommands that run without GTK or
//! a display (`agentdesk --help` lists them). With no subcommand the window opens.
//!
//! Exit codes: 0 ok, 2 usage, 3 auth, 4 network, 1 anything else, 101 a crash (see
//! [`crate::exit`]).

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};
use serde_json::json;

use crate::connect::{self, ConnectError};
use crate::secrets::{EnvToken, TokenStore};
use crate::workspaces::{RegionSpec, Registry, RegistryFile, Workspace};
use crate::{exit, paths};

#[derive(Debug, Parser)]
#[command(
    name = "agentdesk",
    version,
    about = "A desktop inbox for Intercom support agents",
    long_about = "A desktop inbox for Intercom support agents.\n\n\
        With no subcommand, opens the window (it needs a display; under no display, run it \
        with `xvfb-run -a agentdesk`). The subcommands run headless.\n\n\
        Exit codes: 0 ok, 1 other error, 2 usage, 3 authentication, 4 network, \
        101 a crash (a bug: the log has the report)."
)]
// Not `args_conflicts_with_subcommands`: that makes clap read a subcommand's name as the LINK
// once any option came before it, so `agentdesk --data-dir D status` opened the window.
// Subcommand names take precedence over the LINK; `Cli::parse_args` refuses the two together.
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    /// Start with the window hidden in the tray.
    #[arg(long)]
    hidden: bool,
    /// An agentdesk://conversation/<id>?prefill=TEXT link to open.
    #[arg(value_name = "LINK")]
    link: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

impl Cli {
    /// Parses the process's arguments. The LINK and `--hidden` belong to the window, so beside
    /// a subcommand they are a usage error rather than silently ignored.
    fn parse_args() -> Result<Cli, clap::Error> {
        let cli = Cli::try_parse()?;
        if cli.command.is_some() && (cli.link.is_some() || cli.hidden) {
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "a LINK and --hidden open the window; they cannot be combined with a subcommand",
            ));
        }
        Ok(cli)
    }
}

/// Parses the process's arguments and runs what they ask: a headless subcommand here, or,
/// with none, `open_window` (the shell's, with the global options); returns the exit code.
/// `--help` and `--version` print and exit 0; a usage error exits 2. `env_token` is
/// `AGENTDESK_TOKEN`, already taken out of the environment by `main` ([`EnvToken::take`]).
pub fn run(env_token: EnvToken, open_window: impl FnOnce(&GlobalArgs) -> i32) -> i32 {
    let mut args = match Cli::parse_args() {
        Ok(args) => args,
        Err(err) => {
            // --help and --version are "errors" to clap but successes to the user.
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = err.print();
            return code;
        }
    };
    args.global.env_token = env_token;
    // Before anything else writes: the data directory is private, and a panic from here on
    // is reported (crate::crash).
    let data_dir = paths::data_dir(args.global.data_dir.as_ref());
    if let Err(err) = paths::prepare_data_dir(&data_dir) {
        eprintln!(
            "warning: cannot make {} private to your user: {err}",
            data_dir.display()
        );
    }
    crate::crash::install(&data_dir);
    crate::crash::test_trigger();
    match args.command {
        Some(command) => run_headless(command, &args.global),
        None => open_window(&args.global),
    }
}

/// Narrowing a list or a search by tag and priority.
#[derive(Debug, Args)]
struct FilterArgs {
    /// Only conversations carrying this tag (its name, any case, or its id).
    #[arg(long)]
    tag: Option<String>,
    /// Only conversations marked priority.
    #[arg(long)]
    priority: bool,
}

/// Options every subcommand and the window accept.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where caches, settings and logs live (default: $XDG_DATA_HOME/dev.agentdesk.app).
    #[arg(long, global = true, env = "AGENTDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `AGENTDESK_TOKEN`, taken out of the environment at start-up: it overrides the stored
    /// token of the active workspace.
    #[arg(skip)]
    pub env_token: EnvToken,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Connect a workspace: check the token with Intercom, store it, make the workspace active.
    Login(LoginArgs),
    /// Sync the active workspace into the local cache: the first run backfills every
    /// conversation (resuming where an interrupted run stopped), later runs fetch changes.
    Sync {
        /// One complete pass (backfill, changes, details, contacts, outbox), then exit.
        /// Without it, keep syncing until Ctrl-C.
        #[arg(long)]
        once: bool,
        /// Stop after the conversation backfill (to time it on its own). Implies --once.
        #[arg(long)]
        metadata_only: bool,
    },
    /// Show the active workspace's views (totals, unread), sync state and outbox.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// List a view's conversations from the local cache (works offline), newest first.
    List {
        /// The view: mine, unassigned, team:<id>, all_open, snoozed or closed.
        #[arg(long, default_value = "all_open")]
        view: String,
        #[command(flatten)]
        filter: FilterArgs,
        /// Priority conversations first, each group newest first.
        #[arg(long)]
        priority_first: bool,
        #[arg(long)]
        json: bool,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// List tickets from the local cache (works offline): open ones, newest activity first.
    Tickets {
        /// Only tickets in this state: submitted, in_progress, waiting_on_customer or resolved.
        #[arg(long)]
        state: Option<String>,
        /// Only tickets of this type (its id, or its name in any case).
        #[arg(long = "type")]
        ticket_type: Option<String>,
        #[arg(long)]
        json: bool,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Full-text search over the local cache (works offline).
    Search {
        /// Words to look for.
        query: String,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Reply to a cached conversation, or add a note with --note; the text is read from
    /// standard input. Sent before the command returns when Intercom answers; otherwise it
    /// waits in the outbox for the next `agentdesk sync` or the app (exit code 4).
    Reply {
        /// The conversation's id.
        id: String,
        /// An internal note for teammates instead of a reply the customer sees.
        #[arg(long)]
        note: bool,
    },
    /// Close cached conversations, each through the outbox (sent as `reply` is).
    Close {
        /// The conversations' ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Log out of the active workspace: delete its cache and token.
    Logout {
        /// Log out even if replies or actions are still waiting to be sent (they are lost).
        #[arg(long)]
        force: bool,
    },
    /// Print where Agentdesk keeps its data and logs.
    Paths,
}

#[derive(Debug, Args)]
struct LoginArgs {
    /// Read the access token from standard input (or set AGENTDESK_TOKEN).
    #[arg(long)]
    token_stdin: bool,
    /// The workspace's region: us, eu or au.
    #[arg(long, default_value = "us", conflicts_with = "base_url")]
    region: String,
    /// A custom API base URL instead of a region (e.g. the sandbox).
    #[arg(long, env = "AGENTDESK_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// Act as this admin (default: the token's own admin).
    #[arg(long, value_name = "ID")]
    admin: Option<String>,
}

/// A failed subcommand: the message for stderr and the exit code.
#[derive(Debug)]
struct CliError {
    message: String,
    code: i32,
}

impl CliError {
    fn other(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: exit::OTHER,
        }
    }
    fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            code: exit::USAGE,
        }
    }
}

impl From<ConnectError> for CliError {
    fn from(e: ConnectError) -> CliError {
        CliError {
            code: e.exit_code(),
            message: e.message,
        }
    }
}

impl From<agentdesk_store::StoreError> for CliError {
    fn from(e: agentdesk_store::StoreError) -> CliError {
        CliError::other(e.to_string())
    }
}

/// Runs a headless subcommand and returns the exit code.
fn run_headless(command: Command, global: &GlobalArgs) -> i32 {
    // Like other command-line tools, end quietly when the reader of our output goes away
    // (`agentdesk status --json | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let data_dir = paths::data_dir(global.data_dir.as_ref());
    // Logs go to the file only, so stdout stays clean for --json and scripts.
    let _guard = crate::logging::init(&paths::log_dir(&data_dir), false);
    if let Some(report) = crate::crash::take_last(&data_dir) {
        tracing::warn!(at = report.at, thread = %report.thread, "the last run stopped unexpectedly");
        eprintln!("warning: {}", report.describe());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::OTHER;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Login(args) => login(&data_dir, &global.env_token, args).await,
            Command::Sync {
                once,
                metadata_only,
            } => {
                sync(
                    &data_dir,
                    &global.env_token,
                    once || metadata_only,
                    metadata_only,
                )
                .await
            }
            Command::Status { json } => status(&data_dir, json),
            Command::List {
                view,
                filter,
                priority_first,
                json,
                limit,
            } => list(&data_dir, &view, &filter, priority_first, json, limit),
            Command::Tickets {
                state,
                ticket_type,
                json,
                limit,
            } => tickets(
                &data_dir,
                state.as_deref(),
                ticket_type.as_deref(),
                json,
                limit,
            ),
            Command::Search {
                query,
                filter,
                json,
                limit,
            } => search(&data_dir, &query, &filter, json, limit),
            Command::Reply { id, note } => {
                let body = read_message()?;
                let kind = crate::outbox::reply(&body, if note { "note" } else { "comment" })
                    .map_err(|e| CliError::usage(e.message))?;
                write(&data_dir, &global.env_token, vec![(id, kind)]).await
            }
            Command::Close { ids } => {
                let items = ids
                    .into_iter()
                    .map(|id| (id, agentdesk_store::OutboxKind::Close))
                    .collect();
                write(&data_dir, &global.env_token, items).await
            }
            Command::Logout { force } => logout(&data_dir, force),
            Command::Paths => {
                println!("data: {}", data_dir.display());
                println!("logs: {}", paths::log_dir(&data_dir).display());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => exit::OK,
        Err(err) => {
            eprintln!("error: {}", err.message);
            err.code
        }
    }
}

fn read_token(env_token: &EnvToken, from_stdin: bool) -> Result<String, CliError> {
    if let Some(token) = env_token.get() {
        return Ok(token.to_string());
    }
    if !from_stdin {
        return Err(CliError::usage(
            "no access token given: pipe it in with --token-stdin, or set AGENTDESK_TOKEN",
        ));
    }
    let mut token = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut token)
        .map_err(|e| CliError::usage(format!("cannot read the token from standard input: {e}")))?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(CliError::usage("standard input held no access token"));
    }
    Ok(token)
}

async fn login(data_dir: &Path, env_token: &EnvToken, args: LoginArgs) -> Result<(), CliError> {
    let region = match &args.base_url {
        Some(url) => RegionSpec::Custom(url.clone()),
        None => RegionSpec::parse(&args.region).map_err(CliError::usage)?,
    };
    let token = read_token(env_token, args.token_stdin)?;
    // The same flow as the window's connect screen.
    let connect::Login {
        workspace,
        token_location: location,
    } = connect::login(
        &TokenStore::new(data_dir),
        &RegistryFile::new(data_dir),
        region,
        &token,
        args.admin.as_deref(),
    )
    .await?;
    println!(
        "Logged in to {} ({}) as {} ({}).",
        workspace.name, workspace.id, workspace.admin_name, workspace.admin_id
    );
    println!("{}", location.describe());
    Ok(())
}

/// The active workspace, or a message saying how to add one.
fn active_workspace(data_dir: &Path) -> Result<(RegistryFile, Registry, Workspace), CliError> {
    let file = RegistryFile::new(data_dir);
    let registry = file.load().map_err(CliError::other)?;
    let workspace = registry.active().cloned().ok_or_else(|| {
        CliError::usage(format!(
            "no workspace is connected in {}: run `agentdesk login --token-stdin` first",
            data_dir.display()
        ))
    })?;
    Ok((file, registry, workspace))
}

fn open_cache(data_dir: &Path, workspace: &Workspace) -> Result<agentdesk_store::Store, CliError> {
    let path = agentdesk_store::db_path(data_dir, &workspace.id, &workspace.admin_id);
    let store = agentdesk_store::Store::open(&path)?;
    if let agentdesk_store::OpenOutcome::Rebuilt { moved_to, .. } = store.open_outcome() {
        eprintln!(
            "warning: the cache was damaged; it was moved to {} and will be rebuilt from Intercom by the next sync",
            moved_to.display()
        );
    }
    Ok(store)
}

/// The client for the active workspace: `AGENTDESK_TOKEN` / `AGENTDESK_BASE_URL` override the
/// stored token and region.
fn workspace_client(
    data_dir: &Path,
    env_token: &EnvToken,
    workspace: &Workspace,
) -> Result<intercom::Client, CliError> {
    let token = match env_token.get() {
        Some(token) => token.to_string(),
        None => TokenStore::new(data_dir)
            .load(&workspace.id)
            .map_err(CliError::other)?
            .ok_or_else(|| CliError {
                code: exit::AUTH,
                message: format!(
                    "no access token is stored for {}: run `agentdesk login --token-stdin` again",
                    workspace.name
                ),
            })?,
    };
    let region = match std::env::var("AGENTDESK_BASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => RegionSpec::Custom(url),
        None => workspace.region.clone(),
    };
    Ok(connect::client(&region, &token)?)
}

/// The text of `agentdesk reply`, from standard input (at most 256 KB: a longer one is
/// refused whole, never cut short and sent).
fn read_message() -> Result<String, CliError> {
    const MAX: u64 = 256 * 1024;
    let mut text = String::new();
    std::io::stdin()
        .take(MAX + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            CliError::usage(format!("cannot read the message from standard input: {e}"))
        })?;
    if text.len() as u64 > MAX {
        return Err(CliError::usage(
            "the message is longer than 256 KB; nothing was queued",
        ));
    }
    if text.trim().is_empty() {
        return Err(CliError::usage(
            "nothing to send: pipe the message's text into `agentdesk reply`",
        ));
    }
    Ok(text)
}

/// Queues `items` (conversation id, write) in the outbox, each exactly once (its own client
/// uuid), then sends the outbox. Says what became of each: sent, refused (with Intercom's
/// reason) or waiting (offline). Every id is checked before anything is queued, so a typo
/// queues nothing.
async fn write(
    data_dir: &Path,
    env_token: &EnvToken,
    items: Vec<(String, agentdesk_store::OutboxKind)>,
) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let mut store = open_cache(data_dir, &workspace)?;
    for (id, _) in &items {
        crate::ids::check(id, "conversation").map_err(|e| CliError::usage(e.message))?;
        if store.conversation(id)?.is_none() {
            return Err(CliError::usage(format!(
                "conversation {id} is not in the local cache: run `agentdesk sync --once` first (nothing was queued)"
            )));
        }
    }
    let mut queued = Vec::with_capacity(items.len());
    for (id, kind) in items {
        let what = kind_label(&kind);
        let outbox_id = store.enqueue(agentdesk_store::OutboxItem {
            conversation_id: id.clone(),
            admin_id: workspace.admin_id.clone(),
            kind,
            client_uuid: agentdesk_sync::new_client_uuid(),
        })?;
        queued.push((outbox_id, id, what));
    }
    drop(store);
    let config = agentdesk_sync::EngineConfig::new(workspace.admin_id.clone());
    let client = workspace_client(data_dir, env_token, &workspace)?;
    let path = agentdesk_store::db_path(data_dir, &workspace.id, &workspace.admin_id);
    let sent = agentdesk_sync::send_outbox(client, open_cache(data_dir, &workspace)?, config).await;
    let store = agentdesk_store::Store::open(&path)?;
    let (mut refused, mut waiting) = (0, 0);
    for (outbox_id, id, what) in &queued {
        match store.outbox_item(*outbox_id)? {
            Some(e) if e.status == agentdesk_store::OutboxStatus::Sent => {
                println!("sent: {what} conversation {id}");
            }
            Some(e) if e.status == agentdesk_store::OutboxStatus::Failed => {
                refused += 1;
                eprintln!(
                    "refused: {what} conversation {id}: {}",
                    e.last_error.as_deref().unwrap_or("Intercom refused it")
                );
            }
            _ => {
                waiting += 1;
                println!("queued: {what} conversation {id} (sent by the next `agentdesk sync` or the app)");
            }
        }
    }
    match sent {
        Err(e) if waiting > 0 => Err(CliError {
            message: format!("{waiting} item(s) wait in the outbox, not lost: {e}"),
            ..sync_error(e)
        }),
        Err(e) => Err(sync_error(e)),
        Ok(_) if refused > 0 => Err(CliError::other(format!(
            "{refused} item(s) were refused by Intercom; `agentdesk status` lists them"
        ))),
        Ok(_) if waiting > 0 => Err(CliError {
            code: exit::NETWORK,
            message: format!("{waiting} item(s) wait in the outbox, not lost"),
        }),
        Ok(_) => Ok(()),
    }
}

fn kind_label(kind: &agentdesk_store::OutboxKind) -> &'static str {
    match kind {
        agentdesk_store::OutboxKind::Note { .. } => "note on",
        agentdesk_store::OutboxKind::Reply { .. } => "reply to",
        agentdesk_store::OutboxKind::Close => "close",
        _ => "write to",
    }
}

fn sync_error(e: agentdesk_sync::SyncError) -> CliError {
    let code = match e.kind() {
        agentdesk_sync::ErrorClass::Auth => exit::AUTH,
        agentdesk_sync::ErrorClass::Network => exit::NETWORK,
        agentdesk_sync::ErrorClass::Other => exit::OTHER,
    };
    CliError {
        code,
        message: e.to_string(),
    }
}

async fn sync(
    data_dir: &Path,
    env_token: &EnvToken,
    once: bool,
    metadata_only: bool,
) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let client = workspace_client(data_dir, env_token, &workspace)?;
    let store = open_cache(data_dir, &workspace)?;
    let mut config = agentdesk_sync::EngineConfig::new(workspace.admin_id.clone());
    config.metadata_only = metadata_only;
    if !once {
        return sync_forever(client, store, config).await;
    }
    let mut bar = Progress::new(std::io::stderr().is_terminal());
    let mut spent: Vec<(agentdesk_sync::Phase, u64)> = Vec::new();
    let report = agentdesk_sync::run_once(client, store, config, |p| {
        if let Some(n) = p.spent {
            spent.push((p.phase, n));
        }
        bar.update(p)
    })
    .await
    .map_err(sync_error);
    bar.finish();
    // The requests of each step, also when the sync failed, so a runaway shows to anyone
    // who runs it.
    if !spent.is_empty() {
        let steps: Vec<String> = spent
            .iter()
            .map(|(phase, n)| format!("{} {n}", phase.name()))
            .collect();
        let total: u64 = spent.iter().map(|(_, n)| n).sum();
        let line = format!("requests by step: {} ({total} in all)", steps.join(", "));
        match &report {
            Ok(_) => println!("{line}"),
            Err(_) => eprintln!("{line}"),
        }
    }
    let report = report?;
    println!(
        "synced {} in {:.1}s: {} conversations in the workspace ({} new, {} changed), {} with details, {} contacts, {} sent; {} requests, {} rate-limited",
        workspace.name,
        report.elapsed.as_secs_f64(),
        report.backfill.total,
        report.backfill_new,
        report.changed,
        report.details,
        report.contacts,
        report.sent,
        report.requests,
        report.rate_limited,
    );
    if report.failed > 0 {
        eprintln!(
            "warning: {} outbox item(s) were refused by Intercom; `agentdesk status` lists them",
            report.failed
        );
    }
    Ok(())
}

/// Runs the engine until Ctrl-C or SIGTERM, printing status changes as plain lines.
async fn sync_forever(
    client: intercom::Client,
    store: agentdesk_store::Store,
    config: agentdesk_sync::EngineConfig,
) -> Result<(), CliError> {
    let (handle, mut events) = agentdesk_sync::spawn(client, store, config);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| CliError::other(format!("cannot listen for SIGTERM: {e}")))?;
    eprintln!("syncing; press Ctrl-C to stop");
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            event = events.recv() => match event {
                Some(agentdesk_sync::SyncEvent::Progress { done, total }) => eprintln!("backfill {done}/{total}"),
                Some(agentdesk_sync::SyncEvent::Status(s)) => {
                    if s.auth_failed {
                        handle.clone().stop(std::time::Duration::from_secs(5)).await;
                        return Err(CliError { code: exit::AUTH, message: s.error.map(|e| e.message).unwrap_or_else(|| "the access token was rejected".into()) });
                    }
                    match (&s.error, s.online) {
                        (Some(e), _) => eprintln!("sync error: {}", e.message),
                        (None, false) => eprintln!("offline; retrying"),
                        (None, true) => {}
                    }
                }
                Some(agentdesk_sync::SyncEvent::CountsChanged(c)) => {
                    let line: Vec<String> = c.iter().map(|v| format!("{} {}/{}", v.name, v.unread, v.total)).collect();
                    eprintln!("{}", line.join(" · "));
                }
                Some(_) => {}
                None => break,
            }
        }
    }
    handle.stop(std::time::Duration::from_secs(10)).await;
    eprintln!("stopped");
    Ok(())
}

/// Backfill progress: a bar on a terminal, a plain line per 10% otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last_decile: Option<u64>,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        let bar = terminal.then(|| {
            let bar = indicatif::ProgressBar::new(0);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({eta})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Progress {
            bar,
            last_decile: None,
        }
    }

    fn update(&mut self, p: agentdesk_sync::Progress) {
        let phase = format!("{:?}", p.phase).to_lowercase();
        match &self.bar {
            Some(bar) => {
                bar.set_message(phase);
                bar.set_length(p.total.max(p.done));
                bar.set_position(p.done);
            }
            None => {
                if p.phase != agentdesk_sync::Phase::Backfill || p.total == 0 {
                    return;
                }
                let decile = p.done * 10 / p.total;
                if self.last_decile != Some(decile) {
                    self.last_decile = Some(decile);
                    eprintln!("backfill {}/{} conversations", p.done, p.total);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn status(data_dir: &Path, as_json: bool) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let store = open_cache(data_dir, &workspace)?;
    let teams = store.team_ids_of(&workspace.admin_id)?;
    let views = store.view_counts(&workspace.admin_id, &teams)?;
    let states = store.sync_states()?;
    let outbox = store.outbox_summary()?;
    let conversations = store.conversation_count()?;
    if as_json {
        let value = json!({
            "workspace": {"id": workspace.id, "name": workspace.name, "region": workspace.region.label(),
                          "adminId": workspace.admin_id, "adminName": workspace.admin_name},
            "views": views,
            "sync": {
                "conversations": conversations,
                "lastSuccessAt": states.iter().filter_map(|s| s.last_success_at).max(),
                "lastAttemptAt": states.iter().filter_map(|s| s.last_attempt_at).max(),
                "errors": states.iter().filter_map(|s| s.last_error.as_ref().map(|e| json!({"resource": s.resource, "error": e}))).collect::<Vec<_>>(),
                "resources": states.iter().map(|s| json!({"resource": s.resource, "done": s.cursor.is_none(),
                    "lastSuccessAt": s.last_success_at, "lastError": s.last_error})).collect::<Vec<_>>(),
            },
            "outbox": {"pending": outbox.pending, "inDoubt": outbox.in_doubt, "failed": outbox.failed},
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::other(e.to_string()))?
        );
        return Ok(());
    }
    println!(
        "{} ({}) as {}",
        workspace.name, workspace.id, workspace.admin_name
    );
    println!();
    println!("{:<24} {:>8} {:>8}", "view", "total", "unread");
    for v in &views {
        println!("{:<24} {:>8} {:>8}", v.name, v.total, v.unread);
    }
    println!();
    println!("cached conversations: {conversations}");
    match states.iter().filter_map(|s| s.last_success_at).max() {
        Some(t) => println!("last sync: {}", format_time(t)),
        None => println!("last sync: never"),
    }
    for s in states.iter().filter(|s| s.last_error.is_some()) {
        println!(
            "sync error ({}): {}",
            s.resource,
            s.last_error.as_deref().unwrap_or_default()
        );
    }
    println!(
        "outbox: {} pending, {} in doubt, {} failed",
        outbox.pending, outbox.in_doubt, outbox.failed
    );
    Ok(())
}

/// The tag `--tag` names, by id or by name in any case; an unknown one is an error that lists
/// the workspace's tags.
fn resolve_tag(
    store: &agentdesk_store::Store,
    wanted: &str,
) -> Result<agentdesk_store::Tag, CliError> {
    let tags = store.tags()?;
    let wanted = wanted.trim();
    tags.iter()
        .find(|t| t.id == wanted)
        .or_else(|| tags.iter().find(|t| t.name.eq_ignore_ascii_case(wanted)))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
            CliError::usage(format!(
                "no tag is called {wanted:?}; this workspace's tags: {}",
                if names.is_empty() {
                    "none (run `agentdesk sync` first)".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })
}

fn list(
    data_dir: &Path,
    view: &str,
    filter: &FilterArgs,
    priority_first: bool,
    as_json: bool,
    limit: usize,
) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let store = open_cache(data_dir, &workspace)?;
    let view: agentdesk_store::View = view
        .parse()
        .map_err(|e: agentdesk_store::StoreError| CliError::usage(e.to_string()))?;
    let tag = filter
        .tag
        .as_deref()
        .map(|t| resolve_tag(&store, t))
        .transpose()?;
    let list_filter = agentdesk_store::ListFilter {
        tag_id: tag.map(|t| t.id),
        priority_first: priority_first || filter.priority,
    };
    let limit = limit.clamp(1, 500);
    let mut rows =
        store.list_view_filtered(&view, &workspace.admin_id, &list_filter, None, limit)?;
    if filter.priority {
        // Priority first puts every priority conversation at the top: those are the ones.
        rows.retain(|r| r.priority);
    }
    if as_json {
        let value: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "contactName": r.contact_name, "subject": r.subject,
                    "lastActivityAt": r.last_activity_at, "assigneeName": r.assignee_name,
                    "unread": r.unread, "priority": r.priority, "state": r.state,
                    "tags": r.tags.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
                    "sla": r.sla.as_ref().map(|s| json!({"name": s.name, "status": s.status})),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::other(e.to_string()))?
        );
        return Ok(());
    }
    if rows.is_empty() {
        println!("no conversation in {view} matches");
    }
    for r in &rows {
        let tags: Vec<&str> = r.tags.iter().map(|t| t.name.as_str()).collect();
        println!(
            "{}  {}  {}{}  {} — {}{}",
            r.id,
            format_time(r.last_activity_at),
            if r.unread { "● " } else { "" },
            if r.priority { "[priority]" } else { "" },
            r.contact_name,
            r.subject.replace('\n', " "),
            if tags.is_empty() {
                String::new()
            } else {
                format!("  #{}", tags.join(" #"))
            }
        );
    }
    Ok(())
}

fn tickets(
    data_dir: &Path,
    state: Option<&str>,
    ticket_type: Option<&str>,
    as_json: bool,
    limit: usize,
) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let store = open_cache(data_dir, &workspace)?;
    if let Some(s) = state.filter(|s| !agentdesk_store::TICKET_STATES.contains(s)) {
        return Err(CliError::usage(format!(
            "{s:?} is not a ticket state; use one of {}",
            agentdesk_store::TICKET_STATES.join(", ")
        )));
    }
    let type_id = match ticket_type {
        None => None,
        Some(wanted) => {
            let types = store.ticket_types(true)?;
            let wanted = wanted.trim();
            let found = types
                .iter()
                .find(|t| t.id == wanted)
                .or_else(|| types.iter().find(|t| t.name.eq_ignore_ascii_case(wanted)))
                .ok_or_else(|| {
                    let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
                    CliError::usage(format!(
                        "no ticket type is called {wanted:?}; this workspace's types: {}",
                        if names.is_empty() {
                            "none (run `agentdesk sync` first)".to_string()
                        } else {
                            names.join(", ")
                        }
                    ))
                })?;
            Some(found.id.clone())
        }
    };
    let (rows, _) = store.list_tickets(state, type_id.as_deref(), None, limit.clamp(1, 200))?;
    if as_json {
        let value: Vec<_> = rows
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "number": r.number, "title": r.title, "state": r.state,
                    "ticketTypeId": r.ticket_type_id, "ticketTypeName": r.ticket_type_name,
                    "contactName": r.contact_name, "assigneeName": r.assignee_name,
                    "lastActivityAt": r.last_activity_at, "unread": r.unread,
                    "tags": r.tags.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::other(e.to_string()))?
        );
        return Ok(());
    }
    if rows.is_empty() {
        println!("no ticket matches");
    }
    for r in &rows {
        println!(
            "#{}  {}  {}{:<20} {} — {}",
            r.number.as_deref().unwrap_or("?"),
            format_time(r.last_activity_at),
            if r.unread { "● " } else { "" },
            r.state,
            r.ticket_type_name.as_deref().unwrap_or("Ticket"),
            r.title
                .as_deref()
                .unwrap_or("Untitled ticket")
                .replace('\n', " "),
        );
    }
    Ok(())
}

fn search(
    data_dir: &Path,
    query: &str,
    filter: &FilterArgs,
    as_json: bool,
    limit: usize,
) -> Result<(), CliError> {
    let (_, _, workspace) = active_workspace(data_dir)?;
    let store = open_cache(data_dir, &workspace)?;
    let tag = filter
        .tag
        .as_deref()
        .map(|t| resolve_tag(&store, t))
        .transpose()?;
    let filtered = tag.is_some() || filter.priority;
    let limit = limit.clamp(1, 500);
    // With a filter, search wide (the store's cap) and keep the hits that pass it.
    let mut hits = store.search(query, if filtered { 500 } else { limit })?;
    if filtered {
        hits.retain(|h| {
            store
                .conversation(&h.conversation_id)
                .ok()
                .flatten()
                .is_some_and(|c| {
                    (!filter.priority || c.priority)
                        && tag
                            .as_ref()
                            .is_none_or(|t| c.tags.iter().any(|x| x.id == t.id))
                })
        });
        hits.truncate(limit);
    }
    if as_json {
        let value: Vec<_> = hits
            .iter()
            .map(|h| {
                json!({
                    "conversationId": h.conversation_id,
                    "lastActivityAt": h.last_activity_at,
                    "snippet": h.snippet.iter().map(|s| json!({"text": s.text, "match": s.highlighted})).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| CliError::other(e.to_string()))?
        );
        return Ok(());
    }
    if hits.is_empty() {
        println!("no conversation matches {query:?}");
    }
    let color = std::io::stdout().is_terminal();
    for hit in &hits {
        let snippet: String = hit
            .snippet
            .iter()
            .map(|s| match (s.highlighted, color) {
                (true, true) => format!("\x1b[1m{}\x1b[0m", s.text),
                (true, false) => format!("[{}]", s.text),
                (false, _) => s.text.clone(),
            })
            .collect();
        println!(
            "{}  {}  {}",
            hit.conversation_id,
            format_time(hit.last_activity_at),
            snippet.replace('\n', " ")
        );
    }
    Ok(())
}

fn logout(data_dir: &Path, force: bool) -> Result<(), CliError> {
    let (file, mut registry, workspace) = active_workspace(data_dir)?;
    let path = agentdesk_store::db_path(data_dir, &workspace.id, &workspace.admin_id);
    if path.exists() && !force {
        let store = agentdesk_store::Store::open(&path)?;
        let pending = store.pending_count()?;
        if pending > 0 {
            return Err(CliError::other(format!(
                "{pending} repl{} or action{} not sent yet; run `agentdesk sync --once` while online to send them, \
                 or `agentdesk logout --force` to discard them",
                if pending == 1 { "y" } else { "ies" },
                if pending == 1 { " is" } else { "s are" }
            )));
        }
    }
    // Every acting admin's cache, not only the current one's.
    agentdesk_store::Store::delete_workspace(data_dir, &workspace.id)?;
    TokenStore::new(data_dir)
        .delete(&workspace.id)
        .map_err(CliError::other)?;
    registry.remove(&workspace.id);
    file.save(&registry).map_err(CliError::other)?;
    println!(
        "Logged out of {}: its cache and token are deleted.",
        workspace.name
    );
    Ok(())
}

fn format_time(unix: i64) -> String {
    crate::time::utc(unix)
}
