//! Data events deduplicate on (contact, name, second); summaries replace.

use agentdesk_store::{DataEvent, EventSummary};

use crate::support::store;

#[test]
fn events_dedup_and_summaries_replace() {
    let mut s = store();
    let e = DataEvent {
        contact_id: "k".into(),
        event_name: "paid".into(),
        created_at: 5,
        id: None,
        metadata: serde_json::json!({"a": 1}),
    };
    assert_eq!(
        s.upsert_data_events(&[e.clone(), e.clone()]).unwrap(),
        1,
        "the same event twice is one event"
    );
    assert_eq!(
        s.upsert_data_events(&[e]).unwrap(),
        0,
        "a refetch adds nothing"
    );
    assert_eq!(
        s.data_events("k", 10).unwrap().len(),
        1,
        "one event is cached"
    );
    let sum = |n: &str| EventSummary {
        contact_id: "k".into(),
        name: n.into(),
        count: 3,
        ..Default::default()
    };
    s.replace_event_summaries("k", &[sum("a"), sum("b")])
        .unwrap();
    s.replace_event_summaries("k", &[sum("b")]).unwrap();
    assert_eq!(
        s.event_summaries("k").unwrap().len(),
        1,
        "summaries are Intercom's current list"
    );
}
