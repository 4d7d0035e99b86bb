//! The store's tests, one module per table, against real SQLite (`:memory:` and temp files),
//! in one test binary so the suite links once.

mod support;

mod admins_teams;
mod aliases;
mod contacts;
mod conversations;
mod database;
mod drafts;
mod events;
mod migrations;
mod notified;
mod outbox;
mod parts;
mod read_marks;
mod schema;
mod search;
mod sync_state;
mod tags;
mod tickets;
mod views;
