//! Reads a cache file directly with SQLite (read-only, beside the app, never through the
//! app's own code) to compare it with the sandbox's truth and to run `PRAGMA
//! integrity_check`.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

/// How a cache compares with the truth, conversation by conversation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Conversations in the truth.
    pub compared: usize,
    /// In the truth, not in the cache.
    pub missing: usize,
    /// Rows beyond one per conversation id (the schema forbids it; counted anyway).
    pub duplicated: usize,
    /// In the cache, not in the truth.
    pub extra: usize,
    /// Cached, but `updated_at`, state, assignees or title differ from the truth.
    pub mismatched: Vec<String>,
}

impl Comparison {
    /// The cache equals the truth.
    pub fn exact(&self) -> bool {
        self.missing == 0 && self.duplicated == 0 && self.extra == 0 && self.mismatched.is_empty()
    }
}

fn open(db: &Path) -> Connection {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|e| panic!("the cache {} opens read-only: {e}", db.display()));
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("set a busy timeout");
    conn
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s != "0" => Some(s.clone()),
        Value::Number(n) if n.as_i64() != Some(0) => Some(n.to_string()),
        _ => None,
    }
}

type Row = (i64, String, Option<String>, Option<String>, Option<String>);

/// Compares every conversation's metadata in the cache at `db` with `truth`
/// (`GET /_sandbox/truth`). Server-side values (`srv_*`) are compared, so a pending outbox
/// overlay is not a mismatch.
pub fn compare_conversations(db: &Path, truth: &Value) -> Comparison {
    let conn = open(db);
    let mut stmt = conn
        .prepare(
            "SELECT id, updated_at, srv_state, srv_admin_assignee_id, srv_team_assignee_id, title \
             FROM conversations",
        )
        .expect("the conversations table has these columns");
    let mut cached: BTreeMap<String, Row> = BTreeMap::new();
    let mut rows = 0usize;
    let iter = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
            ))
        })
        .expect("query conversations");
    for row in iter {
        let (id, v) = row.expect("a conversation row");
        rows += 1;
        cached.insert(id, v);
    }
    let convs = truth["conversations"]
        .as_array()
        .expect("the truth lists conversations");
    let mut out = Comparison {
        compared: convs.len(),
        duplicated: rows - cached.len(),
        ..Comparison::default()
    };
    let mut seen = 0;
    for c in convs {
        let id = id_of(&c["id"]).expect("a conversation id");
        let Some((updated, state, admin, team, title)) = cached.get(&id) else {
            out.missing += 1;
            continue;
        };
        seen += 1;
        let same = *updated == c["updated_at"].as_i64().unwrap_or(0)
            && Some(state.as_str()) == c["state"].as_str()
            && *admin == id_of(&c["admin_assignee_id"])
            && *team == id_of(&c["team_assignee_id"])
            && title.as_deref() == c["title"].as_str();
        if !same {
            out.mismatched.push(id);
        }
    }
    out.extra = cached.len() - seen;
    out
}

/// Conversations stored in the cache (0 if the file has no schema yet).
pub fn conversation_count(db: &Path) -> i64 {
    open(db)
        .query_row("SELECT COUNT(*) FROM conversations", [], |r| r.get(0))
        .unwrap_or(0)
}

/// `PRAGMA integrity_check` of the file: `"ok"` when SQLite finds nothing wrong.
pub fn integrity_check(db: &Path) -> String {
    let conn = open(db);
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .expect("prepare integrity_check");
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("run integrity_check")
        .filter_map(Result::ok)
        .collect();
    lines.join("; ")
}

/// How the cached parts compare with the truth's (Intercom's newest 500 per conversation).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PartsComparison {
    /// Parts in the truth.
    pub compared: usize,
    /// In the truth, not cached.
    pub missing: usize,
    /// Cached under a conversation, not in the truth's list for it.
    pub extra: usize,
}

/// Compares the parts of every conversation with the truth.
pub fn compare_parts(db: &Path, truth: &Value) -> PartsComparison {
    let conn = open(db);
    let mut stmt = conn
        .prepare("SELECT conversation_id, id FROM parts")
        .expect("the parts table has these columns");
    let mut cached: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let iter = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("query parts");
    for row in iter {
        let (conv, id) = row.expect("a part row");
        cached.entry(conv).or_default().insert(id);
    }
    let mut out = PartsComparison::default();
    for c in truth["conversations"].as_array().into_iter().flatten() {
        let Some(id) = id_of(&c["id"]) else { continue };
        let want: std::collections::BTreeSet<String> = c["conversation_parts"]
            ["conversation_parts"]
            .as_array()
            .into_iter()
            .flatten()
            .rev()
            .take(500)
            .filter_map(|p| id_of(&p["id"]))
            .collect();
        let empty = std::collections::BTreeSet::new();
        let got = cached.get(&id).unwrap_or(&empty);
        out.compared += want.len();
        out.missing += want.difference(got).count();
        out.extra += got.difference(&want).count();
    }
    out
}
