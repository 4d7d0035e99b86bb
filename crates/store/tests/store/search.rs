//! Full-text search: sources, highlighting, hostile input.

use agentdesk_store::{Contact, MatchField};

use crate::support::{conv, part, store};

fn setup() -> agentdesk_store::Store {
    let mut s = store();
    let mut c = conv("1", 10);
    c.title = Some("Refund for order".into());
    s.upsert_conversations(&[c, conv("2", 20)]).unwrap();
    s.upsert_parts(
        "2",
        &[part(
            "p1",
            "2",
            "user",
            30,
            "<p>My parcel arrived damaged</p>",
        )],
    )
    .unwrap();
    s.upsert_contacts(&[Contact {
        id: "k1".into(),
        name: Some("Zoë Keller".into()),
        email: Some("zoe@acme.io".into()),
        ..Default::default()
    }])
    .unwrap();
    s
}

#[test]
fn finds_titles_parts_and_contacts() {
    let s = setup();
    let hits = s.search("refund", 10).unwrap();
    assert_eq!(hits.len(), 1, "the title matches");
    assert_eq!(
        hits[0].matched_in,
        MatchField::Conversation,
        "the match is in the conversation itself"
    );
    let hits = s.search("damag", 10).unwrap();
    assert_eq!(
        hits[0].conversation_id, "2",
        "the last word is a prefix while typing"
    );
    assert_eq!(
        hits[0].matched_in,
        MatchField::Message,
        "the match is in a part"
    );
    let marked: Vec<_> = hits[0]
        .snippet
        .iter()
        .filter(|s| s.highlighted)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        marked,
        ["damaged"],
        "the matching word is the highlighted segment"
    );
    let hits = s.search("zoe", 10).unwrap();
    assert_eq!(
        hits[0].conversation_id, "1",
        "a contact name (diacritics folded) finds their conversations"
    );
    assert_eq!(
        s.search("acme.io", 10).unwrap().len(),
        1,
        "an email domain finds the contact"
    );
}

#[test]
fn hostile_input_never_errors() {
    let s = setup();
    for q in [
        "\"",
        "*",
        "-",
        "",
        "  ",
        "refund\"",
        "NEAR(a b)",
        "title:refund",
        "a OR b",
        "(((",
        "^x",
        "refund -order",
        "\u{2}x\u{3}",
    ] {
        assert!(
            s.search(q, 10).is_ok(),
            "query {q:?} must be treated as plain words, not as FTS5 syntax"
        );
    }
    assert_eq!(
        s.search("\"refund\"", 10).unwrap().len(),
        1,
        "quotes in user text are just characters"
    );
    assert!(
        s.search("refund nonexistentword ", 10).unwrap().is_empty(),
        "all words must match"
    );
}

#[test]
fn index_follows_updates() {
    let mut s = setup();
    let mut c = conv("1", 11);
    c.title = Some("Invoice question".into());
    s.upsert_conversations(&[c]).unwrap();
    assert!(
        s.search("refund ", 10).unwrap().is_empty(),
        "an old title must leave the index"
    );
    assert_eq!(
        s.search("invoice", 10).unwrap().len(),
        1,
        "the new title is indexed"
    );
}
