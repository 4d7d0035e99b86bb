//! Mapping the client's models (what Intercom sends) to the store's rows.

use agentdesk_store as store;
use intercom::models;

/// A conversation's metadata as the store keeps it.
pub(crate) fn conversation(c: &models::Conversation) -> store::Conversation {
    let state = match c.state.as_ref().map(|s| s.as_str()) {
        Some("closed") => store::ConversationState::Closed,
        Some("snoozed") => store::ConversationState::Snoozed,
        Some("open") => store::ConversationState::Open,
        // An unknown state: trust the `open` flag.
        _ if c.open == Some(false) => store::ConversationState::Closed,
        _ => store::ConversationState::Open,
    };
    let source = c.source.clone().unwrap_or_default();
    let last_contact_reply_at = c
        .statistics
        .as_ref()
        .and_then(|s| s.get("last_contact_reply_at"))
        .and_then(serde_json::Value::as_i64);
    // The client keeps no copy of the bytes; its lossless model is the closest to them.
    // Parts are stored as rows of their own, so the raw copy leaves them out. Written straight
    // to text: going through a `Value` tree cost more than the whole store write of a row.
    let raw = if c.conversation_parts.is_some() {
        let mut value = serde_json::to_value(c).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = value.as_object_mut() {
            obj.remove("conversation_parts");
        }
        serde_json::to_string(&value).ok()
    } else {
        serde_json::to_string(c).ok()
    };
    store::Conversation {
        id: c.id.clone(),
        title: c.title.clone(),
        created_at: c.created_at.unwrap_or(0),
        updated_at: c.updated_at.or(c.created_at).unwrap_or(0),
        waiting_since: c.waiting_since,
        snoozed_until: c.snoozed_until,
        open: c.open.unwrap_or(state != store::ConversationState::Closed),
        state,
        read: c.read.unwrap_or(false),
        priority: c.priority.as_ref().is_some_and(|p| p.is_priority()),
        admin_assignee_id: c.admin_assignee_id.clone(),
        team_assignee_id: c.team_assignee_id.clone(),
        contact_ids: c.contact_ids().map(str::to_owned).collect(),
        source_type: source.kind.clone(),
        source_subject: source.subject.clone(),
        source_body_html: source.body.clone(),
        source_author: author(source.author.as_ref()),
        tags: c
            .tags
            .iter()
            .flat_map(|t| t.tags.iter())
            .map(|t| store::Tag {
                id: t.id.clone(),
                name: t.name.clone().unwrap_or_default(),
            })
            .collect(),
        custom_attributes: c.custom_attributes.clone(),
        sla: c.sla().map(|s| store::Sla {
            name: s.name,
            status: s.status.map(|st| st.as_str().to_owned()),
        }),
        last_contact_reply_at,
        raw,
    }
}

pub(crate) fn author(a: Option<&models::Author>) -> store::Author {
    match a {
        None => store::Author::default(),
        Some(a) => store::Author {
            author_type: a.kind.as_ref().map(|k| k.as_str().to_owned()),
            id: a.id.clone(),
            name: a.name.clone(),
        },
    }
}

/// The parts a retrieved conversation carries.
pub(crate) fn parts(c: &models::Conversation) -> Vec<store::Part> {
    c.parts()
        .iter()
        .filter(|p| !p.id.is_empty())
        .map(|p| store::Part {
            id: p.id.clone(),
            conversation_id: c.id.clone(),
            part_type: p
                .part_type
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |t| t.as_str().to_owned()),
            body_html: p.body.clone(),
            body_text: None,
            author: author(p.author.as_ref()),
            created_at: p.created_at.unwrap_or(0),
            updated_at: p.updated_at.or(p.created_at).unwrap_or(0),
            attachments: serde_json::to_value(&p.attachments)
                .unwrap_or(serde_json::Value::Array(Vec::new())),
            redacted: p.redacted.unwrap_or(false),
            assigned_to_type: p
                .assigned_to
                .as_ref()
                .and_then(|a| a.kind.as_ref())
                .map(|k| k.as_str().to_owned()),
            assigned_to_id: p.assigned_to.as_ref().and_then(|a| a.id.clone()),
            outbox_id: None,
        })
        .collect()
}

pub(crate) fn contact(c: &models::Contact) -> store::Contact {
    let location = c.location.as_ref().and_then(|l| {
        let parts: Vec<&str> = [&l.city, &l.region, &l.country]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    });
    store::Contact {
        id: c.id.clone(),
        external_id: c.external_id.clone(),
        role: c.role.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        avatar_url: c.avatar.clone(),
        location,
        companies: Vec::new(),
        custom_attributes: serde_json::Value::Object(c.custom_attributes.clone()),
        created_at: c.created_at,
        updated_at: c.updated_at,
        last_seen_at: c.last_seen_at,
        raw: serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
    }
}

pub(crate) fn event(contact_id: &str, e: &models::DataEvent) -> Option<store::DataEvent> {
    Some(store::DataEvent {
        contact_id: contact_id.to_owned(),
        event_name: e.event_name.clone()?,
        created_at: e.created_at?,
        id: e.id.clone(),
        metadata: serde_json::Value::Object(e.metadata.clone()),
    })
}

pub(crate) fn summary(contact_id: &str, s: &models::EventSummary) -> Option<store::EventSummary> {
    Some(store::EventSummary {
        contact_id: contact_id.to_owned(),
        name: s.name.clone()?,
        first: s.first.clone(),
        last: s.last.clone(),
        count: s.count.unwrap_or(0),
        description: s.description.clone(),
    })
}

pub(crate) fn admin(a: &models::Admin) -> store::Admin {
    store::Admin {
        id: a.id.clone(),
        name: a.name.clone().unwrap_or_default(),
        email: a.email.clone(),
        team_ids: a.team_ids.clone(),
    }
}

pub(crate) fn team(t: &models::Team) -> store::Team {
    store::Team {
        id: t.id.clone(),
        name: t.name.clone().unwrap_or_default(),
        admin_ids: t.admin_ids.clone(),
    }
}

/// A workspace tag; `None` for one without a name (nothing to show or pick).
pub(crate) fn workspace_tag(t: &models::WorkspaceTag) -> Option<store::Tag> {
    let name = t.name.as_deref().map(str::trim).filter(|n| !n.is_empty())?;
    Some(store::Tag {
        id: t.id.clone(),
        name: name.to_owned(),
    })
}

/// A conversation attribute's definition (label defaults to the name; no type reads as text).
pub(crate) fn attribute_def(a: &models::DataAttribute) -> store::AttributeDef {
    let name = a.name.clone().unwrap_or_default();
    store::AttributeDef {
        label: a
            .label
            .clone()
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| name.clone()),
        name,
        data_type: a
            .data_type
            .as_ref()
            .map_or("string", |t| t.as_str())
            .to_owned(),
        options: a.option_texts(),
    }
}
