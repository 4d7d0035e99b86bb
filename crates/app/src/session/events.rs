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
                self.publish_counts(counts.into_iter().map(ViewCount::from).collect())
            }
            SyncEvent::ConversationsChanged(ids) => {
                self.ui.send(UiEvent::Changed(dto::ConversationsChanged {
                    conversation_ids: ids,
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
            // Issue 14: becomes `inbox://changed {ticketIds}` when the app layer is wired.
            SyncEvent::TicketsChanged(_) => {}
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
