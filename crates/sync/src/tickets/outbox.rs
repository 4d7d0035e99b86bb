//! Sending ticket writes from the outbox, exactly once as conversation writes are: a reply or
//! note carries the item's uuid as an HTML comment; a write that may have been applied goes
//! `in_doubt` and is reconciled by fetching the ticket (the part with the uuid, the state and
//! attributes asked for, the tag present or absent) before any resend. A ticket deleted in
//! Intercom fails its items with a reason that says so and leaves the cache without it;
//! nothing else is touched.

use std::sync::Arc;

use agentdesk_store::{OutboxEntry, OutboxKind, OutboxStatus};
use intercom::{ApiError, ErrorKind, Reply, TicketUpdate};

use crate::core::{Core, Counters};
use crate::error::SyncError;

/// What a ticket write answered.
pub(crate) enum TicketSent {
    /// The ticket after an update.
    Ticket(Box<intercom::models::Ticket>),
    /// The part a reply or note created.
    Part(String),
    /// A tag applied or removed.
    Nothing,
}

/// Why a ticket item failed for good when Intercom no longer has the ticket.
pub(crate) const DELETED: &str = "the ticket was deleted in Intercom; this change cannot be sent";

fn marker(uuid: &str) -> String {
    format!("<!-- agentdesk:{uuid} -->")
}

impl Core {
    /// Sends one ticket item.
    pub(crate) async fn send_ticket(&self, e: &OutboxEntry) -> Result<TicketSent, ApiError> {
        let id = e.conversation_id.as_str();
        let admin = e.admin_id.as_str();
        Ok(match &e.kind {
            OutboxKind::TicketReply { body } | OutboxKind::TicketNote { body } => {
                let body = format!("{body}{}", marker(&e.client_uuid));
                let reply = if matches!(e.kind, OutboxKind::TicketReply { .. }) {
                    Reply::comment(admin, body)
                } else {
                    Reply::note(admin, body)
                };
                TicketSent::Part(self.client.reply_ticket(id, &reply).await?.id)
            }
            OutboxKind::TicketUpdate {
                state,
                state_id,
                attributes,
            } => {
                let state_id = match (state_id, state) {
                    (Some(s), _) => Some(s.clone()),
                    (None, Some(category)) => self.state_id_for(category).await,
                    (None, None) => None,
                };
                let update = TicketUpdate {
                    admin_id: Some(admin.to_owned()),
                    ticket_state_id: state_id,
                    ticket_attributes: attributes.clone(),
                    ..Default::default()
                };
                TicketSent::Ticket(Box::new(self.client.update_ticket(id, &update).await?))
            }
            OutboxKind::TicketTag { tag_id, .. } => {
                self.client.tag_ticket(id, tag_id, admin).await?;
                TicketSent::Nothing
            }
            OutboxKind::TicketUntag { tag_id } => {
                self.client.untag_ticket(id, tag_id, admin).await?;
                TicketSent::Nothing
            }
            _ => TicketSent::Nothing,
        })
    }

    /// The workspace state id of a category (the first state that is not archived).
    async fn state_id_for(&self, category: &str) -> Option<String> {
        let category = category.to_owned();
        self.db
            .run(move |s| {
                Ok(s.ticket_states()?
                    .into_iter()
                    .find(|st| st.category == category && !st.archived)
                    .map(|st| st.id))
            })
            .await
            .ok()
            .flatten()
    }

    /// Stores what a confirmed ticket write answered and marks the item sent.
    pub(crate) async fn confirm_ticket(
        self: &Arc<Self>,
        entry: &OutboxEntry,
        sent: TicketSent,
    ) -> Result<(), SyncError> {
        let id = entry.id;
        let (row, part_id) = match sent {
            TicketSent::Ticket(t) => (Some(super::ticket(&t)), None),
            TicketSent::Part(p) => (None, Some(p)),
            TicketSent::Nothing => (None, None),
        };
        self.db
            .run(move |s| {
                s.mark_sent(id, part_id.as_deref())?;
                if let Some(row) = row {
                    s.upsert_tickets(std::slice::from_ref(&row))?;
                }
                Ok(())
            })
            .await?;
        Counters::add(&self.counters.sent, 1);
        self.emit_tickets(vec![entry.conversation_id.clone()]);
        Ok(())
    }

    /// A ticket item Intercom refused with a 404: if the ticket itself is gone, the cache
    /// drops it and every waiting item of it fails saying so; otherwise (a tag that no
    /// longer exists) only this item fails, with Intercom's reason.
    pub(crate) async fn fail_ticket_item(
        self: &Arc<Self>,
        entry: &OutboxEntry,
        error: &ApiError,
    ) -> Result<(), SyncError> {
        let id = entry.id;
        let ticket = entry.conversation_id.clone();
        let gone = matches!(error.kind(), ErrorKind::NotFound | ErrorKind::Gone)
            && matches!(
                self.client
                    .get_ticket(&ticket)
                    .await
                    .map_err(|e| e.kind().clone()),
                Err(ErrorKind::NotFound | ErrorKind::Gone)
            );
        let reason = if gone {
            DELETED.to_owned()
        } else {
            error.to_string()
        };
        let t = ticket.clone();
        self.db
            .run(move |s| {
                s.mark_failed(id, &reason)?;
                if gone {
                    s.delete_ticket(&t)?;
                }
                Ok(())
            })
            .await?;
        Counters::add(&self.counters.failed, 1);
        self.emit_tickets(vec![ticket]);
        Ok(())
    }

    /// Reconciles an in-doubt ticket item: fetches the ticket and looks for what the item
    /// asked for. Found: confirmed. Not found: back to pending, sent again.
    pub(crate) async fn reconcile_ticket(
        self: &Arc<Self>,
        entry: &OutboxEntry,
    ) -> Result<(), SyncError> {
        let id = entry.id;
        let t = match self.client.get_ticket(&entry.conversation_id).await {
            Ok(t) => t,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Gone) => {
                let ticket = entry.conversation_id.clone();
                self.db
                    .run(move |s| {
                        s.mark_failed(id, DELETED)?;
                        s.delete_ticket(&ticket)?;
                        Ok(())
                    })
                    .await?;
                self.emit_tickets(vec![entry.conversation_id.clone()]);
                return Ok(());
            }
            Err(e) => return Err(SyncError::from_api(e, &format!("outbox:{id}"))),
        };
        let has_tag = |tag: &str| {
            t.tags
                .as_ref()
                .is_some_and(|l| l.tags.iter().any(|x| x.id == tag))
        };
        let found: Option<Option<String>> = match &entry.kind {
            OutboxKind::TicketReply { .. } | OutboxKind::TicketNote { .. } => {
                let mark = format!("agentdesk:{}", entry.client_uuid);
                t.parts()
                    .iter()
                    .find(|p| p.body.as_deref().is_some_and(|b| b.contains(&mark)))
                    .map(|p| Some(p.id.clone()))
            }
            OutboxKind::TicketUpdate {
                state, attributes, ..
            } => {
                let state_ok = state.as_deref().is_none_or(|s| {
                    t.ticket_state
                        .as_ref()
                        .and_then(|x| x.category.as_ref())
                        .is_some_and(|c| c.as_str() == s)
                });
                let attrs_ok = attributes
                    .iter()
                    .all(|(k, v)| t.ticket_attributes.get(k) == Some(v));
                (state_ok && attrs_ok).then_some(None)
            }
            OutboxKind::TicketTag { tag_id, .. } => has_tag(tag_id).then_some(None),
            OutboxKind::TicketUntag { tag_id } => (!has_tag(tag_id)).then_some(None),
            _ => None,
        };
        let row = super::ticket(&t);
        let parts: Vec<_> = t.parts().iter().map(super::part).collect();
        let ticket = entry.conversation_id.clone();
        match found {
            Some(part_id) => {
                tracing::info!(outbox_id = id, "reconciled: Intercom had applied it");
                self.db
                    .run(move |s| {
                        s.mark_sent(id, part_id.as_deref())?;
                        s.upsert_tickets(std::slice::from_ref(&row))?;
                        s.upsert_ticket_parts(&ticket, &parts)
                    })
                    .await?;
                Counters::add(&self.counters.sent, 1);
            }
            None => {
                tracing::info!(outbox_id = id, "reconciled: not applied; sending again");
                self.db
                    .run(move |s| {
                        s.upsert_tickets(std::slice::from_ref(&row))?;
                        s.upsert_ticket_parts(&ticket, &parts)?;
                        if s.outbox_item(id)?.map(|e| e.status) == Some(OutboxStatus::InDoubt) {
                            s.retry(id)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
        }
        self.emit_tickets(vec![entry.conversation_id.clone()]);
        Ok(())
    }
}
