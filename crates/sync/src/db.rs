//! The store's one writer connection, shared by the engine's tasks. rusqlite is synchronous,
//! so every call runs on the blocking pool; the mutex makes the connection the single
//! writer (each store write is one transaction, so a stop never leaves half a page).

use std::sync::{Arc, Mutex};

use agentdesk_store::{Store, StoreError};

use crate::error::SyncError;

/// A shared handle on the store.
#[derive(Clone)]
pub(crate) struct Db(Arc<Mutex<Store>>);

impl Db {
    pub(crate) fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on the blocking pool.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic in another call poisons the lock, not the data (each write is a
            // transaction that rolled back): keep using it.
            let mut store = db.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| SyncError::Internal(format!("a store task did not finish: {e}")))?
        .map_err(SyncError::Store)
    }
}
