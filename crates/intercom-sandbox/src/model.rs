//! The workspace's domain records (admins, teams, contacts, conversations, parts, data
//! events) and their rendering into the exact JSON shapes of Intercom's REST API 2.14.
//!
//! Records are plain structs; everything the API emits is built here, so the HTTP layer
//! and the truth dump can never disagree about a shape.

use serde_json::{json, Map, Value};

/// Conversation state as Intercom names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConvState {
    Open,
    Closed,
    Snoozed,
}

impl ConvState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConvState::Open => "open",
            ConvState::Closed => "closed",
            ConvState::Snoozed => "snoozed",
        }
    }
}

/// A teammate account.
#[derive(Clone, Debug)]
pub(crate) struct Admin {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub away: bool,
    pub team_ids: Vec<u64>,
    pub avatar: Option<String>,
}

/// A team of admins.
#[derive(Clone, Debug)]
pub(crate) struct Team {
    pub id: u64,
    pub name: String,
    pub admin_ids: Vec<u64>,
    pub distribution_method: &'static str,
}

/// A tag that can be applied to conversations and contacts.
#[derive(Clone, Debug)]
pub(crate) struct Tag {
    pub id: u64,
    pub name: &'static str,
}

/// A tag applied to a conversation.
#[derive(Clone, Debug)]
pub(crate) struct AppliedTag {
    pub tag: usize,
    pub applied_at: i64,
    pub applied_by: u64,
}

/// A user or a lead.
#[derive(Clone, Debug)]
pub(crate) struct Contact {
    pub id: String,
    pub external_id: Option<String>,
    pub role: &'static str,
    pub email: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub owner_id: Option<u64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub signed_up_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub last_replied_at: Option<i64>,
    pub browser: Option<&'static str>,
    pub os: Option<&'static str>,
    pub custom_attributes: Map<String, Value>,
    pub company_ids: Vec<String>,
    pub tag_ids: Vec<usize>,
    /// Location: owned, since the control API may set any text here.
    pub country: String,
    pub region: Option<String>,
    pub city: String,
}

/// Who wrote a conversation part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Author {
    Admin(u64),
    /// Index into the contact table.
    Contact(usize),
    Bot,
}

/// The kind of object an assignment points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AssigneeKind {
    Admin,
    Team,
    Nobody,
}

/// One message or action in a conversation.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    pub id: u64,
    pub part_type: &'static str,
    pub body: Option<String>,
    pub created_at: i64,
    pub author: Author,
    pub assigned_to: Option<(AssigneeKind, u64)>,
    pub state: ConvState,
}

/// A conversation's rating by its contact.
#[derive(Clone, Debug)]
pub(crate) struct Rating {
    pub rating: u8,
    pub remark: String,
    pub created_at: i64,
    pub teammate: u64,
}

/// The message that started a conversation.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub id: u64,
    pub kind: &'static str,
    pub delivered_as: &'static str,
    pub subject: String,
    pub body: String,
    pub author: Author,
    pub url: Option<String>,
}

/// A conversation with all its parts (oldest first).
#[derive(Clone, Debug)]
pub(crate) struct Conversation {
    pub id: u64,
    pub title: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub waiting_since: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub state: ConvState,
    pub read: bool,
    pub priority: bool,
    pub admin_assignee_id: Option<u64>,
    pub team_assignee_id: Option<u64>,
    pub tags: Vec<AppliedTag>,
    pub contacts: Vec<usize>,
    pub source: Source,
    pub teammates: Vec<u64>,
    pub custom_attributes: Map<String, Value>,
    /// The company set by `PUT company_id`. 2.14 conversations do not show it, so only the
    /// truth does.
    pub company_id: Option<String>,
    pub rating: Option<Rating>,
    pub parts: Vec<Part>,
    pub count_reopens: u32,
    pub count_assignments: u32,
}

/// A data event tracked against a contact.
#[derive(Clone, Debug)]
pub(crate) struct DataEvent {
    pub id: u64,
    pub event_name: String,
    pub created_at: i64,
    /// Millisecond ordering key, unique per contact; the `before` cursor of `GET /events`.
    pub order_ms: i64,
    pub metadata: Map<String, Value>,
}

/// Everything needed to render references between records.
pub(crate) struct Lookup<'a> {
    pub admins: &'a [Admin],
    pub tags: &'a [Tag],
    pub contacts: &'a [Contact],
    pub base_url: &'a str,
}

/// The bot that authors automatic parts (snooze expiry).
pub(crate) const BOT_ID: u64 = 4_000_000;

impl Admin {
    /// The `admin` schema (`GET /admins`): `avatar` is a URI string.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "type": "admin",
            "id": self.id.to_string(),
            "name": self.name,
            "email": self.email,
            "job_title": self.job_title,
            "away_mode_enabled": self.away,
            "away_mode_reassign": false,
            "away_status_reason_id": Value::Null,
            "has_inbox_seat": true,
            "team_ids": self.team_ids,
            "avatar": self.avatar,
        })
    }

    /// The `admin_with_app` schema (`GET /me`): `avatar` is an object.
    pub(crate) fn to_me_json(&self, seed: u64, created_at: i64) -> Value {
        json!({
            "type": "admin",
            "id": self.id.to_string(),
            "name": self.name,
            "email": self.email,
            "job_title": self.job_title,
            "away_mode_enabled": self.away,
            "away_mode_reassign": false,
            "has_inbox_seat": true,
            "team_ids": self.team_ids,
            "avatar": {"type": "avatar", "image_url": self.avatar},
            "email_verified": true,
            "app": {
                "type": "app",
                "id_code": format!("sbx{seed:x}"),
                "name": "Agentdesk Sandbox",
                "created_at": created_at,
                "secure": false,
                "identity_verification": false,
                "timezone": "UTC",
                "region": "US",
            },
        })
    }
}

impl Team {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "type": "team",
            "id": self.id.to_string(),
            "name": self.name,
            "admin_ids": self.admin_ids,
            "assignment_limit": Value::Null,
            "distribution_method": self.distribution_method,
        })
    }
}

impl Contact {
    pub(crate) fn reference(&self) -> Value {
        json!({"type": "contact", "id": self.id, "external_id": self.external_id})
    }

    pub(crate) fn to_json(&self, lk: &Lookup<'_>) -> Value {
        let base = lk.base_url;
        let email_domain = self.email.split('@').nth(1).unwrap_or("").to_string();
        let tags: Vec<Value> = self
            .tag_ids
            .iter()
            .filter_map(|t| lk.tags.get(*t))
            .map(|t| json!({"type": "tag", "id": t.id.to_string(), "url": format!("/tags/{}", t.id)}))
            .collect();
        let companies: Vec<Value> = self
            .company_ids
            .iter()
            .map(|c| json!({"type": "company", "id": c, "url": format!("/companies/{c}")}))
            .collect();
        json!({
            "type": "contact",
            "id": self.id,
            "external_id": self.external_id,
            "workspace_id": "sandbox",
            "role": self.role,
            "email": self.email,
            "email_domain": email_domain,
            "phone": self.phone,
            "name": self.name,
            "owner_id": self.owner_id,
            "has_hard_bounced": false,
            "marked_email_as_spam": false,
            "unsubscribed_from_emails": false,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "signed_up_at": self.signed_up_at,
            "last_seen_at": self.last_seen_at,
            "last_replied_at": self.last_replied_at,
            "last_contacted_at": Value::Null,
            "last_email_opened_at": Value::Null,
            "last_email_clicked_at": Value::Null,
            "language_override": Value::Null,
            "browser": self.browser,
            "browser_version": Value::Null,
            "browser_language": "en",
            "os": self.os,
            "android_app_name": Value::Null,
            "android_app_version": Value::Null,
            "android_device": Value::Null,
            "android_os_version": Value::Null,
            "android_sdk_version": Value::Null,
            "android_last_seen_at": Value::Null,
            "ios_app_name": Value::Null,
            "ios_app_version": Value::Null,
            "ios_device": Value::Null,
            "ios_os_version": Value::Null,
            "ios_sdk_version": Value::Null,
            "ios_last_seen_at": Value::Null,
            "custom_attributes": self.custom_attributes,
            "avatar": {"type": "avatar", "image_url": Value::Null},
            "tags": {
                "type": "list",
                "data": tags,
                "url": format!("{base}/contacts/{}/tags", self.id),
                "total_count": self.tag_ids.len(),
                "has_more": false,
            },
            "notes": {
                "type": "list",
                "data": [],
                "url": format!("{base}/contacts/{}/notes", self.id),
                "total_count": 0,
                "has_more": false,
            },
            "companies": {
                "type": "list",
                "data": companies,
                "url": format!("{base}/contacts/{}/companies", self.id),
                "total_count": self.company_ids.len(),
                "has_more": false,
            },
            "location": {"type": "location", "country": self.country, "region": self.region, "city": self.city},
            "social_profiles": {"type": "list", "data": []},
        })
    }
}

/// Renders a part author in the `conversation_part_author` shape.
pub(crate) fn author_json(author: Author, lk: &Lookup<'_>) -> Value {
    match author {
        Author::Admin(id) => {
            let admin = lk.admins.iter().find(|a| a.id == id);
            json!({
                "type": "admin",
                "id": id.to_string(),
                "name": admin.map(|a| a.name.clone()),
                "email": admin.map(|a| a.email.clone()).unwrap_or_default(),
                "from_ai_agent": false,
                "is_ai_answer": false,
            })
        }
        Author::Contact(idx) => match lk.contacts.get(idx) {
            Some(c) => json!({
                "type": c.role,
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "from_ai_agent": false,
                "is_ai_answer": false,
            }),
            None => {
                json!({"type": "user", "id": "", "name": Value::Null, "email": "", "from_ai_agent": false, "is_ai_answer": false})
            }
        },
        Author::Bot => json!({
            "type": "bot",
            "id": BOT_ID.to_string(),
            "name": "Operator",
            "email": "operator+sandbox@intercom.io",
            "from_ai_agent": false,
            "is_ai_answer": false,
        }),
    }
}

/// How message bodies are rendered (`display_as`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Display {
    Html,
    Plaintext,
}

fn render_body(body: &str, display: Display) -> String {
    match display {
        Display::Html => body.to_string(),
        Display::Plaintext => plaintext(body),
    }
}

/// Strips tags (dropping `<script>`/`<style>` contents) and decodes every entity.
pub(crate) fn plaintext(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        rest = &after[end + 1..];
        for skipped in ["script", "style"] {
            if tag.starts_with(skipped) {
                let close = format!("</{skipped}");
                match rest.to_ascii_lowercase().find(&close) {
                    Some(pos) => {
                        let tail = &rest[pos..];
                        rest = tail.find('>').map_or("", |gt| &tail[gt + 1..]);
                    }
                    None => rest = "",
                }
            }
        }
        if (tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("/li"))
            && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.push('\n');
        }
    }
    out.push_str(rest);
    // Every entity, named (`&ndash;`) or numeric (`&#128578;`, `&#x1F642;`), in one pass, so
    // `&amp;lt;` stays the text `&lt;`. A no-break space reads as a plain one in plain text.
    html_escape::decode_html_entities(&out)
        .replace('\u{a0}', " ")
        .trim()
        .to_string()
}

impl Part {
    pub(crate) fn to_json(&self, lk: &Lookup<'_>, display: Display) -> Value {
        let assigned_to = match self.assigned_to {
            None => Value::Null,
            Some((AssigneeKind::Admin, id)) => json!({"type": "admin", "id": id.to_string()}),
            Some((AssigneeKind::Team, id)) => json!({"type": "team", "id": id.to_string()}),
            Some((AssigneeKind::Nobody, _)) => json!({"type": "nobody_admin", "id": Value::Null}),
        };
        json!({
            "type": "conversation_part",
            "id": self.id.to_string(),
            "part_type": self.part_type,
            "body": self.body.as_deref().map(|b| render_body(b, display)),
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "notified_at": self.created_at,
            "assigned_to": assigned_to,
            "author": author_json(self.author, lk),
            "attachments": [],
            "external_id": Value::Null,
            "redacted": false,
            "email_message_metadata": Value::Null,
            "metadata": Value::Null,
            "state": self.state.as_str(),
            "tags": [],
            "event_details": Value::Null,
            "app_package_code": Value::Null,
        })
    }
}

impl Conversation {
    /// The SLA applied to one conversation in six, derived from its id (not from the
    /// generator's randomness, so adding it left every seeded workspace as it was): active
    /// while it waits for an admin, hit or missed once it stops waiting.
    pub(crate) fn sla_applied(&self) -> Value {
        if self.id % 6 != 0 {
            return Value::Null;
        }
        let name = if self.id % 12 == 0 {
            "VIP first response"
        } else {
            "Next response, 4h"
        };
        let status = if self.state != ConvState::Closed && self.waiting_since.is_some() {
            "active"
        } else if self.id % 18 == 0 {
            "missed"
        } else {
            "hit"
        };
        json!({"type": "conversation_sla_summary", "sla_name": name, "sla_status": status})
    }

    /// The open flag as 2.14 emits it: snoozed conversations count as open.
    pub(crate) fn is_open(&self) -> bool {
        self.state != ConvState::Closed
    }

    fn stat_last(&self, pred: impl Fn(&Part) -> bool) -> Option<i64> {
        self.parts
            .iter()
            .rev()
            .find(|p| pred(p))
            .map(|p| p.created_at)
    }

    fn stat_first(&self, pred: impl Fn(&Part) -> bool) -> Option<i64> {
        self.parts.iter().find(|p| pred(p)).map(|p| p.created_at)
    }

    fn statistics(&self) -> Value {
        let is_admin_reply =
            |p: &Part| p.part_type == "comment" && matches!(p.author, Author::Admin(_));
        let is_contact_reply = |p: &Part| matches!(p.author, Author::Contact(_));
        let is_assign =
            |p: &Part| p.part_type == "assignment" || p.part_type == "assign_and_reopen";
        let is_close = |p: &Part| p.part_type == "close";
        let mut stats = Map::new();
        stats.insert("type".into(), json!("conversation_statistics"));
        let mut put = |k: &str, v: Option<i64>| {
            if let Some(v) = v {
                stats.insert(k.into(), json!(v));
            }
        };
        let first_admin = self.stat_first(is_admin_reply);
        let first_assign = self.stat_first(is_assign);
        let first_close = self.stat_first(is_close);
        let last_close = self.stat_last(is_close);
        put(
            "time_to_assignment",
            first_assign.map(|t| t - self.created_at),
        );
        put(
            "time_to_admin_reply",
            first_admin.map(|t| t - self.created_at),
        );
        put(
            "time_to_first_close",
            first_close.map(|t| t - self.created_at),
        );
        put(
            "time_to_last_close",
            last_close.map(|t| t - self.created_at),
        );
        put("first_contact_reply_at", Some(self.created_at));
        put("first_assignment_at", first_assign);
        put("first_admin_reply_at", first_admin);
        put("first_close_at", first_close);
        put("last_assignment_at", self.stat_last(is_assign));
        put(
            "last_contact_reply_at",
            self.stat_last(is_contact_reply).or(Some(self.created_at)),
        );
        put("last_admin_reply_at", self.stat_last(is_admin_reply));
        put("last_close_at", last_close);
        if let Some(p) = self.parts.iter().rev().find(|p| is_close(p)) {
            if let Author::Admin(id) = p.author {
                stats.insert("last_closed_by_id".into(), json!(id.to_string()));
            }
        }
        stats.insert("count_reopens".into(), json!(self.count_reopens));
        stats.insert("count_assignments".into(), json!(self.count_assignments));
        stats.insert(
            "count_conversation_parts".into(),
            json!(self.parts.len() + 1),
        );
        stats.insert("assigned_team_first_response_time".into(), json!([]));
        stats.insert(
            "assigned_team_first_response_time_in_office_hours".into(),
            json!([]),
        );
        Value::Object(stats)
    }

    /// Renders the conversation. `parts` is `None` for list items (no `conversation_parts`),
    /// or the parts to include (retrieve: the newest 500; truth: all; writes: the new ones).
    pub(crate) fn to_json(
        &self,
        lk: &Lookup<'_>,
        display: Display,
        parts: Option<&[Part]>,
    ) -> Value {
        let tags: Vec<Value> = self
            .tags
            .iter()
            .filter_map(|t| lk.tags.get(t.tag).map(|tag| (t, tag)))
            .map(|(t, tag)| {
                json!({
                    "type": "tag",
                    "id": tag.id.to_string(),
                    "name": tag.name,
                    "applied_at": t.applied_at,
                    "applied_by": {"type": "admin", "id": t.applied_by.to_string()},
                })
            })
            .collect();
        let contacts: Vec<Value> = self
            .contacts
            .iter()
            .filter_map(|c| lk.contacts.get(*c))
            .map(Contact::reference)
            .collect();
        let teammates: Vec<Value> = self
            .teammates
            .iter()
            .map(|id| json!({"type": "admin", "id": id.to_string()}))
            .collect();
        let rating = match &self.rating {
            None => Value::Null,
            Some(r) => json!({
                "rating": r.rating,
                "remark": r.remark,
                "created_at": r.created_at,
                "updated_at": r.created_at,
                "contact": self.contacts.first().and_then(|c| lk.contacts.get(*c)).map(Contact::reference),
                "teammate": {"type": "admin", "id": r.teammate.to_string()},
            }),
        };
        let mut v = json!({
            "type": "conversation",
            "id": self.id.to_string(),
            "title": self.title,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "waiting_since": self.waiting_since,
            "snoozed_until": self.snoozed_until,
            "open": self.is_open(),
            "state": self.state.as_str(),
            "read": self.read,
            "priority": if self.priority { "priority" } else { "not_priority" },
            "admin_assignee_id": self.admin_assignee_id,
            "team_assignee_id": self.team_assignee_id,
            "tags": {"type": "tag.list", "tags": tags},
            "conversation_rating": rating,
            "source": {
                "type": self.source.kind,
                "id": self.source.id.to_string(),
                "delivered_as": self.source.delivered_as,
                "subject": self.source.subject,
                "body": render_body(&self.source.body, display),
                "author": author_json(self.source.author, lk),
                "attachments": [],
                "url": self.source.url,
                "redacted": false,
            },
            "contacts": {"type": "contact.list", "contacts": contacts},
            "teammates": {"type": "admin.list", "teammates": teammates},
            "custom_attributes": self.custom_attributes,
            "first_contact_reply": {"created_at": self.created_at, "type": "conversation", "url": self.source.url},
            "sla_applied": self.sla_applied(),
            "statistics": self.statistics(),
            "linked_objects": {"type": "list", "total_count": 0, "has_more": false, "data": []},
            "ai_agent_participated": false,
            "ai_agent": Value::Null,
        });
        if let (Some(parts), Some(obj)) = (parts, v.as_object_mut()) {
            let list: Vec<Value> = parts.iter().map(|p| p.to_json(lk, display)).collect();
            obj.insert(
                "conversation_parts".into(),
                json!({"type": "conversation_part.list", "conversation_parts": list, "total_count": parts.len()}),
            );
        }
        v
    }
}

impl DataEvent {
    pub(crate) fn to_json(&self, contact: &Contact) -> Value {
        let mut v = json!({
            "type": "event",
            "id": self.id.to_string(),
            "event_name": self.event_name,
            "created_at": self.created_at,
            "intercom_user_id": contact.id,
            "email": contact.email,
            "metadata": self.metadata,
        });
        if let (Some(uid), Some(obj)) = (&contact.external_id, v.as_object_mut()) {
            obj.insert("user_id".into(), json!(uid));
        }
        v
    }
}

/// Formats unix seconds as an ISO-8601 UTC timestamp (event summaries use strings), as
/// Intercom writes them: milliseconds, `Z`. A time beyond what `time` represents (year
/// 9999) is written as the epoch rather than failing.
pub(crate) fn iso8601(ts: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_drops_tags_and_script_contents() {
        let text = plaintext("<p>Hi &amp; bye</p><script>alert(1)</script><ul><li>a</li></ul>");
        assert_eq!(
            text, "Hi & bye\na",
            "tags and script contents must not leak into plaintext"
        );
    }

    #[test]
    fn plaintext_decodes_every_entity() {
        assert_eq!(
            plaintext("<p>5&ndash;10 days &mdash; thanks &#128578; &#x1F642;&nbsp;&hellip;</p>"),
            "5\u{2013}10 days \u{2014} thanks \u{1F642} \u{1F642} \u{2026}",
            "plain text must carry the characters, not the HTML entities that encode them"
        );
        assert_eq!(
            plaintext("<b>a &amp;lt; b</b> &rsquo;"),
            "a &lt; b \u{2019}",
            "entities decode once: an escaped ampersand leaves the text that followed it"
        );
    }

    #[test]
    fn iso8601_formats_known_instant() {
        assert_eq!(
            iso8601(1_700_000_000),
            "2023-11-14T22:13:20.000Z",
            "a known instant must format as UTC ISO-8601"
        );
    }
}
