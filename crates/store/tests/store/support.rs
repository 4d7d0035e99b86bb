//! Builders for test rows.

use agentdesk_store::{Author, Conversation, ConversationState, Part, Store};

pub(crate) fn store() -> Store {
    Store::open_in_memory().expect("an in-memory store must open")
}

pub(crate) fn conv(id: &str, updated_at: i64) -> Conversation {
    Conversation {
        id: id.to_owned(),
        title: None,
        created_at: 1_000,
        updated_at,
        open: true,
        state: ConversationState::Open,
        read: false,
        contact_ids: vec![format!("k{id}")],
        source_subject: Some(format!("Subject {id}")),
        source_body_html: Some("<p>Hello there</p>".to_owned()),
        source_author: Author {
            author_type: Some("admin".into()),
            id: Some("a9".into()),
            name: Some("Bot".into()),
        },
        ..Default::default()
    }
}

pub(crate) fn part(
    id: &str,
    conversation_id: &str,
    author_type: &str,
    created_at: i64,
    html: &str,
) -> Part {
    Part {
        id: id.to_owned(),
        conversation_id: conversation_id.to_owned(),
        part_type: "comment".to_owned(),
        body_html: Some(html.to_owned()),
        author: Author {
            author_type: Some(author_type.into()),
            id: Some("x".into()),
            name: Some("Someone".into()),
        },
        created_at,
        updated_at: created_at,
        ..Default::default()
    }
}
