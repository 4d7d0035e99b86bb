//! The agent's preferences, persisted as `settings.json` in the data directory. A missing
//! file means defaults; an unreadable or invalid one is moved aside (`settings.json.bad`) and
//! replaced by defaults, with a warning, so a broken file never stops the app from starting.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// Everything the Settings screen shows. Field names are the IPC names (camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// View ids whose new customer messages raise notifications.
    pub notify_views: Vec<String>,
    /// Notifications play a sound.
    pub sound: bool,
    /// Notifications say who wrote, not what.
    pub hide_message_text: bool,
    /// Poll interval while the window is visible (it is 60 s while hidden).
    pub poll_interval_secs: u64,
    /// The desktop starts the app when the agent logs in.
    pub start_at_login: bool,
    /// The window starts hidden in the tray.
    pub start_hidden: bool,
    /// Closing the window keeps the app in the tray.
    pub close_to_tray: bool,
    /// No notifications (the tray still counts).
    pub do_not_disturb: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notify_views: vec!["mine".into(), "unassigned".into()],
            sound: true,
            hide_message_text: false,
            poll_interval_secs: 10,
            start_at_login: false,
            start_hidden: false,
            close_to_tray: true,
            do_not_disturb: false,
        }
    }
}

/// Bounds on what can be saved, so a hand-edited file cannot make the app poll in a loop.
pub const POLL_INTERVAL_RANGE: std::ops::RangeInclusive<u64> = 5..=3600;

impl Settings {
    /// These settings with a partial update applied (the fields the UI sent, by their IPC
    /// names): an unknown key or a value of the wrong type is refused, and the result is
    /// brought into range.
    pub fn merged(&self, patch: &serde_json::Value) -> AppResult<Settings> {
        let mut merged =
            serde_json::to_value(self).map_err(|e| AppError::internal(e.to_string()))?;
        let (Some(target), Some(patch)) = (merged.as_object_mut(), patch.as_object()) else {
            return Err(AppError::invalid("Settings must be an object."));
        };
        for (k, v) in patch {
            if !target.contains_key(k) {
                return Err(AppError::invalid(format!("{k:?} is not a setting.")));
            }
            target.insert(k.clone(), v.clone());
        }
        let next: Settings = serde_json::from_value(merged)
            .map_err(|e| AppError::invalid(format!("A setting has the wrong type: {e}")))?;
        Ok(next.normalized())
    }

    /// Brings every field into its allowed range.
    pub fn normalized(mut self) -> Settings {
        self.poll_interval_secs = self
            .poll_interval_secs
            .clamp(*POLL_INTERVAL_RANGE.start(), *POLL_INTERVAL_RANGE.end());
        self.notify_views.retain(|v| !v.trim().is_empty());
        self.notify_views.dedup();
        self
    }
}

/// Reads and writes the settings file.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    /// `settings.json` in `data_dir`.
    pub fn new(data_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: data_dir.join("settings.json"),
        }
    }

    /// Loads the settings; never fails (see the module doc).
    pub fn load(&self) -> Settings {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Settings::default(),
            Err(err) => {
                tracing::warn!(path = %self.path.display(), %err, "cannot read settings; using defaults");
                return Settings::default();
            }
        };
        match serde_json::from_slice::<Settings>(&bytes) {
            Ok(settings) => settings.normalized(),
            Err(err) => {
                let aside = self.path.with_extension("json.bad");
                let _ = std::fs::rename(&self.path, &aside);
                tracing::warn!(path = %self.path.display(), moved_to = %aside.display(), %err,
                    "settings file is not valid; moved it aside and using defaults");
                Settings::default()
            }
        }
    }

    /// Saves atomically (write a temporary file, then rename), so a crash mid-write leaves the
    /// previous settings intact; the file is the user's alone (`paths::write_private`).
    pub fn save(&self, settings: &Settings) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
        crate::paths::write_private(&self.path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(
            file.load(),
            Settings::default(),
            "first start has no settings file"
        );
    }

    #[test]
    fn saved_settings_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        let settings = Settings {
            do_not_disturb: true,
            poll_interval_secs: 30,
            ..Settings::default()
        };
        file.save(&settings).unwrap();
        assert_eq!(file.load(), settings, "settings persist across restarts");
    }

    #[test]
    fn invalid_file_is_moved_aside_and_defaults_used() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        std::fs::write(dir.path().join("settings.json"), b"{ not json").unwrap();
        assert_eq!(
            file.load(),
            Settings::default(),
            "a broken file must not stop the app"
        );
        assert!(
            dir.path().join("settings.json.bad").exists(),
            "the broken file is kept for inspection"
        );
    }

    #[test]
    fn unknown_and_missing_fields_are_tolerated_and_ranges_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        std::fs::write(
            dir.path().join("settings.json"),
            br#"{"pollIntervalSecs": 0, "futureField": 1}"#,
        )
        .unwrap();
        let loaded = file.load();
        assert_eq!(
            loaded.poll_interval_secs, 5,
            "a zero interval would poll in a loop; clamp it"
        );
        assert!(loaded.close_to_tray, "missing fields take their defaults");
    }
}
