//! What the agent changes while the app runs, outside the inbox's reads and writes: the
//! settings (applied at once where they can be: the poll interval, do-not-disturb on the
//! tray), do-not-disturb from the tray, "Sync now", and a view chosen in the tray.

use super::state::{lock, Shared};
use super::ui::UiEvent;
use crate::error::{AppError, AppResult};
use crate::settings::Settings;

/// Settings before and after an update, so the shell applies what only it can (start at
/// login) when it changed.
#[derive(Debug, Clone)]
pub struct SettingsChange {
    /// What they were.
    pub before: Settings,
    /// What they are now (saved).
    pub after: Settings,
}

impl Shared {
    /// Merges a partial update (the fields the UI sent) into the settings, validates,
    /// saves, and applies what applies now.
    pub async fn update_settings(&self, patch: &serde_json::Value) -> AppResult<SettingsChange> {
        let before = self.settings();
        let after = before.merged(patch)?;
        self.settings_file
            .save(&after)
            .map_err(|e| AppError::internal(format!("Cannot save the settings: {e}")))?;
        *lock(&self.settings) = after.clone();
        if after.poll_interval_secs != before.poll_interval_secs {
            if let Some(session) = self.current_if_any().await {
                session
                    .handle
                    .set_poll_interval(std::time::Duration::from_secs(after.poll_interval_secs));
            }
        }
        if after.do_not_disturb != before.do_not_disturb {
            self.ui.tray(&self.counts(), after.do_not_disturb);
        }
        Ok(SettingsChange { before, after })
    }

    /// Tray "Do not disturb": flips it, saves, redraws the tray.
    pub fn toggle_do_not_disturb(&self) {
        let settings = {
            let mut s = lock(&self.settings);
            s.do_not_disturb = !s.do_not_disturb;
            s.clone()
        };
        let _ = self.settings_file.save(&settings);
        self.ui.tray(&self.counts(), settings.do_not_disturb);
    }

    /// "Sync now" (tray or window): the open session syncs at once.
    pub async fn sync_now(&self) -> AppResult<()> {
        self.current().await?.handle.sync_now();
        Ok(())
    }

    /// Shows or hides the window: while it is hidden in the tray the engine polls slower.
    pub async fn set_window_visible(&self, visible: bool) {
        if let Some(s) = self.current_if_any().await {
            s.handle.set_visible(visible);
        }
    }

    /// A view chosen in the tray: the window selects it.
    pub fn show_view(&self, view: &str) {
        self.ui.send(UiEvent::ShowView(view.to_string()));
    }
}
