//! Notifications: never twice for one part; only contact parts in followed views.

use agentdesk_store::View;

use crate::support::{conv, part, store};

#[test]
fn unnotified_parts_are_returned_once() {
    let mut s = store();
    let mut c = conv("1", 10);
    c.admin_assignee_id = Some("me".into());
    s.upsert_conversations(&[c, conv("2", 10)]).unwrap();
    s.upsert_parts(
        "1",
        &[
            part("old", "1", "user", 50, "old"),
            part("p1", "1", "user", 150, "new"),
            part("a1", "1", "admin", 160, "me"),
        ],
    )
    .unwrap();
    s.upsert_parts("2", &[part("p2", "2", "user", 150, "elsewhere")])
        .unwrap();
    let found = s
        .unnotified_contact_parts_since(100, &[View::Mine], "me")
        .unwrap();
    let ids: Vec<_> = found.iter().map(|n| n.part_id.as_str()).collect();
    assert_eq!(
        ids,
        ["p1"],
        "only new contact parts in followed views deserve a notification"
    );
    s.mark_notified(&["p1".into()]).unwrap();
    assert!(
        s.unnotified_contact_parts_since(100, &[View::Mine], "me")
            .unwrap()
            .is_empty(),
        "a part is never notified twice"
    );
    assert_eq!(
        s.unnotified_contact_parts_since(100, &[View::Unassigned], "me")
            .unwrap()
            .len(),
        1,
        "the unassigned part is still due"
    );
}
