//! Quirks mode: the answers a real Intercom workspace gives that a tidy server never does,
//! given on purpose so the sync engine meets them in tests. Merged contacts and deleted
//! records live in the state (they change the truth); everything else here only changes
//! how a read answer looks on the wire (they never change the truth): paging that does not
//! advance, junk items in lists, unknown enum values, extra and missing optional fields.
//!
//! Every decision is a function of the seed and of the object or page it applies to (a
//! hash, not a draw from a shared random stream), so the same object always looks the same
//! wherever it is served, and two sandboxes of one seed answer alike. Paging quirks are
//! counted one-shots spread over the eligible pages in the order they are requested.
//!
//! [`Quirks`] documents exactly which fields each quirk changes and which stay exact.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// How many eligible pages apart paging quirks fire by default.
pub const DEFAULT_PAGING_QUIRK_EVERY: u32 = 3;

/// The quirks a sandbox gives on purpose. Serialized as the body of `PUT /_sandbox/quirks`;
/// a field left out takes its default, and the default is all off (every answer exactly as
/// without quirks). Rates are shares in `0.0..=1.0` decided per object by a hash of the
/// seed and the object's id; counts are one-shots that go down as they fire, and
/// `GET /_sandbox/quirks` shows what is left.
///
/// What each quirk changes, and so what stays exact:
/// - `unknown_enums`: conversation `source.type` (`future_source_type`),
///   `source.delivered_as` (`future_delivered_as`) and `priority` (`priority` becomes
///   `urgent`, `not_priority` becomes `future_priority`); on parts written by an admin or a
///   bot only, `part_type` (`future_part_type`) and `author.type` (`operator_future`).
/// - `missing_fields`: drops conversation `sla_applied`, `conversation_rating`, `teammates`,
///   `tags`, `custom_attributes`, `linked_objects`, `ai_agent`, `title`; contact `location`,
///   `avatar`, `companies`, `tags`, `notes`, `social_profiles`, `custom_attributes`, `phone`;
///   part `external_id`, `email_message_metadata`, `metadata`, `tags`, `event_details`,
///   `app_package_code`. It also sends odd but legal values: integer ids for conversations
///   (`id`, `source.id`), parts, admins, teams and events; a contact's `owner_id` as a
///   string; `0` or `"0"` for an unassigned `admin_assignee_id` or `team_assignee_id`;
///   `pages.per_page` as a string.
/// - `extra_fields`: adds fields no schema names: on conversations `topics`, `ticket`
///   (null), `ai_flags`, `company` (null) and `source.future_source_field`; on a
///   conversation's `conversation_parts` object `future_list_field`; on parts
///   `future_part_field`; on contacts `future_contact_field`, `company` (null),
///   `opted_in_subscription_types` and `location.continent_code`; on admins, teams and
///   events `future_admin_field`, `future_team_field`, `future_event_field`; on list
///   answers `future_list_field` and `pages.future_pages_field`.
/// - `junk_items`: inserts `null`, numbers, strings, arrays, booleans and
///   `{"type": "future_thing", "id": {"nested": true}}` between the real items of `admins`
///   (`GET /admins`), `teams` (`GET /teams`), `conversations` (list and search), `data`
///   (contacts search), `conversation_parts.conversation_parts` (retrieve) and `events`
///   (`GET /events`); no real item is replaced, dropped or reordered, and `total_count`
///   stays the real count.
///
/// An object shows the same quirks wherever it is served (list, search, retrieve), since
/// each decision hashes the seed with the object's id.
///
/// Exact whatever the quirks: ids (as values), `created_at`, `updated_at`, `waiting_since`,
/// `snoozed_until`, `state`, `open`, `read`, the assignees (as values, `0` meaning none),
/// `contacts`, `statistics`, and on parts `id`, `body`, `author` (but `author.type` on admin
/// and bot parts), `created_at`, `assigned_to`, `state`; a contact's `id`, `role`, `email`,
/// `name`, timestamps. `GET /me` and write answers are never changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quirks {
    /// Share of the contacts some conversation names that are merged into another contact
    /// (a user): leads first, users when there are too few leads. Applied at start and when
    /// set through the control API (until at least that share is merged; never unmerged).
    /// A merged contact stays named by its conversations; `GET /contacts/{from}` answers
    /// either the contact it was merged into (`id` is the other id) or 404 `not_found`,
    /// alternating between merged contacts; its events move to the other contact; contacts
    /// search never returns it.
    pub merge_contacts: f64,
    /// After this many more Intercom requests (counted from when the quirks are set: the
    /// sandbox's start for [`crate::SandboxConfig::quirks`]), delete `delete_conversations`
    /// conversations and `delete_contacts` contacts that some conversation names. They
    /// vanish from lists, search and the truth, and `GET` by id answers 404 `not_found`;
    /// conversations keep naming a deleted contact. Counts down; `None` once done.
    pub delete_after_requests: Option<u64>,
    /// How many conversations the delayed deletion removes (0 once done).
    pub delete_conversations: usize,
    /// How many contacts (named by some conversation) the delayed deletion removes.
    pub delete_contacts: usize,
    /// Pages (conversations list and search, contacts search) requested with a
    /// `starting_after` that has a next page whose `pages.next.starting_after` is the
    /// request's own cursor.
    pub stuck_cursors: u32,
    /// Pages (page 3 or later of a walk) whose next cursor is one the walk already used:
    /// the cursor that ended the walk's first page.
    pub looping_cursors: u32,
    /// Pages that answer the previous page's items again, under a new cursor string that
    /// leads on to the real page.
    pub repeated_pages: u32,
    /// `GET /events` pages requested with `before` whose `pages.next` is the requested URL.
    pub stuck_event_pages: u32,
    /// Paging quirks fire on every Nth eligible page (1: every one), so they are spread over
    /// a walk rather than all on its first pages. At least 1; default
    /// [`DEFAULT_PAGING_QUIRK_EVERY`].
    pub paging_quirk_every: u32,
    /// Share of list slots (before, between and after the real items) that get a junk item.
    pub junk_items: f64,
    /// Share of objects whose enum-like fields take values this API version does not know.
    pub unknown_enums: f64,
    /// Share of objects (and list envelopes) given fields no schema names.
    pub extra_fields: f64,
    /// Share of optional fields dropped, and of odd but legal values (integer ids, string
    /// `per_page`, `0` assignees).
    pub missing_fields: f64,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            merge_contacts: 0.0,
            delete_after_requests: None,
            delete_conversations: 0,
            delete_contacts: 0,
            stuck_cursors: 0,
            looping_cursors: 0,
            repeated_pages: 0,
            stuck_event_pages: 0,
            paging_quirk_every: DEFAULT_PAGING_QUIRK_EVERY,
            junk_items: 0.0,
            unknown_enums: 0.0,
            extra_fields: 0.0,
            missing_fields: 0.0,
        }
    }
}

impl Quirks {
    /// The preset the sync suites (and `--quirks`) run against: every quirk on at a
    /// moderate rate. Which records and pages it hits follows from the sandbox's seed.
    pub fn hostile() -> Quirks {
        Quirks {
            merge_contacts: 0.1,
            delete_after_requests: Some(40),
            delete_conversations: 3,
            delete_contacts: 2,
            stuck_cursors: 2,
            looping_cursors: 1,
            repeated_pages: 1,
            stuck_event_pages: 1,
            paging_quirk_every: DEFAULT_PAGING_QUIRK_EVERY,
            junk_items: 0.02,
            unknown_enums: 0.1,
            extra_fields: 0.25,
            missing_fields: 0.1,
        }
    }

    /// Checks that every rate is a share in `0.0..=1.0` and that paging quirks have a
    /// spacing; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("merge_contacts", self.merge_contacts),
            ("junk_items", self.junk_items),
            ("unknown_enums", self.unknown_enums),
            ("extra_fields", self.extra_fields),
            ("missing_fields", self.missing_fields),
        ];
        if let Some((name, r)) = rates.iter().find(|(_, r)| !(0.0..=1.0).contains(r)) {
            return Err(format!("{name} must be a share between 0 and 1, got {r}"));
        }
        if self.paging_quirk_every == 0 {
            return Err(
                "paging_quirk_every must be at least 1 (1 fires on every eligible page)".into(),
            );
        }
        Ok(())
    }

    fn pages_left(&self) -> bool {
        self.stuck_cursors > 0 || self.looping_cursors > 0 || self.repeated_pages > 0
    }

    pub(crate) fn dresses(&self) -> bool {
        self.junk_items > 0.0
            || self.unknown_enums > 0.0
            || self.extra_fields > 0.0
            || self.missing_fields > 0.0
    }
}

/// What a merged contact's `GET /contacts/{id}` (and its events) answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergedAnswer {
    /// 200 with the contact it was merged into (whose `id` is the other id).
    Into,
    /// 404 `not_found`, as the 2.14 description documents for a merged contact.
    NotFound,
}

/// A paging quirk applied to one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageQuirk {
    /// `next.starting_after` is the request's own cursor.
    Stuck,
    /// `next.starting_after` is the cursor that ended the walk's first page.
    Loop,
    /// The previous page's items again, under a new cursor.
    Repeat,
}

/// The quirks in force plus the counters that spread paging quirks, kept in the state.
pub(crate) struct QuirkBook {
    pub quirks: Quirks,
    seed: u64,
    eligible_pages: u64,
    eligible_event_pages: u64,
    fired_pages: u64,
    /// Per walk (route, query and page size), the cursor that ended its first page.
    first_cursors: HashMap<u64, String>,
}

/// FNV-1a of the seed, a salt and a key, finished with splitmix64 so nearby keys spread.
pub(crate) fn hash(seed: u64, salt: &str, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed
        .to_le_bytes()
        .into_iter()
        .chain(salt.bytes())
        .chain([0xff])
        .chain(key.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// An id rendered as the string it is on the wire (or the number it became).
fn id_key(v: &Value) -> String {
    match v.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Sets `obj[path...]` to `new` only if that field exists.
pub(crate) fn replace_at(v: &mut Value, path: &[&str], new: Value) {
    let mut cur = v;
    for key in path {
        match cur.get_mut(*key) {
            Some(next) => cur = next,
            None => return,
        }
    }
    *cur = new;
}

/// A string id that is all digits, as an integer.
fn to_int(v: &mut Value) {
    if let Some(n) = v.as_str().and_then(|s| s.parse::<u64>().ok()) {
        *v = json!(n);
    }
}

fn extra_object() -> Value {
    json!({"x": [1, 2], "nested": {"deep": true}})
}

const CONVERSATION_DROPPABLE: [&str; 8] = [
    "sla_applied",
    "conversation_rating",
    "teammates",
    "tags",
    "custom_attributes",
    "linked_objects",
    "ai_agent",
    "title",
];
const CONTACT_DROPPABLE: [&str; 8] = [
    "location",
    "avatar",
    "companies",
    "tags",
    "notes",
    "social_profiles",
    "custom_attributes",
    "phone",
];
const PART_DROPPABLE: [&str; 6] = [
    "external_id",
    "email_message_metadata",
    "metadata",
    "tags",
    "event_details",
    "app_package_code",
];

impl QuirkBook {
    pub(crate) fn new(quirks: Quirks, seed: u64) -> QuirkBook {
        QuirkBook {
            quirks,
            seed,
            eligible_pages: 0,
            eligible_event_pages: 0,
            fired_pages: 0,
            first_cursors: HashMap::new(),
        }
    }

    /// Replaces the quirks in force; the spreading of paging quirks starts afresh.
    pub(crate) fn set(&mut self, quirks: Quirks) {
        self.quirks = quirks;
        self.eligible_pages = 0;
        self.eligible_event_pages = 0;
        self.fired_pages = 0;
    }

    pub(crate) fn hit(&self, rate: f64, salt: &str, key: &str) -> bool {
        rate > 0.0 && unit(hash(self.seed, salt, key)) < rate
    }

    /// Whether a page of this position gets a paging quirk, and which one; spends it.
    /// `page` is the number of the requested page (None without a cursor).
    pub(crate) fn page_quirk(&mut self, page: Option<u32>, has_next: bool) -> Option<PageQuirk> {
        let q = &self.quirks;
        let page = page?;
        if !has_next || !q.pages_left() {
            return None;
        }
        self.eligible_pages += 1;
        let every = u64::from(q.paging_quirk_every.max(1));
        if (self.eligible_pages + self.seed) % every != 0 {
            return None;
        }
        let kinds = [PageQuirk::Stuck, PageQuirk::Loop, PageQuirk::Repeat];
        let start = (self.fired_pages % 3) as usize;
        let pick = (0..3).map(|i| kinds[(start + i) % 3]).find(|k| match k {
            PageQuirk::Stuck => q.stuck_cursors > 0,
            PageQuirk::Loop => q.looping_cursors > 0 && page >= 3,
            PageQuirk::Repeat => q.repeated_pages > 0,
        })?;
        let q = &mut self.quirks;
        match pick {
            PageQuirk::Stuck => q.stuck_cursors -= 1,
            PageQuirk::Loop => q.looping_cursors -= 1,
            PageQuirk::Repeat => q.repeated_pages -= 1,
        }
        self.fired_pages += 1;
        Some(pick)
    }

    /// Whether an events page requested with `before` answers its own URL as `next`.
    pub(crate) fn event_page_stuck(&mut self, requested_with_before: bool, has_next: bool) -> bool {
        if !requested_with_before || !has_next || self.quirks.stuck_event_pages == 0 {
            return false;
        }
        self.eligible_event_pages += 1;
        let every = u64::from(self.quirks.paging_quirk_every.max(1));
        if (self.eligible_event_pages + self.seed) % every != 0 {
            return false;
        }
        self.quirks.stuck_event_pages -= 1;
        true
    }

    /// Remembers the cursor that ended a walk's first page, while looping cursors remain.
    pub(crate) fn note_first_page(&mut self, walk: u64, next: Option<String>) {
        if self.quirks.looping_cursors > 0 {
            if let Some(next) = next {
                self.first_cursors.insert(walk, next);
            }
        }
    }

    pub(crate) fn first_cursor(&self, walk: u64) -> Option<String> {
        self.first_cursors.get(&walk).cloned()
    }

    /// Counts one Intercom request against the delayed deletion; true when it is due now.
    pub(crate) fn deletion_due(&mut self) -> bool {
        match self.quirks.delete_after_requests {
            None => false,
            Some(0) => {
                self.quirks.delete_after_requests = None;
                true
            }
            Some(n) => {
                self.quirks.delete_after_requests = Some(n - 1);
                false
            }
        }
    }

    /// A conversation as list, search or retrieve serves it (parts included).
    pub(crate) fn dress_conversation(&self, v: &mut Value) {
        let q = &self.quirks;
        if !q.dresses() {
            return;
        }
        let id = id_key(v);
        if self.hit(q.unknown_enums, "enum.source.type", &id) {
            replace_at(v, &["source", "type"], json!("future_source_type"));
        }
        if self.hit(q.unknown_enums, "enum.source.delivered_as", &id) {
            replace_at(v, &["source", "delivered_as"], json!("future_delivered_as"));
        }
        if self.hit(q.unknown_enums, "enum.priority", &id) {
            let new = if v["priority"] == "priority" {
                "urgent"
            } else {
                "future_priority"
            };
            replace_at(v, &["priority"], json!(new));
        }
        if let Some(list) = v.get_mut("conversation_parts") {
            if let Some(parts) = list
                .get_mut("conversation_parts")
                .and_then(Value::as_array_mut)
            {
                for p in parts.iter_mut() {
                    self.dress_part(p);
                }
                self.add_junk(parts, "junk.parts", &id);
            }
            if self.hit(q.extra_fields, "extra.parts", &id) {
                if let Some(obj) = list.as_object_mut() {
                    obj.insert("future_list_field".into(), extra_object());
                }
            }
        }
        if self.hit(q.missing_fields, "odd.id", &id) {
            if let Some(x) = v.get_mut("id") {
                to_int(x);
            }
        }
        if self.hit(q.missing_fields, "odd.source.id", &id) {
            if let Some(x) = v.get_mut("source").and_then(|s| s.get_mut("id")) {
                to_int(x);
            }
        }
        for field in ["admin_assignee_id", "team_assignee_id"] {
            let salt = format!("odd.{field}");
            if v.get(field) == Some(&Value::Null) && self.hit(q.missing_fields, &salt, &id) {
                let zero = if hash(self.seed, "odd.zero", &id) & 1 == 0 {
                    json!(0)
                } else {
                    json!("0")
                };
                replace_at(v, &[field], zero);
            }
        }
        let Some(obj) = v.as_object_mut() else {
            return;
        };
        for field in CONVERSATION_DROPPABLE {
            if self.hit(q.missing_fields, &format!("drop.{field}"), &id) {
                obj.shift_remove(field);
            }
        }
        if self.hit(q.extra_fields, "extra", &id) {
            obj.insert(
                "topics".into(),
                json!({"type": "topic.list", "topics": [{"type": "topic", "id": "7", "name": "Future"}], "total_count": 1}),
            );
            obj.insert("ticket".into(), Value::Null);
            obj.insert("ai_flags".into(), json!({"x": [1, 2]}));
            obj.insert("company".into(), Value::Null);
            if let Some(source) = obj.get_mut("source").and_then(Value::as_object_mut) {
                source.insert("future_source_field".into(), extra_object());
            }
        }
    }

    fn dress_part(&self, v: &mut Value) {
        let q = &self.quirks;
        let id = id_key(v);
        let by_teammate = matches!(
            v.get("author")
                .and_then(|a| a.get("type"))
                .and_then(Value::as_str),
            Some("admin" | "bot")
        );
        if by_teammate && self.hit(q.unknown_enums, "enum.part_type", &id) {
            replace_at(v, &["part_type"], json!("future_part_type"));
        }
        if by_teammate && self.hit(q.unknown_enums, "enum.author.type", &id) {
            replace_at(v, &["author", "type"], json!("operator_future"));
        }
        if self.hit(q.missing_fields, "odd.part.id", &id) {
            if let Some(x) = v.get_mut("id") {
                to_int(x);
            }
        }
        let Some(obj) = v.as_object_mut() else {
            return;
        };
        for field in PART_DROPPABLE {
            if self.hit(q.missing_fields, &format!("drop.part.{field}"), &id) {
                obj.shift_remove(field);
            }
        }
        if self.hit(q.extra_fields, "extra.part", &id) {
            obj.insert("future_part_field".into(), extra_object());
        }
    }

    /// A contact as retrieve and search serve it.
    pub(crate) fn dress_contact(&self, v: &mut Value) {
        let q = &self.quirks;
        if !q.dresses() {
            return;
        }
        let id = id_key(v);
        if self.hit(q.missing_fields, "odd.owner_id", &id) {
            if let Some(owner) = v.get_mut("owner_id") {
                if let Some(n) = owner.as_u64() {
                    *owner = json!(n.to_string());
                }
            }
        }
        let Some(obj) = v.as_object_mut() else {
            return;
        };
        for field in CONTACT_DROPPABLE {
            if self.hit(q.missing_fields, &format!("drop.contact.{field}"), &id) {
                obj.shift_remove(field);
            }
        }
        if self.hit(q.extra_fields, "extra.contact", &id) {
            obj.insert("future_contact_field".into(), extra_object());
            obj.insert("company".into(), Value::Null);
            obj.insert(
                "opted_in_subscription_types".into(),
                json!({"type": "list", "data": [], "url": format!("/contacts/{id}/subscriptions"), "total_count": 0, "has_more": false}),
            );
            if let Some(loc) = obj.get_mut("location").and_then(Value::as_object_mut) {
                loc.insert("continent_code".into(), json!("EU"));
            }
        }
    }

    /// An admin of `GET /admins`, a team of `GET /teams` or an event of `GET /events`:
    /// an integer id and extra fields.
    pub(crate) fn dress_record(&self, v: &mut Value, kind: &str) {
        let q = &self.quirks;
        if !q.dresses() {
            return;
        }
        let id = id_key(v);
        if self.hit(q.missing_fields, &format!("odd.{kind}.id"), &id) {
            if let Some(x) = v.get_mut("id") {
                to_int(x);
            }
        }
        if self.hit(q.extra_fields, &format!("extra.{kind}"), &id) {
            if let Some(obj) = v.as_object_mut() {
                obj.insert(format!("future_{kind}_field"), extra_object());
            }
        }
    }

    /// A list answer: junk among the items of `items`, extra fields on the envelope and on
    /// `pages`, and `pages.per_page` as a string. `route` tells lists apart.
    pub(crate) fn dress_list(&self, v: &mut Value, items: &str, route: &str) {
        let q = &self.quirks;
        if !q.dresses() {
            return;
        }
        let key = match v.get(items).and_then(Value::as_array) {
            Some(list) => {
                let ids: Vec<String> = list.iter().map(id_key).collect();
                format!("{route}:{}", ids.join(","))
            }
            None => route.to_string(),
        };
        if let Some(list) = v.get_mut(items).and_then(Value::as_array_mut) {
            self.add_junk(list, "junk.list", &key);
        }
        if self.hit(q.missing_fields, "odd.per_page", &key) {
            if let Some(per_page) = v.get_mut("pages").and_then(|p| p.get_mut("per_page")) {
                if let Some(n) = per_page.as_u64() {
                    *per_page = json!(n.to_string());
                }
            }
        }
        if self.hit(q.extra_fields, "extra.list", &key) {
            if let Some(pages) = v.get_mut("pages").and_then(Value::as_object_mut) {
                pages.insert("future_pages_field".into(), json!(true));
            }
            if let Some(obj) = v.as_object_mut() {
                obj.insert("future_list_field".into(), extra_object());
            }
        }
    }

    /// Inserts junk items at random slots of `list`, keeping every real item in order.
    fn add_junk(&self, list: &mut Vec<Value>, salt: &str, key: &str) {
        let rate = self.quirks.junk_items;
        if rate <= 0.0 {
            return;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(hash(self.seed, salt, key));
        let real = std::mem::take(list);
        let mut out = Vec::with_capacity(real.len() + 2);
        let mut real = real.into_iter();
        loop {
            if rng.gen::<f64>() < rate {
                out.push(junk(rng.gen_range(0..6), &mut rng));
            }
            match real.next() {
                Some(item) => out.push(item),
                None => break,
            }
        }
        *list = out;
    }
}

/// One junk list item: nothing any client can decode as the list's record type.
fn junk(kind: u32, rng: &mut ChaCha8Rng) -> Value {
    match kind {
        0 => Value::Null,
        1 => json!(rng.gen_range(0..1_000_000)),
        2 => json!("future_item"),
        3 => json!({"type": "future_thing", "id": {"nested": true}}),
        4 => json!([1, "x", null]),
        _ => json!(true),
    }
}

/// A walk's identity: the route, the page size and the query (search body without its
/// pagination), hashed.
pub(crate) fn walk_key(route: &str, per_page: usize, query: &Value) -> u64 {
    hash(0, route, &format!("{per_page}:{query}"))
}

/// The contact merges and record deletions the truth reports.
pub(crate) fn truth_fields(
    merged: &std::collections::BTreeMap<String, (String, MergedAnswer)>,
    deleted_conversations: &std::collections::BTreeSet<u64>,
    deleted_contacts: &std::collections::BTreeSet<String>,
) -> (Value, Value) {
    let merges: Map<String, Value> = merged
        .iter()
        .map(|(from, (into, _))| (from.clone(), json!(into)))
        .collect();
    let deleted = json!({
        "conversations": deleted_conversations.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
        "contacts": deleted_contacts.iter().collect::<Vec<_>>(),
    });
    (Value::Object(merges), deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_off_and_hostile_is_valid() {
        let off = Quirks::default();
        assert!(
            !off.dresses() && !off.pages_left() && off.merge_contacts == 0.0,
            "the default must change no answer"
        );
        assert_eq!(off.validate(), Ok(()), "the default must be valid");
        let hostile = Quirks::hostile();
        assert_eq!(hostile.validate(), Ok(()), "the preset must be valid");
        assert!(
            hostile.dresses() && hostile.pages_left() && hostile.merge_contacts > 0.0,
            "the preset must turn every quirk on"
        );
    }

    #[test]
    fn junk_keeps_every_real_item_in_order() {
        let book = QuirkBook::new(
            Quirks {
                junk_items: 0.5,
                ..Quirks::default()
            },
            9,
        );
        let real: Vec<Value> = (0..50).map(|i| json!({"id": i.to_string()})).collect();
        let mut list = real.clone();
        book.add_junk(&mut list, "t", "k");
        let kept: Vec<Value> = list
            .iter()
            .filter(|v| v.get("type").is_none() && v.get("id").is_some_and(Value::is_string))
            .cloned()
            .collect();
        assert_eq!(
            kept, real,
            "junk must only be added, never replace a real item"
        );
        assert!(list.len() > real.len(), "half the slots must get junk");
    }

    #[test]
    fn paging_quirks_fire_on_every_nth_eligible_page_until_spent() {
        let mut book = QuirkBook::new(
            Quirks {
                stuck_cursors: 2,
                paging_quirk_every: 2,
                ..Quirks::default()
            },
            0,
        );
        assert_eq!(
            book.page_quirk(None, true),
            None,
            "a first page (no cursor) is never eligible"
        );
        assert_eq!(
            book.page_quirk(Some(2), false),
            None,
            "a last page is never eligible"
        );
        let fired: Vec<bool> = (2..10)
            .map(|p| book.page_quirk(Some(p), true).is_some())
            .collect();
        assert_eq!(
            fired,
            [false, true, false, true, false, false, false, false],
            "every second eligible page fires until the two are spent"
        );
        assert_eq!(book.quirks.stuck_cursors, 0, "fired quirks are spent");
    }
}
