//! A session's life: boot (the saved workspace, the demo, a newly connected one), shutdown,
//! logout, and the switches between workspaces and acting admins. Switching is a clean
//! shutdown of one session and a boot of the next, like Intercom Messenger's shutdown and
//! boot: sync stopped, notifications closed, counts cleared, then the new one starts.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentdesk_store::{self as store, Reader, Store};
use agentdesk_sync::EngineConfig;

use super::state::{blocking, lock, AppState, Session, Shared};
use super::ui::UiEvent;
use crate::connect::{self, Login};
use crate::dto;
use crate::error::{AppError, AppResult};
use crate::images::ImageCache;
use crate::secrets::TokenLocation;
use crate::workspaces::{RegionSpec, Workspace};

/// Where the demo server's address is written while the demo runs (loopback only), so the
/// end-to-end tests can drive its control API.
pub fn demo_url_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("demo-sandbox.url")
}

/// Where the demo server's control secret is written (0600) while the demo runs, beside
/// [`demo_url_file`]: the end-to-end tests read it to drive the control API, which answers
/// nothing without it. A web page can reach the server's loopback port but cannot read this
/// file; a program running as the agent could, and could read the cache just as well.
pub fn demo_secret_file(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("demo-sandbox.secret")
}

impl AppState {
    /// The active workspace, or the demo when nothing is configured, so a first start shows
    /// a living inbox. A failure lands on the connect screen with its message. Marks the
    /// first boot done either way (see [`Shared::first_boot_done`]).
    pub async fn start_first_session(&self) {
        self.boot_first_session().await;
        self.first_boot.send_replace(true);
    }

    async fn boot_first_session(&self) {
        let registry = match self.registry.load() {
            Ok(r) => r,
            Err(message) => {
                tracing::warn!(%message, "cannot read the workspace list");
                return;
            }
        };
        let result = match registry.active().cloned() {
            Some(workspace) => self.boot_saved(workspace).await,
            None if registry.workspaces.is_empty()
                && std::env::var_os("AGENTDESK_NO_DEMO").is_none() =>
            {
                self.demo_auto_opened.store(true, Ordering::Relaxed);
                self.boot_demo().await
            }
            None => return,
        };
        if let Err(err) = result {
            tracing::warn!(code = err.code, message = %err.message, "could not open the workspace");
            self.ui.send(UiEvent::Session(None));
        }
    }

    /// Starts the demo workspace: a sandbox on loopback with live activity, and a fresh cache.
    pub async fn boot_demo(&self) -> AppResult<dto::Session> {
        let config = intercom_sandbox::SandboxConfig {
            conversations: 1_500,
            contacts: 400,
            live_rate: std::env::var("AGENTDESK_DEMO_LIVE_RATE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(6.0),
            // The server listens on loopback, where any web page in the agent's browser can
            // send it requests: its control API must answer only this app (and the e2e tests,
            // through the secret file).
            control_secret: Some(intercom_sandbox::new_control_secret()),
            ..Default::default()
        };
        let sandbox = intercom_sandbox::Sandbox::start(config)
            .await
            .map_err(|e| AppError::internal(format!("the demo workspace could not start: {e}")))?;
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
        // The secret first: whoever sees the address can use the control API at once.
        if let Some(secret) = sandbox.control_secret() {
            if let Err(e) =
                crate::paths::write_private(&demo_secret_file(&self.data_dir), secret.as_bytes())
            {
                tracing::warn!(error = %e, "could not write the demo server's control secret");
            }
        }
        let _ = crate::paths::write_private(&demo_url_file(&self.data_dir), url.as_bytes());
        // The demo's data is generated afresh each start: an old cache would not match it.
        // Its conversations are seeded the same each time, so the agent's drafts are carried
        // into the new cache: a restart of the demo loses no unsent text either.
        let db = store::db_path(&self.data_dir, &workspace.id, &workspace.admin_id);
        let path = db.clone();
        blocking(move || renew_keeping_drafts(&path)).await?;
        let mut registry = self.registry.load().map_err(AppError::internal)?;
        registry.upsert_active(Workspace {
            region: RegionSpec::Custom("demo".into()),
            ..workspace.clone()
        });
        self.registry.save(&registry).map_err(AppError::internal)?;
        self.boot(workspace, &token, Some(sandbox)).await
    }

    /// Boots the session of a workspace whose token is in the token store.
    pub async fn boot_saved(&self, workspace: Workspace) -> AppResult<dto::Session> {
        if workspace.demo {
            return self.boot_demo().await;
        }
        let token = self
            .tokens
            .load(&workspace.id)
            .map_err(AppError::internal)?
            .or_else(|| self.env_token.get().map(str::to_string))
            .ok_or_else(|| AppError::new("unauthorized", "No access token is stored for this workspace: connect it again with a token from the Developer Hub."))?;
        self.boot(workspace, &token, None).await
    }

    /// Logs in with a token (the one login flow, [`connect::login`]: checked again, never
    /// trusting the UI's earlier check; stored; made active) and boots its session.
    pub async fn connect(
        &self,
        region: RegionSpec,
        token: &str,
        admin_id: &str,
    ) -> AppResult<dto::Session> {
        let Login { workspace, .. } =
            connect::login(&self.tokens, &self.registry, region, token, Some(admin_id)).await?;
        self.boot(workspace, token, None).await
    }

    /// Replaces the current session (if any) with one for `workspace`. What can fail (the
    /// client, opening the cache) is done before the current session stops, so a failed
    /// switch leaves the agent in the workspace they were in.
    pub async fn boot(
        &self,
        workspace: Workspace,
        token: &str,
        demo: Option<intercom_sandbox::Sandbox>,
    ) -> AppResult<dto::Session> {
        let mut slot = self.session.lock().await;
        let region = match &demo {
            Some(sb) => RegionSpec::Custom(sb.base_url().to_string()),
            None => workspace.region.clone(),
        };
        let client = connect::client(&region, token)?;
        let db_path = store::db_path(&self.data_dir, &workspace.id, &workspace.admin_id);
        let same_cache = slot.as_ref().is_some_and(|old| old.db_path == db_path);
        if same_cache {
            // Its writer must close before the file is opened again.
            if let Some(old) = slot.take() {
                self.shutdown(old).await;
            }
        }
        let opened = {
            let path = db_path.clone();
            blocking(move || -> store::Result<(Store, Reader)> {
                let store = Store::open(&path)?;
                let reader = store.open_reader()?;
                Ok((store, reader))
            })
            .await?
        };
        let (store, reader) = opened?;
        if let Some(old) = slot.take() {
            self.shutdown(old).await;
        }
        if let store::OpenOutcome::Rebuilt { moved_to, .. } = store.open_outcome() {
            tracing::warn!(moved_to = %moved_to.display(), "the cache was damaged; rebuilding it from Intercom");
            self.set_status_error("cache_rebuilt", format!(
                "The local cache was damaged, so it was moved to {} and is being rebuilt from Intercom.", moved_to.display()));
        }
        let settings = self.settings();
        let mut config = EngineConfig::new(workspace.admin_id.clone());
        config.poll_interval = Duration::from_secs(settings.poll_interval_secs);
        if workspace.demo {
            // The demo's server is on this machine: poll it briskly so live activity shows at once.
            config.poll_interval = Duration::from_secs(settings.poll_interval_secs.min(3));
        }
        let (handle, mut rx) = agentdesk_sync::spawn(client, store, config);
        handle.set_visible(self.ui.window_visible());
        let session = Arc::new(Session {
            workspace,
            handle,
            reader: Mutex::new(reader),
            demo: Mutex::new(demo),
            forward: Mutex::new(None),
            db_path,
            images: Arc::new(ImageCache::new(self.image_policy)),
        });
        let state = self.clone();
        let task_session = Arc::downgrade(&session);
        let forward = tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                let Some(session) = task_session.upgrade() else {
                    break;
                };
                state.on_sync_event(&session, event).await;
            }
        });
        *lock(&session.forward) = Some(forward);
        *slot = Some(Arc::clone(&session));
        drop(slot);
        let dto = session.dto();
        // The fallback file works, but the agent should know the token is not in the keychain.
        let token_notice = (!session.workspace.demo)
            .then(|| self.tokens.file_fallback(&session.workspace.id))
            .flatten()
            .map(|path| TokenLocation::File(path).describe());
        self.update_status(|status| status.token_notice = token_notice);
        // Counts from the cache at once: the inbox shows what it has before any request.
        let counts = read_counts(&session).await;
        self.publish_counts(counts);
        self.ui.send(UiEvent::Session(Some(dto.clone())));
        tracing::info!(workspace = %session.workspace.id, admin = %session.workspace.admin_id, demo = session.workspace.demo, "session started");
        Ok(dto)
    }

    /// The saved workspaces for the switcher, the open one marked active.
    pub async fn workspace_summaries(&self) -> AppResult<Vec<dto::WorkspaceSummary>> {
        let registry = self.registry.load().map_err(AppError::internal)?;
        let current = self.current_if_any().await.map(|s| s.workspace.id.clone());
        Ok(registry
            .workspaces
            .iter()
            .map(|w| dto::WorkspaceSummary::of(w, current.as_deref() == Some(w.id.as_str())))
            .collect())
    }

    /// Opens another saved workspace; saved as the active one only once it opened, so a
    /// failed switch keeps the workspace the agent is in, now and at the next start.
    pub async fn switch_workspace(&self, id: &str) -> AppResult<dto::Session> {
        let mut registry = self.registry.load().map_err(AppError::internal)?;
        let workspace = registry
            .workspaces
            .iter()
            .find(|w| w.id == id)
            .cloned()
            .ok_or_else(|| AppError::not_found(format!("Workspace {id}")))?;
        let name = workspace.name.clone();
        let dto = self
            .boot_saved(workspace)
            .await
            .map_err(|err| AppError::new(err.code, self.switch_failed(&name, &err.message)))?;
        registry.active = Some(id.to_string());
        self.registry.save(&registry).map_err(AppError::internal)?;
        Ok(dto)
    }

    /// Forgets a saved workspace: its caches and token go. The open one is logged out.
    pub async fn remove_workspace(&self, id: &str) -> AppResult<()> {
        let current = self.current_if_any().await.map(|s| s.workspace.id.clone());
        if current.as_deref() == Some(id) {
            return self.logout(false).await;
        }
        let mut registry = self.registry.load().map_err(AppError::internal)?;
        if let Some(w) = registry.remove(id) {
            Store::delete_workspace(&self.data_dir, &w.id).map_err(AppError::from)?;
            self.tokens.delete(&w.id).map_err(AppError::internal)?;
            self.ui.clear_web_data();
            if let Some(active) = current {
                registry.active = Some(active);
            }
            self.registry.save(&registry).map_err(AppError::internal)?;
        }
        Ok(())
    }

    /// Acts as another admin of the open workspace: a session of its own (its own cache),
    /// saved only once it opened, like a switch of workspace.
    pub async fn set_acting_admin(&self, admin_id: &str) -> AppResult<dto::Session> {
        let session = self.current().await?;
        let admins = {
            let s = Arc::clone(&session);
            blocking(move || s.read(|r| r.admins())).await??
        };
        let admin = admins.iter().find(|a| a.id == admin_id).ok_or_else(|| {
            AppError::invalid(format!("There is no admin {admin_id} in this workspace."))
        })?;
        let workspace = Workspace {
            admin_id: admin.id.clone(),
            admin_name: admin.name.clone(),
            ..session.workspace.clone()
        };
        if workspace.demo {
            return Err(AppError::invalid(
                "The demo workspace always acts as its own admin.",
            ));
        }
        let name = format!("{} as {}", workspace.name, workspace.admin_name);
        let dto = self
            .boot_saved(workspace.clone())
            .await
            .map_err(|err| AppError::new(err.code, self.switch_failed(&name, &err.message)))?;
        let mut registry = self.registry.load().map_err(AppError::internal)?;
        registry.upsert_active(workspace);
        self.registry.save(&registry).map_err(AppError::internal)?;
        Ok(dto)
    }

    /// Logout: refuses while writes wait to be sent (unless forced); then stops the
    /// session, closes its notifications, deletes its cache files and its token, and forgets
    /// it. The next saved workspace, if any, opens.
    pub async fn logout(&self, force: bool) -> AppResult<()> {
        let session = self.current().await?;
        if !force {
            let s = Arc::clone(&session);
            let pending = blocking(move || s.read(|r| r.pending_count())).await??;
            if pending > 0 {
                return Err(AppError::new(
                    "unsent_outbox",
                    format!(
                        "{pending} repl{} or action{} not been sent yet. Go online to send them, or log out anyway to discard them.",
                        if pending == 1 { "y" } else { "ies" },
                        if pending == 1 { " has" } else { "s have" }
                    ),
                ));
            }
        }
        let taken = self.session.lock().await.take();
        // This inbox goes (for the connect screen or the next workspace's inbox): links wait
        // for the next one.
        lock(&self.opens).stop_listening();
        if let Some(session) = taken {
            let workspace = session.workspace.clone();
            self.shutdown(session).await;
            // Every acting admin's cache, not only the current one's.
            Store::delete_workspace(&self.data_dir, &workspace.id).map_err(AppError::from)?;
            self.tokens
                .delete(&workspace.id)
                .map_err(AppError::internal)?;
            // The web view's own storage and caches, whatever they hold of this workspace.
            self.ui.clear_web_data();
            let mut registry = self.registry.load().map_err(AppError::internal)?;
            // The next saved workspace (if any) becomes the active one.
            registry.remove(&workspace.id);
            self.registry.save(&registry).map_err(AppError::internal)?;
            tracing::info!(workspace = %workspace.id, "logged out: cache, token and notifications cleared");
            // The other saved workspaces stay reachable: open the next one rather than a bare
            // connect screen with no way to them.
            if let Some(next) = registry.active().cloned() {
                let name = next.name.clone();
                match self.boot_saved(next).await {
                    Ok(_) => return Ok(()),
                    Err(err) => {
                        tracing::warn!(code = err.code, message = %err.message, "could not open the next workspace after logout");
                        self.set_status_error(
                            err.code,
                            format!("Logged out. {name} could not be opened: {}", err.message),
                        );
                    }
                }
            }
        }
        self.ui.send(UiEvent::Session(None));
        Ok(())
    }
}

impl Shared {
    /// Stops a session: engine first (its current transaction finishes), then the event
    /// task, notifications, the demo server; clears the counts and the tray.
    pub(crate) async fn shutdown(&self, session: Arc<Session>) {
        // First: no notification decided from now on is shown, even while the engine stops.
        self.notifier.close_all();
        session.handle.clone().stop(Duration::from_secs(5)).await;
        if let Some(task) = lock(&session.forward).take() {
            task.abort();
        }
        self.notifier.close_all();
        session.images.clear();
        let demo = lock(&session.demo).take();
        if let Some(sandbox) = demo {
            sandbox.shutdown().await;
            let _ = std::fs::remove_file(demo_url_file(&self.data_dir));
            let _ = std::fs::remove_file(demo_secret_file(&self.data_dir));
        }
        *lock(&self.open_conversation) = None;
        self.clear_status_and_counts();
        tracing::info!(workspace = %session.workspace.id, "session stopped");
    }

    /// Ends the current session without deleting anything (app exit). Idempotent.
    pub async fn close(&self) {
        let current = self.session.lock().await.take();
        if let Some(session) = current {
            self.shutdown(session).await;
        }
    }

    /// The sentence for a failed switch to `target`: why, and where the agent still is.
    pub fn switch_failed(&self, target: &str, why: &str) -> String {
        let still = self
            .session
            .try_lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.workspace.name.clone()));
        match still {
            Some(current) => format!("Could not open {target}: {why} You are still in {current}."),
            None => format!("Could not open {target}: {why}"),
        }
    }
}

async fn read_counts(session: &Arc<Session>) -> Vec<dto::ViewCount> {
    let s = Arc::clone(session);
    blocking(move || {
        let teams = s.team_ids();
        s.read(|r| r.view_counts(&s.workspace.admin_id, &teams))
            .unwrap_or_default()
    })
    .await
    .unwrap_or_default()
    .into_iter()
    .map(dto::ViewCount::from)
    .collect()
}

/// Deletes the cache at `path` and starts a new one holding only the old one's drafts (none
/// when the old one cannot be read: a demo restart is never blocked by its old cache).
fn renew_keeping_drafts(path: &std::path::Path) {
    let drafts = if path.exists() {
        Store::open(path)
            .and_then(|s| s.drafts())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let _ = Store::delete_files(path);
    if drafts.is_empty() {
        return;
    }
    match Store::open(path) {
        Ok(mut s) => {
            for d in drafts {
                if let Err(e) = s.save_draft(&d.id, &d.kind, &d.body) {
                    tracing::debug!(error = %e, "a demo draft was not carried over");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "the demo's drafts were not carried over"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::notify::Notifier;
    use crate::session::Ui;

    /// A window nobody looks at.
    struct NoWindow;

    impl Ui for NoWindow {
        fn send(&self, _: UiEvent) {}
        fn tray(&self, _: &[dto::ViewCount], _: bool) {}
        fn window_visible(&self) -> bool {
            false
        }
        fn clear_web_data(&self) {}
    }

    /// The demo's cache is made afresh at each start (its data is generated again), but the
    /// agent's drafts are carried over: its conversations are seeded the same each time.
    #[test]
    fn a_renewed_demo_cache_keeps_only_the_drafts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("demo.sqlite3");
        {
            let mut s = Store::open(&path).expect("a cache");
            s.upsert_conversations(&[store::Conversation {
                id: "7".into(),
                created_at: 1,
                updated_at: 1,
                open: true,
                ..Default::default()
            }])
            .expect("a conversation");
            s.save_draft("7", "note", "unsent note").expect("a draft");
        }
        renew_keeping_drafts(&path);
        let s = Store::open(&path).expect("the renewed cache");
        assert_eq!(
            s.conversation_count().expect("count"),
            0,
            "the old data is gone: the new demo server's data replaces it"
        );
        assert_eq!(
            s.drafts()
                .expect("drafts")
                .into_iter()
                .map(|d| (d.id, d.kind, d.body))
                .collect::<Vec<_>>(),
            vec![("7".into(), "note".into(), "unsent note".into())],
            "the draft is carried into the new cache as it was"
        );
        drop(s);
        std::fs::write(&path, b"not a database").expect("corrupt it");
        renew_keeping_drafts(&path);
        assert!(
            Store::open(&path).is_ok(),
            "an unreadable old cache does not stop the demo from starting afresh"
        );
    }

    /// Regression (issue 21, item 9): the demo's server listens on loopback, and its control
    /// API took any body as JSON, so a web page open in the agent's browser could write into
    /// the demo inbox with a `text/plain` POST (no CORS preflight) to its port.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_web_page_cannot_write_into_the_demo_workspace() {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = AppState::new(
            dir.path().to_path_buf(),
            Arc::new(Notifier::new(|_| {})),
            Arc::new(NoWindow),
            crate::secrets::EnvToken::default(),
        );
        state.boot_demo().await.expect("the demo workspace starts");
        let base = std::fs::read_to_string(demo_url_file(dir.path()))
            .expect("the demo writes its server's address");
        let secret_file = demo_secret_file(dir.path());
        let secret = std::fs::read_to_string(&secret_file)
            .expect("the demo writes its control secret for the e2e tests");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&secret_file)
                .expect("the secret file")
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o777,
                0o600,
                "no other user of the computer may read the control secret"
            );
        }
        let http = reqwest::Client::new();
        let inject = |marker: &str| {
            http.post(format!("{base}/_sandbox/conversations"))
                .header("content-type", "text/plain;charset=UTF-8")
                .body(format!(
                    r#"{{"subject": "{marker}", "body": "<p>{marker}</p>"}}"#
                ))
        };
        let mentioning = |marker: String| {
            let (http, base, secret) = (http.clone(), base.clone(), secret.clone());
            async move {
                let body = http
                    .get(format!("{base}/_sandbox/truth"))
                    .header(intercom_sandbox::CONTROL_SECRET_HEADER, &secret)
                    .send()
                    .await
                    .expect("the demo server answers")
                    .bytes()
                    .await
                    .expect("the truth's body");
                let truth: serde_json::Value = serde_json::from_slice(&body)
                    .expect("the secret from the file opens the truth (JSON, not an error)");
                truth["conversations"]
                    .as_array()
                    .expect("the truth lists conversations")
                    .iter()
                    .filter(|c| c.to_string().contains(&marker))
                    .count()
            }
        };

        let page = inject("FROM-A-WEB-PAGE")
            .header("origin", "http://evil.example")
            .send()
            .await
            .expect("the demo server answers");
        assert!(
            page.status().is_client_error(),
            "a web page's cross-origin text/plain POST is refused, got {}",
            page.status()
        );
        let bare = inject("WITHOUT-THE-SECRET")
            .send()
            .await
            .expect("the demo server answers");
        assert_eq!(
            bare.status().as_u16(),
            401,
            "a request without the secret is refused even with no Origin to give it away \
             (a browser that sends none, a page rebound to 127.0.0.1)"
        );
        let with_secret_from_a_page = inject("SECRET-BUT-FOREIGN")
            .header("origin", "http://evil.example")
            .header(intercom_sandbox::CONTROL_SECRET_HEADER, &secret)
            .send()
            .await
            .expect("the demo server answers");
        assert_eq!(
            with_secret_from_a_page.status().as_u16(),
            403,
            "a foreign Origin is refused even with the secret (defence in depth)"
        );
        for marker in [
            "FROM-A-WEB-PAGE",
            "WITHOUT-THE-SECRET",
            "SECRET-BUT-FOREIGN",
        ] {
            assert_eq!(
                mentioning(marker.into()).await,
                0,
                "a refused request changes nothing in the demo workspace ({marker})"
            );
        }

        let app = inject("WITH-THE-SECRET")
            .header(intercom_sandbox::CONTROL_SECRET_HEADER, &secret)
            .send()
            .await
            .expect("the demo server answers");
        assert_eq!(
            app.status().as_u16(),
            200,
            "a request carrying the secret works (the e2e tests drive the demo this way)"
        );
        assert_eq!(
            mentioning("WITH-THE-SECRET".into()).await,
            1,
            "the injection with the secret is in the demo workspace"
        );

        state.close().await;
        assert!(
            !secret_file.exists(),
            "the secret goes with the demo server it opens"
        );
    }
}
