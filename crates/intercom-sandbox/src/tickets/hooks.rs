//! Ticket activity from outside the API: the live activity's ticket step and the
//! `Sandbox` methods tests use to change tickets as a teammate or a customer would.

use rand::Rng;
use serde_json::{json, Map, Value};

use super::{PartAuthor, CATEGORIES, TITLES};
use crate::server::unix_now;
use crate::state::State;
use crate::{Sandbox, SandboxError};

/// One piece of live ticket activity: a new ticket, a customer comment, or a state move.
pub(crate) fn live_step(st: &mut State, now: i64) {
    if st.contacts.is_empty() {
        return;
    }
    let roll = st.rng.gen_range(0..3);
    let actor = st.admins.get(1).or(st.admins.first()).map_or(0, |a| a.id);
    let live: Vec<usize> = st.tickets.by_id.values().copied().collect();
    match roll {
        0 => {
            let contact = st.rng.gen_range(0..st.contacts.len());
            let title = TITLES[st.rng.gen_range(0..TITLES.len())];
            let mut attributes = Map::new();
            attributes.insert("_default_title_".into(), json!(title));
            let type_id = st.tickets.types[1].id;
            st.tickets.insert(type_id, contact, attributes, now);
        }
        1 if !live.is_empty() => {
            let idx = live[st.rng.gen_range(0..live.len())];
            let contact = st.tickets.tickets[idx].contact;
            st.tickets.add_part(
                idx,
                "comment",
                "Any news on this?".into(),
                PartAuthor::Contact(contact),
                now,
            );
        }
        _ if !live.is_empty() => {
            let idx = live[st.rng.gen_range(0..live.len())];
            let to = st.rng.gen_range(0..4);
            st.tickets.move_state(idx, to, actor, now);
        }
        _ => {}
    }
}

impl Sandbox {
    /// Ids of the workspace's tags (the sandbox's minimal tag store: tickets can be tagged
    /// with these; `GET /tags` is not served here).
    pub fn tag_ids(&self) -> Vec<String> {
        let st = self.shared.lock();
        st.tags.iter().map(|t| t.id.to_string()).collect()
    }

    /// Ids of every live ticket, in id order.
    pub fn ticket_ids(&self) -> Vec<String> {
        let st = self.shared.lock();
        let mut ids: Vec<u64> = st.tickets.by_id.keys().copied().collect();
        ids.sort_unstable();
        ids.into_iter().map(|i| i.to_string()).collect()
    }

    /// A ticket as `GET /tickets/{id}` answers it (None when unknown or deleted).
    pub fn ticket(&self, id: &str) -> Option<Value> {
        let st = self.shared.lock();
        let idx = st.tickets.index(id).ok()?;
        Some(st.tickets.ticket_json(idx, &st.lookup(), true))
    }

    /// A customer comments on a ticket now; returns the part id.
    pub fn inject_ticket_comment(
        &self,
        ticket_id: &str,
        body: &str,
    ) -> Result<String, SandboxError> {
        let mut st = self.shared.lock();
        let idx = st
            .tickets
            .index(ticket_id)
            .map_err(|_| SandboxError::NotFound(format!("no ticket {ticket_id}")))?;
        let contact = st.tickets.tickets[idx].contact;
        let now = unix_now();
        let id = st.tickets.add_part(
            idx,
            "comment",
            body.to_string(),
            PartAuthor::Contact(contact),
            now,
        );
        Ok(id.to_string())
    }

    /// A teammate moves a ticket to the first state of `category` now.
    pub fn move_ticket(&self, ticket_id: &str, category: &str) -> Result<(), SandboxError> {
        let mut guard = self.shared.lock();
        let st = &mut *guard;
        let idx = st
            .tickets
            .index(ticket_id)
            .map_err(|_| SandboxError::NotFound(format!("no ticket {ticket_id}")))?;
        let to = st
            .tickets
            .states
            .iter()
            .position(|s| s.category == category)
            .ok_or_else(|| {
                SandboxError::Invalid(format!(
                    "'{category}' is not one of {}",
                    CATEGORIES.join(", ")
                ))
            })?;
        let actor = st.admins.get(1).or(st.admins.first()).map_or(0, |a| a.id);
        st.tickets.move_state(idx, to, actor, unix_now());
        Ok(())
    }

    /// A new ticket of `type_id` for the first contact, titled `title`; returns its id.
    pub fn inject_ticket(&self, type_id: &str, title: &str) -> Result<String, SandboxError> {
        let mut st = self.shared.lock();
        let type_id = type_id
            .parse::<u64>()
            .ok()
            .filter(|id| st.tickets.ticket_type(*id).is_some())
            .ok_or_else(|| SandboxError::NotFound(format!("no ticket type {type_id}")))?;
        let mut attributes = Map::new();
        attributes.insert("_default_title_".into(), json!(title));
        let idx = st.tickets.insert(type_id, 0, attributes, unix_now());
        Ok(st.tickets.tickets[idx].id.to_string())
    }

    /// A new ticket type; `listed: false` leaves it out of `GET /ticket_types` (one made
    /// after a client listed them). Returns its id.
    pub fn add_ticket_type(&self, name: &str, listed: bool) -> String {
        let mut st = self.shared.lock();
        st.tickets.add_type(name, listed, unix_now()).to_string()
    }

    /// Deletes a ticket: it leaves search and its `GET` answers 404.
    pub fn delete_ticket(&self, ticket_id: &str) -> Result<(), SandboxError> {
        let mut st = self.shared.lock();
        let idx = st
            .tickets
            .index(ticket_id)
            .map_err(|_| SandboxError::NotFound(format!("no ticket {ticket_id}")))?;
        st.tickets.delete(idx);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Sizes;

    #[test]
    fn live_activity_creates_comments_on_and_moves_tickets() {
        let mut st = State::new(
            &Sizes {
                seed: 3,
                conversations: 50,
                contacts: 20,
                admins: 3,
                teams: 1,
                epoch: 1_700_000_000,
                tickets: 10,
            },
            "http://127.0.0.1:1".into(),
        );
        let before: Vec<(i64, usize, u64)> = st
            .tickets
            .tickets
            .iter()
            .map(|t| (t.updated_at, t.parts.len(), t.state_id))
            .collect();
        for _ in 0..30 {
            live_step(&mut st, 1_700_000_100);
        }
        assert!(
            st.tickets.tickets.len() > before.len(),
            "thirty live steps create at least one ticket"
        );
        let changed = st
            .tickets
            .tickets
            .iter()
            .zip(&before)
            .filter(|(t, b)| (t.updated_at, t.parts.len(), t.state_id) != **b)
            .count();
        assert!(
            changed > 0,
            "live steps comment on or move existing tickets"
        );
    }
}
