//! The app's state and its one open session, split by concern:
//! - `state`: what is held ([`AppState`], [`Shared`], [`Session`], the queue of
//!   conversations to open);
//! - `life`: boot, shutdown, logout, switching workspace or acting admin;
//! - `events`: the engine's domain events become UI events, the status and the counts;
//! - `alerts`: which new customer messages notify, and notifying;
//! - `controls`: settings, do-not-disturb, "Sync now", window visibility;
//! - `ui`: what the session tells the window ([`UiEvent`]) through the shell's [`Ui`].
//!
//! Nothing here knows Tauri: the shell implements [`Ui`] and calls these functions from its
//! commands, tray and window events.

mod alerts;
mod controls;
mod events;
mod life;
mod state;
mod ui;

pub use alerts::in_followed_views;
pub use controls::SettingsChange;
pub use life::{demo_secret_file, demo_url_file};
pub use state::{AppState, OpenQueue, Session, Shared};
pub use ui::{Ui, UiEvent};

pub(crate) use state::{blocking, lock};
