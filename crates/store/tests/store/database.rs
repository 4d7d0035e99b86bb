//! Opening, pragmas, corrupt files, reader connections and deleting files.

use agentdesk_store::{db_path, workspace_cache_dir, OpenOutcome, Store, StoreErrorKind};

use crate::support::conv;

#[test]
fn open_creates_then_reopens_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path(), "app/1", "42");
    assert!(
        path.starts_with(dir.path()),
        "an id with a slash must not escape the data directory"
    );
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.open_outcome(),
        &OpenOutcome::Created,
        "a missing file is a fresh cache"
    );
    store.upsert_conversations(&[conv("1", 10)]).unwrap();
    let mode: String = store_pragma(&path, "journal_mode");
    assert_eq!(
        mode, "wal",
        "the cache must run in WAL so readers never block the writer"
    );
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.open_outcome(),
        &OpenOutcome::Opened,
        "an existing healthy file opens as is"
    );
    assert_eq!(
        store.conversation_count().unwrap(),
        1,
        "data must survive a reopen"
    );
}

fn store_pragma(path: &std::path::Path, name: &str) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn garbage_file_is_moved_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.sqlite3");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let store = Store::open(&path).unwrap();
    let OpenOutcome::Rebuilt { moved_to, .. } = store.open_outcome().clone() else {
        panic!(
            "a non-database file must be reported as rebuilt, got {:?}",
            store.open_outcome()
        );
    };
    assert!(
        moved_to.exists(),
        "the damaged file must be kept aside for inspection"
    );
    assert!(
        moved_to.to_string_lossy().contains(".corrupt-"),
        "the aside name must say why it is there"
    );
    assert_eq!(
        store.conversation_count().unwrap(),
        0,
        "the rebuilt cache starts empty"
    );
}

#[test]
fn delete_files_removes_db_wal_shm_and_corrupt_copies() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path(), "ws", "7");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"not a database at all, definitely not").unwrap();
    let mut store = Store::open(&path).unwrap();
    store.upsert_conversations(&[conv("1", 10)]).unwrap();
    let reader = store.open_reader().unwrap();
    assert_eq!(
        reader.conversation_count().unwrap(),
        1,
        "a reader sees committed writes"
    );
    drop(reader);
    drop(store);
    Store::delete_files(&path).unwrap();
    let left: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).into_iter().flatten())
        .collect();
    assert!(
        left.is_empty(),
        "logout must leave no file of the workspace behind, found {left:?}"
    );
}

/// Regression: each acting admin has a cache file of its own, and logout deleted only the
/// current admin's, so the conversations cached while acting as another stayed on disk.
#[test]
fn delete_workspace_removes_every_admins_cache_and_keeps_other_workspaces() {
    let dir = tempfile::tempdir().unwrap();
    for (workspace, admin) in [("ws", "7"), ("ws", "8"), ("other", "7")] {
        let path = db_path(dir.path(), workspace, admin);
        Store::open(&path)
            .unwrap()
            .upsert_conversations(&[conv("1", 10)])
            .unwrap();
    }
    std::fs::write(
        workspace_cache_dir(dir.path(), "ws").join("admin-8.sqlite3.corrupt-1700000000"),
        b"a damaged copy kept beside the cache",
    )
    .unwrap();
    Store::delete_workspace(dir.path(), "ws").unwrap();
    assert!(
        !workspace_cache_dir(dir.path(), "ws").exists(),
        "logout must leave no cache file of the workspace, whichever admin it acted as"
    );
    assert!(
        db_path(dir.path(), "other", "7").exists(),
        "another workspace's cache is not this logout's to delete"
    );
    Store::delete_workspace(dir.path(), "ws")
        .expect("deleting what is already gone is not an error (a second logout)");
}

#[test]
fn reader_connection_is_read_only_and_in_memory_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
    let reader = store.open_reader().unwrap();
    assert!(
        reader.view_counts("1", &[]).is_ok(),
        "a reader runs every query"
    );
    let mem = Store::open_in_memory().unwrap();
    let err = mem
        .open_reader()
        .err()
        .expect("an in-memory cache cannot share its data with another connection");
    assert_eq!(
        err.kind(),
        StoreErrorKind::InvalidInput,
        "asking for one is a caller error"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn unwritable_data_directory_is_a_store_error_naming_the_fix() {
    // /sys refuses new entries even to root, like a read-only data directory.
    let err = Store::open(std::path::Path::new("/sys/agentdesk-store-test/c.sqlite3"))
        .err()
        .expect("a cache in an unwritable folder cannot be created");
    assert_eq!(
        err.kind(),
        StoreErrorKind::ReadOnly,
        "an unwritable folder must be classified so the app can say so: {err}"
    );
    assert!(
        err.to_string().contains("writable"),
        "the message must name the fix: {err}"
    );
}

#[test]
fn full_disk_is_a_retryable_store_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
    store.set_size_limit(256 * 1024).unwrap();
    let page: Vec<_> = (0..2_000)
        .map(|i| {
            let mut c = conv(&i.to_string(), 10);
            c.source_body_html = Some("lorem ipsum dolor sit amet ".repeat(20));
            c
        })
        .collect();
    let err = store
        .upsert_conversations_page(&page, "conversations", Some("c2"))
        .expect_err("the page cannot fit in 256 KiB");
    assert_eq!(
        err.kind(),
        StoreErrorKind::DiskFull,
        "a full disk must be classified for the user: {err}"
    );
    assert!(
        err.is_retryable() && err.to_string().contains("free some space"),
        "the message must name the fix: {err}"
    );
    assert_eq!(
        store.conversation_count().unwrap(),
        0,
        "a failed page must leave nothing half-written"
    );
    assert_eq!(
        store.sync_state("conversations").unwrap(),
        None,
        "nor move the cursor"
    );
}

#[test]
fn a_checkpoint_at_stop_leaves_an_empty_wal_so_the_next_open_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite3");
    let mut s = agentdesk_store::Store::open(&path).unwrap();
    s.upsert_conversations(&[crate::support::conv("1", 10)])
        .unwrap();
    let wal = dir.path().join("c.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "a write goes to the write-ahead log first"
    );
    s.checkpoint().unwrap();
    assert_eq!(
        std::fs::metadata(&wal).unwrap().len(),
        0,
        "a checkpoint at stop empties the log"
    );
    assert_eq!(s.conversation_count().unwrap(), 1, "and loses nothing");
}
