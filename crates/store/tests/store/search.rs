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

/// Pieces an agent (or a paste) can put in the search box: FTS5's own syntax, words that are
/// in the index, lone combining marks, invisible and odd whitespace, and scripts.
const PIECES: &[&str] = &[
    "\"",
    "\"\"",
    "*",
    "NEAR(",
    "NEAR",
    "NEAR/2",
    "AND",
    "OR",
    "NOT",
    "^",
    ":",
    "(",
    ")",
    "-",
    "+",
    "{",
    "}",
    ",",
    ".",
    "'",
    "col:",
    "title:",
    "subject:",
    "rank",
    "bm25(",
    "\\",
    "%",
    "_",
    "\u{0}",
    "\u{1}",
    "\u{2}",
    "\u{3}",
    "\u{7f}",
    "\u{301}",
    "\u{308}",
    "\u{20dd}",
    "\u{1ab0}",
    "\u{200b}",
    "\u{200d}",
    "\u{202e}",
    "\u{2066}",
    "\u{feff}",
    "\u{fffd}",
    "\u{a0}",
    "\u{3000}",
    "\u{e0041}",
    "\u{10ffff}",
    "\u{a7c0}",
    "\u{1e900}",
    "refund",
    "damag",
    "zoe",
    "acme.io",
    "Zoë",
    "ǅ",
    "ß",
    "İ",
    "ﬁ",
    "ⅷ",
    "٣",
    "¾",
    "𝟘",
    "谢谢",
    "שלום",
    "👩‍👩‍👧",
    "🇺🇳",
];

/// One random query: pieces, random Unicode scalar values and separators, glued or spaced.
fn random_query(rng: &mut rand::rngs::StdRng) -> String {
    use rand::Rng;
    let mut out = String::new();
    for _ in 0..rng.gen_range(0..12) {
        match rng.gen_range(0..10) {
            0..=4 => out.push_str(PIECES[rng.gen_range(0..PIECES.len())]),
            5 | 6 => {
                // Any scalar value, weighted towards the planes where text lives.
                let max = if rng.gen_bool(0.8) { 0xFFFF } else { 0x10FFFF };
                if let Some(c) = char::from_u32(rng.gen_range(0..=max)) {
                    out.push(c);
                }
            }
            7 => {
                // A lone combining mark, or a run of them.
                for _ in 0..rng.gen_range(1..4) {
                    out.push(char::from_u32(rng.gen_range(0x300..=0x36F)).unwrap_or('\u{301}'));
                }
            }
            8 => out.push_str(["", "", "\t", "\n", "  ", "\r\n"][rng.gen_range(0..6)]),
            _ => out.push(' '),
        }
        if rng.gen_bool(0.5) {
            out.push(' ');
        }
    }
    out
}

/// Property (issue 21): whatever is typed or pasted into search, the answer is `Ok`, never
/// an SQL or FTS5 error (`fts_query` makes every word a quoted phrase). Seeded: a failure
/// names its seed and input; `SEARCH_PROPERTY_SEED` replays it, `SEARCH_PROPERTY_CASES`
/// runs more.
#[test]
fn any_typed_or_pasted_input_searches_without_an_error() {
    use rand::SeedableRng;
    let s = setup();
    let seed: u64 = std::env::var("SEARCH_PROPERTY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    let cases: usize = std::env::var("SEARCH_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut hits = 0;
    for case in 0..cases {
        let query = random_query(&mut rng);
        match s.search(&query, 20) {
            Ok(found) => hits += usize::from(!found.is_empty()),
            Err(err) => panic!(
                "search must answer every input, but case {case} of seed {seed} \
                 (SEARCH_PROPERTY_SEED={seed}) failed: {query:?} -> {err}"
            ),
        }
    }
    assert!(
        hits > 0,
        "some random queries hold a word of the index, so some must find it (seed {seed})"
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

/// The bulk paths index a whole page in one statement (`fts.rs`): the index must still equal
/// the content exactly, whatever a page holds (duplicates, moves, unchanged text, deletes).
#[test]
fn index_equals_content_after_bulk_pages_with_duplicates_moves_and_deletes() {
    let mut s = setup();
    s.check_search_index()
        .expect("the index must match the rows after the first writes");

    // One page: a new conversation twice (the second copy newer, with another title), a move
    // of "1" with a new title, a move of "2" with the same text, an older copy ignored.
    let mut a = conv("3", 10);
    a.title = Some("Shipping label".into());
    let mut a2 = conv("3", 12);
    a2.title = Some("Customs form".into());
    let mut moved = conv("1", 40);
    moved.title = Some("Invoice question".into());
    let same = conv("2", 41);
    let stale = conv("1", 5);
    let outcome = s
        .upsert_conversations_page(&[a, a2, moved, same, stale], "backfill", Some("c1"))
        .unwrap();
    assert_eq!(outcome.new_ids, ["3"], "the duplicate is new once");
    s.check_search_index()
        .expect("the index must match the rows after a mixed page");
    assert!(
        s.search("shipping ", 10).unwrap().is_empty()
            && s.search("refund ", 10).unwrap().is_empty(),
        "replaced titles (even one replaced within the same page) must leave the index"
    );
    assert_eq!(s.search("customs", 10).unwrap().len(), 1);
    assert_eq!(s.search("invoice", 10).unwrap().len(), 1);

    // Parts: a body edited twice in one batch, a new part, an unchanged one.
    s.upsert_parts_batch(&[
        part("p1", "2", "user", 30, "<p>My parcel arrived damaged</p>"),
        part("p2", "3", "user", 31, "<p>First draft</p>"),
        part("p2", "3", "user", 31, "<p>Second draft</p>"),
        part("p3", "1", "admin", 32, "<p>Refund issued</p>"),
    ])
    .unwrap();
    s.upsert_parts("2", &[part("p1", "2", "user", 30, "<p>Parcel lost</p>")])
        .unwrap();
    s.check_search_index()
        .expect("the index must match the rows after part edits");
    assert!(s.search("first ", 10).unwrap().is_empty());
    assert!(s.search("damaged ", 10).unwrap().is_empty());
    assert_eq!(s.search("second", 10).unwrap().len(), 1);

    // Contacts renamed, a reply through the outbox, deletes.
    s.upsert_contacts(&[
        Contact {
            id: "k1".into(),
            name: Some("Zoe Meyer".into()),
            email: Some("zoe@acme.io".into()),
            ..Default::default()
        },
        Contact {
            id: "k2".into(),
            name: Some("Ada".into()),
            ..Default::default()
        },
    ])
    .unwrap();
    s.enqueue(agentdesk_store::OutboxItem {
        conversation_id: "3".into(),
        admin_id: "me".into(),
        kind: agentdesk_store::OutboxKind::Reply {
            body: "<p>Pending answer</p>".into(),
        },
        client_uuid: "u1".into(),
    })
    .unwrap();
    assert_eq!(
        s.search("pending", 10).unwrap().len(),
        1,
        "an optimistic reply is searchable at once"
    );
    s.delete_conversation("2").unwrap();
    s.delete_contact("k2").unwrap();
    s.check_search_index()
        .expect("the index must match the rows after renames, a reply and deletes");
    assert!(s.search("keller", 10).unwrap().is_empty());
    assert!(s.search("parcel", 10).unwrap().is_empty());
}
