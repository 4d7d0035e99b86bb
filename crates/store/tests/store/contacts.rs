//! Contacts upsert, lookup and missing-contact discovery.

use agentdesk_store::Contact;

use crate::support::{conv, store};

#[test]
fn contacts_upsert_and_missing_ids() {
    let mut s = store();
    s.upsert_conversations(&[conv("1", 10), conv("2", 10)])
        .unwrap();
    let mut missing = s.missing_contact_ids(10).unwrap();
    missing.sort();
    assert_eq!(
        missing,
        ["k1", "k2"],
        "contacts referenced by conversations but not cached must be fetched"
    );
    let c = Contact {
        id: "k1".into(),
        email: Some("a@b.c".into()),
        custom_attributes: serde_json::json!({"plan": "pro"}),
        ..Default::default()
    };
    s.upsert_contacts(std::slice::from_ref(&c)).unwrap();
    assert_eq!(
        s.missing_contact_ids(10).unwrap(),
        ["k2"],
        "a cached contact is no longer missing"
    );
    let back = s.contact("k1").unwrap().unwrap();
    assert_eq!(
        back.custom_attributes, c.custom_attributes,
        "custom attributes round-trip as JSON"
    );
    assert_eq!(
        back.display_name(),
        "a@b.c",
        "without a name, lists show the email"
    );
    assert_eq!(
        s.contact_conversations("k1", 5).unwrap().len(),
        1,
        "the panel lists the contact's conversations"
    );
}
