//! The schema, as an append-only list of migrations (never edit one that shipped: add another).
//! Pragmas (WAL, synchronous, foreign keys, busy timeout) are set by `database.rs`, outside
//! migrations, because they are per connection or cannot run inside a transaction.

use rusqlite_migration::{Migrations, M};

/// Every migration, in order. `user_version` records how many have run.
pub static MIGRATIONS: Migrations<'static> = Migrations::from_slice(STEPS);

const STEPS: &[M<'static>] = &[
    M::up(V1),
    M::up(V2),
    M::up(V3),
    M::up(V4),
    M::up(V5),
    M::up(V6),
    M::up(V7),
    M::up(V8),
    M::up(V9),
];

/// Version 1: every table of the cache.
const V1: &str = r#"
CREATE TABLE admins (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  team_ids TEXT NOT NULL DEFAULT '[]',
  raw TEXT
);

CREATE TABLE teams (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  admin_ids TEXT NOT NULL DEFAULT '[]',
  raw TEXT
);

-- seq is a stable integer key for the external-content FTS index; id is Intercom's.
CREATE TABLE contacts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  external_id TEXT,
  role TEXT,
  name TEXT,
  email TEXT,
  phone TEXT,
  avatar_url TEXT,
  location TEXT,
  companies TEXT NOT NULL DEFAULT '[]',
  custom_attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER,
  updated_at INTEGER,
  last_seen_at INTEGER,
  raw TEXT
);

-- Effective columns (state, open, snoozed_until, *_assignee_id) are what the inbox shows:
-- the server's values (srv_*) with the outbox's optimistic changes laid over them.
CREATE TABLE conversations (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  title TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  waiting_since INTEGER,
  snoozed_until INTEGER,
  open INTEGER NOT NULL,
  state TEXT NOT NULL,
  read INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  admin_assignee_id TEXT,
  team_assignee_id TEXT,
  srv_snoozed_until INTEGER,
  srv_open INTEGER NOT NULL,
  srv_state TEXT NOT NULL,
  srv_admin_assignee_id TEXT,
  srv_team_assignee_id TEXT,
  contact_ids TEXT NOT NULL DEFAULT '[]',
  primary_contact_id TEXT,
  source_type TEXT,
  source_subject TEXT,
  source_body_html TEXT,
  source_body_text TEXT,
  source_author_type TEXT,
  source_author_id TEXT,
  source_author_name TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  last_contact_reply_at INTEGER,
  raw TEXT,
  last_part_at INTEGER,
  last_contact_part_at INTEGER,
  last_activity_at INTEGER NOT NULL,
  preview TEXT,
  unread INTEGER NOT NULL DEFAULT 0,
  outbox_active INTEGER NOT NULL DEFAULT 0,
  synced_at INTEGER
);
-- One index per view shape; the partial ones use the same literal predicates as views.rs.
CREATE INDEX conversations_state_activity ON conversations(state, last_activity_at, id);
CREATE INDEX conversations_mine_activity ON conversations(admin_assignee_id, last_activity_at, id)
  WHERE state = 'open';
CREATE INDEX conversations_team_activity ON conversations(team_assignee_id, last_activity_at, id)
  WHERE state = 'open';
CREATE INDEX conversations_unassigned_activity ON conversations(last_activity_at, id)
  WHERE state = 'open' AND admin_assignee_id IS NULL AND team_assignee_id IS NULL;
CREATE INDEX conversations_unread ON conversations(state, admin_assignee_id, team_assignee_id)
  WHERE unread = 1;
CREATE INDEX conversations_updated ON conversations(updated_at);

CREATE TABLE conversation_contacts (
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  contact_id TEXT NOT NULL,
  PRIMARY KEY (conversation_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX conversation_contacts_contact ON conversation_contacts(contact_id);

CREATE TABLE parts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  part_type TEXT NOT NULL,
  body_html TEXT,
  body_text TEXT,
  author_type TEXT,
  author_id TEXT,
  author_name TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  attachments TEXT NOT NULL DEFAULT '[]',
  redacted INTEGER NOT NULL DEFAULT 0,
  assigned_to_type TEXT,
  assigned_to_id TEXT,
  outbox_id INTEGER
);
CREATE INDEX parts_conversation ON parts(conversation_id, created_at, seq);
CREATE INDEX parts_created ON parts(created_at) WHERE author_type IN ('user', 'lead', 'contact');

CREATE TABLE data_events (
  contact_id TEXT NOT NULL,
  event_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  id TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (contact_id, event_name, created_at)
) WITHOUT ROWID;
CREATE INDEX data_events_contact_time ON data_events(contact_id, created_at);

CREATE TABLE event_summaries (
  contact_id TEXT NOT NULL,
  name TEXT NOT NULL,
  first TEXT,
  last TEXT,
  count INTEGER NOT NULL,
  description TEXT,
  PRIMARY KEY (contact_id, name)
) WITHOUT ROWID;

CREATE TABLE sync_state (
  resource TEXT PRIMARY KEY NOT NULL,
  cursor TEXT,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT
);

CREATE TABLE sync_kv (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE read_marks (
  conversation_id TEXT PRIMARY KEY NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  read_up_to INTEGER NOT NULL,
  marked_at INTEGER NOT NULL,
  manual_unread INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL
);

CREATE TABLE notified_parts (
  part_id TEXT PRIMARY KEY NOT NULL,
  notified_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_uuid TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'in_doubt', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  server_part_id TEXT,
  settled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_conversation ON outbox(conversation_id, id);
CREATE INDEX outbox_status ON outbox(status, id);

-- Unread (see the crate docs): a contact wrote after the read mark, or the agent marked it unread.
CREATE TRIGGER conversations_unread_insert AFTER INSERT ON conversations BEGIN
  UPDATE conversations SET unread = COALESCE(
    (SELECT m.manual_unread OR (new.last_contact_part_at IS NOT NULL AND new.last_contact_part_at > m.read_up_to)
       FROM read_marks m WHERE m.conversation_id = new.id),
    new.last_contact_part_at IS NOT NULL)
  WHERE seq = new.seq;
END;
CREATE TRIGGER conversations_unread_update AFTER UPDATE OF last_contact_part_at ON conversations
WHEN old.last_contact_part_at IS NOT new.last_contact_part_at BEGIN
  UPDATE conversations SET unread = COALESCE(
    (SELECT m.manual_unread OR (new.last_contact_part_at IS NOT NULL AND new.last_contact_part_at > m.read_up_to)
       FROM read_marks m WHERE m.conversation_id = new.id),
    new.last_contact_part_at IS NOT NULL)
  WHERE seq = new.seq;
END;
CREATE TRIGGER read_marks_insert AFTER INSERT ON read_marks BEGIN
  UPDATE conversations SET unread = (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to))
  WHERE id = new.conversation_id;
END;
CREATE TRIGGER read_marks_update AFTER UPDATE ON read_marks BEGIN
  UPDATE conversations SET unread = (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to))
  WHERE id = new.conversation_id;
END;
CREATE TRIGGER read_marks_delete AFTER DELETE ON read_marks BEGIN
  UPDATE conversations SET unread = (last_contact_part_at IS NOT NULL)
  WHERE id = old.conversation_id;
END;

-- Full text: external-content FTS5 tables kept in step by triggers (UPSERTs fire the
-- UPDATE triggers; nothing uses INSERT OR REPLACE, which would bypass them).
CREATE VIRTUAL TABLE conversations_fts USING fts5(
  title, source_subject, source_body_text,
  content = 'conversations', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO conversations_fts(rowid, title, source_subject, source_body_text)
  VALUES (new.seq, new.title, new.source_subject, new.source_body_text);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
  INSERT INTO conversations_fts(conversations_fts, rowid, title, source_subject, source_body_text)
  VALUES ('delete', old.seq, old.title, old.source_subject, old.source_body_text);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title, source_subject, source_body_text ON conversations
WHEN old.title IS NOT new.title OR old.source_subject IS NOT new.source_subject
  OR old.source_body_text IS NOT new.source_body_text BEGIN
  INSERT INTO conversations_fts(conversations_fts, rowid, title, source_subject, source_body_text)
  VALUES ('delete', old.seq, old.title, old.source_subject, old.source_body_text);
  INSERT INTO conversations_fts(rowid, title, source_subject, source_body_text)
  VALUES (new.seq, new.title, new.source_subject, new.source_body_text);
END;

CREATE VIRTUAL TABLE parts_fts USING fts5(
  body_text, content = 'parts', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE TRIGGER parts_fts_insert AFTER INSERT ON parts BEGIN
  INSERT INTO parts_fts(rowid, body_text) VALUES (new.seq, new.body_text);
END;
CREATE TRIGGER parts_fts_delete AFTER DELETE ON parts BEGIN
  INSERT INTO parts_fts(parts_fts, rowid, body_text) VALUES ('delete', old.seq, old.body_text);
END;
CREATE TRIGGER parts_fts_update AFTER UPDATE OF body_text ON parts
WHEN old.body_text IS NOT new.body_text BEGIN
  INSERT INTO parts_fts(parts_fts, rowid, body_text) VALUES ('delete', old.seq, old.body_text);
  INSERT INTO parts_fts(rowid, body_text) VALUES (new.seq, new.body_text);
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(
  name, email, content = 'contacts', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_fts(rowid, name, email) VALUES (new.seq, new.name, new.email);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email ON contacts
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, name, email) VALUES ('delete', old.seq, old.name, old.email);
  INSERT INTO contacts_fts(rowid, name, email) VALUES (new.seq, new.name, new.email);
END;
"#;

/// Version 2: per-view counters kept by triggers, so all sidebar counts are a few key lookups
/// instead of index scans (at 100k conversations a scan of every view costs ~10 ms).
/// Keys: `state:<state>`, and for open conversations `admin:<id>`, `team:<id>`, `unassigned`.
const V2: &str = r#"
CREATE TABLE view_counters (
  key TEXT PRIMARY KEY NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  unread INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER conversations_counters_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'state:' || new.state AS key, 1 AS dt, new.unread AS du
  UNION ALL SELECT 'admin:' || new.admin_assignee_id, 1, new.unread
    WHERE new.state = 'open' AND new.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'team:' || new.team_assignee_id, 1, new.unread
    WHERE new.state = 'open' AND new.team_assignee_id IS NOT NULL
  UNION ALL SELECT 'unassigned', 1, new.unread
    WHERE new.state = 'open' AND new.admin_assignee_id IS NULL AND new.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;
CREATE TRIGGER conversations_counters_delete AFTER DELETE ON conversations BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'state:' || old.state AS key, -1 AS dt, -old.unread AS du
  UNION ALL SELECT 'admin:' || old.admin_assignee_id, -1, -old.unread
    WHERE old.state = 'open' AND old.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'team:' || old.team_assignee_id, -1, -old.unread
    WHERE old.state = 'open' AND old.team_assignee_id IS NOT NULL
  UNION ALL SELECT 'unassigned', -1, -old.unread
    WHERE old.state = 'open' AND old.admin_assignee_id IS NULL AND old.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;
CREATE TRIGGER conversations_counters_update AFTER UPDATE OF state, admin_assignee_id, team_assignee_id, unread
ON conversations
WHEN old.state IS NOT new.state OR old.admin_assignee_id IS NOT new.admin_assignee_id
  OR old.team_assignee_id IS NOT new.team_assignee_id OR old.unread IS NOT new.unread BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'state:' || old.state AS key, -1 AS dt, -old.unread AS du
  UNION ALL SELECT 'admin:' || old.admin_assignee_id, -1, -old.unread
    WHERE old.state = 'open' AND old.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'team:' || old.team_assignee_id, -1, -old.unread
    WHERE old.state = 'open' AND old.team_assignee_id IS NOT NULL
  UNION ALL SELECT 'unassigned', -1, -old.unread
    WHERE old.state = 'open' AND old.admin_assignee_id IS NULL AND old.team_assignee_id IS NULL
  UNION ALL
  SELECT 'state:' || new.state AS key, 1 AS dt, new.unread AS du
  UNION ALL SELECT 'admin:' || new.admin_assignee_id, 1, new.unread
    WHERE new.state = 'open' AND new.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'team:' || new.team_assignee_id, 1, new.unread
    WHERE new.state = 'open' AND new.team_assignee_id IS NOT NULL
  UNION ALL SELECT 'unassigned', 1, new.unread
    WHERE new.state = 'open' AND new.admin_assignee_id IS NULL AND new.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;

INSERT INTO view_counters (key, total, unread)
SELECT key, count(*), sum(unread) FROM (
  SELECT 'state:' || state AS key, unread FROM conversations
  UNION ALL SELECT 'admin:' || admin_assignee_id, unread FROM conversations
    WHERE state = 'open' AND admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'team:' || team_assignee_id, unread FROM conversations
    WHERE state = 'open' AND team_assignee_id IS NOT NULL
  UNION ALL SELECT 'unassigned', unread FROM conversations
    WHERE state = 'open' AND admin_assignee_id IS NULL AND team_assignee_id IS NULL
) WHERE true GROUP BY key;
"#;

/// Version 3: bulk writes at 100k conversations.
/// - Full-text indexing of inserted and updated rows moves from per-row triggers to one
///   statement per transaction (`fts.rs`): FTS5 flushes a segment at every statement
///   savepoint, so the triggers wrote one segment per row and spent most of a page upsert
///   merging them. The `*_fts_delete` triggers stay (deletes are single rows).
/// - `conversations_updated` and `conversations_unread` go: no query reads them (counts come
///   from `view_counters`), and each was one more random B-tree insert per row.
const V3: &str = r#"
DROP TRIGGER conversations_fts_insert;
DROP TRIGGER conversations_fts_update;
DROP TRIGGER parts_fts_insert;
DROP TRIGGER parts_fts_update;
DROP TRIGGER contacts_fts_insert;
DROP TRIGGER contacts_fts_update;
DROP INDEX conversations_updated;
DROP INDEX conversations_unread;
"#;

/// Version 4: one write per new conversation row instead of three.
/// - A new row's `unread` is computed by the insert itself (no read mark can exist before its
///   conversation: the foreign key cascades), so `conversations_unread_insert` goes; it
///   rewrote every freshly inserted row (a few KB with its raw JSON) and moved its counters
///   a second time.
/// - The read-mark triggers and `conversations_unread_update` only write a conversation
///   whose `unread` actually changes: the first sync seeds read marks that agree with the
///   inserted value, and each used to rewrite the row anyway.
const V4: &str = r#"
DROP TRIGGER conversations_unread_insert;
DROP TRIGGER conversations_unread_update;
DROP TRIGGER read_marks_insert;
DROP TRIGGER read_marks_update;
DROP TRIGGER read_marks_delete;

CREATE TRIGGER conversations_unread_update AFTER UPDATE OF last_contact_part_at ON conversations
WHEN old.last_contact_part_at IS NOT new.last_contact_part_at BEGIN
  UPDATE conversations SET unread = COALESCE(
    (SELECT m.manual_unread OR (new.last_contact_part_at IS NOT NULL AND new.last_contact_part_at > m.read_up_to)
       FROM read_marks m WHERE m.conversation_id = new.id),
    new.last_contact_part_at IS NOT NULL)
  WHERE seq = new.seq AND unread IS NOT COALESCE(
    (SELECT m.manual_unread OR (new.last_contact_part_at IS NOT NULL AND new.last_contact_part_at > m.read_up_to)
       FROM read_marks m WHERE m.conversation_id = new.id),
    new.last_contact_part_at IS NOT NULL);
END;
CREATE TRIGGER read_marks_insert AFTER INSERT ON read_marks BEGIN
  UPDATE conversations SET unread = (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to))
  WHERE id = new.conversation_id AND unread IS NOT (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to));
END;
CREATE TRIGGER read_marks_update AFTER UPDATE ON read_marks BEGIN
  UPDATE conversations SET unread = (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to))
  WHERE id = new.conversation_id AND unread IS NOT (new.manual_unread
      OR (last_contact_part_at IS NOT NULL AND last_contact_part_at > new.read_up_to));
END;
CREATE TRIGGER read_marks_delete AFTER DELETE ON read_marks BEGIN
  UPDATE conversations SET unread = (last_contact_part_at IS NOT NULL)
  WHERE id = old.conversation_id AND unread IS NOT (last_contact_part_at IS NOT NULL);
END;
"#;

/// Version 5: what was fetched, kept apart from what came back. A conversation with no parts
/// and a contact with no events looked "never fetched" (no rows), so every start of the app
/// fetched them again (measured: 11 detail fetches per changed conversation over an hour of
/// polling at 10k). `details_at` is when a conversation's parts were last fetched;
/// `contact_events_fetched` when a contact's events were. Existing caches count what they
/// hold as fetched.
const V5: &str = r#"
ALTER TABLE conversations ADD COLUMN details_at INTEGER;
UPDATE conversations SET details_at = synced_at
  WHERE EXISTS (SELECT 1 FROM parts p WHERE p.conversation_id = conversations.id);
CREATE TABLE contact_events_fetched (
  contact_id TEXT PRIMARY KEY NOT NULL,
  fetched_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO contact_events_fetched (contact_id, fetched_at)
  SELECT DISTINCT contact_id, 0 FROM event_summaries;
"#;

/// Version 6: ids Intercom no longer serves as they were (`aliases.rs`). A contact fetched by
/// id that came back under another id (merged) was never recorded under the id asked for, so
/// the contacts pass asked for it again at once, for ever; a contact answered 404 was asked
/// again at every start. `now_id` is the record it became, or NULL when it is gone.
const V6: &str = r#"
CREATE TABLE record_aliases (
  kind TEXT NOT NULL CHECK (kind IN ('contact', 'conversation')),
  id TEXT NOT NULL,
  now_id TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
"#;

/// Version 7: what an agent sorts and edits a conversation by (issue 14). Priority and tags
/// get server columns (`srv_*`) like state and assignees, so a pending tag or priority change
/// is an overlay a page upsert never undoes; custom attributes and the applied SLA get
/// columns of their own. Existing rows take them from the object Intercom sent (`raw`), so an
/// upgraded cache shows them before its next sync. `tags` and `conversation_attributes` hold
/// the workspace's tags and the attributes' definitions (names, types, options).
const V7: &str = r#"
ALTER TABLE conversations ADD COLUMN srv_priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN srv_tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE conversations ADD COLUMN custom_attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN srv_custom_attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE conversations ADD COLUMN sla_name TEXT;
ALTER TABLE conversations ADD COLUMN sla_status TEXT;
UPDATE conversations SET
  srv_priority = priority,
  srv_tags = tags,
  srv_custom_attributes = CASE
    WHEN raw IS NOT NULL AND json_valid(raw) AND json_type(raw, '$.custom_attributes') = 'object'
    THEN json_extract(raw, '$.custom_attributes') ELSE '{}' END,
  sla_name = CASE
    WHEN raw IS NOT NULL AND json_valid(raw) AND json_type(raw, '$.sla_applied') = 'object'
    THEN coalesce(json_extract(raw, '$.sla_applied.sla_name'), '') END,
  sla_status = CASE
    WHEN raw IS NOT NULL AND json_valid(raw) AND json_type(raw, '$.sla_applied.sla_status') = 'text'
    THEN json_extract(raw, '$.sla_applied.sla_status') END;
UPDATE conversations SET custom_attributes = srv_custom_attributes;
CREATE TABLE tags (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE conversation_attributes (
  name TEXT PRIMARY KEY NOT NULL,
  label TEXT NOT NULL,
  data_type TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '[]',
  position INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Version 8: tickets (issue 14). Ticket types with their attributes, the workspace's ticket
/// states, tickets (shown columns are the server's values `srv_*` with the outbox overlay
/// laid over them, as for conversations), their parts, read marks and full text. The
/// `tickets` count (open tickets for the acting admin or unassigned) is kept by triggers in
/// `view_counters` under `ticket_admin:<id>` and `ticket_unassigned` (`tickets.rs`).
/// A ticket's type is not a foreign key: a ticket may name a type that `GET /ticket_types`
/// did not list (made after the types were fetched), and it must still be cached.
const V8: &str = r#"
CREATE TABLE ticket_types (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  icon TEXT,
  category TEXT,
  archived INTEGER NOT NULL DEFAULT 0,
  raw TEXT
);

CREATE TABLE ticket_type_attributes (
  ticket_type_id TEXT NOT NULL REFERENCES ticket_types(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  label TEXT,
  data_type TEXT NOT NULL,
  required INTEGER NOT NULL DEFAULT 0,
  is_default INTEGER NOT NULL DEFAULT 0,
  options TEXT NOT NULL DEFAULT '[]',
  position INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (ticket_type_id, id)
) WITHOUT ROWID;

CREATE TABLE ticket_states (
  id TEXT PRIMARY KEY NOT NULL,
  category TEXT NOT NULL,
  internal_label TEXT,
  external_label TEXT,
  archived INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tickets (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  number TEXT,
  title TEXT,
  description_text TEXT,
  ticket_type_id TEXT,
  ticket_type_name TEXT,
  state TEXT NOT NULL,
  state_id TEXT,
  open INTEGER NOT NULL,
  admin_assignee_id TEXT,
  team_assignee_id TEXT,
  attributes TEXT NOT NULL DEFAULT '{}',
  srv_state TEXT NOT NULL,
  srv_state_id TEXT,
  srv_attributes TEXT NOT NULL DEFAULT '{}',
  contact_id TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  srv_tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_part_at INTEGER,
  last_contact_part_at INTEGER,
  last_activity_at INTEGER NOT NULL,
  unread INTEGER NOT NULL DEFAULT 0,
  outbox_active INTEGER NOT NULL DEFAULT 0,
  details_at INTEGER,
  raw TEXT,
  synced_at INTEGER
);
CREATE INDEX tickets_state_activity ON tickets(state, last_activity_at, id);
CREATE INDEX tickets_type_activity ON tickets(ticket_type_id, last_activity_at, id);

CREATE TABLE ticket_parts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  part_type TEXT NOT NULL,
  body_html TEXT,
  body_text TEXT,
  author_type TEXT,
  author_id TEXT,
  author_name TEXT,
  created_at INTEGER NOT NULL,
  previous_state TEXT,
  state TEXT,
  outbox_id INTEGER
);
CREATE INDEX ticket_parts_ticket ON ticket_parts(ticket_id, created_at, seq);

CREATE TABLE ticket_read_marks (
  ticket_id TEXT PRIMARY KEY NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  read_up_to INTEGER NOT NULL,
  marked_at INTEGER NOT NULL,
  manual_unread INTEGER NOT NULL DEFAULT 0
);

CREATE VIRTUAL TABLE tickets_fts USING fts5(
  title, description_text, content = 'tickets', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, title, description_text)
  VALUES ('delete', old.seq, old.title, old.description_text);
END;
CREATE VIRTUAL TABLE ticket_parts_fts USING fts5(
  body_text, content = 'ticket_parts', content_rowid = 'seq',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
CREATE TRIGGER ticket_parts_fts_delete AFTER DELETE ON ticket_parts BEGIN
  INSERT INTO ticket_parts_fts(ticket_parts_fts, rowid, body_text) VALUES ('delete', old.seq, old.body_text);
END;

CREATE TRIGGER tickets_counters_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'ticket_admin:' || new.admin_assignee_id AS key, 1 AS dt, new.unread AS du
    WHERE new.state <> 'resolved' AND new.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'ticket_unassigned', 1, new.unread
    WHERE new.state <> 'resolved' AND new.admin_assignee_id IS NULL AND new.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;
CREATE TRIGGER tickets_counters_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'ticket_admin:' || old.admin_assignee_id AS key, -1 AS dt, -old.unread AS du
    WHERE old.state <> 'resolved' AND old.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'ticket_unassigned', -1, -old.unread
    WHERE old.state <> 'resolved' AND old.admin_assignee_id IS NULL AND old.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;
CREATE TRIGGER tickets_counters_update AFTER UPDATE OF state, admin_assignee_id, team_assignee_id, unread
ON tickets
WHEN old.state IS NOT new.state OR old.admin_assignee_id IS NOT new.admin_assignee_id
  OR old.team_assignee_id IS NOT new.team_assignee_id OR old.unread IS NOT new.unread BEGIN
  INSERT INTO view_counters (key, total, unread)
  SELECT key, sum(dt), sum(du) FROM (
  SELECT 'ticket_admin:' || old.admin_assignee_id AS key, -1 AS dt, -old.unread AS du
    WHERE old.state <> 'resolved' AND old.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'ticket_unassigned', -1, -old.unread
    WHERE old.state <> 'resolved' AND old.admin_assignee_id IS NULL AND old.team_assignee_id IS NULL
  UNION ALL SELECT 'ticket_admin:' || new.admin_assignee_id, 1, new.unread
    WHERE new.state <> 'resolved' AND new.admin_assignee_id IS NOT NULL
  UNION ALL SELECT 'ticket_unassigned', 1, new.unread
    WHERE new.state <> 'resolved' AND new.admin_assignee_id IS NULL AND new.team_assignee_id IS NULL
  ) WHERE true GROUP BY key
  ON CONFLICT(key) DO UPDATE SET total = total + excluded.total, unread = unread + excluded.unread;
END;
"#;

/// Version 9: unsent replies and notes, one per conversation or ticket (issue 22); and which
/// version of a ticket its parts were fetched at (`details_version`, its `updated_at` then):
/// comparing our clock's `details_at` with Intercom's `updated_at` fetched a ticket timed
/// ahead of our clock in every cycle. Tickets fetched after their last change keep that.
const V9: &str = r#"
ALTER TABLE tickets ADD COLUMN details_version INTEGER;
UPDATE tickets SET details_version = updated_at WHERE details_at > updated_at;

CREATE TABLE drafts (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
"#;
