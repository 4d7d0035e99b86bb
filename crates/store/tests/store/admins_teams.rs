//! Admins and teams replace lists, and team membership.

use agentdesk_store::{Admin, Team};

use crate::support::store;

#[test]
fn replace_lists_and_membership() {
    let mut s = store();
    s.replace_admins(&[Admin {
        id: "1".into(),
        name: "Ann".into(),
        email: None,
        team_ids: vec!["t1".into()],
    }])
    .unwrap();
    s.replace_teams(&[Team {
        id: "t2".into(),
        name: "Billing".into(),
        admin_ids: vec!["1".into()],
    }])
    .unwrap();
    assert_eq!(
        s.team_ids_of("1").unwrap(),
        ["t1", "t2"],
        "membership is read from both lists"
    );
    s.replace_admins(&[]).unwrap();
    assert!(
        s.admins().unwrap().is_empty(),
        "an admin no longer listed is removed"
    );
}
