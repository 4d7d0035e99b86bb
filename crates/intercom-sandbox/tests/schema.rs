//! Validates the sandbox's responses (2xx and errors, every endpoint) against the JSON
//! schemas in `components/schemas` of the official 2.14 OpenAPI description, with a small
//! test-only loader that turns OpenAPI 3.0 `nullable: true` into a JSON Schema union.

mod common;

use std::path::PathBuf;

use common::{small, start};
use intercom_sandbox::{ContactUpdate, Fault, SandboxConfig};
use serde_json::{json, Map, Value};

fn spec_path() -> PathBuf {
    PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("../../tests/fixtures/intercom-openapi/api.intercom.io.2.14.yaml")
}

/// Rewrites `nullable: true` as `anyOf: [schema, {type: null}]`, recursively.
fn convert(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let mut out = Map::new();
            for (k, v) in map {
                if k == "nullable" || k == "example" || k == "examples" {
                    continue;
                }
                out.insert(k, convert(v));
            }
            if nullable {
                json!({"anyOf": [Value::Object(out), {"type": "null"}]})
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(convert).collect()),
        other => other,
    }
}

struct Schemas {
    components: Value,
}

impl Schemas {
    fn load() -> Schemas {
        let text = std::fs::read_to_string(spec_path())
            .expect("the 2.14 description must be in tests/fixtures/intercom-openapi");
        let doc: Value = serde_norway::from_str(&text).expect("the description must parse as YAML");
        let schemas = doc["components"]["schemas"].clone();
        assert!(
            schemas.is_object(),
            "the description must have components/schemas"
        );
        Schemas {
            components: json!({"schemas": convert(schemas)}),
        }
    }

    fn check(&self, name: &str, instance: &Value, what: &str) {
        let schema =
            json!({"$ref": format!("#/components/schemas/{name}"), "components": self.components});
        let validator =
            jsonschema::validator_for(&schema).expect("the converted schema must compile");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(
            errors.is_empty(),
            "{what} must match the 2.14 schema `{name}`: {errors:#?}"
        );
    }

    fn rejects(&self, name: &str, instance: &Value) -> bool {
        let schema =
            json!({"$ref": format!("#/components/schemas/{name}"), "components": self.components});
        let validator =
            jsonschema::validator_for(&schema).expect("the converted schema must compile");
        !validator.is_valid(instance)
    }
}

#[tokio::test]
async fn every_endpoint_matches_the_official_schemas() {
    let schemas = Schemas::load();
    assert!(
        schemas.rejects("conversation", &json!({"id": 5, "admin_assignee_id": "7"})),
        "the loader must actually validate: an integer id is not a 2.14 conversation"
    );
    let (sb, api) = start(SandboxConfig {
        read_only_tokens: vec!["ro".into()],
        rate_limit: 1000,
        ..small()
    })
    .await;

    schemas.check("admin_with_app", &api.get("/me").await.body, "GET /me");
    schemas.check("admin_list", &api.get("/admins").await.body, "GET /admins");
    schemas.check("team_list", &api.get("/teams").await.body, "GET /teams");
    let list = api.get("/conversations?per_page=150").await.body;
    schemas.check("conversation_list", &list, "GET /conversations");
    let last = api
        .get(
            "/conversations?per_page=150&starting_after="
                .to_string()
                .as_str(),
        )
        .await
        .body;
    schemas.check(
        "conversation_list",
        &last,
        "GET /conversations (empty cursor)",
    );
    let search = api
        .post("/conversations/search", &json!({"query": {"field": "state", "operator": "!=", "value": "closed"}, "pagination": {"per_page": 150}}))
        .await
        .body;
    schemas.check("conversation_list", &search, "POST /conversations/search");

    let truth = sb.truth();
    for c in truth["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .take(60)
    {
        let id = c["id"].as_str().unwrap_or_default();
        schemas.check(
            "conversation",
            &api.get(&format!("/conversations/{id}")).await.body,
            "GET /conversations/{id}",
        );
        schemas.check(
            "conversation",
            &api.get(&format!("/conversations/{id}?display_as=plaintext"))
                .await
                .body,
            "GET /conversations/{id}?display_as=plaintext",
        );
    }
    let id = list["conversations"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let admin = sb.admin_id().to_string();
    let writes = [
        (
            "PUT",
            format!("/conversations/{id}"),
            json!({"read": true, "title": "t", "custom_attributes": {"Order value": 5}}),
        ),
        (
            "POST",
            format!("/conversations/{id}/reply"),
            json!({"message_type": "comment", "type": "admin", "admin_id": admin, "body": "<p>hi</p>"}),
        ),
        (
            "POST",
            format!("/conversations/{id}/reply"),
            json!({"message_type": "note", "type": "admin", "admin_id": admin, "body": "<p>note</p>"}),
        ),
        (
            "POST",
            format!("/conversations/{id}/parts"),
            json!({"message_type": "snoozed", "admin_id": admin, "snoozed_until": 4_000_000_000i64}),
        ),
        (
            "POST",
            format!("/conversations/{id}/parts"),
            json!({"message_type": "open", "admin_id": admin}),
        ),
        (
            "POST",
            format!("/conversations/{id}/parts"),
            json!({"message_type": "assignment", "type": "admin", "admin_id": admin, "assignee_id": admin}),
        ),
        (
            "POST",
            format!("/conversations/{id}/parts"),
            json!({"message_type": "assignment", "type": "admin", "admin_id": admin, "assignee_id": "0"}),
        ),
        (
            "POST",
            format!("/conversations/{id}/parts"),
            json!({"message_type": "close", "type": "admin", "admin_id": admin}),
        ),
    ];
    for (method, path, body) in &writes {
        let r = if *method == "PUT" {
            api.put(path, body).await
        } else {
            api.post(path, body).await
        };
        assert_eq!(r.status, 200, "{method} {path} must succeed: {}", r.body);
        schemas.check(
            "conversation",
            &r.body,
            &format!("{method} {path} {}", body["message_type"]),
        );
    }

    // Tags, tagging, priority and the conversation attributes' definitions (issue 14).
    schemas.check("tag_list", &api.get("/tags").await.body, "GET /tags");
    let tag = api.get("/tags").await.body["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tagged = api
        .post(
            &format!("/conversations/{id}/tags"),
            &json!({"id": tag, "admin_id": admin}),
        )
        .await;
    assert_eq!(tagged.status, 200, "tagging succeeds: {}", tagged.body);
    schemas.check("tag", &tagged.body, "POST /conversations/{id}/tags");
    schemas.check(
        "conversation",
        &api.get(&format!("/conversations/{id}")).await.body,
        "GET /conversations/{id} of a tagged conversation",
    );
    let untagged = api
        .delete(
            &format!("/conversations/{id}/tags/{tag}"),
            &json!({"admin_id": admin}),
        )
        .await;
    assert_eq!(
        untagged.status, 200,
        "untagging succeeds: {}",
        untagged.body
    );
    schemas.check(
        "tag",
        &untagged.body,
        "DELETE /conversations/{id}/tags/{tag_id}",
    );
    let prioritized = api
        .with_version("Unstable")
        .put(
            &format!("/conversations/{id}"),
            &json!({"priority": "priority"}),
        )
        .await;
    assert_eq!(
        prioritized.status, 200,
        "priority on Unstable: {}",
        prioritized.body
    );
    schemas.check("conversation", &prioritized.body, "PUT priority (Unstable)");
    // The description's query parameter asks for `model=conversation` (L9201) while its
    // `data_attribute.model` enum lists only contact and company: Intercom answers
    // "conversation" for them, so each item is checked with its model read as one the enum
    // knows, and the model itself must be "conversation".
    let attributes = api.get("/data_attributes?model=conversation").await.body;
    let mut as_schema_knows = attributes.clone();
    for item in as_schema_knows["data"].as_array_mut().into_iter().flatten() {
        assert_eq!(
            item["model"], "conversation",
            "conversation attributes say so"
        );
        item["model"] = json!("contact");
    }
    assert!(
        as_schema_knows["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "the sandbox defines conversation attributes: {attributes}"
    );
    schemas.check(
        "data_attribute_list",
        &as_schema_knows,
        "GET /data_attributes?model=conversation",
    );
    let with_sla: Vec<&Value> = truth["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["id"]
                .as_str()
                .and_then(|i| i.parse::<u64>().ok())
                .is_some_and(|i| i % 6 == 0)
        })
        .take(5)
        .collect();
    assert!(!with_sla.is_empty(), "some conversations carry an SLA");
    for c in with_sla {
        let body = api
            .get(&format!(
                "/conversations/{}",
                c["id"].as_str().unwrap_or_default()
            ))
            .await
            .body;
        assert!(
            body["sla_applied"]["sla_status"].is_string(),
            "an SLA is applied: {body}"
        );
        schemas.check("conversation", &body, "GET /conversations/{id} with an SLA");
    }

    let contact = truth["contacts"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    schemas.check(
        "contact",
        &api.get(&format!("/contacts/{contact}")).await.body,
        "GET /contacts/{id}",
    );
    // A contact edited through the control API (every field it can set) still matches.
    let edited = sb
        .update_contact(
            &contact,
            ContactUpdate {
                name: Some("<b>Edited</b>".into()),
                email: Some("edited@example.test".into()),
                phone: Some("+1 555 0100".into()),
                city: Some("Lyon".into()),
                region: Some("Auvergne-Rhône-Alpes".into()),
                country: Some("France".into()),
                custom_attributes: json!({"plan": "pro", "vip": true, "score": 1.5, "seats": null})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            },
        )
        .expect("the control API edits a known contact");
    schemas.check("contact", &edited, "the contact_update answer");
    schemas.check(
        "contact",
        &api.get(&format!("/contacts/{contact}")).await.body,
        "GET /contacts/{id} after a contact_update",
    );
    let contacts = api.post("/contacts/search", &json!({"query": {"field": "role", "operator": "=", "value": "user"}, "pagination": {"per_page": 5}})).await;
    assert_eq!(
        contacts.status, 200,
        "contact search succeeds: {}",
        contacts.body
    );
    schemas.check("contact_list", &contacts.body, "POST /contacts/search");
    let events = api
        .get(&format!(
            "/events?type=user&intercom_user_id={contact}&per_page=2"
        ))
        .await
        .body;
    schemas.check("data_event_list", &events, "GET /events");
    let summary = api
        .get(&format!(
            "/events?type=user&intercom_user_id={contact}&summary=true"
        ))
        .await
        .body;
    schemas.check("data_event_summary", &summary, "GET /events?summary=true");

    // Errors of every kind share the `error` schema.
    let mut errors =
        vec![
        api.with_token("nope").get("/me").await,
        api.with_token("ro")
            .post(
                &format!("/conversations/{id}/reply"),
                &json!({"message_type": "note", "type": "admin", "admin_id": admin, "body": "x"}),
            )
            .await,
        api.get("/conversations/1").await,
        api.post(
            "/conversations/search",
            &json!({"query": {"field": "nope", "operator": "=", "value": 1}}),
        )
        .await,
        api.send(reqwest::Method::POST, "/events", Some("{oops"))
            .await,
        api.get("/events?type=user").await,
        api.with_token("nope").get("/admins").await,
        api.get("/conversations?per_page=0").await,
        api.put(&format!("/conversations/{id}"), &json!({"read": "x"}))
            .await,
        api.post(
            &format!("/conversations/{id}/parts"),
            &json!({"message_type": "dance", "admin_id": admin}),
        )
        .await,
        api.get("/contacts/nope").await,
        api.put(&format!("/conversations/{id}"), &json!({"priority": "priority"}))
            .await,
        api.post(
            &format!("/conversations/{id}/tags"),
            &json!({"id": "999999", "admin_id": admin}),
        )
        .await,
        api.post(
            "/contacts/search",
            &json!({"query": {"field": "nope", "operator": "=", "value": 1}}),
        )
        .await,
    ];
    sb.fail_next(1, Fault::Status(503));
    errors.push(api.get("/teams").await);
    sb.fail_next(1, Fault::RateLimited);
    errors.push(api.get("/teams").await);
    assert_eq!(
        errors.len(),
        16,
        "one error per endpoint family: /me, reply, GET conversation, search, POST and GET \
         /events, /teams 503 and 429, /admins, GET /conversations, PUT, /parts, GET contact, \
         contact search, priority on 2.14, an unknown tag"
    );
    for r in &errors {
        assert!(r.status >= 400, "each of these requests must fail");
        schemas.check(
            "error",
            &r.body,
            &format!("an error response with status {}", r.status),
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn ticket_endpoints_match_the_official_schemas() {
    let schemas = Schemas::load();
    assert!(
        schemas.rejects("ticket", &json!({"id": 5})),
        "the loader must validate tickets: an integer id is not a 2.14 ticket"
    );
    let (sb, api) = start(small()).await;
    let types = api.get("/ticket_types").await.body;
    schemas.check("ticket_type_list", &types, "GET /ticket_types");
    let type_id = types["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    schemas.check(
        "ticket_type",
        &api.get(&format!("/ticket_types/{type_id}")).await.body,
        "GET /ticket_types/{id}",
    );
    schemas.check(
        "ticket_state_list",
        &api.get("/ticket_states").await.body,
        "GET /ticket_states",
    );
    let search = api
        .post(
            "/tickets/search",
            &json!({"query": {"field": "updated_at", "operator": ">", "value": 0}, "pagination": {"per_page": 150}}),
        )
        .await
        .body;
    schemas.check("ticket_list", &search, "POST /tickets/search");
    assert!(
        !search["tickets"].as_array().is_some_and(Vec::is_empty),
        "a seeded workspace has tickets to validate"
    );
    for id in sb.ticket_ids().iter().take(30) {
        schemas.check(
            "ticket",
            &api.get(&format!("/tickets/{id}")).await.body,
            "GET /tickets/{id}",
        );
    }
    let id = sb.ticket_ids()[0].clone();
    let admin = sb.admin_id().to_string();
    let states = api.get("/ticket_states").await.body;
    let state_id = states["data"][1]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let updated = api
        .put(
            &format!("/tickets/{id}"),
            &json!({"ticket_state_id": state_id, "admin_id": admin, "ticket_attributes": {"_default_title_": "Renamed"}}),
        )
        .await;
    assert_eq!(
        updated.status, 200,
        "a valid update is applied: {:?}",
        updated.body
    );
    schemas.check("ticket", &updated.body, "PUT /tickets/{id}");
    let reply = api
        .post(
            &format!("/tickets/{id}/reply"),
            &json!({"message_type": "note", "type": "admin", "admin_id": admin, "body": "<p>internal</p>"}),
        )
        .await;
    assert_eq!(reply.status, 200, "a note is accepted: {:?}", reply.body);
    schemas.check("ticket_reply", &reply.body, "POST /tickets/{id}/reply");
    {
        let tag_id = sb.tag_ids()[0].clone();
        let tagged = api
            .post(
                &format!("/tickets/{id}/tags"),
                &json!({"id": tag_id, "admin_id": admin}),
            )
            .await;
        assert_eq!(
            tagged.status, 200,
            "an existing tag applies: {:?}",
            tagged.body
        );
        schemas.check("tag", &tagged.body, "POST /tickets/{id}/tags");
    }
    let created = api
        .post(
            "/tickets",
            &json!({"ticket_type_id": type_id, "contacts": [{"id": sb.truth()["contacts"][0]["id"]}], "ticket_attributes": {"_default_title_": "New", "severity": "High"}}),
        )
        .await;
    assert_eq!(
        created.status, 200,
        "a valid ticket is created: {:?}",
        created.body
    );
    schemas.check("ticket", &created.body, "POST /tickets");
    let deleted = api
        .send(reqwest::Method::DELETE, &format!("/tickets/{id}"), None)
        .await;
    assert_eq!(
        deleted.status, 200,
        "a ticket can be deleted: {:?}",
        deleted.body
    );
    schemas.check("ticket_deleted", &deleted.body, "DELETE /tickets/{id}");
    let missing = api.get("/tickets/1").await;
    assert_eq!(missing.status, 404, "an unknown ticket is 404");
    schemas.check("error", &missing.body, "GET /tickets/{unknown}");
    sb.shutdown().await;
}
