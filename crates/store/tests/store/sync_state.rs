//! Sync status per resource and key/values.

use crate::support::store;

#[test]
fn attempt_error_success_cycle() {
    let mut s = store();
    s.record_sync_attempt("conversations").unwrap();
    s.record_sync_success("conversations", Some("c1")).unwrap();
    s.record_sync_error("conversations", "network down")
        .unwrap();
    let st = s.sync_state("conversations").unwrap().unwrap();
    assert_eq!(
        st.cursor.as_deref(),
        Some("c1"),
        "an error must keep the cursor so sync resumes"
    );
    assert_eq!(
        st.last_error.as_deref(),
        Some("network down"),
        "the error is shown until a success"
    );
    s.record_sync_success("conversations", None).unwrap();
    assert_eq!(
        s.sync_state("conversations").unwrap().unwrap().last_error,
        None,
        "a success clears the error"
    );
    s.set_sync_value("hw", "100").unwrap();
    s.set_sync_value("hw", "200").unwrap();
    assert_eq!(
        s.sync_value("hw").unwrap().as_deref(),
        Some("200"),
        "a key/value is overwritten"
    );
    assert_eq!(
        s.sync_states().unwrap().len(),
        1,
        "one resource was recorded"
    );
}
