//! The store's one writer connection, shared by the engine's tasks. rusqlite is synchronous,
//! so every call runs on the blocking pool; the mutex makes the connection the single
//! writer (each store write is one transaction, so a stop never leaves half a page).
//!
//! Backfill pages go through a group commit ([`Db::write_first_sync_page`]): pages that
//! arrive while the writer is busy wait in a queue, and whichever call gets the connection
//! next writes all of them (up to [`MAX_GROUP`]) in one transaction. An idle writer commits a
//! page at once; a busy one commits fewer, larger transactions, which is what keeps the single
//! writer ahead of twelve concurrent windows.

use std::sync::{Arc, Mutex};

use agentdesk_store::{Conversation, PageOutcome, Store, StoreError, SyncPage};
use tokio::sync::oneshot;

use crate::error::SyncError;
use crate::mutex::lock;

/// Most pages written in one transaction (150 rows each).
const MAX_GROUP: usize = 16;

/// A shared handle on the store.
#[derive(Clone)]
pub(crate) struct Db {
    store: Arc<Mutex<Store>>,
    pages: Arc<Mutex<Vec<QueuedPage>>>,
}

/// A backfill page waiting for the writer, and where its outcome goes.
struct QueuedPage {
    rows: Vec<Conversation>,
    resource: String,
    cursor: Option<String>,
    reply: oneshot::Sender<Result<PageOutcome, StoreError>>,
}

impl Db {
    pub(crate) fn new(store: Store) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            pages: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs `f` with the store on the blocking pool.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.store.clone();
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

    /// Hands memory back after a sync cycle or background pass: SQLite's page cache
    /// (`Store::release_memory`), then the allocator's free pages. glibc keeps freed memory in
    /// per-thread arenas (the blocking pool's writer threads each get one), so without a trim
    /// an idle app keeps the high-water mark of its last cycle.
    pub(crate) async fn release_memory(&self) {
        if let Err(e) = self.run(|s| s.release_memory()).await {
            tracing::debug!(error = %e, "could not release the cache's memory");
        }
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the OS; it
        // touches no memory in use and is safe to call from any thread.
        unsafe {
            libc::malloc_trim(0);
        }
    }

    /// Stores one first-sync page with its cursor and read-mark seeds (see
    /// [`Store::upsert_first_sync_page`]), committed together with the pages queued beside it.
    /// If a group fails, each of its pages is retried alone, so every caller gets the outcome
    /// of its own page.
    pub(crate) async fn write_first_sync_page(
        &self,
        rows: Vec<Conversation>,
        resource: String,
        cursor: Option<String>,
    ) -> Result<PageOutcome, SyncError> {
        let (reply, outcome) = oneshot::channel();
        lock(&self.pages).push(QueuedPage {
            rows,
            resource,
            cursor,
            reply,
        });
        let pages = self.pages.clone();
        // Every queued page has a call like this one behind it, so a page left in the queue
        // (beyond MAX_GROUP) is written by a later call.
        self.run(move |s| {
            let group: Vec<QueuedPage> = {
                let mut queue = lock(&pages);
                let n = queue.len().min(MAX_GROUP);
                queue.drain(..n).collect()
            };
            write_group(s, group);
            Ok(())
        })
        .await?;
        outcome
            .await
            .map_err(|_| SyncError::Internal("a backfill page write was dropped".into()))?
            .map_err(SyncError::Store)
    }
}

fn write_group(s: &mut Store, group: Vec<QueuedPage>) {
    if group.is_empty() {
        return;
    }
    let together = {
        let pages: Vec<SyncPage<'_>> = group
            .iter()
            .map(|p| SyncPage {
                conversations: &p.rows,
                sync_resource: &p.resource,
                cursor: p.cursor.as_deref(),
            })
            .collect();
        s.upsert_first_sync_pages(&pages)
    };
    match together {
        Ok(outcomes) => {
            for (page, outcome) in group.into_iter().zip(outcomes) {
                let _ = page.reply.send(Ok(outcome));
            }
        }
        Err(e) if group.len() == 1 => {
            if let Some(page) = group.into_iter().next() {
                let _ = page.reply.send(Err(e));
            }
        }
        Err(_) => {
            for page in group {
                let r =
                    s.upsert_first_sync_page(&page.rows, &page.resource, page.cursor.as_deref());
                let _ = page.reply.send(r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(id: &str) -> Conversation {
        Conversation {
            id: id.into(),
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            open: true,
            ..Default::default()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pages_waiting_together_commit_together_and_a_bad_one_fails_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::new(Store::open(&dir.path().join("cache.sqlite3")).expect("store"));
        // Hold the writer so the three pages queue up behind it and form one group.
        let held = db.store.clone();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (taken, is_taken) = std::sync::mpsc::channel::<()>();
        let holder = tokio::task::spawn_blocking(move || {
            let _store = lock(&held);
            let _ = taken.send(());
            let _ = released.recv_timeout(std::time::Duration::from_secs(30));
        });
        is_taken
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the holder takes the store");
        let page = |ids: &[&str], w: &str| {
            let db = db.clone();
            let rows: Vec<Conversation> = ids.iter().map(|id| conversation(id)).collect();
            let (w, cursor) = (w.to_string(), Some(format!("{w}-next")));
            tokio::spawn(async move { db.write_first_sync_page(rows, w, cursor).await })
        };
        let a = page(&["1", "2"], "a");
        let b = page(&["3", ""], "b"); // a conversation without an id cannot be stored
        let c = page(&["4"], "c");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while lock(&db.pages).len() < 3 {
            assert!(std::time::Instant::now() < deadline, "the pages queue up");
            tokio::task::yield_now().await;
        }
        release.send(()).expect("the holder waits");
        holder.await.expect("the holder returns");
        let (a, b, c) = (a.await.unwrap(), b.await.unwrap(), c.await.unwrap());
        assert_eq!(
            a.expect("page a is fine").new_ids,
            vec!["1", "2"],
            "page a is stored"
        );
        assert!(
            matches!(b, Err(SyncError::Store(StoreError::InvalidInput(_)))),
            "the bad page gets its own error: {b:?}"
        );
        assert_eq!(
            c.expect("page c is fine").new_ids,
            vec!["4"],
            "page c is stored despite b"
        );
        let store = Store::open(&dir.path().join("cache.sqlite3")).expect("reopen");
        assert_eq!(
            store.conversation_count().expect("count"),
            3,
            "a and c, nothing of b"
        );
        assert_eq!(
            store.sync_state("b").expect("state").and_then(|s| s.cursor),
            None,
            "the bad page's cursor is not saved, so its window refetches it"
        );
    }
}
