//! Agentdesk's local SQLite cache: schema, migrations and queries. It knows SQL, not HTTP:
//! the sync engine (`crates/sync`) fills it from Intercom and drains its outbox; the desktop
//! app reads everything it shows from it and writes only through the outbox.
//!
//! # Files and connections
//! One database per workspace (Intercom app id) and acting admin, at
//! [`db_path`]`(data_dir, workspace_id, admin_id)`. [`Store::open`] sets WAL,
//! `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout, runs the migrations, and moves a
//! damaged file aside ([`OpenOutcome::Rebuilt`]). A [`Store`] is the one writer connection
//! (every write is one IMMEDIATE transaction); [`Store::open_reader`] gives read-only
//! connections ([`Reader`]) for queries on other threads. `Store` derefs to `Reader`, so
//! every query is available on both. [`Store::delete_files`] removes the database with its
//! `-wal`/`-shm` files at logout.
//!
//! # The unread model
//! Unread, for the acting admin, means a **contact** (a part whose author type is `user`,
//! `lead` or `contact`) wrote after the admin's **read mark** on that conversation, or the
//! admin marked it unread by hand.
//! - Each conversation keeps `last_contact_part_at`: the newest of its contact parts'
//!   `created_at`, the conversation's `created_at` when a contact started it, Intercom's
//!   `waiting_since`, and `statistics.last_contact_reply_at`, so it is right from metadata
//!   alone (before parts are fetched) and never moves backwards.
//! - `read_marks(conversation_id → read_up_to, marked_at, manual_unread)`: [`Store::mark_read`]
//!   sets `read_up_to` to the conversation's current `last_contact_part_at` (all cached
//!   contact parts are read) and clears `manual_unread`; [`Store::mark_unread`] sets
//!   `manual_unread`. Replies and notes enqueued in the outbox mark the conversation read.
//! - `unread = manual_unread OR last_contact_part_at > read_up_to`; with no mark,
//!   `unread = last_contact_part_at IS NOT NULL` (a new conversation a contact started is unread).
//!   Triggers keep the `conversations.unread` column equal to this rule, so counts are an index
//!   lookup ([`Reader::view_counts`]).
//! - First sync: [`Store::seed_read_marks_from_intercom`] gives conversations Intercom reports
//!   `read: true` a mark at their latest contact part; `read: false` ones get none (unread if
//!   a contact ever wrote). Later, Intercom's `read` flag is ignored: it is not per admin.
//!
//! # Views
//! [`View`] ids are `mine`, `unassigned`, `team:<id>`, `all_open`, `snoozed`, `closed`.
//! "Open" means `state = 'open'` in every view (snoozed conversations are only in Snoozed).
//! Mine: open and assigned to the acting admin. Unassigned: open, no admin and no team.
//! Team: open and assigned to that team. Lists are sorted by last activity (the latest of
//! `updated_at` and the newest part), newest first, paged by a `(last_activity_at, id)` cursor.
//!
//! # Outbox
//! See [`outbox`]: items are recorded with their optimistic effect in one transaction and
//! sent in order per conversation; `in_doubt` items are reconciled by their `client_uuid`
//! before any resend, so each is delivered exactly once.
//!
//! # Search
//! See [`search`]: FTS5 over titles/subjects/first messages, part text and contact names and
//! emails; user input is always quoted; snippets are segments, never HTML.

pub mod admins;
pub mod aliases;
pub mod authors;
pub mod contacts;
pub mod conversations;
pub mod database;
pub mod drafts;
pub mod error;
pub mod events;
mod fts;
pub mod migrations;
pub mod notified;
pub mod outbox;
pub mod parts;
pub mod read_marks;
pub mod search;
pub mod sync_state;
pub mod tags;
pub mod teams;
mod text;
mod ticket_effects;
pub mod tickets;
pub mod views;

pub use admins::Admin;
pub use aliases::RecordKind;
pub use authors::{is_contact_type, Author, CONTACT_AUTHOR_TYPES};
pub use contacts::{Contact, ContactConversation};
pub use conversations::{
    Conversation, ConversationDetail, ConversationState, PageOutcome, Sla, SyncPage, Tag,
};
pub use database::{db_path, safe_file_name, workspace_cache_dir, OpenOutcome, Reader, Store};
pub use drafts::Draft;
pub use error::{Result, StoreError, StoreErrorKind};
pub use events::{DataEvent, EventSummary};
pub use migrations::MIGRATIONS;
pub use notified::NotificationCandidate;
pub use outbox::{Assignee, OutboxEntry, OutboxItem, OutboxKind, OutboxStatus, OutboxSummary};
pub use parts::Part;
pub use search::{MatchField, SearchHit, SnippetSegment};
pub use sync_state::SyncState;
pub use tags::AttributeDef;
pub use teams::Team;
pub use tickets::{
    TicketAttributeDef, TicketAttributeValue, TicketCount, TicketCursor, TicketDetail, TicketHit,
    TicketPart, TicketRow, TicketStateDef, TicketType, TICKET_STATES,
};
pub use views::{
    sidebar_views, views_of, Assignment, ListFilter, ListRow, PageCursor, View, ViewCount,
};
