//! The `conversations` table: the conversation row type, page upserts (with the sync cursor in
//! the same transaction), and the thread a conversation opens to.

use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

use crate::authors::Author;
use crate::contacts::Contact;
use crate::database::{now, Reader, Store};
use crate::error::{Result, StoreError};
use crate::fts::{FtsBatch, CONVERSATIONS_FTS};
use crate::outbox::OutboxEntry;
use crate::parts::Part;
use crate::text::preview;
use agentdesk_content::plain_text;

/// Where a conversation stands. Unknown server values should be mapped by the caller
/// (Intercom 2.14 documents exactly these three).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Open (the inbox views).
    #[default]
    Open,
    /// Closed.
    Closed,
    /// Snoozed until `snoozed_until`.
    Snoozed,
}

impl ConversationState {
    /// The string stored in SQLite and used by Intercom.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Closed => "closed",
            ConversationState::Snoozed => "snoozed",
        }
    }

    /// Parses Intercom's value; anything unknown is `None`.
    pub fn parse(s: &str) -> Option<ConversationState> {
        match s {
            "open" => Some(ConversationState::Open),
            "closed" => Some(ConversationState::Closed),
            "snoozed" => Some(ConversationState::Snoozed),
            _ => None,
        }
    }
}

pub use crate::tags::Tag;

/// The SLA applied to a conversation (`sla_applied`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sla {
    /// As the teammate named it (may be empty).
    pub name: String,
    /// `active`, `hit`, `missed`, `cancelled`; `None` when Intercom sends null (removed by
    /// hand).
    pub status: Option<String>,
}

/// A conversation's metadata as Intercom lists it (no parts). Assignee ids `"0"` or `""` are
/// stored as `None` (2.14 examples use 0 for unassigned).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// Intercom id.
    pub id: String,
    /// Title, if any.
    pub title: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; the sync engine refetches parts when this moves.
    pub updated_at: i64,
    /// Last time a contact replied while waiting for an admin, or `None`.
    pub waiting_since: Option<i64>,
    /// Unix seconds, when snoozed.
    pub snoozed_until: Option<i64>,
    /// Intercom's `open` flag (true for snoozed too).
    pub open: bool,
    /// Open, closed or snoozed.
    pub state: ConversationState,
    /// Intercom's `read` flag (used only to seed read marks on the first sync).
    pub read: bool,
    /// Whether Intercom marks it priority.
    pub priority: bool,
    /// Assigned admin.
    pub admin_assignee_id: Option<String>,
    /// Assigned team.
    pub team_assignee_id: Option<String>,
    /// Contacts in the conversation; the first is shown in lists.
    pub contact_ids: Vec<String>,
    /// `source.type` (email, conversation, ...).
    pub source_type: Option<String>,
    /// `source.subject`.
    pub source_subject: Option<String>,
    /// `source.body` (HTML).
    pub source_body_html: Option<String>,
    /// `source.author`.
    pub source_author: Author,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Custom conversation attributes, as Intercom sends them (an object; values of any JSON
    /// type).
    pub custom_attributes: serde_json::Map<String, serde_json::Value>,
    /// The SLA applied, if any.
    pub sla: Option<Sla>,
    /// `statistics.last_contact_reply_at` when Intercom gives it: lets the unread model work
    /// from metadata alone, before parts are fetched.
    pub last_contact_reply_at: Option<i64>,
    /// The object as Intercom returned it, as JSON text (kept for fields the store has no
    /// column for). Text, not a parsed value: it is written on every page of a backfill and
    /// read only when a single conversation is.
    pub raw: Option<String>,
}

/// One page of a sync walk: its rows and the cursor that follows them.
#[derive(Debug, Clone, Copy)]
pub struct SyncPage<'a> {
    /// The page's conversations.
    pub conversations: &'a [Conversation],
    /// The sync resource the cursor belongs to (e.g. a backfill window).
    pub sync_resource: &'a str,
    /// The cursor of the next page, or `None` when the walk is done.
    pub cursor: Option<&'a str>,
}

/// What a page upsert changed: the sync engine fetches parts only for these ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// Conversations not cached before.
    pub new_ids: Vec<String>,
    /// Cached conversations whose `updated_at` moved forward.
    pub moved_ids: Vec<String>,
    /// Rows identical in `updated_at` or older than the cached copy (left untouched).
    pub unchanged: usize,
}

impl PageOutcome {
    /// New and moved ids together: the conversations whose details need fetching.
    pub fn changed_ids(&self) -> impl Iterator<Item = &str> {
        self.new_ids
            .iter()
            .chain(&self.moved_ids)
            .map(String::as_str)
    }
}

/// Everything a thread view shows for one conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationDetail {
    /// The conversation as shown (optimistic outbox changes applied).
    pub conversation: Conversation,
    /// Unread for the acting admin.
    pub unread: bool,
    /// Sort key of the lists.
    pub last_activity_at: i64,
    /// Parts in order (created_at, then arrival), including pending outbox parts.
    pub parts: Vec<Part>,
    /// Contacts of the conversation that are cached, in `contact_ids` order.
    pub contacts: Vec<Contact>,
    /// Outbox items for this conversation not yet confirmed (pending, sending, in doubt, failed).
    pub outbox: Vec<OutboxEntry>,
}

pub(crate) fn normalize_assignee(id: Option<&str>) -> Option<String> {
    id.map(str::trim)
        .filter(|s| !s.is_empty() && *s != "0")
        .map(str::to_owned)
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl Store {
    /// Upserts one page of conversations AND saves `cursor` for `sync_resource` in the same
    /// transaction, so a crash resumes from the last saved page. A row whose `updated_at` is
    /// older than the cached one is ignored (pages of concurrent partitions may overlap); one
    /// of the same second is applied only if its content differs.
    #[tracing::instrument(skip_all, fields(rows = conversations.len(), sync_resource), err)]
    pub fn upsert_conversations_page(
        &mut self,
        conversations: &[Conversation],
        sync_resource: &str,
        cursor: Option<&str>,
    ) -> Result<PageOutcome> {
        self.write(|tx| {
            let outcome = upsert_conversations(tx, conversations, false)?;
            crate::sync_state::save_page_cursor(tx, sync_resource, cursor)?;
            Ok(outcome)
        })
    }

    /// The first sync's page write: like [`Store::upsert_conversations_page`], and in the same
    /// transaction seeds read marks from Intercom's `read` flag for the conversations seen for
    /// the first time, so a crash can never leave a stored page unseeded.
    pub fn upsert_first_sync_page(
        &mut self,
        conversations: &[Conversation],
        sync_resource: &str,
        cursor: Option<&str>,
    ) -> Result<PageOutcome> {
        let page = SyncPage {
            conversations,
            sync_resource,
            cursor,
        };
        let mut outcomes = self.upsert_first_sync_pages(&[page])?;
        Ok(outcomes.pop().unwrap_or_default())
    }

    /// Several first-sync pages in ONE transaction, each with its rows, read-mark seeds and
    /// cursor exactly as [`Store::upsert_first_sync_page`] writes one: a crash loses the
    /// whole group or nothing, and every cursor still matches the rows stored. Grouping pages
    /// that wait for the writer together costs one commit instead of one per page (a commit
    /// writes every touched B-tree page to the WAL, and the inbox indexes touch a page per
    /// row, so pages written together share most of them).
    pub fn upsert_first_sync_pages(&mut self, pages: &[SyncPage<'_>]) -> Result<Vec<PageOutcome>> {
        self.write(|tx| {
            pages
                .iter()
                .map(|p| {
                    let outcome = upsert_conversations(tx, p.conversations, true)?;
                    crate::read_marks::seed_in(tx, &outcome.new_ids)?;
                    crate::sync_state::save_page_cursor(tx, p.sync_resource, p.cursor)?;
                    Ok(outcome)
                })
                .collect()
        })
    }

    /// Upserts conversations without touching any sync cursor (e.g. one fetched on demand).
    pub fn upsert_conversations(&mut self, conversations: &[Conversation]) -> Result<PageOutcome> {
        self.write(|tx| upsert_conversations(tx, conversations, false))
    }

    /// Removes a conversation Intercom deleted, with its parts and read mark.
    pub fn delete_conversation(&mut self, id: &str) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM conversations WHERE id = ?1", [id])? > 0))
    }
}

/// Upserts rows. A new row's `unread` is set by the insert: a contact wrote (and, when
/// `seeding_read` (the first sync, whose read marks follow in the same transaction), Intercom
/// does not call it read), so the read-mark seed that follows agrees with it and rewrites
/// nothing.
pub(crate) fn upsert_conversations(
    tx: &Transaction<'_>,
    conversations: &[Conversation],
    seeding_read: bool,
) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    let synced_at = now();
    let mut existing = tx.prepare_cached(
        "SELECT seq, updated_at, outbox_active, title, source_subject, source_body_text
         FROM conversations WHERE id = ?1",
    )?;
    let mut same_second = tx.prepare_cached("SELECT raw FROM conversations WHERE id = ?1")?;
    let mut fts = FtsBatch::new(CONVERSATIONS_FTS);
    let mut upsert = tx.prepare_cached(UPSERT_SQL)?;
    let mut clear_contacts =
        tx.prepare_cached("DELETE FROM conversation_contacts WHERE conversation_id = ?1")?;
    let mut add_contact = tx.prepare_cached(
        "INSERT OR IGNORE INTO conversation_contacts (conversation_id, contact_id) VALUES (?1, ?2)",
    )?;
    // Conversations that still name a contact merged into another name the one it became.
    let mut merged = crate::aliases::MergedContacts::load(tx)?;
    for c in conversations {
        let mapped;
        let c = match merged.as_mut().map(|m| m.map(&c.contact_ids)).transpose()? {
            Some(Some(ids)) => {
                mapped = Conversation {
                    contact_ids: ids,
                    ..c.clone()
                };
                &mapped
            }
            _ => c,
        };
        if c.id.is_empty() {
            return Err(StoreError::InvalidInput(
                "a conversation without an id cannot be cached".into(),
            ));
        }
        let before: Option<Existing> = existing
            .query_row([&c.id], |r| {
                Ok(Existing {
                    seq: r.get(0)?,
                    updated_at: r.get(1)?,
                    outbox_active: r.get(2)?,
                    text: [r.get(3)?, r.get(4)?, r.get(5)?],
                })
            })
            .optional()?;
        let raw = c.raw.as_deref();
        if let Some(b) = &before {
            if c.updated_at < b.updated_at {
                outcome.unchanged += 1;
                continue;
            }
            // Timestamps are whole seconds: a change within the second of the cached copy keeps
            // `updated_at`. Same second and the same content is unchanged; different content is
            // a move like any other.
            if c.updated_at == b.updated_at {
                let cached: Option<String> = same_second
                    .query_row([&c.id], |r| r.get(0))
                    .optional()?
                    .flatten();
                if cached.as_deref() == raw {
                    outcome.unchanged += 1;
                    continue;
                }
            }
        }
        let source_text = c.source_body_html.as_deref().map(plain_text);
        let source_contact_at = c.source_author.is_contact().then_some(c.created_at);
        let lcpa = max_opt(
            max_opt(c.last_contact_reply_at, c.waiting_since),
            source_contact_at,
        );
        let admin = normalize_assignee(c.admin_assignee_id.as_deref());
        let team = normalize_assignee(c.team_assignee_id.as_deref());
        let snippet = source_text
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| preview(t, 140));
        upsert.execute(params![
            c.id,
            c.title,
            c.created_at,
            c.updated_at,
            c.waiting_since,
            c.snoozed_until,
            c.open,
            c.state.as_str(),
            c.read,
            c.priority,
            admin,
            team,
            serde_json::to_string(&c.contact_ids)?,
            c.contact_ids.first(),
            c.source_type,
            c.source_subject,
            c.source_body_html,
            source_text,
            c.source_author.author_type,
            c.source_author.id,
            c.source_author.name,
            serde_json::to_string(&c.tags)?,
            c.last_contact_reply_at,
            raw,
            lcpa,
            snippet,
            synced_at,
            lcpa.is_some() && !(seeding_read && c.read),
            serde_json::to_string(&c.custom_attributes)?,
            c.sla.as_ref().map(|s| s.name.as_str()),
            c.sla.as_ref().and_then(|s| s.status.as_deref()),
        ])?;
        match &before {
            None => fts.inserted(tx.last_insert_rowid()),
            Some(b) => {
                let new_text = [
                    c.title.as_deref(),
                    c.source_subject.as_deref(),
                    source_text.as_deref(),
                ];
                if b.text.iter().map(Option::as_deref).ne(new_text) {
                    let old: Vec<Option<&str>> = b.text.iter().map(Option::as_deref).collect();
                    fts.changed(b.seq, &old);
                }
            }
        }
        if before.is_some() {
            clear_contacts.execute([&c.id])?;
        }
        for contact_id in &c.contact_ids {
            add_contact.execute(params![c.id, contact_id])?;
        }
        match before {
            None => outcome.new_ids.push(c.id.clone()),
            Some(Existing { outbox_active, .. }) => {
                outcome.moved_ids.push(c.id.clone());
                // The server's copy now includes what was sent: sent items stop overriding it,
                // and items still unsent are laid over the fresh server values again.
                tx.execute(
                    "UPDATE outbox SET settled = 1 WHERE conversation_id = ?1 AND status = 'sent' AND settled = 0",
                    [&c.id],
                )?;
                if outbox_active > 0 {
                    crate::outbox::apply_overlay(tx, &c.id)?;
                }
            }
        }
    }
    fts.apply(tx)?;
    Ok(outcome)
}

/// The cached copy of a conversation a page upsert compares with.
struct Existing {
    seq: i64,
    updated_at: i64,
    outbox_active: i64,
    /// Indexed text as cached: title, source subject, source body text.
    text: [Option<String>; 3],
}

const UPSERT_SQL: &str = "
INSERT INTO conversations (
  id, title, created_at, updated_at, waiting_since, snoozed_until, open, state, read, priority,
  admin_assignee_id, team_assignee_id, contact_ids, primary_contact_id, source_type, source_subject,
  source_body_html, source_body_text, source_author_type, source_author_id, source_author_name, tags,
  last_contact_reply_at, raw, last_contact_part_at, preview, synced_at,
  srv_open, srv_state, srv_snoozed_until, srv_admin_assignee_id, srv_team_assignee_id, last_activity_at,
  unread, custom_attributes, sla_name, sla_status, srv_priority, srv_tags, srv_custom_attributes)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
  ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?7, ?8, ?6, ?11, ?12, max(?3, ?4), ?28, ?29, ?30, ?31, ?10,
  ?22, ?29)
ON CONFLICT(id) DO UPDATE SET
  srv_priority = excluded.priority, srv_tags = excluded.tags,
  srv_custom_attributes = excluded.custom_attributes, custom_attributes = excluded.custom_attributes,
  sla_name = excluded.sla_name, sla_status = excluded.sla_status,
  title = excluded.title, updated_at = excluded.updated_at, waiting_since = excluded.waiting_since,
  snoozed_until = excluded.snoozed_until, open = excluded.open, state = excluded.state,
  read = excluded.read, priority = excluded.priority,
  admin_assignee_id = excluded.admin_assignee_id, team_assignee_id = excluded.team_assignee_id,
  srv_open = excluded.open, srv_state = excluded.state, srv_snoozed_until = excluded.snoozed_until,
  srv_admin_assignee_id = excluded.admin_assignee_id, srv_team_assignee_id = excluded.team_assignee_id,
  contact_ids = excluded.contact_ids, primary_contact_id = excluded.primary_contact_id,
  source_type = excluded.source_type, source_subject = excluded.source_subject,
  source_body_html = excluded.source_body_html, source_body_text = excluded.source_body_text,
  source_author_type = excluded.source_author_type, source_author_id = excluded.source_author_id,
  source_author_name = excluded.source_author_name, tags = excluded.tags,
  last_contact_reply_at = excluded.last_contact_reply_at, raw = excluded.raw,
  last_contact_part_at = CASE
    WHEN excluded.last_contact_part_at IS NULL THEN last_contact_part_at
    WHEN last_contact_part_at IS NULL THEN excluded.last_contact_part_at
    ELSE max(last_contact_part_at, excluded.last_contact_part_at) END,
  preview = coalesce(preview, excluded.preview),
  last_activity_at = max(excluded.updated_at, coalesce(last_part_at, 0), last_activity_at),
  synced_at = excluded.synced_at
WHERE excluded.updated_at >= conversations.updated_at";

/// The columns `conversation_from_row` reads, in order.
pub(crate) const CONVERSATION_COLUMNS: &str = "c.id, c.title, c.created_at, c.updated_at, c.waiting_since, \
  c.snoozed_until, c.open, c.state, c.read, c.priority, c.admin_assignee_id, c.team_assignee_id, c.contact_ids, \
  c.source_type, c.source_subject, c.source_body_html, c.source_author_type, c.source_author_id, \
  c.source_author_name, c.tags, c.last_contact_reply_at, c.raw, c.unread, c.last_activity_at, \
  c.custom_attributes, c.sla_name, c.sla_status";

pub(crate) fn conversation_from_row(r: &Row<'_>) -> rusqlite::Result<(Conversation, bool, i64)> {
    let json_err = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let contact_ids: String = r.get(12)?;
    let tags: String = r.get(19)?;
    let raw: Option<String> = r.get(21)?;
    let state: String = r.get(7)?;
    let custom_attributes: String = r.get(24)?;
    let sla_name: Option<String> = r.get(25)?;
    let conversation = Conversation {
        id: r.get(0)?,
        title: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
        waiting_since: r.get(4)?,
        snoozed_until: r.get(5)?,
        open: r.get(6)?,
        state: ConversationState::parse(&state).unwrap_or_default(),
        read: r.get(8)?,
        priority: r.get(9)?,
        admin_assignee_id: r.get(10)?,
        team_assignee_id: r.get(11)?,
        contact_ids: serde_json::from_str(&contact_ids).map_err(|e| json_err(12, e))?,
        source_type: r.get(13)?,
        source_subject: r.get(14)?,
        source_body_html: r.get(15)?,
        source_author: Author {
            author_type: r.get(16)?,
            id: r.get(17)?,
            name: r.get(18)?,
        },
        tags: serde_json::from_str(&tags).map_err(|e| json_err(19, e))?,
        custom_attributes: serde_json::from_str(&custom_attributes).unwrap_or_default(),
        sla: sla_name.map(|name| Sla {
            name,
            status: r.get(26).ok().flatten(),
        }),
        last_contact_reply_at: r.get(20)?,
        raw,
    };
    Ok((conversation, r.get(22)?, r.get(23)?))
}

impl Reader {
    /// One cached conversation (as shown, with optimistic outbox changes), or `None`.
    pub fn conversation(&self, id: &str) -> Result<Option<Conversation>> {
        Ok(self.conversation_with_flags(id)?.map(|(c, _, _)| c))
    }

    fn conversation_with_flags(&self, id: &str) -> Result<Option<(Conversation, bool, i64)>> {
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?1");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        stmt.query_row([id], conversation_from_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The cached `updated_at` of each given id that is cached (for the engine's skip logic).
    pub fn conversation_updated_at(&self, id: &str) -> Result<Option<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT updated_at FROM conversations WHERE id = ?1")
            .map_err(|e| self.err(e))?;
        stmt.query_row([id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Number of cached conversations.
    pub fn conversation_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The thread: the conversation, its parts in order, its contacts and unconfirmed outbox items.
    pub fn conversation_detail(&self, id: &str) -> Result<Option<ConversationDetail>> {
        let Some((conversation, unread, last_activity_at)) = self.conversation_with_flags(id)?
        else {
            return Ok(None);
        };
        let parts = self.parts(id)?;
        let mut contacts = Vec::with_capacity(conversation.contact_ids.len());
        for contact_id in &conversation.contact_ids {
            if let Some(contact) = self.contact(contact_id)? {
                contacts.push(contact);
            }
        }
        let outbox = self.outbox_for_conversation(id)?;
        Ok(Some(ConversationDetail {
            conversation,
            unread,
            last_activity_at,
            parts,
            contacts,
            outbox,
        }))
    }
}
