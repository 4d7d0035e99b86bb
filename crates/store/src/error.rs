//! `StoreError`: the one error type of the store, with a `kind()` the app maps to a UI code
//! and messages that say what to do.

use std::path::PathBuf;

/// What went wrong in the store, coarse enough for the app to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The disk (or the database's size limit) is full: free space and retry.
    DiskFull,
    /// The database file or its folder cannot be written.
    ReadOnly,
    /// Another connection holds the write lock longer than the busy timeout.
    Busy,
    /// The file is damaged or not a database (open handles this by rebuilding).
    Corrupt,
    /// A referenced row does not exist (e.g. an outbox item id).
    NotFound,
    /// The caller passed something the store cannot accept.
    InvalidInput,
    /// Anything else from SQLite or the file system.
    Other,
}

/// An error from the SQLite cache. Sources are chained, never flattened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file system refused a read or write (a quota, a file-size limit, a failing disk).
    #[error("the local cache could not be written ({source}): the disk may be full or a quota or file-size limit reached; free some space on the disk holding {path}, then retry")]
    WriteRefused {
        /// The database path.
        path: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The disk is full.
    #[error("the disk is full, so the local cache cannot be written: free some space on the disk holding {path}, then retry")]
    DiskFull {
        /// The database path.
        path: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database or its directory is read-only.
    #[error("the local cache at {path} is read-only: make the file and its folder writable by this user (or choose another data directory)")]
    ReadOnly {
        /// The database path.
        path: String,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The write lock could not be taken in time.
    #[error("the local cache is busy (another Agentdesk window or process is writing it): retry, or close the other instance")]
    Busy(#[source] rusqlite::Error),
    /// The database is damaged.
    #[error("the local cache is damaged: restart Agentdesk and it will be rebuilt from Intercom")]
    Corrupt(#[source] rusqlite::Error),
    /// A row the caller named does not exist.
    #[error("{what} {id} is not in the local cache")]
    NotFound {
        /// What kind of row (e.g. "outbox item").
        what: &'static str,
        /// The id the caller passed.
        id: String,
    },
    /// The caller passed an unusable value.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A file-system operation around the database failed.
    #[error("could not {action} {path} ({source}): make sure the folder exists and is writable by this user, or choose another data directory")]
    Io {
        /// What was being done ("create the data directory", ...).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// Migrating the schema failed.
    #[error("could not migrate the local cache schema: {0}")]
    Migration(#[source] rusqlite_migration::Error),
    /// JSON stored in the database could not be (de)serialized.
    #[error("malformed JSON in the local cache: {0}")]
    Json(#[source] serde_json::Error),
    /// Any other SQLite error.
    #[error("local cache error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl StoreError {
    /// The coarse kind, for the app's `{code, message}` mapping and retry decisions.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::DiskFull { .. } | StoreError::WriteRefused { .. } => {
                StoreErrorKind::DiskFull
            }
            StoreError::ReadOnly { .. } => StoreErrorKind::ReadOnly,
            StoreError::Busy(_) => StoreErrorKind::Busy,
            StoreError::Corrupt(_) => StoreErrorKind::Corrupt,
            StoreError::NotFound { .. } => StoreErrorKind::NotFound,
            StoreError::InvalidInput(_) => StoreErrorKind::InvalidInput,
            StoreError::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                StoreErrorKind::ReadOnly
            }
            StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
                StoreErrorKind::DiskFull
            }
            _ => StoreErrorKind::Other,
        }
    }

    /// Whether retrying the same call later may succeed (busy, full disk once space is freed).
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind(), StoreErrorKind::Busy | StoreErrorKind::DiskFull)
    }

    /// Classifies a rusqlite error, naming `path` in the messages that need it.
    pub(crate) fn from_sqlite(path: &str, source: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        match source.sqlite_error_code() {
            Some(C::DiskFull) => StoreError::DiskFull {
                path: path.to_owned(),
                source,
            },
            // A write refused by a quota or a file-size limit (EDQUOT, EFBIG) reaches SQLite as
            // an I/O error, not as SQLITE_FULL; the likely fix is the same: room to write.
            Some(C::SystemIoFailure) => StoreError::WriteRefused {
                path: path.to_owned(),
                source,
            },
            Some(C::ReadOnly) | Some(C::CannotOpen) | Some(C::PermissionDenied) => {
                StoreError::ReadOnly {
                    path: path.to_owned(),
                    source,
                }
            }
            Some(C::DatabaseBusy) | Some(C::DatabaseLocked) => StoreError::Busy(source),
            Some(C::DatabaseCorrupt) | Some(C::NotADatabase) => StoreError::Corrupt(source),
            _ => StoreError::Sqlite(source),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from_sqlite("the data directory", e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Json(e)
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
