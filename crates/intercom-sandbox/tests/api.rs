//! Behaviour of the sandbox over real loopback HTTP: paging (exactly once, and the
//! documented duplicate/miss), bad input, the conversation state machine, rate limits,
//! faults, read-only tokens, API versions, data events and the control API.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{error_code, small, start, Api};
use intercom_sandbox::{Fault, FaultRates, SandboxConfig};
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["conversations"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn next_cursor(page: &Value) -> Option<String> {
    page["pages"]["next"]["starting_after"]
        .as_str()
        .map(str::to_string)
}

async fn list_all(api: &Api, per_page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => format!("/conversations?per_page={per_page}"),
            Some(c) => format!("/conversations?per_page={per_page}&starting_after={c}"),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "every list page must succeed: {}", r.body);
        out.extend(ids(&r.body));
        cursor = next_cursor(&r.body);
        if cursor.is_none() {
            assert!(
                r.body["pages"].get("next").is_none(),
                "the last page must carry no next object"
            );
            return out;
        }
    }
}

async fn search_all(api: &Api, query: Value, sort: Value, per_page: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let body = json!({"query": query, "sort": sort, "pagination": {"per_page": per_page, "starting_after": cursor}});
        let r = api.post("/conversations/search", &body).await;
        assert_eq!(r.status, 200, "every search page must succeed: {}", r.body);
        out.extend(ids(&r.body));
        cursor = next_cursor(&r.body);
        if cursor.is_none() {
            return out;
        }
    }
}

#[tokio::test]
async fn paging_lists_and_searches_each_conversation_exactly_once() {
    let (sb, api) = start(small()).await;
    let listed = list_all(&api, 37).await;
    let unique: HashSet<&String> = listed.iter().collect();
    assert_eq!(listed.len(), 240, "listing must return every conversation");
    assert_eq!(
        unique.len(),
        listed.len(),
        "no conversation may appear twice when nothing changes"
    );
    let first = api.get("/conversations").await;
    assert_eq!(
        first.body["total_count"], 240,
        "total_count counts every conversation"
    );
    assert_eq!(
        first.body["pages"]["per_page"], 20,
        "per_page defaults to 20"
    );
    assert_eq!(
        first.body["pages"]["total_pages"], 12,
        "total_pages is ceil(240 / 20)"
    );

    let all = json!({"field": "created_at", "operator": ">", "value": 0});
    let searched = search_all(
        &api,
        all.clone(),
        json!({"field": "updated_at", "order": "ascending"}),
        23,
    )
    .await;
    let unique: HashSet<&String> = searched.iter().collect();
    assert_eq!(searched.len(), 240, "search must return every match");
    assert_eq!(
        unique.len(),
        240,
        "search pages must not repeat items when nothing changes"
    );

    let open = json!({"operator": "AND", "value": [
        {"field": "open", "operator": "=", "value": true},
        {"operator": "OR", "value": [
            {"field": "state", "operator": "=", "value": "open"},
            {"field": "state", "operator": "=", "value": "snoozed"}]}]});
    let found = search_all(&api, open, Value::Null, 150).await;
    let truth = sb.truth();
    let expected = truth["conversations"]
        .as_array()
        .map_or(0, |c| c.iter().filter(|c| c["open"] == true).count());
    assert_eq!(
        found.len(),
        expected,
        "a nested AND/OR search must match exactly the open conversations of the truth"
    );
    assert!(
        expected > 20 && expected < 150,
        "the generator must leave a realistic share open ({expected} of 240)"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_update_between_pages_duplicates_or_misses_as_documented() {
    let (sb, api) = start(small()).await;
    // Ascending by updated_at: an item already served that changes moves to the end and
    // is served again.
    let body = json!({"query": {"field": "id", "operator": ">", "value": 0}, "sort": {"field": "updated_at", "order": "ascending"}, "pagination": {"per_page": 50}});
    let page1 = api.post("/conversations/search", &body).await;
    let seen_first = ids(&page1.body)[0].clone();
    sb.inject_contact_reply(&seen_first, "<p>one more thing</p>")
        .expect("the conversation exists");
    let mut all = ids(&page1.body);
    let mut cursor = next_cursor(&page1.body);
    while let Some(c) = cursor {
        let b = json!({"query": body["query"], "sort": body["sort"], "pagination": {"per_page": 50, "starting_after": c}});
        let r = api.post("/conversations/search", &b).await;
        all.extend(ids(&r.body));
        cursor = next_cursor(&r.body);
    }
    let dupes = all.iter().filter(|id| **id == seen_first).count();
    assert_eq!(
        dupes, 2,
        "the stateless cursor must serve an item updated mid-paging twice"
    );

    // Newest first: an item not yet served that changes jumps ahead and is never served.
    let page1 = api.get("/conversations?per_page=50").await;
    let later = list_all(&api, 50).await;
    let victim = later[200].clone();
    sb.inject_contact_reply(&victim, "<p>hello again</p>")
        .expect("the conversation exists");
    let mut got = ids(&page1.body);
    let mut cursor = next_cursor(&page1.body);
    while let Some(c) = cursor {
        let r = api
            .get(&format!("/conversations?per_page=50&starting_after={c}"))
            .await;
        got.extend(ids(&r.body));
        cursor = next_cursor(&r.body);
    }
    assert!(
        !got.contains(&victim),
        "an item updated mid-paging must be missed by a newest-first walk"
    );
    assert_eq!(got.len(), 239, "exactly one item goes missing");
    sb.shutdown().await;
}

#[tokio::test]
async fn greater_and_less_are_inclusive_on_conversation_search() {
    let (sb, api) = start(small()).await;
    let conv = api.get("/conversations?per_page=1").await.body["conversations"][0].clone();
    let t = conv["updated_at"]
        .as_i64()
        .expect("updated_at is an integer");
    let id = conv["id"].as_str().unwrap_or_default().to_string();
    for op in [">", "<"] {
        let q = json!({"query": {"operator": "AND", "value": [
            {"field": "updated_at", "operator": op, "value": t},
            {"field": "id", "operator": "=", "value": id}]}});
        let r = api.post("/conversations/search", &q).await;
        assert_eq!(
            ids(&r.body),
            vec![id.clone()],
            "'{op}' must include the boundary value, as documented"
        );
    }
    let q = json!({"query": {"field": "updated_at", "operator": ">", "value": t.to_string()}});
    let r = api.post("/conversations/search", &q).await;
    assert!(
        r.body["total_count"].as_u64() >= Some(1),
        "a date sent as a digit string must be accepted"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_error_lists_and_the_server_stays_up() {
    let (sb, api) = start(small()).await;
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    let filter = json!({"field": "state", "operator": "=", "value": "open"});
    let deep = json!({"operator": "AND", "value": [{"operator": "OR", "value": [{"operator": "AND", "value": [filter]}]}]});
    let many: Vec<Value> = (0..16).map(|_| filter.clone()).collect();
    // A cursor naming the last page a u32 can count: numbering its successor used to panic.
    let last_page = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(format!("1700000000.5.{}", u32::MAX))
    };
    let contact_id = sb.truth()["contacts"][0]["id"]
        .as_str()
        .expect("the workspace has a contact")
        .to_string();
    let cases: Vec<(reqwest::Method, String, String, u16, &str)> = vec![
        (reqwest::Method::POST, "/conversations/search".into(), "{not json".into(), 400, "not valid JSON"),
        (reqwest::Method::POST, "/conversations/search".into(), "[1,2]".into(), 400, "JSON object"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"operator": "AND", "value": many}}).to_string(), 400, "at most 15"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": deep}).to_string(), 400, "nesting"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"field": "state", "operator": "=~", "value": "x"}}).to_string(), 400, "not supported"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"field": "colour", "operator": "=", "value": "x"}}).to_string(), 400, "not a searchable field"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": filter, "pagination": {"per_page": 151}}).to_string(), 400, "between 1 and 150"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": filter, "pagination": {"starting_after": "garbage!"}}).to_string(), 400, "cursor"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": filter, "sort": {"field": "updated_at", "order": "sideways"}}).to_string(), 400, "sort order"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": filter, "colour": 1}).to_string(), 400, "unknown field"),
        (reqwest::Method::GET, "/conversations?per_page=0".into(), String::new(), 400, "between 1 and 150"),
        (reqwest::Method::GET, "/conversations?per_page=abc".into(), String::new(), 400, "integer"),
        (reqwest::Method::GET, "/conversations/999".into(), String::new(), 404, "Not Found"),
        (reqwest::Method::GET, "/contacts/nope".into(), String::new(), 404, "Not Found"),
        (reqwest::Method::PUT, format!("/conversations/{id}"), json!({"read": "yes"}).to_string(), 400, "boolean"),
        (reqwest::Method::POST, format!("/conversations/{id}/reply"), json!({"message_type": "comment", "type": "admin", "admin_id": "1", "body": "x"}).to_string(), 404, "Admin 1"),
        (reqwest::Method::POST, format!("/conversations/{id}/reply"), json!({"message_type": "comment", "type": "admin", "admin_id": sb.admin_id()}).to_string(), 400, "body is required"),
        (reqwest::Method::POST, format!("/conversations/{id}/parts"), json!({"message_type": "snoozed", "admin_id": sb.admin_id(), "snoozed_until": "soon"}).to_string(), 400, "snoozed_until"),
        (reqwest::Method::POST, format!("/conversations/{id}/parts"), json!({"message_type": "assignment", "type": "admin", "admin_id": sb.admin_id(), "assignee_id": "12345"}).to_string(), 404, "Admin 12345"),
        (reqwest::Method::DELETE, "/conversations".into(), String::new(), 404, "Not Found"),
        (reqwest::Method::GET, "/events?type=user".into(), String::new(), 400, "exactly one of"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"operator": "AND", "value": []}}).to_string(), 400, "at least one filter"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"operator": "OR", "value": [filter, {"operator": "AND", "value": []}]}}).to_string(), 400, "at least one filter"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"field": "state", "operator": "=", "value": "open", "values": ["closed"]}}).to_string(), 400, "unknown key 'values' in a filter"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"operator": "AND", "value": [filter], "field": "state"}}).to_string(), 400, "operator 'AND' is not supported"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": {"operator": "AND", "filters": [filter]}}).to_string(), 400, "unknown key 'filters' in an AND/OR group"),
        (reqwest::Method::POST, "/contacts/search".into(), json!({"query": {"field": "email", "operator": "=", "value": "a@b.c", "opertor": "~"}}).to_string(), 400, "unknown key 'opertor'"),
        (reqwest::Method::GET, format!("/conversations?starting_after={last_page}"), String::new(), 400, "starting_after"),
        (reqwest::Method::POST, "/conversations/search".into(), json!({"query": filter, "pagination": {"starting_after": last_page}}).to_string(), 400, "starting_after"),
        (reqwest::Method::POST, "/events".into(), json!({"event_name": "x", "created_at": i64::MAX, "id": contact_id}).to_string(), 400, "created_at"),
        (reqwest::Method::POST, "/events".into(), json!({"event_name": "x", "created_at": -1, "id": contact_id}).to_string(), 400, "created_at"),
    ];
    for (method, path, body, status, needle) in cases {
        let r = api
            .send(
                method.clone(),
                &path,
                (!body.is_empty()).then_some(body.as_str()),
            )
            .await;
        assert_eq!(
            r.status, status,
            "{method} {path} with {body} must answer {status}: {}",
            r.body
        );
        assert_eq!(
            r.body["type"], "error.list",
            "{method} {path}: errors must be an error.list"
        );
        assert!(
            r.body["request_id"].is_string(),
            "{method} {path}: errors carry a request_id"
        );
        let msg = r.body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{method} {path}: the message must say what is wrong ({needle}), got: {msg}"
        );
    }
    let me = api.get("/me").await;
    assert_eq!(
        me.status, 200,
        "the server must still answer after bad input"
    );
    sb.shutdown().await;
}

async fn conversation(api: &Api, id: &str) -> Value {
    let r = api.get(&format!("/conversations/{id}")).await;
    assert_eq!(r.status, 200, "conversation {id} must be retrievable");
    r.body
}

#[tokio::test]
async fn replies_snoozes_and_assignments_move_state_like_intercom() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let closed = truth["conversations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["state"] == "closed"))
        .and_then(|c| c["id"].as_str())
        .expect("the generator must produce closed conversations")
        .to_string();
    let before = conversation(&api, &closed).await;
    let reply = api
        .post(&format!("/conversations/{closed}/reply"), &json!({"message_type": "comment", "type": "user", "intercom_user_id": before["contacts"]["contacts"][0]["id"], "body": "<p>Me again</p>"}))
        .await;
    assert_eq!(
        reply.status, 200,
        "a contact reply must be accepted: {}",
        reply.body
    );
    let after = conversation(&api, &closed).await;
    assert_eq!(
        after["state"], "open",
        "a contact reply reopens a closed conversation"
    );
    assert_eq!(after["open"], true, "a reopened conversation is open");
    assert_eq!(
        after["read"], false,
        "a contact reply marks the conversation unread"
    );
    assert!(
        after["waiting_since"].is_i64(),
        "a contact reply sets waiting_since"
    );
    assert!(
        after["updated_at"].as_i64() >= before["updated_at"].as_i64(),
        "a change never moves updated_at back"
    );

    let admin = sb.admin_id().to_string();
    let r = api
        .post(&format!("/conversations/{closed}/reply"), &json!({"message_type": "comment", "type": "admin", "admin_id": admin.parse::<u64>().unwrap_or(0), "body": "<p>On it</p>"}))
        .await;
    assert_eq!(
        r.status, 200,
        "an admin reply with an integer admin_id must be accepted: {}",
        r.body
    );
    assert!(
        r.body["waiting_since"].is_null(),
        "an admin reply clears waiting_since"
    );
    assert_eq!(
        r.body["conversation_parts"]["total_count"], 1,
        "a reply response carries only the new part"
    );
    assert_eq!(
        r.body["conversation_parts"]["conversation_parts"][0]["body"], "<p>On it</p>",
        "the new part holds the reply"
    );

    let r = api
        .put(
            &format!("/conversations/{closed}"),
            &json!({"read": true, "title": "Renamed"}),
        )
        .await;
    assert_eq!(
        (r.body["read"].clone(), r.body["title"].clone()),
        (json!(true), json!("Renamed")),
        "PUT sets read and title"
    );

    let until = r.body["updated_at"].as_i64().unwrap_or(0).max(now()) + 1;
    let r = api
        .post(
            &format!("/conversations/{closed}/parts"),
            &json!({"message_type": "snoozed", "admin_id": admin, "snoozed_until": until}),
        )
        .await;
    assert_eq!(
        (r.body["state"].clone(), r.body["open"].clone()),
        (json!("snoozed"), json!(true)),
        "snoozing sets state snoozed and open true"
    );
    assert_eq!(r.body["snoozed_until"], until, "snoozed_until is echoed");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let c = conversation(&api, &closed).await;
        if c["state"] == "open" {
            assert!(
                c["snoozed_until"].is_null(),
                "an expired snooze clears snoozed_until"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the snooze must expire and reopen within its time"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let team = api.get("/teams").await.body["teams"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let assign = |kind: &str, assignee: Value| json!({"message_type": "assignment", "type": kind, "admin_id": admin, "assignee_id": assignee});
    let r = api
        .post(
            &format!("/conversations/{closed}/parts"),
            &assign("admin", json!(admin)),
        )
        .await;
    assert_eq!(
        r.body["admin_assignee_id"],
        json!(admin.parse::<u64>().unwrap_or(0)),
        "assignment sets admin_assignee_id as an integer"
    );
    for unassigned in [json!("0"), json!(0), Value::Null] {
        let r = api
            .post(
                &format!("/conversations/{closed}/parts"),
                &assign("admin", json!(admin)),
            )
            .await;
        assert_eq!(r.status, 200, "re-assignment must succeed");
        let r = api
            .post(
                &format!("/conversations/{closed}/parts"),
                &assign("admin", unassigned.clone()),
            )
            .await;
        assert!(
            r.body["admin_assignee_id"].is_null(),
            "assignee {unassigned} must unassign, emitted as null: {}",
            r.body
        );
    }
    let r = api
        .post(
            &format!("/conversations/{closed}/parts"),
            &assign("team", json!(team)),
        )
        .await;
    assert!(
        r.body["team_assignee_id"].is_i64(),
        "team assignment sets team_assignee_id"
    );
    let r = api
        .post(
            &format!("/conversations/{closed}/parts"),
            &assign("team", json!(0)),
        )
        .await;
    assert!(
        r.body["team_assignee_id"].is_null(),
        "team assignee 0 unassigns the team"
    );

    let r = api
        .post(
            &format!("/conversations/{closed}/parts"),
            &json!({"message_type": "close", "type": "admin", "admin_id": admin}),
        )
        .await;
    assert_eq!(
        (r.body["state"].clone(), r.body["open"].clone()),
        (json!("closed"), json!(false)),
        "close closes"
    );
    let parts = conversation(&api, &closed).await["conversation_parts"]["conversation_parts"]
        .as_array()
        .map_or(0, Vec::len);
    let truth_parts = sb.truth()["conversations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == closed.as_str()).cloned())
        .map_or(0, |c| {
            c["conversation_parts"]["conversation_parts"]
                .as_array()
                .map_or(0, Vec::len)
        });
    assert_eq!(
        parts, truth_parts,
        "retrieve and truth agree on parts under the 500 cap"
    );
    sb.shutdown().await;
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers_in_ten_second_windows() {
    let (sb, api) = start(SandboxConfig {
        rate_limit: 5,
        ..small()
    })
    .await;
    let mut saw_429 = None;
    for _ in 0..40 {
        let r = api.get("/me").await;
        let limit = r
            .headers
            .get("x-ratelimit-limit")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u32>().ok());
        let reset = r
            .headers
            .get("x-ratelimit-reset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok());
        assert_eq!(
            limit,
            Some(5),
            "every authenticated response carries X-RateLimit-Limit"
        );
        let reset = reset.expect("every authenticated response carries X-RateLimit-Reset");
        assert_eq!(
            reset % 10,
            0,
            "windows are aligned to multiples of 10 seconds"
        );
        assert!(
            r.headers.contains_key("x-ratelimit-remaining"),
            "X-RateLimit-Remaining is always sent"
        );
        if r.status == 429 {
            saw_429 = Some(r);
            break;
        }
    }
    let r = saw_429.expect("more than 5 requests in a window must be limited");
    assert_eq!(
        error_code(&r.body),
        "rate_limit_exceeded",
        "the 429 code is rate_limit_exceeded"
    );
    assert_eq!(
        r.body["errors"][0]["message"], "Exceeded rate limit of 5 in 10_seconds",
        "the message names the limit"
    );
    assert_eq!(
        r.headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("0"),
        "nothing remains once limited"
    );
    assert!(sb.count_429() >= 1, "429s are counted for benchmarks");
    let anon = api.with_token("").get("/me").await;
    assert_eq!(anon.status, 401, "a missing token is unauthorized");
    assert!(
        !anon.headers.contains_key("x-ratelimit-limit"),
        "unauthenticated responses carry no rate-limit headers"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn injected_faults_behave_as_configured() {
    let (sb, api) = start(small()).await;
    sb.fail_next(1, Fault::Status(503));
    let r = api.get("/me").await;
    assert_eq!(r.status, 503, "a one-shot 503 applies to the next request");
    assert_eq!(
        r.body["type"], "error.list",
        "a 5xx still carries an error.list"
    );
    assert_eq!(
        api.get("/me").await.status,
        200,
        "a one-shot fault applies once"
    );

    sb.fail_next_on("/conversations/search", 1, Fault::MalformedJson);
    assert_eq!(
        api.get("/conversations").await.status,
        200,
        "a fault restricted to a prefix spares other paths"
    );
    let raw = api
        .http
        .post(format!("{}/conversations/search", api.base))
        .bearer_auth(&api.token)
        .body(r#"{"query":{"field":"id","operator":">","value":0}}"#)
        .send()
        .await
        .expect("the search answers");
    assert_eq!(
        raw.status().as_u16(),
        200,
        "a malformed page still says 200"
    );
    let text = raw.text().await.unwrap_or_default();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the malformed page must not parse as JSON"
    );

    sb.fail_next(1, Fault::ResetMidBody);
    let resp = api
        .http
        .get(format!("{}/conversations", api.base))
        .bearer_auth(&api.token)
        .send()
        .await;
    let resp = resp.expect("a reset mid-body must still deliver the status line and headers");
    assert_eq!(
        resp.status().as_u16(),
        200,
        "a reset mid-body happens after a 200 was sent, not instead of it"
    );
    assert!(
        resp.headers().contains_key("x-ratelimit-remaining"),
        "the headers of the cut response must arrive whole"
    );
    assert!(
        resp.bytes().await.is_err(),
        "a reset mid-body must surface as a transport error while reading the body"
    );

    sb.fail_next(1, Fault::RateLimited);
    let r = api.get("/me").await;
    assert_eq!(r.status, 429, "an injected 429 is a 429");
    assert!(
        r.headers.contains_key("x-ratelimit-reset"),
        "an injected 429 carries the real headers"
    );

    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    sb.fail_next_on(
        &format!("/conversations/{id}/reply"),
        1,
        Fault::TimeoutAfterApply(Duration::from_millis(300)),
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(150))
        .build()
        .expect("a client builds");
    let sent = client
        .post(format!("{}/conversations/{id}/reply", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body(json!({"message_type": "note", "type": "admin", "admin_id": sb.admin_id(), "body": "exactly once"}).to_string())
        .send()
        .await;
    let timed_out = match sent {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(
        timed_out,
        "the client must not get the response of a timed-out write"
    );
    let log = sb.write_log();
    let entry = log
        .iter()
        .rev()
        .find(|w| w["path"] == format!("/conversations/{id}/reply"))
        .expect("the write is logged");
    assert_eq!(
        entry["applied"], true,
        "the write was applied although the response was withheld"
    );
    let conv = conversation(&api, &id).await;
    let notes = conv["conversation_parts"]["conversation_parts"]
        .as_array()
        .map_or(0, |p| {
            p.iter().filter(|p| p["body"] == "exactly once").count()
        });
    assert_eq!(notes, 1, "the applied write is visible exactly once");

    sb.fail_next(1, Fault::Stall(Duration::from_millis(50)));
    assert_eq!(api.get("/me").await.status, 200, "a stall still answers");
    sb.shutdown().await;
}

/// Regression: the reset fault used to abort before hyper flushed anything, so a client saw
/// a refused response instead of a body cut short.
#[tokio::test]
async fn reset_mid_body_sends_status_headers_and_part_of_the_body() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (sb, api) = start(small()).await;
    sb.fail_next(1, Fault::ResetMidBody);
    let addr = api.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the sandbox accepts a raw TCP connection");
    let request = format!(
        "GET /conversations HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        api.token
    );
    tcp.write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut got = Vec::new();
    // The read ends in EOF or a reset; either way `got` keeps what arrived before.
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut got)).await;
    assert!(
        read.is_ok(),
        "the server must end a reset response, not hang"
    );
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "the status line must be sent before the reset, got: {:?}",
        text.chars().take(80).collect::<String>()
    );
    let head_end = text
        .find("\r\n\r\n")
        .expect("the headers must arrive whole before the reset");
    let length: usize = text[..head_end]
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("the cut response announces its full content-length");
    let body = got.len() - (head_end + 4);
    assert!(
        body > 0,
        "part of the body must arrive before the reset (0 of {length} bytes came)"
    );
    assert!(
        body < length,
        "the body must stop short of its content-length ({body} of {length} bytes came)"
    );
    assert_eq!(
        api.get("/me").await.status,
        200,
        "the server keeps serving after a reset"
    );
    sb.shutdown().await;
}

/// The first HTML entity (`&name;`, `&#123;`, `&#x1F;`) in `text`, if any.
fn first_entity(text: &str) -> Option<&str> {
    text.match_indices('&').find_map(|(at, _)| {
        let rest = &text[at + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .unwrap_or(rest.len());
        (len > 0 && rest[len..].starts_with(';')).then(|| &text[at..at + len + 2])
    })
}

/// Regression: plaintext decoded only six entities, so `&ndash;`, `&mdash;` and
/// `&#128578;` from the generated bodies came back raw.
#[tokio::test]
async fn display_as_plaintext_leaves_no_tags_or_entities() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let with_entities: Vec<String> = truth["conversations"]
        .as_array()
        .expect("the truth lists conversations")
        .iter()
        .filter(|c| {
            let parts = c["conversation_parts"]["conversation_parts"].as_array();
            std::iter::once(&c["source"]["body"])
                .chain(parts.into_iter().flatten().map(|p| &p["body"]))
                .any(|b| b.as_str().and_then(first_entity).is_some())
        })
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .take(20)
        .collect();
    assert!(
        !with_entities.is_empty(),
        "the generated workspace must hold HTML entities for this test to mean anything"
    );
    for id in &with_entities {
        let r = api
            .get(&format!("/conversations/{id}?display_as=plaintext"))
            .await;
        assert_eq!(r.status, 200, "a plaintext retrieve succeeds: {}", r.body);
        let parts = r.body["conversation_parts"]["conversation_parts"].as_array();
        let bodies = std::iter::once(&r.body["source"]["body"])
            .chain(parts.into_iter().flatten().map(|p| &p["body"]))
            .filter_map(Value::as_str);
        for body in bodies {
            assert_eq!(
                first_entity(body),
                None,
                "plaintext must decode every entity (conversation {id}): {body:?}"
            );
            assert!(
                !body.contains("<p>") && !body.contains("</"),
                "plaintext must hold no tags (conversation {id}): {body:?}"
            );
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_token_lacking_a_read_permission_is_refused_naming_it() {
    let (sb, api) = start(SandboxConfig {
        limited_tokens: vec![("no-convs".into(), vec!["read_conversations".into()])],
        ..small()
    })
    .await;
    let limited = api.with_token("no-convs");
    assert_eq!(
        limited.get("/me").await.status,
        200,
        "/me needs no permission, so it cannot tell what the token lacks"
    );
    assert_eq!(
        limited.get("/admins").await.status,
        200,
        "permissions the app has still work"
    );
    for r in [
        limited.get("/conversations?per_page=1").await,
        limited
            .post(
                "/conversations/search",
                &json!({"query": {"field": "id", "operator": ">", "value": 0}}),
            )
            .await,
    ] {
        assert_eq!(
            (r.status, error_code(&r.body).to_string()),
            (403, "action_forbidden".to_string()),
            "reading conversations without the permission is forbidden"
        );
        assert_eq!(
            r.body["errors"][0]["data"]["required_permissions"],
            json!(["read_conversations"]),
            "the 403 names the missing permission, as Intercom's error data does"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn read_only_tokens_and_versions_are_enforced() {
    let (sb, api) = start(SandboxConfig {
        read_only_tokens: vec!["ro".into()],
        ..small()
    })
    .await;
    let ro = api.with_token("ro");
    assert_eq!(
        ro.get("/conversations").await.status,
        200,
        "a read-only token reads"
    );
    let id = ids(&ro.get("/conversations?per_page=1").await.body)[0].clone();
    let search = ro
        .post(
            "/conversations/search",
            &json!({"query": {"field": "id", "operator": ">", "value": 0}}),
        )
        .await;
    assert_eq!(
        search.status, 200,
        "search is a read, allowed to read-only tokens"
    );
    let r = ro.post(&format!("/conversations/{id}/reply"), &json!({"message_type": "note", "type": "admin", "admin_id": sb.admin_id(), "body": "x"})).await;
    assert_eq!(r.status, 403, "a read-only token may not write");
    let msg = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("write_conversations"),
        "the 403 names the missing permission: {msg}"
    );
    let log = sb.write_log();
    assert_eq!(
        log.last()
            .map(|w| (w["token_kind"].clone(), w["applied"].clone())),
        Some((json!("read_only"), json!(false))),
        "the refused write is logged as not applied"
    );

    let mut req = api
        .http
        .get(format!("{}/me", api.base))
        .bearer_auth(&api.token);
    req = req.header("Intercom-Version", "9.99");
    let r = req.send().await.expect("the sandbox answers");
    assert_eq!(
        r.status().as_u16(),
        400,
        "an unknown Intercom-Version is a 400"
    );
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(
        error_code(&body),
        "intercom_version_invalid",
        "the error says the version is invalid"
    );
    let bad = api.with_token("wrong").get("/me").await;
    assert_eq!(
        (bad.status, error_code(&bad.body).to_string()),
        (401, "unauthorized".to_string()),
        "an unknown token is unauthorized"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn data_events_list_page_and_deduplicate() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let contact = truth["contacts"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let t = now() - 3600;
    for k in 0..12 {
        let metadata: serde_json::Map<String, Value> = (0..12)
            .map(|i| (format!("key_{i:02}"), json!(format!("v{i}"))))
            .collect();
        let r = api.post("/events", &json!({"event_name": "ran-test", "created_at": t + k, "id": contact, "metadata": metadata})).await;
        assert_eq!(r.status, 202, "a data event is accepted with 202");
        assert!(r.body.is_null(), "a 202 has an empty body");
    }
    let dup = api
        .post(
            "/events",
            &json!({"event_name": "ran-test", "created_at": t, "id": contact}),
        )
        .await;
    assert_eq!(dup.status, 202, "a duplicate is still accepted");
    let events = &sb.truth()["events"][&contact];
    let ours: Vec<&Value> = events
        .as_array()
        .map(|e| e.iter().filter(|e| e["event_name"] == "ran-test").collect())
        .unwrap_or_default();
    assert_eq!(ours.len(), 12, "the duplicate must not be stored twice");
    assert_eq!(
        ours[0]["metadata"].as_object().map(|m| m.len()),
        Some(10),
        "only the first 10 metadata keys are kept"
    );
    assert!(
        ours[0]["metadata"].get("key_10").is_none(),
        "keys past the tenth are dropped"
    );

    let mut seen = 0;
    let mut url = format!("/events?type=user&intercom_user_id={contact}&per_page=5");
    for _ in 0..10 {
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "event pages load: {}", r.body);
        seen += r.body["events"].as_array().map_or(0, Vec::len);
        match r.body["pages"]["next"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(&api.base),
                    "pages.next is a full URL on the sandbox's base URL"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    let recent = events.as_array().map_or(0, |e| {
        e.iter()
            .filter(|e| e["created_at"].as_i64().unwrap_or(0) >= now() - 90 * 86_400)
            .count()
    });
    assert_eq!(
        seen, recent,
        "listing returns exactly the events under 90 days old"
    );
    let summary = api
        .get(&format!(
            "/events?type=user&intercom_user_id={contact}&summary=true"
        ))
        .await;
    assert_eq!(
        summary.body["type"], "event.summary",
        "summary=true returns a summary"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn control_api_injects_and_reports_over_http() {
    let (sb, api) = start(small()).await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/_sandbox/conversations", api.base))
        .body("{}")
        .send()
        .await
        .expect("control answers")
        .json()
        .await
        .unwrap_or_default();
    let id = created["conversation_id"]
        .as_str()
        .expect("a new conversation id")
        .to_string();
    let first = api.get("/conversations?per_page=1").await;
    assert_eq!(
        ids(&first.body),
        vec![id.clone()],
        "a new conversation is the most recently updated"
    );
    assert_eq!(
        first.body["conversations"][0]["state"], "open",
        "a new conversation is open"
    );
    let reply: Value = http
        .post(format!("{}/_sandbox/contact_reply", api.base))
        .json(&json!({"conversation_id": id, "body": "<p>ping</p>"}))
        .send()
        .await
        .expect("control answers")
        .json()
        .await
        .unwrap_or_default();
    assert!(
        reply["part_id"].is_string(),
        "contact_reply returns the part id"
    );
    let missing = http
        .post(format!("{}/_sandbox/contact_reply", api.base))
        .json(&json!({"conversation_id": "1", "body": "x"}))
        .send()
        .await
        .expect("control answers");
    assert_eq!(
        missing.status().as_u16(),
        404,
        "injecting into an unknown conversation is a 404"
    );
    let fail = http
        .post(format!("{}/_sandbox/fail_next", api.base))
        .json(&json!({"count": 1, "fault": {"kind": "status", "status": 502}}))
        .send()
        .await
        .expect("control answers");
    assert_eq!(
        fail.status().as_u16(),
        200,
        "fail_next accepts a fault spec"
    );
    assert_eq!(api.get("/me").await.status, 502, "the queued fault applies");
    let truth: Value = http
        .get(format!("{}/_sandbox/truth", api.base))
        .send()
        .await
        .expect("control answers")
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(
        truth["conversations"].as_array().map_or(0, Vec::len),
        241,
        "truth holds every conversation"
    );
    let stats: Value = http
        .get(format!("{}/_sandbox/stats", api.base))
        .send()
        .await
        .expect("control answers")
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(
        stats["requests"],
        json!(sb.request_count()),
        "stats and request_count agree"
    );
    sb.shutdown().await;
}

/// A `text/plain` POST is what any web page may send to any address, loopback included,
/// without a CORS preflight: it must never reach the control API.
async fn post_as(
    http: &reqwest::Client,
    base: &str,
    origin: Option<&str>,
    secret: Option<&str>,
    body: &str,
) -> u16 {
    let mut req = http
        .post(format!("{base}/_sandbox/conversations"))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.to_string());
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    if let Some(secret) = secret {
        req = req.header(intercom_sandbox::CONTROL_SECRET_HEADER, secret);
    }
    req.send()
        .await
        .expect("the sandbox answers")
        .status()
        .as_u16()
}

/// How many conversations of the truth mention `marker`.
fn mentioning(sb: &intercom_sandbox::Sandbox, marker: &str) -> usize {
    sb.truth()["conversations"]
        .as_array()
        .expect("the truth lists conversations")
        .iter()
        .filter(|c| c.to_string().contains(marker))
        .count()
}

#[tokio::test]
async fn the_control_api_answers_only_requests_carrying_its_secret_and_no_web_page() {
    let secret = intercom_sandbox::new_control_secret();
    assert!(
        secret.len() >= 43,
        "a control secret carries 32 random bytes (43 base64url characters), got {secret:?}"
    );
    assert_ne!(
        secret,
        intercom_sandbox::new_control_secret(),
        "every run gets its own secret"
    );
    let (sb, api) = start(SandboxConfig {
        control_secret: Some(secret.clone()),
        ..small()
    })
    .await;
    assert_eq!(
        sb.control_secret(),
        Some(secret.as_str()),
        "the sandbox says which secret it asks for"
    );
    let http = reqwest::Client::new();
    let base = api.base.as_str();
    let evil = Some("http://evil.example");
    let body =
        |marker: &str| json!({"subject": marker, "body": format!("<p>{marker}</p>")}).to_string();

    let refused = [
        (
            evil,
            None,
            "a cross-origin text/plain POST from a web page",
            403,
        ),
        (
            None,
            None,
            "a request without the secret (no Origin: an old browser, a tool)",
            401,
        ),
        (
            None,
            Some("not-the-secret"),
            "a request with a wrong secret",
            401,
        ),
        (
            evil,
            Some(secret.as_str()),
            "a foreign Origin, even with the secret",
            403,
        ),
    ];
    for (n, (origin, given, what, status)) in refused.into_iter().enumerate() {
        let marker = format!("REFUSED-{n}");
        assert_eq!(
            post_as(&http, base, origin, given, &body(&marker)).await,
            status,
            "{what} is refused"
        );
        assert_eq!(
            mentioning(&sb, &marker),
            0,
            "{what} changes nothing in the workspace"
        );
    }
    let read = http
        .get(format!("{base}/_sandbox/truth"))
        .send()
        .await
        .expect("the sandbox answers");
    assert_eq!(
        read.status().as_u16(),
        401,
        "reading the truth needs the secret too (a DNS-rebound page must not read it)"
    );

    assert_eq!(
        post_as(&http, base, None, Some(&secret), &body("ALLOWED-1")).await,
        200,
        "a request carrying the secret works"
    );
    assert_eq!(
        post_as(&http, base, Some(base), Some(&secret), &body("ALLOWED-2")).await,
        200,
        "the sandbox's own Origin is not a foreign one"
    );
    assert_eq!(
        mentioning(&sb, "ALLOWED-1"),
        1,
        "the allowed injection is in the truth"
    );
    assert_eq!(
        mentioning(&sb, "ALLOWED-2"),
        1,
        "the allowed injection is in the truth"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn without_a_secret_the_control_api_stays_open_to_tools_but_not_to_web_pages() {
    let (sb, api) = start(small()).await;
    let http = reqwest::Client::new();
    let body = |marker: &str| json!({"subject": marker}).to_string();
    assert_eq!(
        post_as(
            &http,
            &api.base,
            Some("http://evil.example"),
            None,
            &body("PAGE")
        )
        .await,
        403,
        "a web page's POST is refused even by a sandbox without a secret"
    );
    assert_eq!(
        mentioning(&sb, "PAGE"),
        0,
        "the refused POST changes nothing"
    );
    assert_eq!(
        post_as(&http, &api.base, None, None, &body("TOOL")).await,
        200,
        "tests, benchmarks and scripts that start their own sandbox need no secret"
    );
    assert_eq!(
        mentioning(&sb, "TOOL"),
        1,
        "the tool's injection is in the truth"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn control_api_updates_a_contact_visible_through_get_contact() {
    let (sb, api) = start(small()).await;
    let http = reqwest::Client::new();
    let control = |body: String| {
        let http = http.clone();
        let url = format!("{}/_sandbox/contact_update", api.base);
        async move {
            let r = http
                .post(url)
                .body(body)
                .send()
                .await
                .expect("control answers");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let truth = sb.truth();
    let id = truth["contacts"][0]["id"]
        .as_str()
        .expect("a contact id")
        .to_string();
    let before = api.get(&format!("/contacts/{id}")).await.body;
    let started = now();

    let name = "<img src=x onerror=alert(1)>Ada";
    let (status, answer) = control(json!({
        "contact_id": id,
        "name": name,
        "email": "ada@hostile.example",
        "location": {"city": "<svg onload=alert(2)>", "region": "Bavaria", "country": "Nowhere"},
        "custom_attributes": {"plan": "<script>alert(3)</script>", "vip": true, "score": 1.5, "seats": null},
    }).to_string())
    .await;
    assert_eq!(status, 200, "a valid contact update succeeds: {answer}");
    let after = api.get(&format!("/contacts/{id}")).await;
    assert_eq!(after.status, 200, "the contact is still retrievable");
    let c = &after.body;
    assert_eq!(
        &answer, c,
        "the update answers with the contact as GET /contacts/{{id}} shows it"
    );
    assert_eq!(c["name"], name, "the name is set verbatim, markup included");
    assert_eq!(c["email"], "ada@hostile.example", "the email is set");
    assert_eq!(
        c["email_domain"], "hostile.example",
        "the email domain follows the email"
    );
    assert_eq!(
        c["location"],
        json!({"type": "location", "city": "<svg onload=alert(2)>", "region": "Bavaria", "country": "Nowhere"}),
        "every location field given is set"
    );
    let attrs = c["custom_attributes"]
        .as_object()
        .expect("custom attributes are an object");
    assert_eq!(
        attrs.get("plan"),
        Some(&json!("<script>alert(3)</script>")),
        "an attribute given is overwritten"
    );
    assert_eq!(
        attrs.get("vip"),
        Some(&json!(true)),
        "a new attribute is added"
    );
    assert_eq!(
        attrs.get("score"),
        Some(&json!(1.5)),
        "numbers are kept as numbers"
    );
    assert!(
        !attrs.contains_key("seats"),
        "a null attribute value removes the attribute"
    );
    let kept: Vec<&String> = before["custom_attributes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| !["plan", "seats"].contains(&k.as_str()))
        .collect();
    for k in kept {
        assert_eq!(
            attrs.get(k.as_str()),
            before["custom_attributes"].get(k.as_str()),
            "an attribute the update does not name is kept (merge, not replace): {k}"
        );
    }
    assert!(
        c["updated_at"].as_i64() >= Some(started),
        "an update moves updated_at to now: {} < {started}",
        c["updated_at"]
    );
    assert_eq!(
        c["phone"], before["phone"],
        "a field the update does not name keeps its value"
    );
    let found = api
        .post(
            "/contacts/search",
            &json!({"query": {"field": "name", "operator": "=", "value": name}}),
        )
        .await;
    assert_eq!(
        found.body["data"][0]["id"], id,
        "contact search sees the new name: {}",
        found.body
    );

    // The library method does the same.
    let out = sb
        .update_contact(
            &id,
            intercom_sandbox::ContactUpdate {
                name: Some("Ada Again".into()),
                ..Default::default()
            },
        )
        .expect("an in-process update of a known contact succeeds");
    assert_eq!(
        out["name"], "Ada Again",
        "the method returns the new contact"
    );
    assert_eq!(
        api.get(&format!("/contacts/{id}")).await.body["name"],
        "Ada Again",
        "the in-process update is visible over HTTP"
    );

    // Bad input: a clear 4xx, and nothing changes.
    let cases = [
        (
            json!({"contact_id": "nope", "name": "x"}),
            404,
            "contact nope does not exist",
        ),
        (json!({"name": "x"}), 400, "needs contact_id"),
        (
            json!({"contact_id": id, "name": 5}),
            400,
            "name must be a string",
        ),
        (
            json!({"contact_id": id, "custom_attributes": "plan=pro"}),
            400,
            "custom_attributes must be an object",
        ),
        (
            json!({"contact_id": id, "custom_attributes": ["plan"]}),
            400,
            "custom_attributes must be an object",
        ),
        (
            json!({"contact_id": id, "name": "changed", "custom_attributes": {"plan": {"nested": 1}}}),
            400,
            "custom attribute 'plan' must be a string, a number or a boolean",
        ),
        (
            json!({"contact_id": id, "location": "Berlin"}),
            400,
            "location must be an object",
        ),
        (
            json!({"contact_id": id, "location": {"city": 3}}),
            400,
            "location.city must be a string",
        ),
        (
            json!({"contact_id": id, "location": {"planet": "Mars"}}),
            400,
            "location.planet",
        ),
        (
            json!({"contact_id": id, "colour": "red"}),
            400,
            "unknown field 'colour'",
        ),
    ];
    for (body, status, needle) in cases {
        let (got, answer) = control(body.to_string()).await;
        assert_eq!(got, status, "{body} must answer {status}: {answer}");
        let msg = answer["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(needle),
            "{body}: the message must say what is wrong ({needle}), got: {msg}"
        );
    }
    let (got, _) = control("{not json".into()).await;
    assert_eq!(got, 400, "a body that is not a JSON object is a 400");
    let unchanged = api.get(&format!("/contacts/{id}")).await.body;
    assert_eq!(
        unchanged["name"], "Ada Again",
        "a rejected update changes nothing, not even its valid fields"
    );
    assert_eq!(
        unchanged["custom_attributes"]["plan"], "<script>alert(3)</script>",
        "a rejected update leaves the attributes alone"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_same_seed_generates_the_same_workspace() {
    let cfg = SandboxConfig {
        epoch: Some(1_750_000_000),
        ..small()
    };
    let (a, _) = start(cfg.clone()).await;
    let (b, _) = start(cfg).await;
    let (ta, tb) = (a.truth(), b.truth());
    assert_eq!(
        ta["conversations"], tb["conversations"],
        "conversations depend only on seed and epoch"
    );
    assert_eq!(ta["admins"], tb["admins"], "admins depend only on seed");
    let convs = ta["conversations"].as_array().cloned().unwrap_or_default();
    let oldest = convs
        .iter()
        .filter_map(|c| c["created_at"].as_i64())
        .min()
        .unwrap_or(0);
    assert!(
        1_750_000_000 - oldest > 90 * 86_400,
        "history spans more than 90 days"
    );
    let hostile = convs
        .iter()
        .filter(|c| {
            c["source"]["body"].as_str().is_some_and(|b| {
                b.contains("<script") || b.contains("javascript:") || b.contains("onerror")
            })
        })
        .count();
    assert!(
        hostile < convs.len() / 10,
        "hostile markup is a small share ({hostile})"
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// Lower-case words of an HTML body as `source.body ~` tokenises them.
fn body_words(html: &str) -> Vec<String> {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn every_search_operator_and_field_agrees_with_the_truth() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let convs = truth["conversations"]
        .as_array()
        .expect("the truth lists conversations")
        .clone();
    let first_set = |key: &str| {
        convs
            .iter()
            .find_map(|c| c[key].as_u64())
            .unwrap_or_else(|| panic!("some conversation must have {key} for this test"))
    };
    let admin = first_set("admin_assignee_id");
    let team = first_set("team_assignee_id");
    let contact = convs[5]["contacts"]["contacts"][0]["id"]
        .as_str()
        .expect("a conversation has a contact")
        .to_string();
    let mut waits: Vec<i64> = convs
        .iter()
        .filter_map(|c| c["waiting_since"].as_i64())
        .collect();
    waits.sort_unstable();
    let wait = waits[waits.len() / 2];
    type Pred = Box<dyn Fn(&Value) -> bool>;
    let cases: Vec<(&str, Value, Pred)> = vec![
        (
            "read = false",
            json!({"field": "read", "operator": "=", "value": false}),
            Box::new(|c| c["read"] == false),
        ),
        (
            "read != true",
            json!({"field": "read", "operator": "!=", "value": true}),
            Box::new(|c| c["read"] == false),
        ),
        (
            "admin_assignee_id = X",
            json!({"field": "admin_assignee_id", "operator": "=", "value": admin}),
            Box::new(move |c| c["admin_assignee_id"] == admin),
        ),
        (
            "admin_assignee_id = 0",
            json!({"field": "admin_assignee_id", "operator": "=", "value": 0}),
            Box::new(|c| c["admin_assignee_id"].is_null()),
        ),
        (
            "admin_assignee_id = null",
            json!({"field": "admin_assignee_id", "operator": "=", "value": null}),
            Box::new(|c| c["admin_assignee_id"].is_null()),
        ),
        (
            "admin_assignee_id != null",
            json!({"field": "admin_assignee_id", "operator": "!=", "value": null}),
            Box::new(|c| !c["admin_assignee_id"].is_null()),
        ),
        (
            "team_assignee_id IN",
            json!({"field": "team_assignee_id", "operator": "IN", "value": [team]}),
            Box::new(move |c| c["team_assignee_id"] == team),
        ),
        (
            "team_assignee_id NIN",
            json!({"field": "team_assignee_id", "operator": "NIN", "value": [team]}),
            Box::new(move |c| c["team_assignee_id"] != team),
        ),
        (
            "contact_ids =",
            json!({"field": "contact_ids", "operator": "=", "value": contact}),
            Box::new(move |c| {
                c["contacts"]["contacts"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x["id"] == contact.as_str()))
            }),
        ),
        (
            "waiting_since > (inclusive)",
            json!({"field": "waiting_since", "operator": ">", "value": wait}),
            Box::new(move |c| c["waiting_since"].as_i64().is_some_and(|w| w >= wait)),
        ),
        (
            "waiting_since < (inclusive)",
            json!({"field": "waiting_since", "operator": "<", "value": wait}),
            Box::new(move |c| c["waiting_since"].as_i64().is_some_and(|w| w <= wait)),
        ),
        (
            "waiting_since = null",
            json!({"field": "waiting_since", "operator": "=", "value": null}),
            Box::new(|c| c["waiting_since"].is_null()),
        ),
        (
            "snoozed_until != null",
            json!({"field": "snoozed_until", "operator": "!=", "value": null}),
            Box::new(|c| !c["snoozed_until"].is_null()),
        ),
        (
            "source.body ~ word",
            json!({"field": "source.body", "operator": "~", "value": "invoice"}),
            Box::new(|c| {
                body_words(c["source"]["body"].as_str().unwrap_or(""))
                    .iter()
                    .any(|w| w == "invoice")
            }),
        ),
        (
            "source.body !~ word",
            json!({"field": "source.body", "operator": "!~", "value": "invoice"}),
            Box::new(|c| {
                !body_words(c["source"]["body"].as_str().unwrap_or(""))
                    .iter()
                    .any(|w| w == "invoice")
            }),
        ),
        (
            "state ^",
            json!({"field": "state", "operator": "^", "value": "clo"}),
            Box::new(|c| c["state"] == "closed"),
        ),
        (
            "state $",
            json!({"field": "state", "operator": "$", "value": "zed"}),
            Box::new(|c| c["state"] == "snoozed"),
        ),
        (
            "state ~",
            json!({"field": "state", "operator": "~", "value": "pe"}),
            Box::new(|c| c["state"] == "open"),
        ),
        (
            "state !~",
            json!({"field": "state", "operator": "!~", "value": "pe"}),
            Box::new(|c| c["state"] != "open"),
        ),
        (
            "state IN",
            json!({"field": "state", "operator": "IN", "value": ["open", "snoozed"]}),
            Box::new(|c| c["state"] != "closed"),
        ),
        (
            "state NIN",
            json!({"field": "state", "operator": "NIN", "value": ["open", "snoozed"]}),
            Box::new(|c| c["state"] == "closed"),
        ),
    ];
    for (name, query, pred) in cases {
        let mut expected: Vec<String> = convs
            .iter()
            .filter(|c| pred(c))
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect();
        expected.sort();
        assert!(
            !expected.is_empty() && expected.len() < convs.len(),
            "{name}: the workspace must split on this query for the check to mean anything ({} of {})",
            expected.len(),
            convs.len()
        );
        let mut got = search_all(
            &api,
            query,
            json!({"field": "created_at", "order": "ascending"}),
            150,
        )
        .await;
        got.sort();
        assert_eq!(
            got, expected,
            "{name}: search must return exactly the conversations the truth says match"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn retrieve_returns_only_the_500_newest_parts() {
    let (sb, api) = start(small()).await;
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    for i in 1..=505 {
        sb.inject_contact_reply(&id, &format!("<p>r{i}</p>"))
            .expect("the control API injects into a known conversation");
    }
    let truth_parts: Vec<Value> = sb.truth()["conversations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id.as_str()))
        .and_then(|c| c["conversation_parts"]["conversation_parts"].as_array())
        .cloned()
        .expect("the truth holds the conversation");
    assert!(
        truth_parts.len() > 505,
        "the truth keeps every part, past the cap"
    );
    let got = conversation(&api, &id).await;
    let parts = got["conversation_parts"]["conversation_parts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(parts.len(), 500, "Intercom returns at most 500 parts");
    let part_ids = |l: &[Value]| l.iter().map(|p| p["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        part_ids(&parts),
        part_ids(&truth_parts[truth_parts.len() - 500..]),
        "the parts kept are the 500 newest, oldest first"
    );
    assert_eq!(
        parts[499]["body"], "<p>r505</p>",
        "the newest part is the last one injected"
    );
    assert!(
        parts.iter().all(|p| p["body"] != "<p>r5</p>"),
        "an old part beyond the cap is left out"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn put_and_every_part_action_bump_updated_at() {
    let (sb, api) = start(small()).await;
    let started = now();
    let admin = sb.admin_id().to_string();
    let stale: Vec<String> = sb.truth()["conversations"]
        .as_array()
        .expect("the truth lists conversations")
        .iter()
        .filter(|c| c["state"] == "open" && c["updated_at"].as_i64() < Some(started - 60))
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .take(7)
        .collect();
    assert_eq!(
        stale.len(),
        7,
        "the history holds open conversations last changed a while ago"
    );
    let later = started + 3600;
    let changes: Vec<(&str, &str, reqwest::Method, Value)> = vec![
        ("PUT read", "", reqwest::Method::PUT, json!({"read": true})),
        (
            "PUT custom_attributes",
            "",
            reqwest::Method::PUT,
            json!({"custom_attributes": {"tier": "gold"}}),
        ),
        (
            "note",
            "/reply",
            reqwest::Method::POST,
            json!({"message_type": "note", "type": "admin", "admin_id": admin, "body": "n"}),
        ),
        (
            "snooze",
            "/parts",
            reqwest::Method::POST,
            json!({"message_type": "snoozed", "admin_id": admin, "snoozed_until": later}),
        ),
        (
            "assign",
            "/parts",
            reqwest::Method::POST,
            json!({"message_type": "assignment", "type": "admin", "admin_id": admin, "assignee_id": admin}),
        ),
        (
            "close",
            "/parts",
            reqwest::Method::POST,
            json!({"message_type": "close", "type": "admin", "admin_id": admin}),
        ),
        (
            "open",
            "/parts",
            reqwest::Method::POST,
            json!({"message_type": "open", "admin_id": admin}),
        ),
    ];
    for ((name, suffix, method, body), id) in changes.into_iter().zip(&stale) {
        let before = conversation(&api, id).await["updated_at"]
            .as_i64()
            .unwrap_or(i64::MAX);
        let r = api
            .send(
                method,
                &format!("/conversations/{id}{suffix}"),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(r.status, 200, "{name} must succeed: {}", r.body);
        let after = conversation(&api, id).await["updated_at"]
            .as_i64()
            .unwrap_or(0);
        assert!(
            after > before && after >= started,
            "{name} is a change, so it must move updated_at to now ({before} -> {after}, test started {started})"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_contact_reply_reopens_a_snoozed_conversation() {
    let (sb, api) = start(small()).await;
    let admin = sb.admin_id().to_string();
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    let until = now() + 3600;
    let r = api
        .post(
            &format!("/conversations/{id}/parts"),
            &json!({"message_type": "snoozed", "admin_id": admin, "snoozed_until": until}),
        )
        .await;
    assert_eq!(r.body["state"], "snoozed", "the snooze applies: {}", r.body);
    let contact = r.body["contacts"]["contacts"][0]["id"].clone();
    let r = api
        .post(
            &format!("/conversations/{id}/reply"),
            &json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": "<p>Any news?</p>"}),
        )
        .await;
    assert_eq!(r.status, 200, "a contact reply is accepted: {}", r.body);
    let c = conversation(&api, &id).await;
    assert_eq!(
        c["state"], "open",
        "a contact reply reopens a snoozed conversation before its timer"
    );
    assert!(
        c["snoozed_until"].is_null(),
        "a reopened conversation is no longer snoozed until anything"
    );
    assert_eq!(c["read"], false, "the contact reply leaves it unread");
    sb.shutdown().await;
}

#[tokio::test]
async fn live_activity_moves_counts_within_a_deadline() {
    let (sb, api) = start(SandboxConfig {
        live_rate: 6000.0,
        ..small()
    })
    .await;
    let parts_and_teammate_actions = |truth: &Value, teammate: &Value| {
        let convs = truth["conversations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let parts: Vec<Value> = convs
            .iter()
            .flat_map(|c| {
                c["conversation_parts"]["conversation_parts"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let actions = parts
            .iter()
            .filter(|p| {
                p["author"]["id"] == *teammate
                    && matches!(p["part_type"].as_str(), Some("assignment" | "close"))
            })
            .count();
        (convs.len(), parts.len(), actions)
    };
    let initial = sb.truth();
    let teammate = initial["admins"][1]["id"].clone();
    let (convs0, parts0, actions0) = parts_and_teammate_actions(&initial, &teammate);
    let total0 = api.get("/conversations?per_page=1").await.body["total_count"].clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (convs, parts, actions) = parts_and_teammate_actions(&sb.truth(), &teammate);
        if convs > convs0 && parts > parts0 && actions > actions0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "with live activity on, new conversations ({convs0} -> {convs}), contact replies ({parts0} -> {parts} parts) and teammate assignments or closes ({actions0} -> {actions}) must all arrive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let total = api.get("/conversations?per_page=1").await.body["total_count"].clone();
    assert_ne!(
        total, total0,
        "the API's counts move with the live activity, not only the truth"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn config_fault_rates_apply_and_a_zero_stall_is_refused() {
    let refused = intercom_sandbox::Sandbox::start(SandboxConfig {
        faults: FaultRates {
            stall_rate: 0.5,
            stall_ms: 0,
            ..FaultRates::default()
        },
        ..small()
    })
    .await;
    assert!(
        matches!(refused, Err(intercom_sandbox::SandboxError::Invalid(ref m)) if m.contains("stall_ms")),
        "a stall rate with 0 ms would stall nothing, so start must refuse it"
    );

    let (sb, api) = start(SandboxConfig {
        faults: FaultRates {
            malformed_rate: 1.0,
            ..FaultRates::default()
        },
        ..small()
    })
    .await;
    let text = api
        .http
        .get(format!("{}/me", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("a malformed page still answers")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "SandboxConfig::faults must apply from the first request"
    );
    let put = api
        .http
        .put(format!("{}/_sandbox/faults", api.base))
        .body(json!({"stall_rate": 0.5, "stall_ms": 0}).to_string())
        .send()
        .await
        .expect("the control API answers");
    assert_eq!(
        put.status().as_u16(),
        400,
        "the control API must refuse a stall rate whose stalls last 0 ms"
    );
    let put = api
        .http
        .put(format!("{}/_sandbox/faults", api.base))
        .body(json!({"stall_rate": 0.5}).to_string())
        .send()
        .await
        .expect("the control API answers");
    let echoed: Value = put.json().await.unwrap_or_default();
    assert_eq!(
        echoed["stall_ms"],
        intercom_sandbox::DEFAULT_STALL_MS,
        "a stall rate without a duration stalls for the default, not for 0 ms"
    );
    sb.shutdown().await;
}

fn truth_conversation(truth: &Value, id: &str) -> Value {
    truth["conversations"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("the truth holds conversation {id}"))
}

/// Regression: booleans and floats (in Intercom's own examples) got a 400, and `company_id`
/// was accepted and silently dropped.
#[tokio::test]
async fn put_takes_boolean_and_float_attributes_and_applies_company_id() {
    let (sb, api) = start(small()).await;
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    let r = api
        .put(
            &format!("/conversations/{id}"),
            &json!({"custom_attributes": {"paid_subscriber": true, "monthly_spend": 155.5, "team_mates": 9}}),
        )
        .await;
    assert_eq!(
        r.status, 200,
        "bool and float attributes are valid: {}",
        r.body
    );
    let attrs = &conversation(&api, &id).await["custom_attributes"];
    assert_eq!(
        (
            &attrs["paid_subscriber"],
            &attrs["monthly_spend"],
            &attrs["team_mates"]
        ),
        (&json!(true), &json!(155.5), &json!(9)),
        "each attribute reads back with its type"
    );
    let r = api
        .put(
            &format!("/conversations/{id}"),
            &json!({"custom_attributes": {"list": [1]}}),
        )
        .await;
    assert_eq!(
        r.status, 400,
        "a list is no attribute value the sandbox models: {}",
        r.body
    );

    let company = sb.truth()["contacts"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find_map(|c| c["companies"]["data"][0]["id"].as_str().map(str::to_string))
        })
        .expect("some contact belongs to a company");
    let r = api
        .put(
            &format!("/conversations/{id}"),
            &json!({"company_id": company}),
        )
        .await;
    assert_eq!(r.status, 200, "a known company_id is accepted: {}", r.body);
    assert_eq!(
        truth_conversation(&sb.truth(), &id)["company_id"],
        company.as_str(),
        "company_id is applied, not dropped"
    );
    let r = api
        .put(
            &format!("/conversations/{id}"),
            &json!({"company_id": "no-such-company"}),
        )
        .await;
    assert_eq!(r.status, 404, "an unknown company is not found: {}", r.body);
    assert_eq!(
        error_code(&r.body),
        "company_not_found",
        "Intercom's code for it"
    );
    assert_eq!(
        truth_conversation(&sb.truth(), &id)["company_id"],
        company.as_str(),
        "a refused PUT changes nothing"
    );
    let r = api
        .put(
            &format!("/conversations/{id}"),
            &json!({"company_id": null}),
        )
        .await;
    assert_eq!(r.status, 200, "null removes the company: {}", r.body);
    assert!(
        truth_conversation(&sb.truth(), &id)["company_id"].is_null(),
        "null removes the company, as documented"
    );
    sb.shutdown().await;
}

/// Regression: `pages.since` was emitted but `since` was never read, so following it
/// returned the same events again.
#[tokio::test]
async fn following_events_since_returns_only_newer_events() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let (contact, count) = truth["events"]
        .as_object()
        .and_then(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_array().map_or(0, Vec::len)))
                .max_by_key(|(_, n)| *n)
        })
        .expect("the generator makes data events");
    assert!(count > 0, "the contact chosen has events");
    let first = api
        .get(&format!(
            "/events?type=user&intercom_user_id={contact}&per_page=50"
        ))
        .await;
    assert_eq!(first.status, 200, "the event list answers: {}", first.body);
    assert!(
        first.body["events"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "the contact has recent events to list"
    );
    let since = first.body["pages"]["since"]
        .as_str()
        .expect("a non-empty event list links to what comes after it")
        .to_string();
    let again = api.get(&since).await;
    assert_eq!(again.status, 200, "the since URL answers: {}", again.body);
    assert_eq!(
        again.body["events"].as_array().map(Vec::len),
        Some(0),
        "nothing new happened, so following pages.since must repeat none of the events: {}",
        again.body
    );
    let r = api
        .post(
            "/events",
            &json!({"event_name": "came-later", "created_at": now() + 1, "id": contact}),
        )
        .await;
    assert_eq!(r.status, 202, "a newer event is accepted");
    let newer = api.get(&since).await;
    let names: Vec<&str> = newer.body["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["event_name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["came-later"],
        "following pages.since yields exactly the event that came after"
    );
    let bad = api
        .get(&format!(
            "/events?type=user&intercom_user_id={contact}&since=soon"
        ))
        .await;
    assert_eq!(
        bad.status, 400,
        "a since that is no timestamp is a 400: {}",
        bad.body
    );
    sb.shutdown().await;
}

/// Regression: a body over the 4 MiB cap was read as empty and answered "the request body
/// is empty".
#[tokio::test]
async fn a_body_over_the_size_cap_is_reported_as_too_large() {
    let (sb, api) = start(small()).await;
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    let huge = json!({"message_type": "note", "type": "admin", "admin_id": sb.admin_id(), "body": "x".repeat(5 * 1024 * 1024)});
    let r = api.post(&format!("/conversations/{id}/reply"), &huge).await;
    assert_eq!(
        r.status, 413,
        "a body over the cap is too large, not empty: {}",
        r.body
    );
    assert_eq!(r.body["type"], "error.list", "it is still an error.list");
    let msg = r.body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("larger than 4 MiB"),
        "the message says what is wrong: {msg}"
    );
    assert_eq!(api.get("/me").await.status, 200, "the server keeps serving");
    sb.shutdown().await;
}

/// Regression: a contact reply ignored the contact it named and was always written as the
/// conversation's first contact.
#[tokio::test]
async fn a_contact_reply_is_written_by_the_contact_it_names() {
    let (sb, api) = start(small()).await;
    let truth = sb.truth();
    let id = ids(&api.get("/conversations?per_page=1").await.body)[0].clone();
    let participant = truth_conversation(&truth, &id)["contacts"]["contacts"][0]["id"].clone();
    let other = truth["contacts"]
        .as_array()
        .and_then(|c| {
            c.iter()
                .find(|c| c["id"] != participant && c["external_id"].is_string())
        })
        .cloned()
        .expect("the workspace has another contact with a user_id");
    let reply = |ident: Value| {
        let mut body = json!({"message_type": "comment", "type": "user", "body": "<p>It's me</p>"});
        if let (Some(b), Some(i)) = (body.as_object_mut(), ident.as_object()) {
            b.extend(i.clone());
        }
        body
    };
    for ident in [
        json!({"intercom_user_id": other["id"]}),
        json!({"user_id": other["external_id"]}),
        json!({"email": other["email"]}),
    ] {
        let r = api
            .post(&format!("/conversations/{id}/reply"), &reply(ident.clone()))
            .await;
        assert_eq!(
            r.status, 200,
            "a reply naming a known contact by {ident} is accepted: {}",
            r.body
        );
        let author = &r.body["conversation_parts"]["conversation_parts"][0]["author"];
        assert_eq!(
            author["id"], other["id"],
            "the part is written by the contact named by {ident}, not the first participant"
        );
    }
    let contacts = &truth_conversation(&sb.truth(), &id)["contacts"]["contacts"];
    assert!(
        contacts
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["id"] == other["id"])),
        "a contact who replies takes part in the conversation"
    );
    let r = api
        .post(
            &format!("/conversations/{id}/reply"),
            &reply(json!({"email": "nobody@nowhere.test"})),
        )
        .await;
    assert_eq!(r.status, 404, "an unknown contact is not found: {}", r.body);
    assert_eq!(
        r.body["errors"][0]["field"], "email",
        "the error names the identifier sent"
    );
    let r = api
        .post(&format!("/conversations/{id}/reply"), &reply(json!({})))
        .await;
    assert_eq!(
        r.status, 400,
        "a contact reply must name its contact: {}",
        r.body
    );
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("intercom_user_id, user_id or email")),
        "the message lists the identifiers: {}",
        r.body
    );
    sb.shutdown().await;
}
