//! What the agent asks to send: checked against Intercom's limits here, recorded in the
//! outbox (applied to the cache at once, sent later by the engine) and returned as the UI
//! shows it; read marks; retrying and discarding what Intercom refused.

use std::sync::Arc;

use agentdesk_store::{self as store, OutboxItem, OutboxKind};
use agentdesk_sync::{new_client_uuid, Command, CommandOutcome};
use serde::Deserialize;

use crate::dto;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::session::{blocking, Shared, UiEvent};

/// The most a reply may hold: Intercom's own limit is far above what an agent types; this
/// guards against a paste of a whole file by mistake.
const MAX_BODY_CHARS: usize = 50_000;
/// How far ahead a snooze may reach.
const MAX_SNOOZE_SECS: i64 = 366 * 86_400;
/// Intercom's limits on a data event: its name's length and its metadata pairs.
const MAX_EVENT_NAME_CHARS: usize = 255;
const MAX_EVENT_METADATA: usize = 10;

/// Whom to assign a conversation to, as the UI sends it.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AssigneeArg {
    /// An admin.
    Admin {
        /// Their id.
        id: String,
    },
    /// A team.
    Team {
        /// Its id.
        id: String,
    },
    /// Nobody (unassign).
    Nobody,
}

/// One metadata pair of a data event, as the UI sends it.
#[derive(Debug, Deserialize)]
pub struct MetadataPair {
    key: String,
    value: String,
}

/// Escapes text for HTML and turns blank-line separated paragraphs into `<p>`s.
pub fn plain_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect()
}

/// A reply (`comment`) or note typed by the agent, checked, as the outbox records it.
pub fn reply(body: &str, kind: &str) -> AppResult<OutboxKind> {
    let text = body.trim();
    if text.is_empty() {
        return Err(AppError::invalid("The message is empty."));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::invalid(format!("The message is longer than {MAX_BODY_CHARS} characters; shorten it or send it in parts.")));
    }
    // The agent types text; Intercom takes HTML. Escape it and keep the line breaks.
    let html = plain_to_html(text);
    match kind {
        "comment" => Ok(OutboxKind::Reply { body: html }),
        "note" => Ok(OutboxKind::Note { body: html }),
        other => Err(AppError::invalid(format!(
            "{other:?} is not a reply kind (comment or note)"
        ))),
    }
}

/// A snooze until `until` (unix seconds), checked against `now`.
pub fn snooze(until: i64, now: i64) -> AppResult<OutboxKind> {
    if until <= now {
        return Err(AppError::invalid(
            "Choose a time in the future to snooze until.",
        ));
    }
    if until > now + MAX_SNOOZE_SECS {
        return Err(AppError::invalid("Snoozing is limited to one year."));
    }
    Ok(OutboxKind::Snooze { until })
}

/// An assignment, its ids checked.
pub fn assign(assignee: AssigneeArg) -> AppResult<OutboxKind> {
    let assignee = match assignee {
        AssigneeArg::Admin { id } => {
            ids::check(&id, "admin")?;
            store::Assignee::Admin(id)
        }
        AssigneeArg::Team { id } => {
            ids::check(&id, "team")?;
            store::Assignee::Team(id)
        }
        AssigneeArg::Nobody => store::Assignee::Nobody,
    };
    Ok(OutboxKind::Assign { assignee })
}

/// A data event on a contact, within Intercom's limits.
pub fn track_event(
    contact_id: String,
    name: &str,
    metadata: Vec<MetadataPair>,
) -> AppResult<OutboxKind> {
    ids::check(&contact_id, "contact")?;
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_EVENT_NAME_CHARS {
        return Err(AppError::invalid(
            "An event needs a name of 1 to 255 characters.",
        ));
    }
    if metadata.len() > MAX_EVENT_METADATA {
        return Err(AppError::invalid(
            "Intercom keeps at most 10 metadata pairs per event; remove some.",
        ));
    }
    let mut map = serde_json::Map::new();
    for pair in metadata {
        let key = pair.key.trim().to_string();
        if key.is_empty() {
            return Err(AppError::invalid("Every metadata pair needs a key."));
        }
        if map
            .insert(key.clone(), serde_json::Value::String(pair.value))
            .is_some()
        {
            return Err(AppError::invalid(format!(
                "The metadata key {key:?} appears twice."
            )));
        }
    }
    Ok(OutboxKind::TrackEvent {
        contact_id,
        name,
        metadata: serde_json::Value::Object(map),
    })
}

/// One attribute the agent set: its name and the value as the form sends it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct AttributeArg {
    /// The attribute's name (its key in `custom_attributes`).
    pub name: String,
    /// The value: text from a form field, a number, a boolean, or null to clear it.
    pub value: serde_json::Value,
}

/// What a tag is put on: `true` for a ticket, `false` for a conversation.
fn is_ticket_kind(kind: &str) -> AppResult<bool> {
    match kind {
        "conversation" => Ok(false),
        "ticket" => Ok(true),
        other => Err(AppError::invalid(format!(
            "{other:?} cannot be tagged: use conversation or ticket."
        ))),
    }
}

/// An outbox item's id as the UI sends it.
fn outbox_id(id: &str) -> AppResult<i64> {
    id.parse()
        .map_err(|_| AppError::invalid(format!("{id:?} is not an outbox item id")))
}

impl Shared {
    /// Sends a reply (`comment`) or a note.
    pub async fn send_reply(
        &self,
        conversation_id: String,
        body: &str,
        kind: &str,
    ) -> AppResult<dto::OutboxItem> {
        ids::check(&conversation_id, "conversation")?;
        let kind = reply(body, kind)?;
        self.enqueue(conversation_id, kind).await
    }

    /// Closes a conversation.
    pub async fn close_conversation(&self, id: String) -> AppResult<dto::OutboxItem> {
        self.act_on_conversation(id, || Ok(OutboxKind::Close)).await
    }

    /// Reopens a conversation.
    pub async fn reopen_conversation(&self, id: String) -> AppResult<dto::OutboxItem> {
        self.act_on_conversation(id, || Ok(OutboxKind::Reopen))
            .await
    }

    /// Snoozes a conversation until `until` (unix seconds, within a year from now).
    pub async fn snooze_conversation(&self, id: String, until: i64) -> AppResult<dto::OutboxItem> {
        self.act_on_conversation(id, || snooze(until, crate::time::now()))
            .await
    }

    /// Assigns a conversation to an admin, a team, or nobody.
    pub async fn assign_conversation(
        &self,
        id: String,
        assignee: AssigneeArg,
    ) -> AppResult<dto::OutboxItem> {
        self.act_on_conversation(id, || assign(assignee)).await
    }

    /// Tags a conversation or a ticket with a tag of the workspace (`not_found` when the
    /// cache no longer has it: deleted in Intercom since).
    pub async fn tag_item(
        &self,
        kind: &str,
        id: String,
        tag_id: String,
    ) -> AppResult<dto::OutboxItem> {
        let ticket = is_ticket_kind(kind)?;
        ids::check(&id, if ticket { "ticket" } else { "conversation" })?;
        ids::check(&tag_id, "tag")?;
        let wanted = tag_id.clone();
        let tag = self
            .read(move |s| s.read(|r| r.tag(&wanted)))
            .await?
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "Tag {tag_id} (it may have been deleted in Intercom; the tag list is refreshed at the next sync)"
                ))
            })?;
        let kind = if ticket {
            OutboxKind::TicketTag {
                tag_id: tag.id,
                tag_name: Some(tag.name),
            }
        } else {
            OutboxKind::Tag {
                tag_id: tag.id,
                name: tag.name,
            }
        };
        self.enqueue(id, kind).await
    }

    /// Removes a tag from a conversation or a ticket.
    pub async fn untag_item(
        &self,
        kind: &str,
        id: String,
        tag_id: String,
    ) -> AppResult<dto::OutboxItem> {
        let ticket = is_ticket_kind(kind)?;
        ids::check(&id, if ticket { "ticket" } else { "conversation" })?;
        ids::check(&tag_id, "tag")?;
        if ticket {
            return self.enqueue(id, OutboxKind::TicketUntag { tag_id }).await;
        }
        // The name as the conversation shows it (a tag deleted from the workspace since is
        // still removable from a conversation that carries it).
        let (conversation, wanted) = (id.clone(), tag_id.clone());
        let name = self
            .read(move |s| {
                s.read(|r| {
                    Ok(r.conversation(&conversation)?
                        .and_then(|c| c.tags.into_iter().find(|t| t.id == wanted))
                        .map(|t| t.name)
                        .unwrap_or_default())
                })
            })
            .await?;
        self.enqueue(id, OutboxKind::Untag { tag_id, name }).await
    }

    /// Changes a ticket's state and/or attributes, checked against its type first (an
    /// unknown attribute, a value of the wrong type, a list value not offered, a required
    /// one emptied: `invalid_input` naming it, nothing queued).
    pub async fn update_ticket(
        &self,
        id: String,
        state: Option<String>,
        attributes: Vec<AttributeArg>,
    ) -> AppResult<dto::OutboxItem> {
        ids::check(&id, "ticket")?;
        if state.is_none() && attributes.is_empty() {
            return Err(AppError::invalid("Nothing was changed on the ticket."));
        }
        let mut values = serde_json::Map::new();
        for a in attributes {
            values.insert(a.name, a.value);
        }
        let (ticket, wanted_state, checked) = (id.clone(), state.clone(), values.clone());
        let state_id = self
            .read(move |s| {
                s.read(|r| {
                    r.validate_ticket_update(&ticket, wanted_state.as_deref(), &checked)?;
                    match wanted_state.as_deref() {
                        Some(category) => r.ticket_state_id(category),
                        None => Ok(None),
                    }
                })
            })
            .await?;
        if state.is_some() && state_id.is_none() {
            return Err(AppError::invalid(
                "This workspace has no ticket state of that kind yet; sync and try again.",
            ));
        }
        self.enqueue(
            id,
            OutboxKind::TicketUpdate {
                state,
                state_id,
                attributes: values,
            },
        )
        .await
    }

    /// Replies to a ticket's customer (`comment`) or adds a note.
    pub async fn reply_ticket(
        &self,
        id: String,
        body: &str,
        kind: &str,
    ) -> AppResult<dto::OutboxItem> {
        ids::check(&id, "ticket")?;
        let kind = match reply(body, kind)? {
            OutboxKind::Reply { body } => OutboxKind::TicketReply { body },
            OutboxKind::Note { body } => OutboxKind::TicketNote { body },
            other => other,
        };
        self.enqueue(id, kind).await
    }

    /// Marks a conversation priority or not.
    pub async fn set_priority(&self, id: String, priority: bool) -> AppResult<dto::OutboxItem> {
        self.act_on_conversation(id, || Ok(OutboxKind::Priority { priority }))
            .await
    }

    /// Sets custom attributes of a conversation: each must be defined (the side panel edits
    /// only those) and its value of the attribute's type; one wrong value refuses the whole
    /// edit, with a message naming it, and queues nothing.
    pub async fn update_conversation_attributes(
        &self,
        id: String,
        attributes: Vec<AttributeArg>,
    ) -> AppResult<dto::OutboxItem> {
        ids::check(&id, "conversation")?;
        if attributes.is_empty() {
            return Err(AppError::invalid("No attribute was changed."));
        }
        let defs = self
            .read(|s| s.read(|r| r.conversation_attributes()))
            .await?;
        let mut values = serde_json::Map::new();
        for a in attributes {
            let def = defs.iter().find(|d| d.name == a.name).ok_or_else(|| {
                AppError::invalid(format!(
                    "No conversation attribute is called {:?} in this workspace.",
                    a.name
                ))
            })?;
            values.insert(a.name.clone(), dto::check_value(def, &a.value)?);
        }
        self.enqueue(id, OutboxKind::Attributes { values }).await
    }

    /// Checks the conversation's id, then the action, then queues it.
    async fn act_on_conversation(
        &self,
        conversation_id: String,
        kind: impl FnOnce() -> AppResult<OutboxKind>,
    ) -> AppResult<dto::OutboxItem> {
        ids::check(&conversation_id, "conversation")?;
        let kind = kind()?;
        self.enqueue(conversation_id, kind).await
    }

    /// Records a data event on a contact.
    pub async fn track_event(
        &self,
        contact_id: String,
        name: &str,
        metadata: Vec<MetadataPair>,
    ) -> AppResult<dto::OutboxItem> {
        let kind = track_event(contact_id, name, metadata)?;
        // A data event belongs to a contact, not a conversation: its outbox lane is the
        // contact's.
        self.enqueue(String::new(), kind).await
    }

    /// Records a write in the outbox (applied to the cache at once) and returns it as the UI
    /// shows it.
    async fn enqueue(
        &self,
        conversation_id: String,
        kind: OutboxKind,
    ) -> AppResult<dto::OutboxItem> {
        let session = self.current().await?;
        let ticket = matches!(
            kind,
            OutboxKind::TicketUpdate { .. }
                | OutboxKind::TicketReply { .. }
                | OutboxKind::TicketNote { .. }
                | OutboxKind::TicketTag { .. }
                | OutboxKind::TicketUntag { .. }
        );
        let item = OutboxItem {
            conversation_id: conversation_id.clone(),
            admin_id: session.workspace.admin_id.clone(),
            kind,
            client_uuid: new_client_uuid(),
        };
        let id = match session.execute(Command::Enqueue(item)).await? {
            CommandOutcome::Outbox(id) => id,
            CommandOutcome::Done => {
                return Err(AppError::internal("the outbox did not return the new item"))
            }
        };
        self.ui.send(if ticket {
            UiEvent::tickets_changed(vec![conversation_id])
        } else {
            UiEvent::changed(conversation_id)
        });
        let s = Arc::clone(&session);
        let entry = blocking(move || s.read(|r| r.outbox_item(id)))
            .await??
            .ok_or_else(|| AppError::internal("the queued item vanished"))?;
        Ok(dto::OutboxItem::from(&entry))
    }

    /// Marks a conversation read (and queues `read: true` for Intercom).
    pub async fn mark_read(&self, id: String) -> AppResult<()> {
        ids::check(&id, "conversation")?;
        let session = self.current().await?;
        // Ticket and conversation ids never collide: the window marks a ticket read with the
        // same command, and Intercom has no read flag on tickets, so that one stays local.
        let wanted = id.clone();
        let s = Arc::clone(&session);
        let ticket = blocking(move || s.read(|r| r.ticket(&wanted))).await??;
        let command = if ticket.is_some() {
            Command::MarkTicketRead(id)
        } else {
            Command::MarkRead(id)
        };
        session.execute(command).await.map(|_| ())
    }

    /// Marks a conversation unread for the acting admin.
    pub async fn mark_unread(&self, id: String) -> AppResult<()> {
        ids::check(&id, "conversation")?;
        self.current()
            .await?
            .execute(Command::MarkUnread(id))
            .await
            .map(|_| ())
    }

    /// Sends a refused outbox item again.
    pub async fn retry_outbox(&self, id: &str) -> AppResult<()> {
        let id = outbox_id(id)?;
        self.current()
            .await?
            .execute(Command::Retry(id))
            .await
            .map(|_| ())
    }

    /// Drops an outbox item (its optimistic effect is undone).
    pub async fn discard_outbox(&self, id: &str) -> AppResult<()> {
        let id = outbox_id(id)?;
        self.current()
            .await?
            .execute(Command::Discard(id))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_escaped_html_paragraphs() {
        assert_eq!(
            plain_to_html("Hi <b>Ann</b> & co"),
            "<p>Hi &lt;b&gt;Ann&lt;/b&gt; &amp; co</p>",
            "what the agent types is text, never markup"
        );
        assert_eq!(
            plain_to_html("one\ntwo\n\nthree"),
            "<p>one<br>two</p><p>three</p>",
            "line breaks and paragraphs survive"
        );
    }

    #[test]
    fn writes_outside_intercoms_limits_are_refused() {
        assert!(reply("  ", "comment").is_err(), "an empty reply");
        assert!(reply("hi", "shout").is_err(), "an unknown kind");
        assert!(snooze(100, 100).is_err(), "a snooze in the past");
        assert!(
            snooze(100 + MAX_SNOOZE_SECS + 1, 100).is_err(),
            "a snooze beyond a year"
        );
        assert!(snooze(200, 100).is_ok(), "a snooze ahead");
        let pairs = (0..11)
            .map(|i| MetadataPair {
                key: format!("k{i}"),
                value: String::new(),
            })
            .collect();
        assert!(
            track_event("42".into(), "paid", pairs).is_err(),
            "more metadata than Intercom keeps"
        );
    }
}
