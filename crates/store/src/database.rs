//! Opening the cache: where its file lives, connection pragmas, migrations, detection and
//! rebuild of a corrupt file, reader connections, and deleting the files at logout.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use tracing::{info, warn};

use crate::error::{Result, StoreError};
use crate::migrations::MIGRATIONS;

/// How long a connection waits for another one's write lock before `StoreError::Busy`.
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// The database file for one workspace (Intercom app id) and acting admin, under `data_dir`.
/// Ids are reduced to `[A-Za-z0-9_-]` so no id can escape the folder.
pub fn db_path(data_dir: &Path, workspace_id: &str, admin_id: &str) -> PathBuf {
    workspace_cache_dir(data_dir, workspace_id)
        .join(format!("admin-{}.sqlite3", safe_file_name(admin_id)))
}

/// The folder of every cache file of one workspace: one database per acting admin (with its
/// sidecar files and any `.corrupt-*` copies).
pub fn workspace_cache_dir(data_dir: &Path, workspace_id: &str) -> PathBuf {
    data_dir.join("cache").join(safe_file_name(workspace_id))
}

/// An id (a workspace's, an admin's: strings from Intercom or the user) as one file-name
/// component that cannot leave its folder: letters, digits, `-` and `_` are kept, anything
/// else (`/`, `.`, spaces) becomes `_`, and an empty id is `_`. The one rule for every file
/// named after an id (caches here, the token files of the app's secrets).
pub fn safe_file_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "_".to_owned()
    } else {
        s
    }
}

/// What `Store::open` found, so the app can tell the user when the cache was rebuilt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// An existing, healthy cache was opened.
    Opened,
    /// No cache existed; an empty one was created (a full sync follows).
    Created,
    /// The file was damaged or not a database: it was moved to `moved_to` and an empty cache
    /// created in its place (a full sync rebuilds it from Intercom).
    Rebuilt {
        /// Where the damaged file now is.
        moved_to: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
}

/// Current unix time in seconds (the store's clock for bookkeeping columns).
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A read-only view of the cache: every query lives here, so the app can run them on a
/// reader connection (WAL lets readers run while the writer writes). `Store` derefs to it.
pub struct Reader {
    pub(crate) conn: Connection,
    pub(crate) path_label: String,
}

impl Reader {
    /// Maps a rusqlite error to a `StoreError` naming this database.
    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path_label, e)
    }
}

/// The cache's one writer connection (and, through `Deref`, its queries).
/// Writes take `&mut self` and run in one IMMEDIATE transaction each.
pub struct Store {
    reader: Reader,
    path: Option<PathBuf>,
    outcome: OpenOutcome,
}

impl Deref for Store {
    type Target = Reader;
    fn deref(&self) -> &Reader {
        &self.reader
    }
}

impl Store {
    /// Opens (creating or migrating) the cache at `path`. A damaged or non-SQLite file is moved
    /// aside to `<name>.corrupt-<unix time>` and a fresh cache created: see `open_outcome()`.
    /// A read-only folder or a full disk is an error whose message says what to do.
    #[tracing::instrument(skip_all, fields(path = %path.display()), err)]
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir(dir).map_err(|source| StoreError::Io {
                action: "create the data directory",
                path: dir.to_owned(),
                source,
            })?;
        }
        let existed = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        private_files(path).map_err(|source| StoreError::Io {
            action: "make the cache file private",
            path: path.to_owned(),
            source,
        })?;
        // A -wal left behind means the last session did not close cleanly: check every page.
        // A non-empty -wal left behind means the last session did not close cleanly (a clean
        // close checkpoints and truncates it).
        let unclean = std::fs::metadata(sidecar(path, "-wal")).is_ok_and(|m| m.len() > 0);
        let label = path.display().to_string();
        let outcome = match open_checked(path, &label, unclean) {
            Ok(conn) => {
                let outcome = if existed {
                    OpenOutcome::Opened
                } else {
                    OpenOutcome::Created
                };
                return Store::from_conn(conn, Some(path.to_owned()), label, outcome);
            }
            Err(Damage::Other(e)) => return Err(e),
            Err(Damage::Corrupt(reason)) => {
                let moved_to = move_aside(path)?;
                // The fresh file in its place is as private as the one moved aside.
                private_files(path).map_err(|source| StoreError::Io {
                    action: "make the cache file private",
                    path: path.to_owned(),
                    source,
                })?;
                warn!(moved_to = %moved_to.display(), %reason, "the cache was damaged; rebuilding");
                OpenOutcome::Rebuilt { moved_to, reason }
            }
        };
        let conn = open_checked(path, &label, false).map_err(|d| match d {
            Damage::Other(e) => e,
            Damage::Corrupt(reason) => StoreError::InvalidInput(format!(
                "a fresh cache at {label} is reported damaged ({reason}): check the disk"
            )),
        })?;
        Store::from_conn(conn, Some(path.to_owned()), label, outcome)
    }

    /// An in-memory cache (tests, previews). It has no reader connections.
    pub fn open_in_memory() -> Result<Store> {
        let label = ":memory:".to_owned();
        let mut conn =
            Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(&label, e))?;
        configure(&conn, &label)?;
        MIGRATIONS
            .to_latest(&mut conn)
            .map_err(StoreError::Migration)?;
        Store::from_conn(conn, None, label, OpenOutcome::Created)
    }

    fn from_conn(
        conn: Connection,
        path: Option<PathBuf>,
        label: String,
        outcome: OpenOutcome,
    ) -> Result<Store> {
        let mut store = Store {
            reader: Reader {
                conn,
                path_label: label,
            },
            path,
            outcome,
        };
        // A send interrupted by a crash may have reached Intercom: never resend it blindly.
        store.recover_interrupted_sends()?;
        Ok(store)
    }

    /// What opening found (opened, created, or rebuilt after moving a damaged file aside).
    pub fn open_outcome(&self) -> &OpenOutcome {
        &self.outcome
    }

    /// The database file, or `None` for an in-memory cache.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Copies the write-ahead log into the database and truncates it, so the next open sees a
    /// clean close (no integrity check needed). The engine calls it when it stops.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|e| self.err(e))
    }

    /// Hands the page cache's memory back (`PRAGMA shrink_memory`): the engine calls it after
    /// each sync cycle, so an idle app does not keep the pages a backfill or detail pass
    /// went through.
    pub fn release_memory(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA shrink_memory;")
            .map_err(|e| self.err(e))
    }

    /// Caps the database at `max_bytes` (rounded down to whole pages): writes beyond it fail
    /// with `StoreError::DiskFull`, exactly as on a full disk (tests use it to simulate one).
    pub fn set_size_limit(&self, max_bytes: u64) -> Result<()> {
        let page_size: i64 = self
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let pages = (max_bytes / page_size.max(1) as u64).max(1);
        let _: i64 = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A new read-only connection to the same file, for queries off the writer's thread.
    pub fn open_reader(&self) -> Result<Reader> {
        let path = self.path.as_deref().ok_or_else(|| {
            StoreError::InvalidInput(
                "an in-memory cache has no reader connections: query the Store itself".into(),
            )
        })?;
        let label = self.path_label.clone();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::from_sqlite(&label, e))?;
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS.into()))
            .map_err(|e| StoreError::from_sqlite(&label, e))?;
        // Readers serve the window's pages and searches: an 8 MiB cache holds the hot index
        // pages; no memory mapping (see `configure`).
        conn.execute_batch(
            "PRAGMA query_only = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192;
             PRAGMA mmap_size = 0;",
        )
        .map_err(|e| StoreError::from_sqlite(&label, e))?;
        Ok(Reader {
            conn,
            path_label: label,
        })
    }

    /// Runs `f` in one IMMEDIATE write transaction (committed only if `f` succeeds).
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let label = self.reader.path_label.clone();
        let tx = self
            .reader
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(&label, e))?;
        let value = f(&tx).map_err(|e| relabel(e, &label))?;
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(&label, e))?;
        Ok(value)
    }

    /// Deletes every cache file of a workspace, whichever admin it was acting as (logout,
    /// removing a workspace): the whole [`workspace_cache_dir`]. Nothing there is not an
    /// error. Close every `Store` and `Reader` on them first.
    pub fn delete_workspace(data_dir: &Path, workspace_id: &str) -> Result<()> {
        let dir = workspace_cache_dir(data_dir, workspace_id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {
                info!(path = %dir.display(), "deleted the workspace's cache files");
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io {
                action: "delete the workspace's cache files",
                path: dir,
                source,
            }),
        }
    }

    /// Deletes the database at `path` with its `-wal`, `-shm` and `-journal` files and any
    /// `.corrupt-*` copies beside it (logout). Missing files are not an error. Close every
    /// `Store` and `Reader` on it first.
    pub fn delete_files(path: &Path) -> Result<()> {
        let mut victims = vec![path.to_owned()];
        for suffix in ["-wal", "-shm", "-journal"] {
            victims.push(sidecar(path, suffix));
        }
        if let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str()))
        {
            let prefix = format!("{name}.corrupt-");
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.flatten() {
                    if entry
                        .file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with(&prefix))
                    {
                        victims.push(entry.path());
                    }
                }
            }
        }
        for victim in victims {
            match std::fs::remove_file(&victim) {
                Ok(()) => info!(path = %victim.display(), "deleted cache file"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StoreError::Io {
                        action: "delete the cache file",
                        path: victim,
                        source,
                    });
                }
            }
        }
        if let Some(dir) = path.parent() {
            // Leave no empty workspace folder behind; a non-empty one stays.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }
}

/// Gives a generic SQLite error the database's path (disk full, read-only messages name it).
fn relabel(e: StoreError, label: &str) -> StoreError {
    match e {
        StoreError::DiskFull { source, .. } => StoreError::DiskFull {
            path: label.to_owned(),
            source,
        },
        StoreError::ReadOnly { source, .. } => StoreError::ReadOnly {
            path: label.to_owned(),
            source,
        },
        StoreError::Sqlite(source) => StoreError::from_sqlite(label, source),
        other => other,
    }
}

/// Creates `dir` and its missing parents readable by this user only (0700); an existing
/// `dir` loses any bit for the group or others (the user's own bits stay: a folder made
/// read-only stays read-only, and opening then says so).
fn private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        narrow(dir, 0o700);
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
}

/// Takes away the group's and others' bits of `path` (at most `allowed`), if it exists. A
/// file that cannot be changed (not ours) is left as it is, with a warning.
#[cfg(unix)]
fn narrow(path: &Path, allowed: u32) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o7777;
    if meta.file_type().is_symlink() || mode & !allowed == 0 {
        return;
    }
    if let Err(err) =
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & allowed))
    {
        warn!(path = %path.display(), %err, "cannot make this cache file private");
    }
}

/// The cache holds customers' messages, names and emails: a new database file is created
/// 0600 before SQLite opens it (SQLite would create it 0644 less the umask), and SQLite gives
/// the `-wal`, `-shm` and `-journal` files it creates the database file's mode. A file or
/// sidecar that exists already (an older version's) is narrowed.
fn private_files(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => narrow(path, 0o600),
            Err(e) => return Err(e),
        }
        for suffix in ["-wal", "-shm", "-journal"] {
            narrow(&sidecar(path, suffix), 0o600);
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

enum Damage {
    Corrupt(String),
    Other(StoreError),
}

impl From<StoreError> for Damage {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Corrupt(source) => Damage::Corrupt(source.to_string()),
            other => Damage::Other(other),
        }
    }
}

fn configure(conn: &Connection, label: &str) -> Result<()> {
    let e = |e| StoreError::from_sqlite(label, e);
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS.into()))
        .map_err(e)?;
    // journal_mode returns a row, so it is read rather than executed; an in-memory database
    // answers "memory", which is fine.
    let _mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(e)?;
    conn.execute_batch(
        // A page cache of up to 64 MiB: at 100k conversations the default 2 MiB cache makes
        // every upsert miss (measured: 3.4k rows/s instead of 13k+). It fills only as far as
        // the writes reach and `release_memory` empties it after a sync cycle. No memory
        // mapping: a mapped file counts in the app's memory as it is read (256 MB after one
        // integrity check of a 100k cache), while reads through the OS page cache cost little.
        // Checkpoints every 10,000 WAL pages (~40 MB) instead of 1,000: a page upsert dirties
        // hundreds of random index pages, so the default checkpointed (and fsynced) every
        // other transaction and copied the same hot pages back again and again; the WAL file
        // is truncated back to 64 MiB after a checkpoint.
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536; PRAGMA mmap_size = 0;
         PRAGMA wal_autocheckpoint = 10000; PRAGMA journal_size_limit = 67108864;",
    )
    .map_err(e)?;
    Ok(())
}

fn open_checked(
    path: &Path,
    label: &str,
    full_check: bool,
) -> std::result::Result<Connection, Damage> {
    let mut conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(label, e))?;
    configure(&conn, label)?;
    // Reading the schema touches page 1: "file is not a database" surfaces here.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| StoreError::from_sqlite(label, e))?;
    if full_check {
        let verdict: String = conn
            .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
            .map_err(|e| StoreError::from_sqlite(label, e))?;
        if verdict != "ok" {
            return Err(Damage::Corrupt(format!("quick_check: {verdict}")));
        }
        // The check read the whole file through the page cache: do not keep it.
        conn.execute_batch("PRAGMA shrink_memory;")
            .map_err(|e| StoreError::from_sqlite(label, e))?;
    }
    match MIGRATIONS.to_latest(&mut conn) {
        Ok(()) => Ok(conn),
        Err(rusqlite_migration::Error::RusqliteError { err, .. }) => {
            Err(StoreError::from_sqlite(label, err).into())
        }
        Err(e) => Err(Damage::Other(StoreError::Migration(e))),
    }
}

/// Moves a damaged database to `<name>.corrupt-<unix time>` and drops its WAL/SHM files
/// (they belong to the damaged file and would be replayed into the new one).
fn move_aside(path: &Path) -> Result<PathBuf> {
    let mut target = sidecar(path, &format!(".corrupt-{}", now()));
    let mut n = 1;
    while target.exists() {
        target = sidecar(path, &format!(".corrupt-{}-{n}", now()));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(|source| StoreError::Io {
        action: "move the damaged cache aside",
        path: path.to_owned(),
        source,
    })?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = sidecar(path, suffix);
        if let Err(source) = std::fs::remove_file(&side) {
            if source.kind() != std::io::ErrorKind::NotFound {
                return Err(StoreError::Io {
                    action: "delete the damaged cache's",
                    path: side,
                    source,
                });
            }
        }
    }
    Ok(target)
}
