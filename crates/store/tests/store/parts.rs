//! Parts merge by id and keep what falls outside Intercom's 500-part window.

use crate::support::{conv, part, store};
use agentdesk_store::StoreErrorKind;

#[test]
fn parts_merge_by_id_and_old_parts_are_kept() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_parts(
        "1",
        &[
            part("p1", "1", "user", 100, "old"),
            part("p2", "1", "admin", 200, "mid"),
        ],
    )
    .unwrap();
    // A later fetch returns only the newest window, with p2 edited.
    s.upsert_parts(
        "1",
        &[
            part("p2", "1", "admin", 200, "mid edited"),
            part("p3", "1", "user", 300, "new"),
        ],
    )
    .unwrap();
    let parts = s.parts("1").unwrap();
    assert_eq!(
        parts.len(),
        3,
        "a part outside the fetched window must be kept"
    );
    assert_eq!(
        parts[1].body_text.as_deref(),
        Some("mid edited"),
        "a part seen again is updated in place"
    );
}

#[test]
fn body_text_is_derived_from_html() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_parts(
        "1",
        &[part(
            "p1",
            "1",
            "user",
            100,
            "<p>Hi&amp;bye<script>x()</script></p>",
        )],
    )
    .unwrap();
    assert_eq!(
        s.parts("1").unwrap()[0].body_text.as_deref(),
        Some("Hi&bye"),
        "search text has no markup or scripts"
    );
}

#[test]
fn parts_of_an_uncached_conversation_are_refused() {
    let mut s = store();
    let err = s
        .upsert_parts("9", &[part("p1", "9", "user", 1, "x")])
        .expect_err("the conversation must exist");
    assert_eq!(
        err.kind(),
        StoreErrorKind::NotFound,
        "the engine must upsert the conversation first"
    );
}

#[test]
fn list_preview_follows_the_latest_message() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_parts(
        "1",
        &[part("p1", "1", "user", 2_000, "Where is my parcel?")],
    )
    .unwrap();
    let mut c = conv("1", 11);
    c.source_subject = None;
    s.upsert_conversations(&[c]).unwrap();
    let rows = s
        .list_view(&agentdesk_store::View::AllOpen, "me", None, 10)
        .unwrap();
    assert_eq!(
        rows[0].subject, "Where is my parcel?",
        "without a subject the row shows the latest message"
    );
    assert_eq!(
        rows[0].last_activity_at, 2_000,
        "the newest part moves last activity"
    );
}
