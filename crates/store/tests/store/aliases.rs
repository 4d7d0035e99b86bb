//! Merged and gone records: the contacts pass must end whatever Intercom answers, and a
//! conversation naming a merged contact must lead to the contact it became.

use agentdesk_store::{Contact, OutboxItem, OutboxKind, RecordKind};

use crate::support::{conv, store};

fn contact(id: &str, name: &str) -> Contact {
    Contact {
        id: id.into(),
        name: Some(name.into()),
        ..Default::default()
    }
}

#[test]
fn a_merged_contact_relinks_its_conversations_and_is_no_longer_missing() {
    let mut s = store();
    let mut two = conv("2", 10);
    two.contact_ids = vec!["k1".into(), "k2".into()];
    s.upsert_conversations(&[conv("1", 10), two]).unwrap();
    s.upsert_contacts(&[contact("k1", "Lead"), contact("u9", "User")])
        .unwrap();
    s.record_contact_merged("k1", "u9").unwrap();
    assert_eq!(
        s.alias(RecordKind::Contact, "k1").unwrap(),
        Some(Some("u9".to_owned())),
        "the old id maps to the contact it became"
    );
    assert_eq!(
        s.conversation("1").unwrap().unwrap().contact_ids,
        ["u9"],
        "a conversation that named the lead now names the user"
    );
    assert_eq!(
        s.conversation("2").unwrap().unwrap().contact_ids,
        ["u9", "k2"],
        "the order of a conversation's contacts is kept, so the primary contact follows"
    );
    assert!(
        s.contact("k1").unwrap().is_none(),
        "the merged-away contact is not kept under its old id"
    );
    let missing = s.missing_contact_ids(10).unwrap();
    assert_eq!(
        missing,
        ["k2"],
        "only a contact never fetched is missing: the merged id is not asked for again"
    );
    assert_eq!(
        s.contact_conversations("u9", 10).unwrap().len(),
        2,
        "the contact it became lists both conversations in the customer panel"
    );
}

#[test]
fn a_conversation_stored_later_with_the_old_contact_id_names_the_new_one() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.upsert_contacts(&[contact("u9", "User")]).unwrap();
    s.record_contact_merged("k1", "u9").unwrap();
    let mut again = conv("1", 20);
    again.contact_ids = vec!["k1".into(), "u9".into()];
    s.upsert_conversations(&[again, conv("3", 20)]).unwrap();
    assert_eq!(
        s.conversation("1").unwrap().unwrap().contact_ids,
        ["u9"],
        "a poll still naming the merged id stores the id it became, once"
    );
    assert_eq!(
        s.missing_contact_ids(10).unwrap(),
        ["k3"],
        "neither the merged id nor its target is fetched again"
    );
}

#[test]
fn chained_merges_map_to_the_last_contact() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10)]).unwrap();
    s.record_contact_merged("k1", "u2").unwrap();
    s.record_contact_merged("u2", "u3").unwrap();
    assert_eq!(
        s.alias(RecordKind::Contact, "k1").unwrap(),
        Some(Some("u3".to_owned())),
        "a contact merged twice maps straight to where it ended"
    );
    assert_eq!(
        s.conversation("1").unwrap().unwrap().contact_ids,
        ["u3"],
        "the conversation follows both merges"
    );
}

#[test]
fn a_gone_contact_is_not_fetched_again_and_leaves_the_cache() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10), conv("2", 10)])
        .unwrap();
    s.upsert_contacts(&[contact("k1", "Deleted")]).unwrap();
    s.record_contacts_gone(&["k1".into(), "k2".into()]).unwrap();
    assert!(
        s.missing_contact_ids(10).unwrap().is_empty(),
        "a contact Intercom answered 404 for is never asked for again"
    );
    assert!(
        s.contact("k1").unwrap().is_none(),
        "a deleted contact is not shown from the cache"
    );
    assert_eq!(
        s.alias(RecordKind::Contact, "k2").unwrap(),
        Some(None),
        "gone maps to nothing"
    );
    assert_eq!(
        s.conversation("2").unwrap().unwrap().contact_ids,
        ["k2"],
        "the conversation still names the contact Intercom still names"
    );
}

#[test]
fn a_merged_conversation_moves_its_unsent_replies() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10), conv("9", 10)])
        .unwrap();
    s.enqueue(OutboxItem {
        conversation_id: "1".into(),
        admin_id: "me".into(),
        kind: OutboxKind::Reply {
            body: "<p>Hi</p>".into(),
        },
        client_uuid: "u-1".into(),
    })
    .unwrap();
    s.record_conversation_merged("1", "9").unwrap();
    assert!(
        s.conversation("1").unwrap().is_none(),
        "the old conversation is not kept beside the one it became"
    );
    assert_eq!(
        s.alias(RecordKind::Conversation, "1").unwrap(),
        Some(Some("9".to_owned())),
        "the old conversation id maps to the new one"
    );
    let moved = s.outbox_for_conversation("9").unwrap();
    assert_eq!(
        moved.len(),
        1,
        "a reply written before the merge is still sent, to the conversation it became"
    );
    assert!(
        s.outbox_for_conversation("1").unwrap().is_empty(),
        "nothing is left addressed to an id Intercom no longer serves"
    );
}
