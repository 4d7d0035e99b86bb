//! The one place the app layer's events get their names on the IPC bus, and the shell's
//! side of [`agentdesk_app::Ui`]: events go to the window (`emit`), counts to the tray. The
//! UI declares the same names once too, in `ui/src/lib/ipc.ts` (docs/IPC.md).

use agentdesk_app::dto::ViewCount;
use agentdesk_app::{Ui, UiEvent};
use tauri::{AppHandle, Emitter, Manager};

/// UI event names, declared once.
pub(crate) mod names {
    /// The view counts (`Vec<ViewCount>`).
    pub(crate) const COUNTS: &str = "inbox://counts";
    /// Conversations that changed (`{conversationIds}`).
    pub(crate) const CHANGED: &str = "inbox://changed";
    /// The sync status.
    pub(crate) const STATUS: &str = "sync://status";
    /// A session started or ended (the session, or null).
    pub(crate) const SESSION: &str = "session://changed";
    /// Open a conversation (`{id, prefill}`).
    pub(crate) const OPEN_CONVERSATION: &str = "app://open-conversation";
    /// Show a view (its id).
    pub(crate) const SHOW_VIEW: &str = "app://show-view";
}

/// The window and tray of this app, as the session sees them.
pub(crate) struct TauriUi {
    app: AppHandle,
}

impl TauriUi {
    pub(crate) fn new(app: AppHandle) -> TauriUi {
        TauriUi { app }
    }
}

impl Ui for TauriUi {
    fn send(&self, event: UiEvent) {
        let app = &self.app;
        let _ = match event {
            UiEvent::Counts(counts) => app.emit(names::COUNTS, counts),
            UiEvent::Changed(changed) => app.emit(names::CHANGED, changed),
            UiEvent::Status(status) => app.emit(names::STATUS, status),
            UiEvent::Session(session) => app.emit(names::SESSION, session),
            UiEvent::OpenConversation(open) => app.emit(names::OPEN_CONVERSATION, open),
            UiEvent::ShowView(view) => app.emit(names::SHOW_VIEW, view),
        };
    }

    fn tray(&self, counts: &[ViewCount], do_not_disturb: bool) {
        crate::tray::update(&self.app, counts, do_not_disturb);
    }

    fn window_visible(&self) -> bool {
        self.app
            .get_webview_window(crate::window::MAIN_WINDOW)
            .and_then(|w| w.is_visible().ok())
            .unwrap_or(true)
    }

    fn clear_web_data(&self) {
        // WebKit deletes in the background; the files are gone shortly after logout.
        let cleared = self
            .app
            .get_webview_window(crate::window::MAIN_WINDOW)
            .map(|w| w.clear_all_browsing_data());
        match cleared {
            Some(Ok(())) => tracing::info!("cleared the web view's storage and caches"),
            Some(Err(err)) => tracing::warn!(%err, "could not clear the web view's storage"),
            None => {}
        }
    }
}
