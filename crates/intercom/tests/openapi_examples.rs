//! Every example response in the official 2.14 OpenAPI description, for every endpoint the
//! client uses, decodes into the client's models (errors into `error.list`).

use intercom::models::{
    Admin, AdminList, Contact, ContactList, Conversation, ConversationList, DataAttributePage,
    ErrorList, EventList, EventSummaryList, TagPage, TeamList, Ticket, TicketList, TicketPart,
    TicketStateList, TicketType, TicketTypeList, WorkspaceTag,
};
use intercom::{decode_json, ApiError};
use serde_json::Value;
use std::path::PathBuf;

fn spec() -> Value {
    let path = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../../tests/fixtures/intercom-openapi/api.intercom.io.2.14.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the 2.14 description must be at {}: {e}", path.display()));
    serde_norway::from_str(&text).expect("the official description is valid YAML")
}

/// Decodes `example` as what `path`/`method` answers with `status`.
fn decode(path: &str, method: &str, status: &str, example: &Value) -> Result<(), ApiError> {
    let bytes = serde_json::to_vec(example).expect("a JSON value serialises");
    let endpoint = format!("{} {path} {status}", method.to_uppercase());
    if !status.starts_with('2') {
        let list: ErrorList = decode_json(&endpoint, &bytes)?;
        assert!(
            !list.errors.is_empty(),
            "{endpoint}: an error example carries at least one error"
        );
        return Ok(());
    }
    match (path, method) {
        ("/me", "get") => {
            let me: Admin = decode_json(&endpoint, &bytes)?;
            assert!(
                !me.id.is_empty() && me.app.is_some(),
                "{endpoint}: /me names the admin and the app"
            );
        }
        ("/admins", "get") => {
            let l: AdminList = decode_json(&endpoint, &bytes)?;
            assert!(
                l.admins.iter().all(|a| !a.id.is_empty()),
                "{endpoint}: admins have ids"
            );
        }
        ("/teams", "get") => {
            decode_json::<TeamList>(&endpoint, &bytes)?;
        }
        ("/conversations", "get") | ("/conversations/search", "post") => {
            let l: ConversationList = decode_json(&endpoint, &bytes)?;
            assert!(
                l.conversations.iter().all(|c| !c.id.is_empty()),
                "{endpoint}: conversations have ids"
            );
        }
        ("/conversations/{conversation_id}", _)
        | ("/conversations/{conversation_id}/reply", "post")
        | ("/conversations/{conversation_id}/parts", "post") => {
            let c: Conversation = decode_json(&endpoint, &bytes)?;
            assert!(!c.id.is_empty(), "{endpoint}: a conversation has an id");
            assert!(
                c.parts().iter().all(|p| !p.id.is_empty()),
                "{endpoint}: parts have ids (ints become strings)"
            );
        }
        ("/contacts/{contact_id}", "get") => {
            let c: Contact = decode_json(&endpoint, &bytes)?;
            assert!(!c.id.is_empty(), "{endpoint}: a contact has an id");
        }
        ("/contacts/search", "post") => {
            decode_json::<ContactList>(&endpoint, &bytes)?;
        }
        ("/tags", "get") => {
            let l: TagPage = decode_json(&endpoint, &bytes)?;
            assert!(
                l.data.iter().all(|t| !t.id.is_empty()),
                "{endpoint}: tags have ids"
            );
        }
        ("/conversations/{conversation_id}/tags", "post")
        | ("/conversations/{conversation_id}/tags/{tag_id}", "delete") => {
            let t: WorkspaceTag = decode_json(&endpoint, &bytes)?;
            assert!(!t.id.is_empty(), "{endpoint}: the tag has an id");
        }
        ("/data_attributes", "get") => {
            let l: DataAttributePage = decode_json(&endpoint, &bytes)?;
            assert!(
                !l.data.is_empty() && l.data.iter().all(|a| a.name.is_some()),
                "{endpoint}: attributes have names"
            );
        }
        ("/events", "get") => {
            if example.get("type").and_then(Value::as_str) == Some("event.summary") {
                decode_json::<EventSummaryList>(&endpoint, &bytes)?;
            } else {
                decode_json::<EventList>(&endpoint, &bytes)?;
            }
        }
        ("/tickets/search", "post") => {
            let l: TicketList = decode_json(&endpoint, &bytes)?;
            assert!(
                l.tickets.iter().all(|t| !t.id.is_empty()),
                "{endpoint}: tickets have ids"
            );
        }
        ("/tickets", "post") | ("/tickets/{ticket_id}", "get" | "put") => {
            let t: Ticket = decode_json(&endpoint, &bytes)?;
            assert!(!t.id.is_empty(), "{endpoint}: a ticket has an id");
        }
        ("/tickets/{ticket_id}/reply", "post") => {
            let p: TicketPart = decode_json(&endpoint, &bytes)?;
            assert!(!p.id.is_empty(), "{endpoint}: a reply part has an id");
        }
        ("/ticket_types", "get") => {
            let l: TicketTypeList = decode_json(&endpoint, &bytes)?;
            assert!(
                l.data.iter().all(|t| !t.attributes().is_empty()),
                "{endpoint}: the examples' types carry attributes (as {{type: list, data}}), which must be read"
            );
        }
        ("/ticket_types/{ticket_type_id}", "get") => {
            decode_json::<TicketType>(&endpoint, &bytes)?;
        }
        ("/ticket_states", "get") => {
            let l: TicketStateList = decode_json(&endpoint, &bytes)?;
            assert!(
                l.data.iter().all(|s| s.category.is_some()),
                "{endpoint}: every state has a category"
            );
        }
        _ => {}
    }
    Ok(())
}

#[test]
fn every_example_response_of_the_endpoints_used_decodes() {
    let spec = spec();
    let used = [
        ("/me", "get"),
        ("/admins", "get"),
        ("/teams", "get"),
        ("/conversations", "get"),
        ("/conversations/search", "post"),
        ("/conversations/{conversation_id}", "get"),
        ("/conversations/{conversation_id}", "put"),
        ("/conversations/{conversation_id}/reply", "post"),
        ("/conversations/{conversation_id}/parts", "post"),
        ("/contacts/{contact_id}", "get"),
        ("/contacts/search", "post"),
        ("/events", "get"),
        ("/events", "post"),
        ("/tags", "get"),
        ("/conversations/{conversation_id}/tags", "post"),
        ("/conversations/{conversation_id}/tags/{tag_id}", "delete"),
        ("/data_attributes", "get"),
        ("/tickets/search", "post"),
        ("/tickets", "post"),
        ("/tickets/{ticket_id}", "get"),
        ("/tickets/{ticket_id}", "put"),
        ("/tickets/{ticket_id}/reply", "post"),
        ("/tickets/{ticket_id}/tags", "post"),
        ("/tickets/{ticket_id}/tags/{tag_id}", "delete"),
        ("/ticket_types", "get"),
        ("/ticket_types/{ticket_type_id}", "get"),
        ("/ticket_states", "get"),
    ];
    let mut decoded = 0;
    let mut failures = Vec::new();
    for (path, method) in used {
        let op = &spec["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} must exist in the 2.14 description"
        );
        let responses = op["responses"]
            .as_object()
            .expect("every operation has responses");
        for (status, response) in responses {
            let Some(examples) = response["content"]["application/json"]["examples"].as_object()
            else {
                continue;
            };
            for (name, example) in examples {
                match decode(path, method, status, &example["value"]) {
                    Ok(()) => decoded += 1,
                    Err(e) => failures.push(format!("{method} {path} {status} {name:?}: {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "every official example must decode:\n{}",
        failures.join("\n")
    );
    assert!(
        decoded >= 35,
        "the endpoints used carry dozens of examples; decoded only {decoded}"
    );
}
