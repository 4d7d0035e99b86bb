//! The thread the UI shows for one conversation ([`ConversationDetail`]), built from the
//! cache: every body sanitized here, in Rust, before the webview sees it; authors named;
//! events worded; attachments limited to web links. Intercom's own JSON (the conversation's
//! raw copy, a part's attachments) is read through the client's tolerant models
//! (`intercom::models`), never by hand.

use std::collections::HashMap;

use agentdesk_content::{sanitize, Images};
use agentdesk_store as store;
use serde::Deserialize;

use super::{Attachment, ConversationDetail, OutboxItem, Part};

/// Builds the thread the UI shows: every body sanitized here, in Rust, before the webview
/// sees it; remote images blocked unless `images` carries them inlined.
pub(crate) fn conversation_detail(
    d: &store::ConversationDetail,
    admins: &HashMap<String, String>,
    teams: &HashMap<String, String>,
    images: &Images,
) -> ConversationDetail {
    let c = &d.conversation;
    let contact = d.contacts.first();
    let contact_name = contact
        .map(|c| c.display_name().to_string())
        .or_else(|| c.source_author.name.clone())
        .unwrap_or_else(|| "Customer".into());
    let mut blocked = false;
    let mut parts = Vec::with_capacity(d.parts.len() + 1);
    // The conversation's first message lives in its source, not in its parts. Its attachments
    // and redaction are not columns of the cache; they come from the conversation's raw copy.
    let source = RawSource::of(c);
    let source_body = c
        .source_body_html
        .as_deref()
        .filter(|b| !b.trim().is_empty());
    if source_body.is_some() || source.redacted {
        let clean = sanitize(source_body.unwrap_or_default(), images);
        blocked |= clean.images_blocked;
        let author_kind = author_kind(c.source_author.author_type.as_deref());
        parts.push(Part {
            id: format!("source-{}", c.id),
            kind: "message",
            author_kind,
            author_name: c
                .source_author
                .name
                .clone()
                .unwrap_or_else(|| contact_name.clone()),
            created_at: c.created_at,
            body_html: clean.html,
            event_text: None,
            attachments: attachments(&source.attachments),
            redacted: source.redacted,
        });
    }
    for p in &d.parts {
        let author_kind = author_kind(p.author.author_type.as_deref());
        let author_name = p.author.name.clone().unwrap_or_else(|| match author_kind {
            "contact" => contact_name.clone(),
            _ => p
                .author
                .id
                .as_ref()
                .and_then(|id| admins.get(id).cloned())
                .unwrap_or_else(|| "Teammate".into()),
        });
        let has_body = p.body_html.as_deref().is_some_and(|b| !b.trim().is_empty());
        let kind = match p.part_type.as_str() {
            "note" => "note",
            "comment" | "quick_reply" => "message",
            _ if has_body && matches!(author_kind, "contact") => "message",
            _ => "event",
        };
        let (body_html, event_text) = if kind == "event" {
            (
                String::new(),
                Some(event_text(p, &author_name, admins, teams)),
            )
        } else {
            let clean = sanitize(p.body_html.as_deref().unwrap_or_default(), images);
            blocked |= clean.images_blocked;
            (clean.html, None)
        };
        parts.push(Part {
            id: p.id.clone(),
            kind,
            author_kind,
            author_name,
            created_at: p.created_at,
            body_html,
            event_text,
            attachments: attachments(&part_attachments(&p.attachments)),
            redacted: p.redacted,
        });
    }
    ConversationDetail {
        id: c.id.clone(),
        title: c
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| c.source_subject.clone().filter(|t| !t.trim().is_empty()))
            .unwrap_or_else(|| {
                agentdesk_content::snippet(
                    &agentdesk_content::plain_text(c.source_body_html.as_deref().unwrap_or("")),
                    60,
                )
            }),
        state: c.state.as_str().to_string(),
        snoozed_until: c.snoozed_until,
        admin_assignee_id: c.admin_assignee_id.clone(),
        team_assignee_id: c.team_assignee_id.clone(),
        contact_id: contact
            .map(|c| c.id.clone())
            .or_else(|| c.contact_ids.first().cloned())
            .unwrap_or_default(),
        contact_name,
        parts,
        pending: d
            .outbox
            .iter()
            .filter(|e| {
                !matches!(e.status, store::OutboxStatus::Sent)
                    && !matches!(e.kind, store::OutboxKind::MarkRead)
            })
            .map(OutboxItem::from)
            .collect(),
        remote_images_blocked: blocked,
        priority: c.priority,
        tags: c
            .tags
            .iter()
            .map(|t| super::Tag::of(t, &Default::default()))
            .collect(),
        sla: c.sla.as_ref().map(super::Sla::from),
        attributes: Vec::new(),
    }
}

/// `contact`, `bot` or `admin` for the UI. Who is a contact is the store's one rule
/// ([`store::is_contact_type`]), the same that decides what is unread.
pub(super) fn author_kind(t: Option<&str>) -> &'static str {
    if store::is_contact_type(t) {
        "contact"
    } else if t == Some("bot") {
        "bot"
    } else {
        "admin"
    }
}

fn event_text(
    p: &store::Part,
    who: &str,
    admins: &HashMap<String, String>,
    teams: &HashMap<String, String>,
) -> String {
    let target = || {
        let id = p.assigned_to_id.as_deref().unwrap_or("");
        match p.assigned_to_type.as_deref() {
            Some("team") => teams
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("team {id}")),
            _ if id.is_empty() || id == "0" => "nobody".into(),
            _ => admins
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("admin {id}")),
        }
    };
    match p.part_type.as_str() {
        "close" => format!("{who} closed the conversation"),
        "open" => format!("{who} reopened the conversation"),
        "snoozed" => format!("{who} snoozed the conversation"),
        "unsnoozed" | "timer_unsnooze" => "The conversation woke from snooze".into(),
        "assignment" | "assign_and_reopen" | "away_mode_assignment" => {
            format!("{who} assigned it to {}", target())
        }
        other => format!("{who}: {}", other.replace('_', " ")),
    }
}

/// What the thread needs of a conversation's `source` beyond the cached columns (its
/// attachments and redaction), read from the raw copy the sync keeps
/// (`store::Conversation::raw`, the client's model as JSON) through the client's model.
#[derive(Debug, Default)]
struct RawSource {
    attachments: Vec<intercom::models::Attachment>,
    redacted: bool,
}

impl RawSource {
    fn of(c: &store::Conversation) -> RawSource {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(default)]
            source: Option<intercom::models::Source>,
        }
        c.raw
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Raw>(raw).ok())
            .and_then(|r| r.source)
            .map(|source| RawSource {
                attachments: source.attachments,
                redacted: source.redacted.unwrap_or(false),
            })
            .unwrap_or_default()
    }
}

/// A part's attachments as the cache keeps them (the client's models as JSON); anything
/// unreadable is no attachment.
fn part_attachments(raw: &serde_json::Value) -> Vec<intercom::models::Attachment> {
    serde_json::from_value(raw.clone()).unwrap_or_default()
}

/// The attachments the UI offers: only web links (it opens them in the system browser).
fn attachments(list: &[intercom::models::Attachment]) -> Vec<Attachment> {
    list.iter()
        .filter_map(|a| {
            let url = a.url.as_deref()?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return None;
            }
            Some(Attachment {
                name: a.name.clone().unwrap_or_else(|| "attachment".to_string()),
                url: url.to_string(),
                size_bytes: a.filesize.unwrap_or(0),
                content_type: a.content_type.clone().unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail_with_raw(
        raw: Option<serde_json::Value>,
        body: Option<&str>,
    ) -> store::ConversationDetail {
        store::ConversationDetail {
            conversation: store::Conversation {
                id: "7".into(),
                created_at: 1_700_000_000,
                source_body_html: body.map(str::to_owned),
                raw: raw.map(|r| r.to_string()),
                ..Default::default()
            },
            unread: false,
            last_activity_at: 1_700_000_000,
            parts: Vec::new(),
            contacts: Vec::new(),
            outbox: Vec::new(),
        }
    }

    #[test]
    fn first_message_dropped_its_attachments_and_redaction() {
        let raw = serde_json::json!({"id": "7", "source": {"body": "<p>see attached</p>", "redacted": null,
            "attachments": [{"name": "screenshot.png", "url": "https://files.test/s.png", "filesize": 2048, "content_type": "image/png"}]}});
        let d = conversation_detail(
            &detail_with_raw(Some(raw), Some("<p>see attached</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        let first = &d.parts[0];
        assert_eq!(
            first.id, "source-7",
            "the first message comes from the source"
        );
        assert_eq!(
            first.attachments.len(),
            1,
            "the customer's opening attachment is listed with the message"
        );
        assert_eq!(
            (
                first.attachments[0].name.as_str(),
                first.attachments[0].size_bytes
            ),
            ("screenshot.png", 2048),
            "with its name and size"
        );
        assert!(!first.redacted, "a null redacted flag is not a redaction");

        let redacted = serde_json::json!({"id": "7", "source": {"body": "", "redacted": true, "attachments": []}});
        let d = conversation_detail(
            &detail_with_raw(Some(redacted), None),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert!(
            d.parts.first().is_some_and(|p| p.redacted),
            "a redacted first message is shown as redacted, not left out"
        );

        let d = conversation_detail(
            &detail_with_raw(None, Some("<p>hi</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert!(
            d.parts[0].attachments.is_empty() && !d.parts[0].redacted,
            "without a raw copy the message still shows, plainly"
        );
        let d = conversation_detail(
            &detail_with_raw(Some(serde_json::json!("not an object")), Some("<p>hi</p>")),
            &HashMap::new(),
            &HashMap::new(),
            &Images::Block,
        );
        assert_eq!(
            d.parts.len(),
            1,
            "an unreadable raw copy never hides the message"
        );
    }

    #[test]
    fn attachments_keep_only_web_links() {
        let raw = serde_json::json!([
            {"name": "a.png", "url": "https://x.test/a.png", "filesize": 10, "content_type": "image/png"},
            {"name": "evil", "url": "javascript:alert(1)"},
            {"name": "f", "url": "file:///etc/passwd"}
        ]);
        let list = attachments(&part_attachments(&raw));
        assert_eq!(
            list.len(),
            1,
            "javascript: and file: links are never offered"
        );
        assert_eq!(list[0].size_bytes, 10);
    }
}
