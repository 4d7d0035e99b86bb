//! The unread model: contact parts after the read mark, manual unread, seeding from Intercom.

use agentdesk_store::{Author, View};

use crate::support::{conv, part, store};

fn unread(s: &agentdesk_store::Store, id: &str) -> bool {
    s.conversation_detail(id).unwrap().unwrap().unread
}

#[test]
fn contact_part_after_mark_makes_unread_admin_part_does_not() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    assert!(
        !unread(&s, "1"),
        "a conversation no contact wrote in is not unread"
    );
    s.upsert_parts("1", &[part("p1", "1", "user", 100, "help")])
        .unwrap();
    assert!(
        unread(&s, "1"),
        "a contact message with no read mark is unread"
    );
    s.mark_read("1", 150).unwrap();
    assert!(!unread(&s, "1"), "marking read clears it");
    s.upsert_parts("1", &[part("p2", "1", "admin", 200, "answer")])
        .unwrap();
    assert!(
        !unread(&s, "1"),
        "the admin's own part does not make it unread"
    );
    s.upsert_parts("1", &[part("p3", "1", "lead", 300, "thanks")])
        .unwrap();
    assert!(
        unread(&s, "1"),
        "a later contact part makes it unread again"
    );
}

#[test]
fn mark_unread_sticks_until_mark_read() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.mark_unread("1").unwrap();
    assert!(
        unread(&s, "1"),
        "mark unread works even where no contact wrote"
    );
    s.mark_read("1", 20).unwrap();
    assert!(!unread(&s, "1"), "mark read clears a manual unread");
}

#[test]
fn metadata_alone_drives_unread_before_parts_are_fetched() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.waiting_since = Some(90);
    s.upsert_conversations(&[c]).unwrap();
    assert!(
        unread(&s, "1"),
        "waiting_since says a contact wrote: unread after a metadata-only backfill"
    );
    let mut c = conv("2", 10);
    c.source_author = Author {
        author_type: Some("user".into()),
        ..Default::default()
    };
    s.upsert_conversations(&[c]).unwrap();
    assert!(
        unread(&s, "2"),
        "a conversation a contact started is unread"
    );
}

#[test]
fn seeding_follows_intercom_read_flag_once() {
    let mut s = store();
    let mut read = conv("1", 10);
    read.read = true;
    read.waiting_since = Some(50);
    let mut unread_c = conv("2", 10);
    unread_c.waiting_since = Some(50);
    s.upsert_conversations(&[read, unread_c]).unwrap();
    let seeded = s
        .seed_read_marks_from_intercom(&["1".into(), "2".into()])
        .unwrap();
    assert_eq!(seeded, 1, "only read:true conversations get a mark");
    assert!(
        !unread(&s, "1"),
        "read:true is read up to its latest contact part"
    );
    assert!(unread(&s, "2"), "read:false stays unread");
    s.mark_unread("1").unwrap();
    s.seed_read_marks_from_intercom(&["1".into()]).unwrap();
    assert!(unread(&s, "1"), "seeding never overrides a local mark");
    let counts = s.view_counts("me", &[]).unwrap();
    let all_open = counts
        .iter()
        .find(|c| c.id == View::AllOpen.to_string())
        .unwrap();
    assert_eq!(all_open.unread, 2, "counts read the same unread flag");
}

#[test]
fn mark_read_of_unknown_conversation_is_not_found() {
    let mut s = store();
    assert_eq!(
        s.mark_read("x", 1).err().unwrap().kind(),
        agentdesk_store::StoreErrorKind::NotFound,
        "a mark needs its conversation"
    );
}

#[test]
fn the_first_sync_page_is_stored_seeded_and_checkpointed_in_one_write() {
    let mut s = crate::support::store();
    let mut read = crate::support::conv("r", 50);
    read.read = true;
    read.waiting_since = Some(40);
    let mut unread = crate::support::conv("u", 50);
    unread.waiting_since = Some(40);
    let out = s
        .upsert_first_sync_page(&[read, unread], "backfill:0-100", Some("next"))
        .unwrap();
    assert_eq!(out.new_ids.len(), 2, "both are new");
    let detail = |id: &str| s.conversation_detail(id).unwrap().unwrap().unread;
    assert!(
        !detail("r"),
        "Intercom says read: the seeded mark covers the customer's message"
    );
    assert!(detail("u"), "Intercom says unread: no mark is seeded");
    assert_eq!(
        s.sync_state("backfill:0-100")
            .unwrap()
            .unwrap()
            .cursor
            .as_deref(),
        Some("next"),
        "the cursor is saved with the page and its marks"
    );
}
