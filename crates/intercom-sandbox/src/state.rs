//! The workspace state behind the one lock: records, indexes, and the state machine that
//! moves conversations the way Intercom does (replies, notes, assignment, open, close,
//! snooze and snooze expiry). Every change bumps `updated_at` and keeps the indexes true.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::generate::{self, Generated, Sizes};
use crate::model::{
    AssigneeKind, Author, ConvState, Conversation, DataEvent, Display, Lookup, Part, Source,
};
use crate::quirks::{MergedAnswer, QuirkBook};

/// The whole workspace plus its indexes.
pub(crate) struct State {
    pub seed: u64,
    pub epoch: i64,
    pub base_url: String,
    pub admins: Vec<crate::model::Admin>,
    pub teams: Vec<crate::model::Team>,
    pub tags: Vec<crate::model::Tag>,
    pub contacts: Vec<crate::model::Contact>,
    pub contact_by_id: HashMap<String, usize>,
    pub conversations: Vec<Conversation>,
    pub conv_by_id: HashMap<u64, usize>,
    /// `(updated_at, id)` of every conversation: the list order and search by update.
    pub by_updated: BTreeSet<(i64, u64)>,
    /// `(created_at, index)` of every conversation, sorted: a search confined to a
    /// `created_at` range (a backfill window) looks only at that slice. `created_at` never
    /// changes, so only new conversations touch it.
    pub by_created: Vec<(i64, usize)>,
    /// `(snoozed_until, id)` of snoozed conversations, for expiry.
    snoozes: BTreeSet<(i64, u64)>,
    pub events: Vec<Vec<DataEvent>>,
    next_part_id: u64,
    next_event_id: u64,
    next_conversation_id: u64,
    /// Randomness for injected content, separate from generation so injections do not
    /// change the generated workspace.
    pub rng: ChaCha8Rng,
    /// Quirks mode: what is in force and what is left of its one-shots.
    pub quirks: QuirkBook,
    /// Merged-away contact id -> (the id it was merged into, what its GET answers). The
    /// record stays in `contacts` (conversations still name it) but not in `contact_by_id`.
    pub merged: BTreeMap<String, (String, MergedAnswer)>,
    /// Deleted conversations: still in `conversations` (indexes stay valid), in no index.
    pub deleted_conversations: BTreeSet<u64>,
    /// Deleted contacts: still in `contacts` (conversations still name them), not in
    /// `contact_by_id`.
    pub deleted_contacts: BTreeSet<String>,
    /// Ticket types, states and tickets.
    pub tickets: crate::tickets::Tickets,
}

/// What a contact reply or a new conversation produced.
#[derive(Clone, Debug)]
pub(crate) struct Injected {
    pub conversation_id: u64,
    pub part_id: u64,
}

/// The admin actions of `POST /conversations/{id}/parts`.
#[derive(Clone, Debug)]
pub(crate) enum Manage {
    Close {
        body: Option<String>,
    },
    Open,
    Snooze {
        until: i64,
    },
    Assign {
        kind: AssigneeKind,
        assignee: u64,
        body: Option<String>,
    },
}

impl State {
    pub(crate) fn new(sizes: &Sizes, base_url: String) -> State {
        let Generated {
            admins,
            teams,
            tags,
            contacts,
            conversations,
            events,
            next_part_id,
            next_event_id,
        } = generate::generate(sizes);
        let contact_by_id = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let conv_by_id = conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        let by_updated = conversations.iter().map(|c| (c.updated_at, c.id)).collect();
        let mut by_created: Vec<(i64, usize)> = conversations
            .iter()
            .enumerate()
            .map(|(i, c)| (c.created_at, i))
            .collect();
        by_created.sort_unstable();
        let snoozes = conversations
            .iter()
            .filter_map(|c| {
                c.snoozed_until
                    .filter(|_| c.state == ConvState::Snoozed)
                    .map(|u| (u, c.id))
            })
            .collect();
        let next_conversation_id = generate::CONVERSATION_BASE + conversations.len() as u64;
        let tickets = crate::tickets::Tickets::generate(
            sizes.seed,
            sizes.epoch,
            sizes.tickets,
            &contacts,
            &admins.iter().map(|a| a.id).collect::<Vec<_>>(),
            &teams.iter().map(|t| t.id).collect::<Vec<_>>(),
        );
        State {
            tickets,
            seed: sizes.seed,
            epoch: sizes.epoch,
            base_url,
            admins,
            teams,
            tags,
            contacts,
            contact_by_id,
            conversations,
            conv_by_id,
            by_updated,
            by_created,
            snoozes,
            events,
            next_part_id,
            next_event_id,
            next_conversation_id,
            rng: ChaCha8Rng::seed_from_u64(sizes.seed ^ 0x5eed_1ab5),
            quirks: QuirkBook::new(Default::default(), sizes.seed),
            merged: BTreeMap::new(),
            deleted_conversations: BTreeSet::new(),
            deleted_contacts: BTreeSet::new(),
        }
    }

    pub(crate) fn lookup(&self) -> Lookup<'_> {
        Lookup {
            admins: &self.admins,
            tags: &self.tags,
            contacts: &self.contacts,
            base_url: &self.base_url,
        }
    }

    /// Parses a conversation id from a path and finds it.
    pub(crate) fn conversation_index(&self, id: &str) -> Result<usize, ApiError> {
        id.trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| self.conv_by_id.get(&n).copied())
            .ok_or_else(|| ApiError::not_found("Resource"))
    }

    pub(crate) fn admin_exists(&self, id: u64) -> bool {
        self.admins.iter().any(|a| a.id == id)
    }

    pub(crate) fn team_exists(&self, id: u64) -> bool {
        self.teams.iter().any(|t| t.id == id)
    }

    /// Reopens every snoozed conversation whose `snoozed_until` has passed.
    pub(crate) fn expire_snoozes(&mut self, now: i64) {
        while let Some(&(until, id)) = self.snoozes.first() {
            if until > now {
                break;
            }
            self.snoozes.remove(&(until, id));
            let Some(&idx) = self.conv_by_id.get(&id) else {
                continue;
            };
            if self.conversations[idx].state != ConvState::Snoozed {
                continue;
            }
            let conv = &mut self.conversations[idx];
            conv.state = ConvState::Open;
            conv.snoozed_until = None;
            conv.count_reopens += 1;
            // Stamped when the snooze ended, as Intercom's timer would, not when a request
            // happened to notice it: the state is then a function of the seed and the clock
            // alone (two sandboxes of one seed agree), and a poll that saw the conversation
            // still snoozed is older than the change, so the next `updated_at >=` poll finds it.
            self.push_part(idx, "timer_unsnooze", None, Author::Bot, None, until);
        }
    }

    /// Appends a part, stamping it with the conversation's state, and bumps `updated_at`.
    fn push_part(
        &mut self,
        idx: usize,
        part_type: &'static str,
        body: Option<String>,
        author: Author,
        assigned_to: Option<(AssigneeKind, u64)>,
        now: i64,
    ) -> Part {
        let id = self.next_part_id;
        self.next_part_id += 1;
        let conv = &mut self.conversations[idx];
        let part = Part {
            id,
            part_type,
            body,
            created_at: now,
            author,
            assigned_to,
            state: conv.state,
        };
        conv.parts.push(part.clone());
        if let Author::Admin(a) = author {
            if !conv.teammates.contains(&a) {
                conv.teammates.push(a);
            }
        }
        self.touch(idx, now);
        part
    }

    /// Bumps `updated_at` (never backwards) and keeps the index in step.
    pub(crate) fn touch(&mut self, idx: usize, now: i64) {
        let conv = &mut self.conversations[idx];
        let old = (conv.updated_at, conv.id);
        conv.updated_at = conv.updated_at.max(now);
        let new = (conv.updated_at, conv.id);
        self.by_updated.remove(&old);
        self.by_updated.insert(new);
    }

    fn set_snooze(&mut self, idx: usize, until: Option<i64>) {
        let conv = &mut self.conversations[idx];
        if let Some(old) = conv.snoozed_until {
            self.snoozes.remove(&(old, conv.id));
        }
        conv.snoozed_until = until;
        if let Some(u) = until {
            self.snoozes.insert((u, conv.id));
        }
    }

    /// A contact's reply: unread, waiting since now (unless already waiting), reopened.
    ///
    /// `by` is the replying contact (it joins the conversation's contacts if it was not one
    /// of them); None means the conversation's first contact.
    pub(crate) fn contact_reply(
        &mut self,
        idx: usize,
        by: Option<usize>,
        body: String,
        now: i64,
    ) -> Injected {
        let reopened = self.conversations[idx].state != ConvState::Open;
        if reopened {
            self.set_snooze(idx, None);
            let conv = &mut self.conversations[idx];
            conv.state = ConvState::Open;
            conv.count_reopens += 1;
        }
        let conv = &mut self.conversations[idx];
        conv.read = false;
        conv.waiting_since = conv.waiting_since.or(Some(now));
        if let Some(c) = by.filter(|c| !conv.contacts.contains(c)) {
            conv.contacts.push(c);
        }
        let author = by
            .or_else(|| conv.contacts.first().copied())
            .map_or(Author::Bot, Author::Contact);
        if let Author::Contact(c) = author {
            let contact = &mut self.contacts[c];
            contact.last_replied_at = Some(now);
        }
        let part = self.push_part(idx, "comment", Some(body), author, None, now);
        Injected {
            conversation_id: self.conversations[idx].id,
            part_id: part.id,
        }
    }

    /// A new inbound conversation from a contact: open, unread, unassigned, waiting.
    pub(crate) fn new_conversation(
        &mut self,
        contact: usize,
        subject: String,
        body: String,
        now: i64,
    ) -> Injected {
        let id = self.next_conversation_id;
        self.next_conversation_id += 1;
        let part_id = self.next_part_id;
        self.next_part_id += 1;
        let conv = Conversation {
            id,
            title: Some(subject),
            created_at: now,
            updated_at: now,
            waiting_since: Some(now),
            snoozed_until: None,
            state: ConvState::Open,
            read: false,
            priority: false,
            admin_assignee_id: None,
            team_assignee_id: None,
            tags: Vec::new(),
            contacts: vec![contact],
            source: Source {
                id: part_id,
                kind: "conversation",
                delivered_as: "customer_initiated",
                subject: String::new(),
                body,
                author: Author::Contact(contact),
                url: None,
            },
            teammates: Vec::new(),
            custom_attributes: Map::new(),
            company_id: None,
            rating: None,
            parts: Vec::new(),
            count_reopens: 0,
            count_assignments: 0,
        };
        self.conv_by_id.insert(id, self.conversations.len());
        self.by_updated.insert((now, id));
        let key = (conv.created_at, self.conversations.len());
        let at = self.by_created.partition_point(|k| *k < key);
        self.by_created.insert(at, key);
        self.conversations.push(conv);
        if let Some(c) = self.contacts.get_mut(contact) {
            c.last_replied_at = Some(now);
        }
        Injected {
            conversation_id: id,
            part_id,
        }
    }

    /// An admin `comment` or `note`. A comment clears `waiting_since`.
    pub(crate) fn admin_reply(
        &mut self,
        idx: usize,
        admin: u64,
        note: bool,
        body: String,
        now: i64,
    ) -> Part {
        if note {
            return self.push_part(idx, "note", Some(body), Author::Admin(admin), None, now);
        }
        let conv = &mut self.conversations[idx];
        conv.waiting_since = None;
        conv.read = true;
        self.push_part(idx, "comment", Some(body), Author::Admin(admin), None, now)
    }

    /// Close, open, snooze or assign.
    pub(crate) fn manage(&mut self, idx: usize, admin: u64, action: Manage, now: i64) -> Part {
        let author = Author::Admin(admin);
        match action {
            Manage::Close { body } => {
                self.set_snooze(idx, None);
                self.conversations[idx].state = ConvState::Closed;
                self.push_part(idx, "close", body, author, None, now)
            }
            Manage::Open => {
                self.set_snooze(idx, None);
                let conv = &mut self.conversations[idx];
                if conv.state != ConvState::Open {
                    conv.count_reopens += 1;
                }
                conv.state = ConvState::Open;
                self.push_part(idx, "open", None, author, None, now)
            }
            Manage::Snooze { until } => {
                self.set_snooze(idx, Some(until));
                self.conversations[idx].state = ConvState::Snoozed;
                self.push_part(idx, "snoozed", None, author, None, now)
            }
            Manage::Assign {
                kind,
                assignee,
                body,
            } => {
                let conv = &mut self.conversations[idx];
                let reopen = conv.state == ConvState::Closed;
                let target = if assignee == 0 { None } else { Some(assignee) };
                match kind {
                    AssigneeKind::Team => conv.team_assignee_id = target,
                    _ => conv.admin_assignee_id = target,
                }
                conv.count_assignments += 1;
                if reopen {
                    conv.state = ConvState::Open;
                    conv.count_reopens += 1;
                }
                let assigned = match target {
                    Some(id) => (kind, id),
                    None => (AssigneeKind::Nobody, 0),
                };
                let part_type = if reopen {
                    "assign_and_reopen"
                } else {
                    "assignment"
                };
                self.push_part(idx, part_type, body, author, Some(assigned), now)
            }
        }
    }

    /// `PUT /conversations/{id}`: read flag, title, custom attributes (merged), company
    /// (`Some(None)` removes it).
    pub(crate) fn update(
        &mut self,
        idx: usize,
        read: Option<bool>,
        title: Option<String>,
        custom_attributes: Option<Map<String, Value>>,
        company: Option<Option<String>>,
        now: i64,
    ) {
        let conv = &mut self.conversations[idx];
        if let Some(c) = company {
            conv.company_id = c;
        }
        if let Some(r) = read {
            conv.read = r;
        }
        if let Some(t) = title {
            conv.title = Some(t);
        }
        if let Some(attrs) = custom_attributes {
            for (k, v) in attrs {
                if v.is_null() {
                    conv.custom_attributes.remove(&k);
                } else {
                    conv.custom_attributes.insert(k, v);
                }
            }
        }
        self.touch(idx, now);
    }

    /// Applies a tag to a conversation (again: the first application stays) and touches it.
    pub(crate) fn tag_conversation(
        &mut self,
        idx: usize,
        tag: usize,
        admin: u64,
        now: i64,
    ) -> crate::model::AppliedTag {
        let conv = &mut self.conversations[idx];
        let applied = match conv.tags.iter().find(|t| t.tag == tag) {
            Some(existing) => existing.clone(),
            None => {
                let applied = crate::model::AppliedTag {
                    tag,
                    applied_at: now,
                    applied_by: admin,
                };
                conv.tags.push(applied.clone());
                applied
            }
        };
        self.touch(idx, now);
        applied
    }

    /// Removes a tag from a conversation; `false` when it did not carry it.
    pub(crate) fn untag_conversation(&mut self, idx: usize, tag: usize, now: i64) -> bool {
        let conv = &mut self.conversations[idx];
        let before = conv.tags.len();
        conv.tags.retain(|t| t.tag != tag);
        let removed = conv.tags.len() != before;
        if removed {
            self.touch(idx, now);
        }
        removed
    }

    /// Sets the priority flag (a `PUT` on the Unstable version) and touches the conversation.
    pub(crate) fn set_priority(&mut self, idx: usize, priority: bool, now: i64) {
        self.conversations[idx].priority = priority;
        self.touch(idx, now);
    }

    /// Stores a data event unless it duplicates one (same contact, name and `created_at`).
    /// Returns whether it was stored.
    pub(crate) fn track_event(
        &mut self,
        contact: usize,
        name: String,
        created_at: i64,
        metadata: Map<String, Value>,
    ) -> bool {
        let Some(list) = self.events.get_mut(contact) else {
            return false;
        };
        if list
            .iter()
            .any(|e| e.event_name == name && e.created_at == created_at)
        {
            return false;
        }
        // The handler bounds `created_at`; an unrepresentable one is never stored.
        let Some(order_base) = created_at.checked_mul(1000) else {
            return false;
        };
        let same_second = list.iter().filter(|e| e.created_at == created_at).count() as i64;
        let id = self.next_event_id;
        self.next_event_id += 1;
        list.push(DataEvent {
            id,
            event_name: name,
            created_at,
            order_ms: order_base + same_second.min(999),
            metadata,
        });
        list.sort_by_key(|e| e.order_ms);
        true
    }

    /// Applies a contact update: each given field is set, custom attributes are merged (a
    /// null value removes one), and `updated_at` moves to now (never backwards). The
    /// contact's conversations keep their `updated_at`, as in Intercom.
    pub(crate) fn update_contact(&mut self, idx: usize, update: crate::ContactUpdate, now: i64) {
        let contact = &mut self.contacts[idx];
        let crate::ContactUpdate {
            name,
            email,
            phone,
            city,
            region,
            country,
            custom_attributes,
        } = update;
        if name.is_some() {
            contact.name = name;
        }
        if let Some(email) = email {
            contact.email = email;
        }
        if phone.is_some() {
            contact.phone = phone;
        }
        if let Some(city) = city {
            contact.city = city;
        }
        if region.is_some() {
            contact.region = region;
        }
        if let Some(country) = country {
            contact.country = country;
        }
        for (k, v) in custom_attributes {
            if v.is_null() {
                contact.custom_attributes.remove(&k);
            } else {
                contact.custom_attributes.insert(k, v);
            }
        }
        contact.updated_at = contact.updated_at.max(now);
    }

    /// Whether a company with this Intercom id exists (some contact belongs to it).
    pub(crate) fn company_exists(&self, id: &str) -> bool {
        self.contacts
            .iter()
            .any(|c| c.company_ids.iter().any(|k| k == id))
    }

    /// Finds a contact by Intercom id.
    pub(crate) fn contact_index(&self, id: &str) -> Option<usize> {
        self.contact_by_id.get(id).copied()
    }

    /// The full state as JSON: every record, every part, every event. Deleted and
    /// merged-away records are absent; `merged_contacts` maps each merged-away contact id to
    /// the id it now lives under, and `deleted` lists the deleted ids.
    pub(crate) fn truth(&self, now: i64) -> Value {
        let (merged, deleted) = crate::quirks::truth_fields(
            &self.merged,
            &self.deleted_conversations,
            &self.deleted_contacts,
        );
        let lk = self.lookup();
        let mut conversations: Vec<&Conversation> = self
            .conversations
            .iter()
            .enumerate()
            .filter(|(i, _)| self.conversation_live(*i))
            .map(|(_, c)| c)
            .collect();
        conversations.sort_by_key(|c| c.id);
        let conversations: Vec<Value> = conversations
            .iter()
            .map(|c| {
                let mut v = c.to_json(&lk, Display::Html, Some(&c.parts));
                // Not part of a 2.14 conversation, so only here, and only once set.
                if let (Some(company), Some(obj)) = (&c.company_id, v.as_object_mut()) {
                    obj.insert("company_id".into(), json!(company));
                }
                v
            })
            .collect();
        let mut events = BTreeMap::new();
        for (i, list) in self.events.iter().enumerate() {
            let contact = &self.contacts[i];
            if !list.is_empty() && self.contact_live(i) {
                let v: Vec<Value> = list.iter().map(|e| e.to_json(contact)).collect();
                events.insert(contact.id.clone(), v);
            }
        }
        json!({
            "admins": self.admins.iter().map(|a| a.to_json()).collect::<Vec<_>>(),
            "teams": self.teams.iter().map(|t| t.to_json()).collect::<Vec<_>>(),
            "contacts": self
                .contacts
                .iter()
                .enumerate()
                .filter(|(i, _)| self.contact_live(*i))
                .map(|(_, c)| c.to_json(&lk))
                .collect::<Vec<_>>(),
            "conversations": conversations,
            "events": events,
            "merged_contacts": merged,
            "deleted": deleted,
            "now": now,
        })
    }

    /// Whether the contact at `idx` is neither merged away nor deleted.
    pub(crate) fn contact_live(&self, idx: usize) -> bool {
        self.contacts
            .get(idx)
            .is_some_and(|c| self.contact_by_id.get(&c.id) == Some(&idx))
    }

    /// Whether the conversation at `idx` is not deleted.
    pub(crate) fn conversation_live(&self, idx: usize) -> bool {
        self.conversations
            .get(idx)
            .is_some_and(|c| self.conv_by_id.get(&c.id) == Some(&idx))
    }

    /// The contact `GET /contacts/{id}` answers for `id`: the contact itself, or for a
    /// merged-away one whose answer is [`MergedAnswer::Into`], the contact it now lives
    /// under (if that one is still there).
    pub(crate) fn resolve_contact(&self, id: &str) -> Option<usize> {
        if let Some(idx) = self.contact_index(id) {
            return Some(idx);
        }
        match self.merged.get(id) {
            Some((into, MergedAnswer::Into)) => self.contact_index(into),
            _ => None,
        }
    }

    /// A live contact for activity that picked `idx` at random: `idx` itself, the contact
    /// it was merged into, or the next live one. None if no contact is left. Draws nothing
    /// from the random stream, so a workspace without quirks moves exactly as before.
    pub(crate) fn live_contact(&self, idx: usize) -> Option<usize> {
        if self.contact_live(idx) {
            return Some(idx);
        }
        let merged_into = self
            .contacts
            .get(idx)
            .and_then(|c| self.merged.get(&c.id))
            .and_then(|(into, _)| self.contact_index(into));
        merged_into.or_else(|| {
            let n = self.contacts.len();
            (1..n)
                .map(|k| (idx + k) % n)
                .find(|&i| self.contact_live(i))
        })
    }

    /// Merges contact `from` into contact `into` (both live, distinct): `from` leaves the
    /// index and search, its events move to `into`, and conversations keep naming it.
    /// Contacts merged into `from` earlier now point at `into`. `answer` is what
    /// `GET /contacts/{from}` gives (None: alternate, by merge order).
    pub(crate) fn merge_contact(
        &mut self,
        from: usize,
        into: usize,
        answer: Option<MergedAnswer>,
        now: i64,
    ) -> MergedAnswer {
        let from_id = self.contacts[from].id.clone();
        let into_id = self.contacts[into].id.clone();
        let answer = answer.unwrap_or(if self.merged.len() % 2 == 0 {
            MergedAnswer::Into
        } else {
            MergedAnswer::NotFound
        });
        self.contact_by_id.remove(&from_id);
        for (target, _) in self.merged.values_mut() {
            if *target == from_id {
                *target = into_id.clone();
            }
        }
        self.merged.insert(from_id, (into_id, answer));
        let moved = std::mem::take(&mut self.events[from]);
        if !moved.is_empty() {
            let list = &mut self.events[into];
            list.extend(moved);
            // Keep `order_ms` (the `before` cursor) unique within the contact.
            list.sort_by_key(|e| (e.created_at, e.order_ms, e.id));
            let mut same_second = 0;
            let mut last = None;
            for e in list.iter_mut() {
                same_second = if last == Some(e.created_at) {
                    same_second + 1
                } else {
                    0
                };
                last = Some(e.created_at);
                e.order_ms = e.created_at.saturating_mul(1000) + same_second.min(999);
            }
        }
        let target = &mut self.contacts[into];
        target.updated_at = target.updated_at.max(now);
        answer
    }

    /// Merges contacts until at least `share` of the contacts some conversation names are
    /// merged: leads first (users when leads run out), each into a user that is not being
    /// merged, chosen from the seed.
    pub(crate) fn merge_share(&mut self, share: f64, now: i64) {
        use rand::seq::SliceRandom;
        if share <= 0.0 {
            return;
        }
        let referenced = self.referenced_contacts();
        let want = (share * referenced.len() as f64).ceil() as usize;
        let need = want.saturating_sub(self.merged.len());
        if need == 0 {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x3e26_ed00 ^ self.merged.len() as u64);
        let (mut leads, mut users): (Vec<usize>, Vec<usize>) = referenced
            .iter()
            .copied()
            .partition(|&i| self.contacts[i].role == "lead");
        leads.shuffle(&mut rng);
        users.shuffle(&mut rng);
        let mut sources: Vec<usize> = leads.into_iter().chain(users).take(need).collect();
        let mut targets: Vec<usize> = (0..self.contacts.len())
            .filter(|&i| self.contact_live(i) && self.contacts[i].role == "user")
            .filter(|i| !sources.contains(i))
            .collect();
        if targets.is_empty() {
            // No user to merge into: keep one source back as the target.
            match sources.pop() {
                Some(t) => targets.push(t),
                None => return,
            }
        }
        for from in sources {
            let into = targets[rng.gen_range(0..targets.len())];
            self.merge_contact(from, into, None, now);
        }
    }

    /// Live contacts named by some live conversation, in index order.
    fn referenced_contacts(&self) -> Vec<usize> {
        let mut named: BTreeSet<usize> = BTreeSet::new();
        for (i, c) in self.conversations.iter().enumerate() {
            if self.conversation_live(i) {
                named.extend(c.contacts.iter().copied());
            }
        }
        named
            .into_iter()
            .filter(|&i| self.contact_live(i))
            .collect()
    }

    /// Deletes conversations and contacts (by index; all must be live): they leave every
    /// index, so lists, search, retrieve and the truth no longer show them.
    pub(crate) fn delete_records(&mut self, conversations: &[usize], contacts: &[usize]) {
        for &idx in conversations {
            let conv = &self.conversations[idx];
            let (id, updated, snoozed) = (conv.id, conv.updated_at, conv.snoozed_until);
            self.conv_by_id.remove(&id);
            self.by_updated.remove(&(updated, id));
            if let Some(until) = snoozed {
                self.snoozes.remove(&(until, id));
            }
            self.deleted_conversations.insert(id);
        }
        if !conversations.is_empty() {
            self.by_created.retain(|(_, i)| !conversations.contains(i));
        }
        for &idx in contacts {
            let id = self.contacts[idx].id.clone();
            self.contact_by_id.remove(&id);
            self.deleted_contacts.insert(id);
        }
    }

    /// The delayed deletion of quirks mode: `conversations` live conversations and
    /// `contacts` live contacts named by a remaining conversation (never a merge target),
    /// chosen from the seed.
    pub(crate) fn delete_chosen(&mut self, conversations: usize, contacts: usize) {
        use rand::seq::index::sample;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0xde1e_7ed0);
        let live: Vec<usize> = (0..self.conversations.len())
            .filter(|&i| self.conversation_live(i))
            .collect();
        let convs: Vec<usize> = sample(&mut rng, live.len(), conversations.min(live.len()))
            .into_iter()
            .map(|k| live[k])
            .collect();
        self.delete_records(&convs, &[]);
        let targets: BTreeSet<&str> = self.merged.values().map(|(t, _)| t.as_str()).collect();
        let named: Vec<usize> = self
            .referenced_contacts()
            .into_iter()
            .filter(|&i| !targets.contains(self.contacts[i].id.as_str()))
            .collect();
        let picked: Vec<usize> = sample(&mut rng, named.len(), contacts.min(named.len()))
            .into_iter()
            .map(|k| named[k])
            .collect();
        self.delete_records(&[], &picked);
    }
}
