//! What the app holds while it runs: [`Shared`] lives as long as the process (settings, the
//! workspace list, the token store, the notifier, what the UI was last told) and holds the
//! one open [`Session`] (a workspace's sync engine, read connection and demo server).
//! Plain data and accessors; what changes it lives beside it (`life`, `events`, `alerts`,
//! `controls`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use agentdesk_store::{self as store, Reader};
use agentdesk_sync::{Command, CommandOutcome, SyncHandle};

use super::ui::{Ui, UiEvent};
use crate::dto::{self, ViewCount};
use crate::error::{AppError, AppResult};
use crate::images::{self, ImageCache};
use crate::notify::Notifier;
use crate::secrets::{EnvToken, TokenStore};
use crate::settings::{Settings, SettingsFile};
use crate::workspaces::{RegistryFile, Workspace};

/// Locks a mutex, taking the data of a poisoned one (a panicked holder leaves nothing half
/// written here: every guarded value is replaced whole).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The app's state, cheap to clone: every clone is the same state. The shell keeps one (in
/// Tauri's managed state) and background tasks hold clones.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The state for `data_dir`: settings and the workspace list are read from there;
    /// `notifier` shows notifications and `ui` is the window the session reports to;
    /// `env_token` (`AGENTDESK_TOKEN`, taken out of the environment at start-up) stands in for
    /// a saved workspace's token when the token store has none.
    pub fn new(
        data_dir: PathBuf,
        notifier: Arc<Notifier>,
        ui: Arc<dyn Ui>,
        env_token: EnvToken,
    ) -> AppState {
        let settings_file = SettingsFile::new(&data_dir);
        let settings = settings_file.load();
        AppState(Arc::new(Shared {
            registry: RegistryFile::new(&data_dir),
            settings_file,
            settings: Mutex::new(settings),
            tokens: TokenStore::from_env(&data_dir),
            env_token,
            notifier,
            ui,
            session: tokio::sync::Mutex::new(None),
            open_conversation: Mutex::new(None),
            open_ticket: Mutex::new(None),
            window_focused: AtomicBool::new(true),
            status: Mutex::new(dto::SyncStatus::idle()),
            counts: Mutex::new(Vec::new()),
            demo_auto_opened: AtomicBool::new(false),
            first_boot: tokio::sync::watch::Sender::new(false),
            opens: Mutex::new(OpenQueue::default()),
            last_crash: crate::crash::take_last(&data_dir).map(|r| dto::CrashNotice::from(&r)),
            image_policy: images::Policy::PUBLIC,
            data_dir,
        }))
    }

    /// This state with sessions whose "Load images" fetches follow `policy` (a test's
    /// loopback image server); only tests can make a policy other than the public one.
    #[cfg(test)]
    pub(crate) fn with_image_policy(mut self, policy: images::Policy) -> AppState {
        Arc::get_mut(&mut self.0)
            .expect("set before the state is shared")
            .image_policy = policy;
        self
    }
}

/// App-wide state: settings, the workspace list, the token store, and the current session.
pub struct Shared {
    /// Where every file of the app lives (`--data-dir`).
    pub data_dir: PathBuf,
    /// `settings.json`.
    pub settings_file: SettingsFile,
    pub(crate) settings: Mutex<Settings>,
    /// `workspaces.json`.
    pub registry: RegistryFile,
    /// Access tokens (keychain, or the private file fallback).
    pub tokens: TokenStore,
    /// `AGENTDESK_TOKEN`, no longer in the environment.
    pub(crate) env_token: EnvToken,
    /// Shows notifications and remembers why it cannot.
    pub notifier: Arc<Notifier>,
    pub(crate) ui: Arc<dyn Ui>,
    pub(crate) session: tokio::sync::Mutex<Option<Arc<Session>>>,
    pub(crate) open_conversation: Mutex<Option<String>>,
    /// The ticket the window read last: reading a different one fetches it once.
    pub(crate) open_ticket: Mutex<Option<String>>,
    pub(crate) window_focused: AtomicBool,
    /// The sync status as the UI was last told it.
    pub(crate) status: Mutex<dto::SyncStatus>,
    /// The view counts as the UI (and the tray) were last told them.
    pub(crate) counts: Mutex<Vec<ViewCount>>,
    /// Set once the demo was opened automatically, so logging out of it shows the connect
    /// screen instead of reopening it.
    pub(crate) demo_auto_opened: AtomicBool,
    /// Becomes true once the first session at start-up was attempted, so `get_session` can
    /// wait for it instead of racing it.
    pub(crate) first_boot: tokio::sync::watch::Sender<bool>,
    /// Conversations to open (links, notification clicks) that no inbox listened for yet.
    pub(crate) opens: Mutex<OpenQueue>,
    /// The previous run's crash, taken from its marker at start (so it is told once).
    pub last_crash: Option<dto::CrashNotice>,
    /// Where "Load images" may connect: public addresses (tests add their image server).
    pub(crate) image_policy: images::Policy,
}

impl Shared {
    /// The settings now.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// The open session, or `no_session`.
    pub async fn current(&self) -> AppResult<Arc<Session>> {
        self.session
            .lock()
            .await
            .clone()
            .ok_or_else(AppError::no_session)
    }

    /// The open session, if any.
    pub async fn current_if_any(&self) -> Option<Arc<Session>> {
        self.session.lock().await.clone()
    }

    /// The view counts the tray and the UI show now.
    pub fn counts(&self) -> Vec<ViewCount> {
        lock(&self.counts).clone()
    }

    /// The sync status for the UI, with the notifier's current word on notifications.
    pub fn status(&self) -> dto::SyncStatus {
        let mut status = lock(&self.status).clone();
        status.notifications_problem = self.notifier.problem();
        status.notifications_available = status.notifications_problem.is_none();
        status
    }

    /// The window gained or lost the focus: a conversation on screen in a focused window
    /// needs no notification.
    pub fn set_window_focused(&self, focused: bool) {
        self.window_focused.store(focused, Ordering::Relaxed);
    }

    /// Opens a conversation in the inbox: at once when an inbox listens, else when one asks.
    pub fn request_open(&self, open: dto::OpenConversation) {
        let now = lock(&self.opens).offer(open);
        if let Some(open) = now {
            self.ui.send(UiEvent::OpenConversation(open));
        }
    }

    /// What waited for the inbox (see [`OpenQueue`]); from now on requests go out as events.
    pub fn take_pending_open(&self) -> Option<dto::OpenConversation> {
        lock(&self.opens).take()
    }

    /// Waits (up to `within`) until the first session at start-up was attempted.
    pub async fn first_boot_done(&self, within: std::time::Duration) {
        let mut booted = self.first_boot.subscribe();
        let _ = tokio::time::timeout(within, booted.wait_for(|done| *done)).await;
    }
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

/// One open workspace.
pub struct Session {
    /// The workspace and acting admin.
    pub workspace: Workspace,
    /// Its sync engine.
    pub handle: SyncHandle,
    pub(crate) reader: Mutex<Reader>,
    pub(crate) demo: Mutex<Option<intercom_sandbox::Sandbox>>,
    pub(crate) forward: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Its cache file: a boot onto the same file must stop this session first.
    pub(crate) db_path: PathBuf,
    /// Images fetched by "Load images" in this session.
    pub images: Arc<ImageCache>,
}

impl Session {
    /// Runs a query on the session's read connection. Call from a blocking context
    /// ([`Shared::read`] does): queries take milliseconds, not microseconds.
    pub fn read<T>(&self, f: impl FnOnce(&Reader) -> store::Result<T>) -> AppResult<T> {
        let reader = lock(&self.reader);
        f(&reader).map_err(AppError::from)
    }

    /// The acting admin's team ids (known once the first sync stored teams).
    pub fn team_ids(&self) -> Vec<String> {
        self.read(|r| r.team_ids_of(&self.workspace.admin_id))
            .unwrap_or_default()
    }

    /// The session as the UI shows it.
    pub fn dto(&self) -> dto::Session {
        let teams = self
            .read(|r| {
                let mine = r.team_ids_of(&self.workspace.admin_id)?;
                Ok(r.teams()?
                    .into_iter()
                    .filter(|t| mine.contains(&t.id))
                    .collect::<Vec<_>>())
            })
            .unwrap_or_default();
        dto::Session::of(&self.workspace, teams)
    }

    /// Runs a write through the engine (the one writer).
    pub async fn execute(&self, cmd: Command) -> AppResult<CommandOutcome> {
        self.handle.execute(cmd).await.map_err(AppError::from)
    }
}

impl Shared {
    /// Runs `f` on the open session off the async workers (queries and file work block).
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Session) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let session = self.current().await?;
        blocking(move || f(&session)).await?
    }
}

/// Runs blocking work on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(id: &str) -> dto::OpenConversation {
        dto::OpenConversation {
            id: id.into(),
            prefill: None,
            from_link: true,
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
}
