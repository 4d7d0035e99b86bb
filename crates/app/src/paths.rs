//! Where Agentdesk keeps its files, and that they are this user's alone: one data directory
//! (caches, settings, the workspace list, saved replies, the token file when there is no
//! keychain) and a log directory inside it. `--data-dir` or `AGENTDESK_DATA_DIR` override it,
//! which is how tests and several side-by-side profiles stay apart.
//!
//! Every folder of ours is created 0700 and every file 0600, whatever the umask: another
//! user of a shared computer must not read a customer's messages from the cache, a log or a
//! settings file. Files are created with their mode (never created first and narrowed
//! after), and [`restrict_tree`] narrows what an older version or a library left wider.
//! Narrowing only takes the group's and others' bits away: a folder the user made read-only
//! for themselves stays so (and the app says it cannot write there).

use std::io::Write;
use std::path::{Path, PathBuf};

/// The app identifier from tauri.conf.json; the default data directory is named after it.
pub const IDENTIFIER: &str = "dev.agentdesk.app";

/// The mode of every folder of ours: the user alone may list and enter it.
pub const PRIVATE_DIR_MODE: u32 = 0o700;

/// The mode of every file of ours: the user alone may read and write it.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The data directory: the override if given, else `$XDG_DATA_HOME/dev.agentdesk.app`
/// (the same place Tauri's `app_data_dir` resolves to on Linux).
pub fn data_dir(overridden: Option<&PathBuf>) -> PathBuf {
    if let Some(dir) = overridden {
        return dir.clone();
    }
    dirs::data_dir()
        .unwrap_or_else(|| std::env::temp_dir().join("agentdesk"))
        .join(IDENTIFIER)
}

/// Rolling log files live here.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The window-state plugin's file (size, position, maximized), in the data directory.
pub fn window_state_file(data_dir: &Path) -> PathBuf {
    data_dir.join("window-state.json")
}

/// WebKit's own storage for the window (local storage, caches, cookies: the page uses none
/// of them, but WebKit keeps its folders), in the data directory so it is private like the
/// rest and a profile given `--data-dir` does not share it.
pub fn webview_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("webview")
}

/// Creates `dir` and its missing parents 0700, and narrows `dir` itself if it existed with
/// bits for the group or others (a data directory made by an older version, or by hand).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(PRIVATE_DIR_MODE)
            .create(dir)?;
        narrow(dir, &std::fs::metadata(dir)?, PRIVATE_DIR_MODE)?;
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Takes away the bits of `meta`'s mode outside `allowed` (the group's and others'); the
/// user's own bits are left as they are. Whether it changed anything.
#[cfg(unix)]
fn narrow(path: &Path, meta: &std::fs::Metadata, allowed: u32) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & !allowed == 0 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & allowed))?;
    Ok(true)
}

/// Opens `path` for writing (created 0600 if missing, truncated), its folder made private
/// first.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_FILE_MODE);
    }
    let file = options.open(path)?;
    // A file that existed keeps its old mode through `open`: narrow it.
    #[cfg(unix)]
    narrow(path, &file.metadata()?, PRIVATE_FILE_MODE)?;
    Ok(file)
}

/// Writes `bytes` to `path` atomically (a 0600 temporary file beside it, synced, then
/// renamed over it), in a 0700 folder: a crash mid-write leaves the previous contents, and
/// no other user can read either.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = create_private(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)
}

/// Creates `path` empty and 0600 if it does not exist, or narrows it if it does, so a
/// library that later writes it by truncating (the window-state plugin) keeps the mode.
pub fn touch_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            narrow(path, &std::fs::symlink_metadata(path)?, PRIVATE_FILE_MODE)?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Narrows everything under `root` (itself included): folders to at most 0700, files to at
/// most 0600, without following symbolic links: what an older version wrote with the
/// umask's modes, and what a library writes with its own (WebKit's folders, the
/// window-state file). Returns how many entries it narrowed; entries it cannot change are
/// skipped (logged).
pub fn restrict_tree(root: &Path) -> usize {
    #[cfg(unix)]
    {
        let mut narrowed = 0;
        let mut stack = vec![root.to_path_buf()];
        while let Some(path) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let allowed = if meta.is_dir() {
                if let Ok(entries) = std::fs::read_dir(&path) {
                    stack.extend(entries.flatten().map(|e| e.path()));
                }
                PRIVATE_DIR_MODE
            } else if meta.is_file() {
                PRIVATE_FILE_MODE
            } else {
                continue;
            };
            match narrow(&path, &meta, allowed) {
                Ok(true) => narrowed += 1,
                Ok(false) => {}
                Err(err) => {
                    tracing::warn!(path = %path.display(), %err, "cannot make this file private")
                }
            }
        }
        narrowed
    }
    #[cfg(not(unix))]
    {
        let _ = root;
        0
    }
}

/// What the app keeps in its data directory: these names, and files named after them with a
/// suffix (`settings.json.tmp`, `workspaces.json.bad`). Only these are narrowed at start, so a
/// `--data-dir` pointed at a folder holding other things (a home directory) leaves those be.
const OWN_ENTRIES: &[&str] = &[
    "workspaces.json",
    "settings.json",
    "saved_replies.json",
    "window-state.json",
    "demo-sandbox.url",
    "demo-sandbox.secret",
    "last-crash.json",
    "logs",
    "cache",
    "secrets",
    "webview",
];

/// Makes the data directory and its log directory private (creating them), then narrows
/// what the app keeps there that was left wider. Called first thing by the window and every
/// subcommand, before the log starts.
pub fn prepare_data_dir(data_dir: &Path) -> std::io::Result<()> {
    private_dir(data_dir)?;
    private_dir(&log_dir(data_dir))?;
    for entry in std::fs::read_dir(data_dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = OWN_ENTRIES.iter().any(|own| {
            name == *own
                || name
                    .strip_prefix(own)
                    .is_some_and(|rest| rest.starts_with('.'))
        });
        if ours {
            restrict_tree(&entry.path());
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn private_writes_are_0600_in_0700_folders_even_over_wider_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/settings.json");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&file, b"new").unwrap();
        assert_eq!(
            std::fs::read(&file).unwrap(),
            b"new",
            "the contents are replaced"
        );
        assert_eq!(mode(&file), 0o600, "the file is the user's alone");
        assert_eq!(mode(file.parent().unwrap()), 0o700, "and so is its folder");
    }

    #[test]
    fn preparing_narrows_the_apps_own_entries_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("cache/ws")).unwrap();
        for file in ["cache/ws/admin-1.sqlite3", "settings.json.bad", "notes.sh"] {
            std::fs::write(data.join(file), b"x").unwrap();
            std::fs::set_permissions(data.join(file), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare_data_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700, "the data directory is private");
        assert_eq!(mode(&data.join("logs")), 0o700, "and its log directory");
        assert_eq!(
            mode(&data.join("cache/ws/admin-1.sqlite3")),
            0o600,
            "a cache an older version left readable is narrowed"
        );
        assert_eq!(
            mode(&data.join("settings.json.bad")),
            0o600,
            "so is a file named after one of ours"
        );
        assert_eq!(
            mode(&data.join("notes.sh")),
            0o755,
            "a file that is not the app's is left as it is (a --data-dir may hold other things)"
        );
    }

    #[test]
    fn narrowing_never_gives_the_user_a_permission_they_took_away() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("cache");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("db"), b"x").unwrap();
        std::fs::set_permissions(folder.join("db"), std::fs::Permissions::from_mode(0o444))
            .unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
        restrict_tree(&folder);
        assert_eq!(
            mode(&folder),
            0o500,
            "a folder made read-only stays read-only (the app then says it cannot write)"
        );
        assert_eq!(
            mode(&folder.join("db")),
            0o400,
            "and so does a read-only file"
        );
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
    }

    #[test]
    fn restrict_tree_narrows_everything_but_follows_no_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        std::fs::create_dir_all(root.join("logs")).unwrap();
        std::fs::write(root.join("logs/x.log"), b"x").unwrap();
        std::fs::set_permissions(root.join("logs"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::set_permissions(
            root.join("logs/x.log"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::fs::set_permissions(outside.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
        assert!(restrict_tree(&root) >= 2, "the wide entries are counted");
        assert_eq!(mode(&root.join("logs")), 0o700, "folders become private");
        assert_eq!(
            mode(&root.join("logs/x.log")),
            0o600,
            "files become private"
        );
        assert_eq!(
            mode(outside.path()),
            0o755,
            "a link is not followed: what it points at is not ours to change"
        );
    }
}
