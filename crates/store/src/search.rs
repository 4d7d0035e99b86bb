//! Offline full-text search over conversation titles, subjects and first messages, part text,
//! and contact names and emails (the three `*_fts` FTS5 tables of `migrations.rs`).
//!
//! User input never reaches the FTS5 grammar: every word becomes a quoted phrase (so `"`, `*`,
//! `-`, `AND`, `NEAR`, `col:` are plain text), words are ANDed, and the last word is a prefix
//! (search as you type). Snippets come back as segments marked highlighted or not, never HTML.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::database::Reader;
use crate::error::Result;

/// Start and end markers given to FTS5 `snippet()`; control characters are removed from all
/// indexed text (`agentdesk_content::plain_text`), so they cannot come from user content.
const MARK_START: char = '\u{2}';
const MARK_END: char = '\u{3}';

/// A piece of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetSegment {
    /// Plain text (render as text, never as HTML).
    pub text: String,
    /// Whether it matched the query.
    pub highlighted: bool,
}

/// Where a conversation matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    /// Title, subject or first message.
    Conversation,
    /// A part's text.
    Message,
    /// The contact's name or email.
    Contact,
}

/// One conversation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Conversation id.
    pub conversation_id: String,
    /// Where it matched.
    pub matched_in: MatchField,
    /// Text around the match, split into highlighted and plain segments.
    pub snippet: Vec<SnippetSegment>,
    /// The conversation's last activity (hits are sorted by it, newest first).
    pub last_activity_at: i64,
}

/// Turns user input into a safe FTS5 query, or `None` when it holds no searchable word.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let last = words.len().checked_sub(1)?;
    let typing_last = !input.ends_with(char::is_whitespace);
    let phrases: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let cleaned: String = w.chars().filter(|c| !c.is_control()).collect();
            let quoted = format!("\"{}\"", cleaned.replace('"', "\"\""));
            // A one-letter prefix would walk a large part of the term index on every keystroke.
            let alnum = cleaned.chars().filter(|c| c.is_alphanumeric()).count();
            if i == last && typing_last && alnum >= 2 {
                format!("{quoted}*")
            } else {
                quoted
            }
        })
        .collect();
    Some(phrases.join(" AND "))
}

/// Splits an FTS5 snippet with our markers into segments.
pub(crate) fn segments(marked: &str) -> Vec<SnippetSegment> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut highlighted = false;
    for c in marked.chars() {
        if c == MARK_START || c == MARK_END {
            if !current.is_empty() {
                out.push(SnippetSegment {
                    text: std::mem::take(&mut current),
                    highlighted,
                });
            }
            highlighted = c == MARK_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push(SnippetSegment {
            text: current,
            highlighted,
        });
    }
    out
}

impl Reader {
    /// Conversations matching `query`, newest activity first, at most `limit` (capped at 200).
    /// Bad input never errors: it matches as plain words, or matches nothing.
    #[tracing::instrument(skip_all, fields(limit), err)]
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let limit = limit.clamp(1, 200);
        // Each index is read newest-first and cut early (rowid order is what FTS5 streams
        // without ranking every match), then hits are merged per conversation.
        let per_source = (limit * 3) as i64;
        let mut found: HashMap<String, (MatchField, String, i64)> = HashMap::new();
        let sources: [(MatchField, &str); 3] = [
            (
                MatchField::Conversation,
                "SELECT c.id, f.snip, c.last_activity_at FROM
                   (SELECT rowid AS r, snippet(conversations_fts, -1, char(2), char(3), '…', 16) AS snip
                    FROM conversations_fts WHERE conversations_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
                 JOIN conversations c ON c.seq = f.r",
            ),
            (
                MatchField::Message,
                "SELECT c.id, f.snip, c.last_activity_at FROM
                   (SELECT rowid AS r, snippet(parts_fts, 0, char(2), char(3), '…', 16) AS snip
                    FROM parts_fts WHERE parts_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
                 JOIN parts p ON p.seq = f.r JOIN conversations c ON c.id = p.conversation_id",
            ),
            (
                MatchField::Contact,
                "SELECT c.id, f.snip, c.last_activity_at FROM
                   (SELECT rowid AS r, snippet(contacts_fts, -1, char(2), char(3), '…', 8) AS snip
                    FROM contacts_fts WHERE contacts_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
                 JOIN contacts k ON k.seq = f.r
                 JOIN conversation_contacts cc ON cc.contact_id = k.id
                 JOIN conversations c ON c.id = cc.conversation_id",
            ),
        ];
        for (field, sql) in sources {
            let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
            let mut rows = stmt
                .query(rusqlite::params![fts, per_source])
                .map_err(|e| self.err(e))?;
            while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                let id: String = row.get(0).map_err(|e| self.err(e))?;
                let snip: String = row
                    .get::<_, Option<String>>(1)
                    .map_err(|e| self.err(e))?
                    .unwrap_or_default();
                let at: i64 = row.get(2).map_err(|e| self.err(e))?;
                found.entry(id).or_insert((field, snip, at));
            }
        }
        let mut hits: Vec<SearchHit> = found
            .into_iter()
            .map(
                |(conversation_id, (matched_in, snip, last_activity_at))| SearchHit {
                    conversation_id,
                    matched_in,
                    snippet: segments(&snip),
                    last_activity_at,
                },
            )
            .collect();
        hits.sort_by(|a, b| {
            b.last_activity_at
                .cmp(&a.last_activity_at)
                .then_with(|| b.conversation_id.cmp(&a.conversation_id))
        });
        hits.truncate(limit);
        Ok(hits)
    }
}

impl crate::database::Store {
    /// Checks that the three full-text indexes agree exactly with the rows they index (FTS5
    /// `integrity-check` against the content tables). An error names what is wrong; a cache
    /// that fails it can be rebuilt from Intercom. Slow on a large cache: diagnostics and tests.
    pub fn check_search_index(&self) -> Result<()> {
        for fts in ["conversations_fts", "parts_fts", "contacts_fts"] {
            self.conn
                .execute(
                    &format!("INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)"),
                    [],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_become_plain_phrases() {
        assert_eq!(
            fts_query(r#"say "hi" OR -xy*"#).as_deref(),
            Some(r#""say" AND """hi""" AND "OR" AND "-xy*"*"#),
            "every word must be a quoted phrase so no FTS5 operator survives"
        );
    }

    #[test]
    fn empty_and_punctuation_only_input_is_no_query() {
        for input in ["", "   ", "\"", "*", "-", "\" * -"] {
            assert_eq!(
                fts_query(input),
                None,
                "input {input:?} has no word, so it must search nothing"
            );
        }
    }

    #[test]
    fn trailing_space_ends_the_prefix() {
        assert_eq!(
            fts_query("refund ").as_deref(),
            Some("\"refund\""),
            "a finished word must match exactly"
        );
    }

    #[test]
    fn segments_split_on_markers() {
        let s = segments("a \u{2}b\u{3} c");
        assert_eq!(s.len(), 3, "plain, highlighted, plain");
        assert!(
            s[1].highlighted && s[1].text == "b",
            "the marked word must be the highlighted segment"
        );
    }
}
