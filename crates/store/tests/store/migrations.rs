//! The migration list is valid and upgrades an empty database.

use agentdesk_store::MIGRATIONS;

#[test]
fn migrations_validate() {
    assert!(
        MIGRATIONS.validate().is_ok(),
        "every migration must apply cleanly to an empty database: {:?}",
        MIGRATIONS.validate()
    );
}
