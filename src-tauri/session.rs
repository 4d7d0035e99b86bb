//! One open workspace: its cache, its sync engine, its demo server when it is the demo, and
//! the task that turns the engine's domain events into UI events, tray updates and
//! notifications. Switching workspace is a clean shutdown of one session and a boot of the
//! next, like Intercom Messenger's shutdown and boot: sync stopped, notifications closed,
//! counts cleared, then the new one starts.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_store::{self as store, Reader, Store};
use agentdesk_sync::{Command, EngineConfig, SyncEvent, SyncHandle};
use tauri::{AppHandle, Emitter, Manager};

use crate::dto::{self, ViewCount};
use crate::error::{CmdError, CmdResult};
use crate::notify::{NewMessage, Notifier};
use crate::secrets::TokenStore;
use crate::settings::{Settings, SettingsFile};
use crate::workspaces::{RegionSpec, RegistryFile, Workspace};

/// UI event names, declared once (the UI declares them once too, in `ui/src/lib/ipc.ts`).
pub mod events {
    pub const COUNTS: &str = "inbox://counts";
    pub const CHANGED: &str = "inbox://changed";
    pub const STATUS: &str = "sync://status";
    pub const SESSION: &str = "session://changed";
    pub const OPEN_CONVERSATION: &str = "app://open-conversation";
    pub const SHOW_VIEW: &str = "app://show-view";
}

/// App-wide state: settings, the workspace list, the token store, and the current session.
pub struct Shared {
    pub data_dir: PathBuf,
    pub settings_file: SettingsFile,
    pub settings: Mutex<Settings>,
    pub registry: RegistryFile,
    pub tokens: TokenStore,
    pub notifier: Arc<Notifier>,
    pub session: tokio::sync::Mutex<Option<Arc<Session>>>,
    pub open_conversation: Mutex<Option<String>>,
    pub window_focused: AtomicBool,
    pub status: Mutex<dto::SyncStatus>,
    pub counts: Mutex<Vec<ViewCount>>,
    /// Set once the demo was opened automatically, so logging out of it shows the connect
    /// screen instead of reopening it.
    pub demo_auto_opened: AtomicBool,
    /// Becomes true once the first session at start-up was attempted, so `get_session` can
    /// wait for it instead of racing it.
    pub first_boot: tokio::sync::watch::Sender<bool>,
    /// Conversations to open (links, notification clicks) that no inbox listened for yet.
    pub opens: Mutex<OpenQueue>,
}

/// Conversations to open, held while no inbox listens: on a cold start the link from the
/// command line is ready before the page has loaded, and an event emitted then is lost. The
/// inbox asks for what waited (`take_pending_open`) once it listens; from then on requests
/// go out as `app://open-conversation` events.
#[derive(Debug, Default)]
pub struct OpenQueue {
    listening: bool,
    pending: Option<dto::OpenConversation>,
}

impl OpenQueue {
    /// The request to emit now, or `None` when it is kept for the inbox to take (the newest
    /// request wins: it is the one the agent clicked last).
    pub fn offer(&mut self, open: dto::OpenConversation) -> Option<dto::OpenConversation> {
        if self.listening {
            Some(open)
        } else {
            self.pending = Some(open);
            None
        }
    }

    /// The inbox listens from now on; returns what waited for it.
    pub fn take(&mut self) -> Option<dto::OpenConversation> {
        self.listening = true;
        self.pending.take()
    }

    /// The inbox went away (logout shows the connect screen): keep requests again until the
    /// next inbox asks.
    pub fn stop_listening(&mut self) {
        self.listening = false;
    }
}

impl Shared {
    pub fn new(data_dir: PathBuf, notifier: Arc<Notifier>) -> Shared {
        let settings_file = SettingsFile::new(&data_dir);
        let settings = settings_file.load();
        let tokens = if std::env::var("AGENTDESK_TOKEN_STORE").as_deref() == Ok("file") {
            TokenStore::file_only(&data_dir)
        } else {
            TokenStore::new(&data_dir)
        };
        Shared {
            registry: RegistryFile::new(&data_dir),
            settings_file,
            settings: Mutex::new(settings),
            tokens,
            notifier,
            session: tokio::sync::Mutex::new(None),
            open_conversation: Mutex::new(None),
            window_focused: AtomicBool::new(true),
            status: Mutex::new(dto::SyncStatus {
                online: true,
                notifications_available: true,
                ..Default::default()
            }),
            counts: Mutex::new(Vec::new()),
            demo_auto_opened: AtomicBool::new(false),
            first_boot: tokio::sync::watch::Sender::new(false),
            opens: Mutex::new(OpenQueue::default()),
            data_dir,
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The open session, or `no_session`.
    pub async fn current(&self) -> CmdResult<Arc<Session>> {
        self.session
            .lock()
            .await
            .clone()
            .ok_or_else(CmdError::no_session)
    }
}

/// One open workspace.
pub struct Session {
    pub workspace: Workspace,
    pub handle: SyncHandle,
    reader: Mutex<Reader>,
    demo: Mutex<Option<intercom_sandbox::Sandbox>>,
    forward: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// Its cache file: a boot onto the same file must stop this session first.
    db_path: PathBuf,
    /// Images fetched by "Load images" in this session.
    pub images: Arc<crate::images::ImageCache>,
}

impl Session {
    /// Runs a query on the session's read connection. Call from a blocking context
    /// (`tauri::async_runtime::spawn_blocking`): queries take milliseconds, not microseconds.
    pub fn read<T>(&self, f: impl FnOnce(&Reader) -> store::Result<T>) -> CmdResult<T> {
        let reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        f(&reader).map_err(CmdError::from)
    }

    /// The acting admin's team ids (known once the first sync stored teams).
    pub fn team_ids(&self) -> Vec<String> {
        self.read(|r| r.team_ids_of(&self.workspace.admin_id))
            .unwrap_or_default()
    }

    pub fn dto(&self) -> dto::Session {
        let teams = self
            .read(|r| {
                let mine = r.team_ids_of(&self.workspace.admin_id)?;
                Ok(r.teams()?
                    .into_iter()
                    .filter(|t| mine.contains(&t.id))
                    .map(|t| dto::Team {
                        id: t.id,
                        name: t.name,
                    })
                    .collect())
            })
            .unwrap_or_default();
        dto::Session {
            workspace_id: self.workspace.id.clone(),
            workspace_name: self.workspace.name.clone(),
            region: if self.workspace.demo {
                "demo".into()
            } else {
                self.workspace.region.label()
            },
            admin_id: self.workspace.admin_id.clone(),
            admin_name: self.workspace.admin_name.clone(),
            demo: self.workspace.demo,
            teams,
        }
    }

    pub async fn execute(&self, cmd: Command) -> CmdResult<agentdesk_sync::CommandOutcome> {
        self.handle.execute(cmd).await.map_err(CmdError::from)
    }
}

/// Where the demo server's address is written while the demo runs (loopback only), so the
/// end-to-end tests can drive its control API.
pub fn demo_url_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("demo-sandbox.url")
}

/// Starts the demo workspace: a sandbox on loopback with live activity, and a fresh cache.
pub async fn boot_demo(app: &AppHandle) -> CmdResult<dto::Session> {
    let shared = app.state::<Shared>();
    let config = intercom_sandbox::SandboxConfig {
        conversations: 1_500,
        contacts: 400,
        live_rate: std::env::var("AGENTDESK_DEMO_LIVE_RATE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(6.0),
        ..Default::default()
    };
    let sandbox = intercom_sandbox::Sandbox::start(config)
        .await
        .map_err(|e| CmdError::internal(format!("the demo workspace could not start: {e}")))?;
    let workspace = Workspace {
        id: "demo".into(),
        name: "Demo workspace".into(),
        region: RegionSpec::Custom(sandbox.base_url().to_string()),
        admin_id: sandbox.admin_id().to_string(),
        admin_name: "You (demo)".into(),
        demo: true,
    };
    let token = sandbox.token().to_string();
    let url = sandbox.base_url().to_string();
    let _ = std::fs::create_dir_all(&shared.data_dir);
    let _ = std::fs::write(demo_url_file(&shared.data_dir), &url);
    // The demo's data is generated afresh each start: an old cache would not match it.
    let db = store::db_path(&shared.data_dir, &workspace.id, &workspace.admin_id);
    let _ = Store::delete_files(&db);
    let mut registry = shared.registry.load().map_err(CmdError::internal)?;
    registry.upsert_active(Workspace {
        region: RegionSpec::Custom("demo".into()),
        ..workspace.clone()
    });
    shared
        .registry
        .save(&registry)
        .map_err(CmdError::internal)?;
    boot(app, workspace, &token, Some(sandbox)).await
}

/// Boots the session of a workspace whose token is in the token store.
pub async fn boot_saved(app: &AppHandle, workspace: Workspace) -> CmdResult<dto::Session> {
    if workspace.demo {
        return boot_demo(app).await;
    }
    let shared = app.state::<Shared>();
    let token = shared
        .tokens
        .load(&workspace.id)
        .map_err(CmdError::internal)?
        .or_else(|| std::env::var("AGENTDESK_TOKEN").ok())
        .ok_or_else(|| CmdError::new("unauthorized", "No access token is stored for this workspace: connect it again with a token from the Developer Hub."))?;
    boot(app, workspace, &token, None).await
}

/// Replaces the current session (if any) with one for `workspace`. What can fail (the
/// client, opening the cache) is done before the current session stops, so a failed switch
/// leaves the agent in the workspace they were in.
pub async fn boot(
    app: &AppHandle,
    workspace: Workspace,
    token: &str,
    demo: Option<intercom_sandbox::Sandbox>,
) -> CmdResult<dto::Session> {
    let shared = app.state::<Shared>();
    let mut slot = shared.session.lock().await;
    let region = match &demo {
        Some(sb) => RegionSpec::Custom(sb.base_url().to_string()),
        None => workspace.region.clone(),
    };
    let client = crate::connect::client(&region, token)?;
    let db_path = store::db_path(&shared.data_dir, &workspace.id, &workspace.admin_id);
    let same_cache = slot.as_ref().is_some_and(|old| old.db_path == db_path);
    if same_cache {
        // Its writer must close before the file is opened again.
        if let Some(old) = slot.take() {
            shutdown(app, old).await;
        }
    }
    let opened = {
        let path = db_path.clone();
        tauri::async_runtime::spawn_blocking(move || -> store::Result<(Store, Reader)> {
            let store = Store::open(&path)?;
            let reader = store.open_reader()?;
            Ok((store, reader))
        })
        .await
        .map_err(|e| CmdError::internal(e.to_string()))?
    };
    let (store, reader) = opened?;
    if let Some(old) = slot.take() {
        shutdown(app, old).await;
    }
    if let store::OpenOutcome::Rebuilt { moved_to, .. } = store.open_outcome() {
        tracing::warn!(moved_to = %moved_to.display(), "the cache was damaged; rebuilding it from Intercom");
        set_status_error(app, "cache_rebuilt", format!(
            "The local cache was damaged, so it was moved to {} and is being rebuilt from Intercom.", moved_to.display()));
    }
    let settings = shared.settings();
    let mut config = EngineConfig::new(workspace.admin_id.clone());
    config.poll_interval = Duration::from_secs(settings.poll_interval_secs);
    if workspace.demo {
        // The demo's server is on this machine: poll it briskly so live activity shows at once.
        config.poll_interval = Duration::from_secs(settings.poll_interval_secs.min(3));
    }
    let (handle, mut rx) = agentdesk_sync::spawn(client, store, config);
    let visible = app
        .get_webview_window(crate::app::MAIN_WINDOW)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(true);
    handle.set_visible(visible);
    let session = Arc::new(Session {
        workspace,
        handle,
        reader: Mutex::new(reader),
        demo: Mutex::new(demo),
        forward: Mutex::new(None),
        db_path,
        images: Arc::default(),
    });
    let task_app = app.clone();
    let task_session = Arc::downgrade(&session);
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(event) = rx.recv().await {
            let Some(session) = task_session.upgrade() else {
                break;
            };
            on_event(&task_app, &session, event).await;
        }
    });
    *session.forward.lock().unwrap_or_else(|e| e.into_inner()) = Some(forward);
    *slot = Some(Arc::clone(&session));
    drop(slot);
    let dto = session.dto();
    // The fallback file works, but the agent should know the token is not in the keychain.
    let token_notice = (!session.workspace.demo)
        .then(|| shared.tokens.file_fallback(&session.workspace.id))
        .flatten()
        .map(|path| crate::secrets::TokenLocation::File(path).describe());
    let status = {
        let mut status = shared.status.lock().unwrap_or_else(|e| e.into_inner());
        status.token_notice = token_notice;
        status.clone()
    };
    let _ = app.emit(events::STATUS, status);
    // Counts from the cache at once: the inbox shows what it has before any request.
    let counts = read_counts(&session).await;
    publish_counts(app, counts);
    let _ = app.emit(events::SESSION, Some(&dto));
    tracing::info!(workspace = %session.workspace.id, admin = %session.workspace.admin_id, demo = session.workspace.demo, "session started");
    Ok(dto)
}

async fn read_counts(session: &Arc<Session>) -> Vec<ViewCount> {
    let s = Arc::clone(session);
    tauri::async_runtime::spawn_blocking(move || {
        let teams = s.team_ids();
        s.read(|r| r.view_counts(&s.workspace.admin_id, &teams))
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default()
    .into_iter()
    .map(ViewCount::from)
    .collect()
}

/// Stops a session: engine first (its current transaction finishes), then the event task,
/// notifications, the demo server; clears the counts and the tray.
pub async fn shutdown(app: &AppHandle, session: Arc<Session>) {
    let shared = app.state::<Shared>();
    // First: no notification decided from now on is shown, even while the engine stops.
    shared.notifier.close_all();
    session.handle.clone().stop(Duration::from_secs(5)).await;
    if let Some(task) = session
        .forward
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        task.abort();
    }
    shared.notifier.close_all();
    session.images.clear();
    let demo = session
        .demo
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(sandbox) = demo {
        sandbox.shutdown().await;
        let _ = std::fs::remove_file(demo_url_file(&shared.data_dir));
    }
    *shared
        .open_conversation
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = None;
    *shared.status.lock().unwrap_or_else(|e| e.into_inner()) = dto::SyncStatus {
        online: true,
        notifications_available: true,
        ..Default::default()
    };
    publish_counts(app, Vec::new());
    tracing::info!(workspace = %session.workspace.id, "session stopped");
}

/// Ends the current session without deleting anything (app exit).
pub async fn close(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let current = shared.session.lock().await.take();
    if let Some(session) = current {
        shutdown(app, session).await;
    }
}

/// Logout: refuses while writes wait to be sent (unless forced); then stops the session,
/// closes its notifications, deletes its cache files and its token, and forgets it.
pub async fn logout(app: &AppHandle, force: bool) -> CmdResult<()> {
    let shared = app.state::<Shared>();
    let session = shared.current().await?;
    if !force {
        let s = Arc::clone(&session);
        let pending = tauri::async_runtime::spawn_blocking(move || s.read(|r| r.pending_count()))
            .await
            .map_err(|e| CmdError::internal(e.to_string()))??;
        if pending > 0 {
            return Err(CmdError::new(
                "unsent_outbox",
                format!(
                    "{pending} repl{} or action{} not been sent yet. Go online to send them, or log out anyway to discard them.",
                    if pending == 1 { "y" } else { "ies" },
                    if pending == 1 { " has" } else { "s have" }
                ),
            ));
        }
    }
    let taken = shared.session.lock().await.take();
    // This inbox goes (for the connect screen or the next workspace's inbox): links wait
    // for the next one.
    shared
        .opens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .stop_listening();
    if let Some(session) = taken {
        let workspace = session.workspace.clone();
        shutdown(app, session).await;
        // Every acting admin's cache, not only the current one's.
        Store::delete_workspace(&shared.data_dir, &workspace.id).map_err(CmdError::from)?;
        shared
            .tokens
            .delete(&workspace.id)
            .map_err(CmdError::internal)?;
        let mut registry = shared.registry.load().map_err(CmdError::internal)?;
        // The next saved workspace (if any) becomes the active one.
        registry.remove(&workspace.id);
        shared
            .registry
            .save(&registry)
            .map_err(CmdError::internal)?;
        tracing::info!(workspace = %workspace.id, "logged out: cache, token and notifications cleared");
        // The other saved workspaces stay reachable: open the next one rather than a bare
        // connect screen with no way to them.
        if let Some(next) = registry.active().cloned() {
            let name = next.name.clone();
            match boot_saved(app, next).await {
                Ok(_) => return Ok(()),
                Err(err) => {
                    tracing::warn!(code = err.code, message = %err.message, "could not open the next workspace after logout");
                    set_status_error(
                        app,
                        err.code,
                        format!("Logged out. {name} could not be opened: {}", err.message),
                    );
                }
            }
        }
    }
    let _ = app.emit(events::SESSION, None::<dto::Session>);
    Ok(())
}

/// The sentence for a failed switch to `target`: why, and where the agent still is.
pub fn switch_failed(app: &AppHandle, target: &str, why: &str) -> String {
    let still = app
        .state::<Shared>()
        .session
        .try_lock()
        .ok()
        .and_then(|s| s.as_ref().map(|s| s.workspace.name.clone()));
    match still {
        Some(current) => format!("Could not open {target}: {why} You are still in {current}."),
        None => format!("Could not open {target}: {why}"),
    }
}

async fn on_event(app: &AppHandle, session: &Arc<Session>, event: SyncEvent) {
    let shared = app.state::<Shared>();
    match event {
        SyncEvent::CountsChanged(counts) => {
            publish_counts(app, counts.into_iter().map(ViewCount::from).collect())
        }
        SyncEvent::ConversationsChanged(ids) => {
            let _ = app.emit(
                events::CHANGED,
                dto::ConversationsChanged {
                    conversation_ids: ids,
                },
            );
        }
        SyncEvent::Status(status) => {
            let mut dto = dto::SyncStatus::from_engine(&status, shared.notifier.problem());
            {
                let mut current = shared.status.lock().unwrap_or_else(|e| e.into_inner());
                // Where the token is stored belongs to the session, not to the engine.
                dto.token_notice = current.token_notice.clone();
                *current = dto.clone();
            }
            let _ = app.emit(events::STATUS, dto);
        }
        SyncEvent::Progress { done, total } => {
            let dto = {
                let mut status = shared.status.lock().unwrap_or_else(|e| e.into_inner());
                status.backfill = (done < total).then_some(dto::Progress { done, total });
                status.clone()
            };
            let _ = app.emit(events::STATUS, dto);
        }
        SyncEvent::NewContactMessages(candidates) => notify(app, session, candidates).await,
        SyncEvent::OutboxChanged(_) => {}
    }
}

fn publish_counts(app: &AppHandle, counts: Vec<ViewCount>) {
    let shared = app.state::<Shared>();
    *shared.counts.lock().unwrap_or_else(|e| e.into_inner()) = counts.clone();
    crate::tray::update(app, &counts, shared.settings().do_not_disturb);
    let _ = app.emit(events::COUNTS, counts);
}

fn set_status_error(app: &AppHandle, code: &str, message: String) {
    let shared = app.state::<Shared>();
    let dto = {
        let mut status = shared.status.lock().unwrap_or_else(|e| e.into_inner());
        status.error = Some(dto::StatusError {
            code: code.into(),
            message,
        });
        status.clone()
    };
    let _ = app.emit(events::STATUS, dto);
}

/// Which followed views a conversation is in right now.
fn in_followed_views(
    c: &store::Conversation,
    me: &str,
    my_teams: &[String],
    follow: &[String],
) -> bool {
    let open = c.state == store::ConversationState::Open;
    let views = [
        ("mine", open && c.admin_assignee_id.as_deref() == Some(me)),
        (
            "unassigned",
            open && c.admin_assignee_id.is_none() && c.team_assignee_id.is_none(),
        ),
        ("all_open", open),
    ];
    views
        .iter()
        .any(|(id, yes)| *yes && follow.iter().any(|f| f == id))
        || (open
            && c.team_assignee_id.as_ref().is_some_and(|t| {
                my_teams.contains(t)
                    && follow
                        .iter()
                        .any(|f| f.strip_prefix("team:") == Some(t.as_str()))
            }))
}

/// Raises at most one notification for a poll's new customer messages, then remembers every
/// one of them as notified (shown or deliberately not), so none is ever raised twice.
async fn notify(
    app: &AppHandle,
    session: &Arc<Session>,
    candidates: Vec<store::NotificationCandidate>,
) {
    let shared = app.state::<Shared>();
    // Before anything else: a logout from here on makes this batch stale.
    let epoch = shared.notifier.epoch();
    let settings = shared.settings();
    let part_ids: Vec<String> = candidates.iter().map(|c| c.part_id.clone()).collect();
    let on_screen = shared
        .window_focused
        .load(Ordering::Relaxed)
        .then(|| {
            shared
                .open_conversation
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        })
        .flatten();
    if !settings.do_not_disturb && !candidates.is_empty() {
        let s = Arc::clone(session);
        let follow = settings.notify_views.clone();
        let messages = tauri::async_runtime::spawn_blocking(move || {
            let teams = s.team_ids();
            let mut out = Vec::new();
            for c in candidates {
                if on_screen.as_deref() == Some(c.conversation_id.as_str()) {
                    continue;
                }
                let Ok(Some(conv)) = s.read(|r| r.conversation(&c.conversation_id)) else {
                    continue;
                };
                if !in_followed_views(&conv, &s.workspace.admin_id, &teams, &follow) {
                    continue;
                }
                out.push(NewMessage {
                    conversation_id: c.conversation_id,
                    contact_name: c.author_name.unwrap_or_else(|| "A customer".into()),
                    text: c.preview,
                });
            }
            out
        })
        .await
        .unwrap_or_default();
        if let Some(batch) = crate::notify::coalesce(&messages, settings.hide_message_text) {
            let notifier = Arc::clone(&shared.notifier);
            let sound = settings.sound;
            // D-Bus calls block briefly; keep them off the async workers.
            let _ =
                tauri::async_runtime::spawn_blocking(move || notifier.show(&batch, sound, epoch))
                    .await;
            let problem = shared.notifier.problem();
            let changed = {
                let mut status = shared.status.lock().unwrap_or_else(|e| e.into_inner());
                let changed = status.notifications_problem != problem;
                status.notifications_available = problem.is_none();
                status.notifications_problem = problem;
                changed.then(|| status.clone())
            };
            if let Some(status) = changed {
                let _ = app.emit(events::STATUS, status);
            }
        }
    }
    if !part_ids.is_empty() {
        let _ = session
            .handle
            .execute(Command::MarkNotified(part_ids))
            .await;
    }
}

/// Tray "Sync now".
pub fn sync_now(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Ok(s) = app.state::<Shared>().current().await {
            s.handle.sync_now();
        }
    });
}

/// Tray "Do not disturb".
pub fn toggle_dnd(app: &AppHandle) {
    let shared = app.state::<Shared>();
    let settings = {
        let mut s = shared.settings.lock().unwrap_or_else(|e| e.into_inner());
        s.do_not_disturb = !s.do_not_disturb;
        s.clone()
    };
    let _ = shared.settings_file.save(&settings);
    let counts = shared
        .counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    crate::tray::update(app, &counts, settings.do_not_disturb);
}

/// Tray view entries: the UI selects the view.
pub fn show_view(app: &AppHandle, view: &str) {
    let _ = app.emit(events::SHOW_VIEW, view.to_string());
}

/// A notification was clicked: show the window on that conversation (or the inbox).
pub fn open_from_notification(app: &AppHandle, conversation: Option<String>) {
    crate::app::show_main_window(app);
    if let Some(id) = conversation {
        request_open(app, dto::OpenConversation { id, prefill: None });
    }
}

/// Opens a conversation in the inbox: at once when an inbox listens, else when one asks.
pub fn request_open(app: &AppHandle, open: dto::OpenConversation) {
    let now = app
        .state::<Shared>()
        .opens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .offer(open);
    if let Some(open) = now {
        let _ = app.emit(events::OPEN_CONVERSATION, open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(
        state: store::ConversationState,
        admin: Option<&str>,
        team: Option<&str>,
    ) -> store::Conversation {
        store::Conversation {
            state,
            admin_assignee_id: admin.map(String::from),
            team_assignee_id: team.map(String::from),
            ..Default::default()
        }
    }

    fn open(id: &str) -> dto::OpenConversation {
        dto::OpenConversation {
            id: id.into(),
            prefill: None,
        }
    }

    /// Regression: a cold start with a link emitted it before the page listened, so it was
    /// lost.
    #[test]
    fn links_wait_until_the_inbox_listens() {
        let mut q = OpenQueue::default();
        assert!(
            q.offer(open("1")).is_none(),
            "no inbox listens yet: emitting now would lose the link"
        );
        assert!(
            q.offer(open("2")).is_none(),
            "still no inbox: keep the newest link"
        );
        assert_eq!(
            q.take().map(|o| o.id).as_deref(),
            Some("2"),
            "the inbox gets the link clicked last when it asks"
        );
        assert!(q.take().is_none(), "a link is delivered once");
        assert_eq!(
            q.offer(open("3")).map(|o| o.id).as_deref(),
            Some("3"),
            "once the inbox listens, links go out as events at once"
        );
        q.stop_listening();
        assert!(
            q.offer(open("4")).is_none(),
            "after logout the link waits for the next inbox"
        );
        assert_eq!(
            q.take().map(|o| o.id).as_deref(),
            Some("4"),
            "and reaches it"
        );
    }

    #[test]
    fn followed_views_decide_who_gets_notified() {
        use store::ConversationState::*;
        let follow = vec!["mine".to_string(), "unassigned".to_string()];
        let teams = vec!["7".to_string()];
        assert!(
            in_followed_views(&conv(Open, Some("me"), None), "me", &teams, &follow),
            "my open conversation"
        );
        assert!(
            in_followed_views(&conv(Open, None, None), "me", &teams, &follow),
            "an unassigned one"
        );
        assert!(
            !in_followed_views(&conv(Open, Some("bob"), None), "me", &teams, &follow),
            "a teammate's is not mine"
        );
        assert!(
            !in_followed_views(&conv(Open, None, Some("7")), "me", &teams, &follow),
            "team views are not followed by default"
        );
        assert!(
            !in_followed_views(&conv(Snoozed, Some("me"), None), "me", &teams, &follow),
            "snoozed is not in Your inbox"
        );
        let with_team = vec!["team:7".to_string()];
        assert!(
            in_followed_views(&conv(Open, None, Some("7")), "me", &teams, &with_team),
            "a followed team notifies"
        );
    }
}
