//! What the session tells the window, and the few things it asks of it. The app layer speaks
//! in [`UiEvent`]s (typed payloads, no names); the shell implements [`Ui`] and is the one
//! place that gives each event its name on the IPC bus (`src-tauri/events.rs`).

use crate::dto;

/// Something the window should know. Rows never travel here: events carry ids, counts and
/// status, and the window asks for the rows it shows.
#[derive(Debug, Clone)]
pub enum UiEvent {
    /// The view counts changed (`inbox://counts`).
    Counts(Vec<dto::ViewCount>),
    /// These conversations changed in the cache (`inbox://changed`).
    Changed(dto::ConversationsChanged),
    /// The sync status changed (`sync://status`).
    Status(dto::SyncStatus),
    /// A session started (`Some`) or ended with none after it (`None`) (`session://changed`).
    Session(Option<dto::Session>),
    /// Open this conversation (`app://open-conversation`).
    OpenConversation(dto::OpenConversation),
    /// Show this view (`app://show-view`).
    ShowView(String),
}

impl UiEvent {
    /// `inbox://changed` for one conversation.
    pub fn changed(conversation_id: String) -> UiEvent {
        UiEvent::Changed(dto::ConversationsChanged {
            conversation_ids: vec![conversation_id],
            ticket_ids: Vec::new(),
        })
    }

    /// Tickets changed: the window refetches them if shown.
    pub fn tickets_changed(ticket_ids: Vec<String>) -> UiEvent {
        UiEvent::Changed(dto::ConversationsChanged {
            conversation_ids: Vec::new(),
            ticket_ids,
        })
    }
}

/// The window the session runs under: the Tauri shell, or a recorder in tests.
pub trait Ui: Send + Sync + 'static {
    /// Delivers an event to the window.
    fn send(&self, event: UiEvent);
    /// Shows the counts outside the window (the tray's badge, tooltip and menu).
    fn tray(&self, counts: &[dto::ViewCount], do_not_disturb: bool);
    /// Whether the window is on screen (the engine polls slower while it is hidden).
    fn window_visible(&self) -> bool;
    /// Empties what the web view keeps on disk of the pages it showed (WebKit's local
    /// storage, IndexedDB, caches, cookies): called at logout, so nothing of the workspace's
    /// conversations stays there whatever a page or the engine stored.
    fn clear_web_data(&self);
}
