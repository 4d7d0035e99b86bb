//! The engine's domain events become what the window and the tray show: every
//! [`SyncEvent`] of the open session passes through [`Shared::on_sync_event`], and every
//! change to the status or the counts the UI sees goes through the functions here, so the
//! sync status is put together in one place.

use std::sync::Arc;

use agentdesk_sync::SyncEvent;

use super::state::{lock, Session, Shared};
use super::ui::UiEvent;
use crate::dto::{self, ViewCount};

impl Shared {
    /// Handles one event of `session`'s engine.
    pub(crate) async fn on_sync_event(&self, session: &Arc<Session>, event: SyncEvent) {
        match event {
            SyncEvent::CountsChanged(counts) => {
                let mut counts: Vec<ViewCount> = counts.into_iter().map(ViewCount::from).collect();
                counts.push(self.tickets_count(session).await);
                self.publish_counts(counts)
            }
            SyncEvent::ConversationsChanged(ids) => {
                self.ui.send(UiEvent::Changed(dto::ConversationsChanged {
                    conversation_ids: ids,
                    ticket_ids: Vec::new(),
                }))
            }
            SyncEvent::Status(status) => {
                let problem = self.notifier.problem();
                self.update_status(|current| current.apply_engine(&status, problem));
            }
            SyncEvent::Progress { done, total } => self.update_status(|status| {
                status.backfill = (done < total).then_some(dto::Progress { done, total });
            }),
            SyncEvent::NewContactMessages(candidates) => self.notify(session, candidates).await,
            SyncEvent::OutboxChanged(_) => {}
            SyncEvent::TicketsChanged(ids) => {
                // The engine's counts do not carry tickets: a ticket change re-reads theirs.
                let tickets = self.tickets_count(session).await;
                let counts = {
                    let mut counts = lock(&self.counts).clone();
                    counts.retain(|c| c.id != "tickets");
                    counts.push(tickets);
                    counts
                };
                if *lock(&self.counts) != counts {
                    self.publish_counts(counts);
                }
                self.ui.send(UiEvent::tickets_changed(ids));
            }
        }
    }

    /// The Tickets view's count: every open ticket, and unread the ones assigned to the agent
    /// or to nobody (read from the cache; a failed read counts nothing rather than guessing).
    pub(crate) async fn tickets_count(&self, session: &Arc<Session>) -> ViewCount {
        let s = Arc::clone(session);
        let admin = session.workspace.admin_id.clone();
        let read = super::blocking(move || {
            s.read(|r| Ok((r.open_ticket_total()?, r.ticket_count(&admin)?.unread)))
        })
        .await;
        let (total, unread) = match read {
            Ok(Ok(counts)) => counts,
            _ => (0, 0),
        };
        ViewCount {
            id: "tickets".into(),
            name: "Tickets".into(),
            total,
            unread,
        }
    }

    /// New counts: remembered, drawn on the tray, sent to the window.
    pub(crate) fn publish_counts(&self, counts: Vec<ViewCount>) {
        *lock(&self.counts) = counts.clone();
        self.ui.tray(&counts, self.settings().do_not_disturb);
        self.ui.send(UiEvent::Counts(counts));
    }

    /// Changes the status the window shows and sends it.
    pub(crate) fn update_status(&self, change: impl FnOnce(&mut dto::SyncStatus)) {
        let status = {
            let mut status = lock(&self.status);
            change(&mut status);
            status.clone()
        };
        self.ui.send(UiEvent::Status(status));
    }

    /// Changes the status and sends it only if it changed.
    pub(crate) fn update_status_if_changed(&self, change: impl FnOnce(&mut dto::SyncStatus)) {
        let changed = {
            let mut status = lock(&self.status);
            let before = status.clone();
            change(&mut status);
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = changed {
            self.ui.send(UiEvent::Status(status));
        }
    }

    /// Shows an error in the status line (`code` for the UI, `message` for people).
    pub(crate) fn set_status_error(&self, code: &str, message: String) {
        self.update_status(|status| {
            status.error = Some(dto::StatusError {
                code: code.into(),
                message,
            })
        });
    }

    /// Back to "no session": an idle status and no counts.
    pub(crate) fn clear_status_and_counts(&self) {
        *lock(&self.status) = dto::SyncStatus::idle();
        self.publish_counts(Vec::new());
    }
}
