//! Batched upkeep of the external-content FTS5 indexes (`conversations_fts`, `parts_fts`,
//! `contacts_fts`) for the bulk upserts.
//!
//! Why not per-row triggers: every statement that writes an FTS5 table opens a statement
//! savepoint, and FTS5 flushes its pending terms to a new on-disk segment at each savepoint.
//! A trigger per row therefore wrote one tiny segment per row, and FTS5's automerge then
//! merged them over and over (profile: ~40% of a page upsert in `fts5SavepointMethod` →
//! `sqlite3Fts5FlushToDisk` → `fts5IndexMergeLevel`). Here a whole page is indexed by one
//! statement, so each transaction writes one segment of deletes and one of inserts.
//!
//! Deleting rows (`DELETE FROM conversations`, `parts`, `contacts`) still goes through the
//! `*_fts_delete` triggers; single-row inserts outside the bulk paths call [`index_rows`].

use std::collections::HashSet;

use rusqlite::Transaction;

use crate::error::Result;

/// One external-content FTS5 index and its content table.
#[derive(Clone, Copy)]
pub(crate) struct FtsIndex {
    /// The FTS5 table.
    pub fts: &'static str,
    /// Its content table (rowid column `seq`).
    pub content: &'static str,
    /// Indexed columns, in the FTS table's order (same names in the content table).
    pub columns: &'static [&'static str],
}

pub(crate) const CONVERSATIONS_FTS: FtsIndex = FtsIndex {
    fts: "conversations_fts",
    content: "conversations",
    columns: &["title", "source_subject", "source_body_text"],
};

pub(crate) const PARTS_FTS: FtsIndex = FtsIndex {
    fts: "parts_fts",
    content: "parts",
    columns: &["body_text"],
};

pub(crate) const CONTACTS_FTS: FtsIndex = FtsIndex {
    fts: "contacts_fts",
    content: "contacts",
    columns: &["name", "email"],
};

/// Index changes collected while a transaction upserts rows, applied by [`FtsBatch::apply`]
/// after the last row (before commit).
pub(crate) struct FtsBatch {
    index: FtsIndex,
    /// `[seq, old column values...]` of indexed rows whose text changed.
    deletes: Vec<serde_json::Value>,
    /// Rows to (re)index from their current content.
    inserts: Vec<i64>,
    pending: HashSet<i64>,
}

impl FtsBatch {
    pub(crate) fn new(index: FtsIndex) -> FtsBatch {
        FtsBatch {
            index,
            deletes: Vec::new(),
            inserts: Vec::new(),
            pending: HashSet::new(),
        }
    }

    /// A new row (its `seq`): index it.
    pub(crate) fn inserted(&mut self, seq: i64) {
        if self.pending.insert(seq) {
            self.inserts.push(seq);
        }
    }

    /// An existing row whose indexed text changed from `old` (the values as they were before
    /// this transaction touched it, in column order): unindex those, index the new ones.
    pub(crate) fn changed(&mut self, seq: i64, old: &[Option<&str>]) {
        debug_assert_eq!(old.len(), self.index.columns.len());
        // A row first written in this batch is not indexed yet: nothing to unindex.
        if self.pending.contains(&seq) {
            return;
        }
        let mut entry = Vec::with_capacity(old.len() + 1);
        entry.push(serde_json::Value::from(seq));
        entry.extend(old.iter().map(|v| match v {
            Some(s) => serde_json::Value::from(*s),
            None => serde_json::Value::Null,
        }));
        self.deletes.push(serde_json::Value::Array(entry));
        self.inserted(seq);
    }

    /// Writes the collected changes: one statement for the deletes, one for the inserts.
    pub(crate) fn apply(self, tx: &Transaction<'_>) -> Result<()> {
        let FtsIndex { fts, columns, .. } = self.index;
        let cols = columns.join(", ");
        if !self.deletes.is_empty() {
            let values = (1..=columns.len())
                .map(|i| format!("value ->> {i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO {fts}({fts}, rowid, {cols}) SELECT 'delete', value ->> 0, {values} FROM json_each(?1)"
            );
            tx.prepare_cached(&sql)?
                .execute([serde_json::Value::Array(self.deletes).to_string()])?;
        }
        index_rows(tx, self.index, &self.inserts)
    }
}

/// Indexes the rows `seqs` of `index`'s content table as they are now (they must not be
/// indexed already).
pub(crate) fn index_rows(tx: &Transaction<'_>, index: FtsIndex, seqs: &[i64]) -> Result<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    let FtsIndex {
        fts,
        content,
        columns,
    } = index;
    let cols = columns.join(", ");
    let sql = format!(
        "INSERT INTO {fts}(rowid, {cols}) SELECT seq, {cols} FROM {content}
         WHERE seq IN (SELECT value FROM json_each(?1))"
    );
    tx.prepare_cached(&sql)?
        .execute([serde_json::to_string(seqs)?])?;
    Ok(())
}
