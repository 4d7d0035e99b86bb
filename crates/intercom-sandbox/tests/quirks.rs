//! Quirks mode over real loopback HTTP: the answers a real Intercom workspace gives and the
//! plain sandbox never did (merged contacts, records deleted mid-sync, paging that does not
//! advance, junk list items, unknown enum values, extra and missing fields), and the proof
//! that with quirks off every answer is byte for byte what it was before quirks existed.

mod common;

use std::collections::BTreeSet;

use common::{error_code, start, Api};
use intercom_sandbox::{MergedAnswer, Quirks, Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// A workspace whose answers do not depend on the wall clock: its history ends in 2096, so
/// no snooze has expired and every data event is under 90 days old whenever the test runs.
fn fixed() -> SandboxConfig {
    SandboxConfig {
        seed: 5,
        conversations: 120,
        contacts: 40,
        epoch: Some(4_000_000_000),
        ..Default::default()
    }
}

/// FNV-1a, 64 bits: a digest that is the same on every platform and toolchain.
fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// The raw body of one request, as the client receives it.
async fn raw(api: &Api, method: reqwest::Method, path: &str, body: Option<&Value>) -> Vec<u8> {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}{}", api.base, path)
    };
    let mut req = api
        .http
        .request(method, url)
        .header("Intercom-Version", "2.14")
        .bearer_auth(&api.token);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.expect("the sandbox answers over loopback");
    resp.bytes().await.expect("the body arrives whole").to_vec()
}

/// Every read answer of the workspace, in a fixed order: the identity, admins and teams,
/// a full list walk and a full search walk, every conversation (HTML and plain text), a
/// contacts search walk, every contact, and each contact's events page by page.
async fn transcript(api: &Api, truth: &Value) -> Vec<(String, Vec<u8>)> {
    use reqwest::Method;
    let mut out = Vec::new();
    for path in ["/me", "/admins", "/teams"] {
        out.push((path.to_string(), raw(api, Method::GET, path, None).await));
    }
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/conversations?per_page=25".to_string(),
            Some(c) => format!("/conversations?per_page=25&starting_after={c}"),
        };
        let body = raw(api, Method::GET, &path, None).await;
        let v: Value = serde_json::from_slice(&body).expect("a list page is JSON");
        out.push((path, body));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let query = json!({"field": "created_at", "operator": ">", "value": 0});
    let mut cursor: Option<String> = None;
    loop {
        let body = json!({"query": query, "sort": {"field": "updated_at", "order": "ascending"},
            "pagination": {"per_page": 30, "starting_after": cursor}});
        let bytes = raw(api, Method::POST, "/conversations/search", Some(&body)).await;
        let v: Value = serde_json::from_slice(&bytes).expect("a search page is JSON");
        out.push((format!("search {body}"), bytes));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    for (i, c) in truth["conversations"]
        .as_array()
        .expect("truth lists conversations")
        .iter()
        .enumerate()
    {
        let id = c["id"].as_str().expect("conversation ids are strings");
        let path = format!("/conversations/{id}");
        out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        if i % 10 == 0 {
            let path = format!("/conversations/{id}?display_as=plaintext");
            out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        }
    }
    let query = json!({"field": "email", "operator": "~", "value": "@"});
    let mut cursor: Option<String> = None;
    loop {
        let body =
            json!({"query": query, "pagination": {"per_page": 15, "starting_after": cursor}});
        let bytes = raw(api, Method::POST, "/contacts/search", Some(&body)).await;
        let v: Value = serde_json::from_slice(&bytes).expect("a contacts page is JSON");
        out.push((format!("contacts {body}"), bytes));
        cursor = v["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    for c in truth["contacts"].as_array().expect("truth lists contacts") {
        let id = c["id"].as_str().expect("contact ids are strings");
        let path = format!("/contacts/{id}");
        out.push((path.clone(), raw(api, Method::GET, &path, None).await));
        let mut next = Some(format!(
            "/events?type=user&intercom_user_id={id}&per_page=2"
        ));
        while let Some(path) = next {
            let bytes = raw(api, Method::GET, &path, None).await;
            let v: Value = serde_json::from_slice(&bytes).expect("an events page is JSON");
            out.push((path, bytes));
            next = v["pages"]["next"].as_str().map(str::to_string);
        }
    }
    out
}

/// The digest of a transcript, with the sandbox's address (a free port, different on each
/// run) written as `BASE` so that only the answers count.
/// The digest of [`transcript`] of [`fixed`] on the sandbox before quirks existed.
const PRE_QUIRKS_DIGEST: u64 = 0xbdf0_7e71_4356_8919;

fn digest(transcript: &[(String, Vec<u8>)], base: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    for (what, body) in transcript {
        let body = String::from_utf8_lossy(body).replace(base, "BASE");
        fnv(&mut h, what.replace(base, "BASE").as_bytes());
        fnv(&mut h, &[0]);
        fnv(&mut h, body.as_bytes());
        fnv(&mut h, &[0xff]);
    }
    h
}

#[tokio::test]
async fn quirks_off_answers_are_byte_identical_to_the_sandbox_before_quirks() {
    let (sb, api) = start(fixed()).await;
    let t = transcript(&api, &sb.truth()).await;
    assert_eq!(
        t.len(),
        306,
        "the transcript must cover the same requests as when the digest was recorded"
    );
    // Recorded on the sandbox as it was before quirks existed (commit a35fa53): with quirks
    // off, every Intercom answer must stay byte for byte the same for the same seed.
    assert_eq!(
        digest(&t, sb.base_url()),
        PRE_QUIRKS_DIGEST,
        "with quirks off the answers must be byte-identical to the sandbox before quirks"
    );
    sb.shutdown().await;
}

fn with(quirks: Quirks) -> SandboxConfig {
    SandboxConfig { quirks, ..fixed() }
}

/// An id as a string, whether it came as a string or (a quirk) as a number.
fn id_of(v: &Value) -> Option<String> {
    match v.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ids of the records of type `kind` in `list`, skipping anything else (junk).
fn ids_of(list: &Value, kind: &str) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter(|v| v.get("type").and_then(Value::as_str) == Some(kind))
                .filter_map(id_of)
                .collect()
        })
        .unwrap_or_default()
}

/// One page as a naive client saw it: the cursor it sent, the ids it got, the next cursor.
#[derive(Debug)]
struct Seen {
    sent: Option<String>,
    ids: Vec<String>,
    next: Option<String>,
}

/// More pages than any walk here needs, even with every paging quirk spent on it: a walk
/// longer than this is a sandbox that never lets a naive client finish.
const MAX_PAGES: usize = 60;

/// Follows `pages.next` of `GET /conversations` naively, as a client without loop
/// protection would.
async fn walk_list(api: &Api, per_page: usize) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut sent: Option<String> = None;
    while out.len() < MAX_PAGES {
        let path = match &sent {
            None => format!("/conversations?per_page={per_page}"),
            Some(c) => format!("/conversations?per_page={per_page}&starting_after={c}"),
        };
        let r = api.get(&path).await;
        assert_eq!(r.status, 200, "every list page must succeed: {}", r.body);
        let next = r.body["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        out.push(Seen {
            sent: sent.clone(),
            ids: ids_of(&r.body["conversations"], "conversation"),
            next: next.clone(),
        });
        match next {
            Some(n) => sent = Some(n),
            None => return out,
        }
    }
    panic!("a naive walk must end within {MAX_PAGES} pages: the quirks are one-shots");
}

/// Follows `pages.next` of a search naively; `items` and `kind` name the records.
async fn walk_search(
    api: &Api,
    path: &str,
    query: &Value,
    per_page: usize,
    items: &str,
    kind: &str,
) -> Vec<Seen> {
    let mut out = Vec::new();
    let mut sent: Option<String> = None;
    while out.len() < MAX_PAGES {
        let body =
            json!({"query": query, "pagination": {"per_page": per_page, "starting_after": sent}});
        let r = api.post(path, &body).await;
        assert_eq!(r.status, 200, "every search page must succeed: {}", r.body);
        let next = r.body["pages"]["next"]["starting_after"]
            .as_str()
            .map(str::to_string);
        out.push(Seen {
            sent: sent.clone(),
            ids: ids_of(&r.body[items], kind),
            next: next.clone(),
        });
        match next {
            Some(n) => sent = Some(n),
            None => return out,
        }
    }
    panic!("a naive walk must end within {MAX_PAGES} pages: the quirks are one-shots");
}

fn all_conversations() -> Value {
    json!({"field": "created_at", "operator": ">", "value": 0})
}

fn all_contacts() -> Value {
    json!({"field": "email", "operator": "~", "value": "@"})
}

fn unique(seen: &[Seen]) -> BTreeSet<String> {
    seen.iter().flat_map(|p| p.ids.iter().cloned()).collect()
}

fn truth_ids(truth: &Value, what: &str) -> BTreeSet<String> {
    truth[what]
        .as_array()
        .expect("the truth lists records")
        .iter()
        .filter_map(id_of)
        .collect()
}

/// Contact ids some conversation of the truth names.
fn named_contacts(truth: &Value) -> BTreeSet<String> {
    truth["conversations"]
        .as_array()
        .expect("the truth lists conversations")
        .iter()
        .flat_map(|c| ids_of(&c["contacts"]["contacts"], "contact"))
        .collect()
}

fn role_of(truth: &Value, id: &str) -> String {
    truth["contacts"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .and_then(|c| c["role"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn event_ids(truth: &Value, contact: &str) -> BTreeSet<String> {
    truth["events"][contact]
        .as_array()
        .map(|a| a.iter().filter_map(id_of).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_merged_contact_answers_the_other_id_or_404_and_search_never_lists_it() {
    let (sb, api) = start(fixed()).await;
    let before = sb.truth();
    let named = named_contacts(&before);
    let leads: Vec<String> = named
        .iter()
        .filter(|id| role_of(&before, id) == "lead")
        .cloned()
        .collect();
    let users: Vec<String> = named
        .iter()
        .filter(|id| role_of(&before, id) == "user")
        .cloned()
        .collect();
    assert!(
        leads.len() >= 2 && users.len() >= 2,
        "the workspace must name leads and users to merge"
    );
    let with_events = leads
        .iter()
        .find(|id| !event_ids(&before, id).is_empty())
        .unwrap_or(&leads[0])
        .clone();
    let (from1, into1) = (with_events.clone(), users[0].clone());
    let from2 = leads
        .iter()
        .find(|id| **id != from1)
        .expect("a second lead")
        .clone();
    let into2 = users[1].clone();

    let first = sb
        .merge_contact(&from1, &into1)
        .expect("a named lead merges into a user");
    assert_eq!(
        first,
        MergedAnswer::Into,
        "the first merge answers with the other contact (alternating by merge order)"
    );
    let r = api
        .post(
            "/_sandbox/merge_contact",
            &json!({"from": from2, "into": into2}),
        )
        .await;
    assert_eq!(r.status, 200, "the control call merges: {}", r.body);
    assert_eq!(
        r.body["answer"], "not_found",
        "the second merge answers 404, so both answers are exercised"
    );

    let got = api.get(&format!("/contacts/{from1}")).await;
    assert_eq!(
        got.status, 200,
        "a merged contact may answer 200: {}",
        got.body
    );
    assert_eq!(
        got.body["id"], into1,
        "the 200 answer is the contact it was merged into, with the other id (the live bug)"
    );
    let gone = api.get(&format!("/contacts/{from2}")).await;
    assert_eq!(
        gone.status, 404,
        "a merged contact may answer 404 as 2.14 documents"
    );
    assert_eq!(error_code(&gone.body), "not_found", "the 404 is not_found");

    let events = api
        .get(&format!(
            "/events?type=user&intercom_user_id={from1}&per_page=100"
        ))
        .await;
    assert_eq!(
        events.status, 200,
        "events of a merged contact answer like the contact"
    );
    let got_events: BTreeSet<String> = ids_of(&events.body["events"], "event")
        .into_iter()
        .collect();
    let moved: BTreeSet<String> = event_ids(&before, &from1)
        .union(&event_ids(&before, &into1))
        .cloned()
        .collect();
    assert_eq!(
        got_events, moved,
        "the events of the merged contact moved to the contact it was merged into"
    );
    let events2 = api
        .get(&format!("/events?type=user&intercom_user_id={from2}"))
        .await;
    assert_eq!(
        events2.status, 404,
        "events of a 404 merged contact answer 404 too"
    );

    let seen = walk_search(
        &api,
        "/contacts/search",
        &all_contacts(),
        15,
        "data",
        "contact",
    )
    .await;
    let found = unique(&seen);
    assert!(
        !found.contains(&from1) && !found.contains(&from2),
        "contacts search never returns a merged-away contact"
    );
    assert_eq!(found.len(), 38, "every other contact is still found");

    let truth = sb.truth();
    assert_eq!(
        truth["merged_contacts"],
        json!({from1.clone(): into1.clone(), from2.clone(): into2.clone()}),
        "the truth maps each merged-away contact to its new id"
    );
    let contacts = truth_ids(&truth, "contacts");
    assert!(
        !contacts.contains(&from1) && !contacts.contains(&from2) && contacts.len() == 38,
        "merged-away contacts are absent from the truth's contacts"
    );
    assert_eq!(
        event_ids(&truth, &into1),
        moved,
        "the truth holds the moved events under the new id"
    );
    assert!(
        named_contacts(&truth).contains(&from1) && named_contacts(&truth).contains(&from2),
        "conversations keep naming the merged-away contact: the client must map it"
    );
    let conv = truth["conversations"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|c| ids_of(&c["contacts"]["contacts"], "contact").contains(&from1))
        })
        .expect("a conversation names the merged contact");
    let served = api
        .get(&format!(
            "/conversations/{}",
            conv["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert!(
        ids_of(&served.body["contacts"]["contacts"], "contact").contains(&from1),
        "a served conversation keeps the stale link to the merged-away contact"
    );

    let again = sb.merge_contact(&from1, &into2);
    assert!(
        matches!(again, Err(intercom_sandbox::SandboxError::NotFound(_))),
        "a contact merged away cannot be merged again: {again:?}"
    );
    let itself = api
        .post(
            "/_sandbox/merge_contact",
            &json!({"from": into1, "into": into1}),
        )
        .await;
    assert_eq!(itself.status, 400, "a contact cannot be merged into itself");
    sb.shutdown().await;
}

#[tokio::test]
async fn merge_contacts_merges_named_leads_into_users_at_start_from_the_seed() {
    let plain = Sandbox::start(fixed())
        .await
        .expect("a plain sandbox starts");
    let before = plain.truth();
    plain.shutdown().await;
    let quirks = Quirks {
        merge_contacts: 0.2,
        ..Quirks::default()
    };
    let (a, _) = start(with(quirks.clone())).await;
    let (b, _) = start(with(quirks)).await;
    let merged = a.truth()["merged_contacts"].clone();
    assert_eq!(
        merged,
        b.truth()["merged_contacts"],
        "the same seed must merge the same contacts into the same ones"
    );
    let merged = merged
        .as_object()
        .expect("merged_contacts is an object")
        .clone();
    let named = named_contacts(&before);
    let want = (0.2 * named.len() as f64).ceil() as usize;
    assert_eq!(
        merged.len(),
        want,
        "a share of 0.2 of the {} named contacts must be merged",
        named.len()
    );
    let named_leads = named
        .iter()
        .filter(|id| role_of(&before, id) == "lead")
        .count();
    let mut merged_leads = 0;
    for (from, into) in &merged {
        let into = into.as_str().expect("ids are strings");
        assert!(
            named.contains(from),
            "only contacts a conversation names are merged"
        );
        assert!(
            !merged.contains_key(into),
            "no contact is merged into a merged-away one"
        );
        assert_eq!(
            role_of(&before, into),
            "user",
            "contacts are merged into users"
        );
        merged_leads += usize::from(role_of(&before, from) == "lead");
    }
    assert_eq!(
        merged_leads,
        want.min(named_leads),
        "leads are merged first, users only when there are too few named leads"
    );
    let mut answers = BTreeSet::new();
    for from in merged.keys() {
        let r = reqwest::Client::new()
            .get(format!("{}/contacts/{from}", a.base_url()))
            .bearer_auth(a.token())
            .send()
            .await
            .expect("the sandbox answers");
        answers.insert(r.status().as_u16());
    }
    assert_eq!(
        answers,
        BTreeSet::from([200, 404]),
        "merged contacts alternate between answering the other contact and 404"
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn deletion_after_n_requests_removes_records_from_list_search_get_and_truth() {
    let quirks = Quirks {
        delete_after_requests: Some(5),
        delete_conversations: 3,
        delete_contacts: 2,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    let before = sb.truth();
    for i in 0..5 {
        assert_eq!(api.get("/me").await.status, 200, "request {i} is served");
        assert_eq!(
            sb.truth()["deleted"],
            json!({"conversations": [], "contacts": []}),
            "nothing is deleted before 5 requests have been served"
        );
    }
    assert_eq!(
        sb.quirks().delete_after_requests,
        Some(0),
        "the countdown shows the requests left before the deletion"
    );
    let listed = unique(&walk_list(&api, 25).await);
    let truth = sb.truth();
    let deleted_convs: Vec<String> = truth["deleted"]["conversations"]
        .as_array()
        .expect("deleted conversations are listed")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let deleted_contacts: Vec<String> = truth["deleted"]["contacts"]
        .as_array()
        .expect("deleted contacts are listed")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert_eq!(deleted_convs.len(), 3, "three conversations are deleted");
    assert_eq!(deleted_contacts.len(), 2, "two contacts are deleted");
    let all_before = truth_ids(&before, "conversations");
    for id in &deleted_convs {
        assert!(all_before.contains(id), "a deleted conversation existed");
        assert!(
            !listed.contains(id),
            "a deleted conversation leaves the list"
        );
        let r = api.get(&format!("/conversations/{id}")).await;
        assert_eq!(r.status, 404, "a deleted conversation answers 404");
        assert_eq!(error_code(&r.body), "not_found", "the 404 is not_found");
    }
    assert_eq!(
        listed.len(),
        117,
        "the list holds every conversation that was not deleted"
    );
    assert_eq!(
        truth_ids(&truth, "conversations"),
        listed,
        "the truth holds exactly what the list shows"
    );
    let searched = unique(
        &walk_search(
            &api,
            "/conversations/search",
            &all_conversations(),
            30,
            "conversations",
            "conversation",
        )
        .await,
    );
    assert_eq!(
        searched, listed,
        "search leaves deleted conversations out too"
    );
    let named_before = named_contacts(&before);
    let contacts_found = unique(
        &walk_search(
            &api,
            "/contacts/search",
            &all_contacts(),
            15,
            "data",
            "contact",
        )
        .await,
    );
    for id in &deleted_contacts {
        assert!(
            named_before.contains(id),
            "a deleted contact is one some conversation named"
        );
        assert!(
            !contacts_found.contains(id),
            "a deleted contact leaves search"
        );
        assert_eq!(
            api.get(&format!("/contacts/{id}")).await.status,
            404,
            "a deleted contact answers 404"
        );
        assert!(
            !truth_ids(&truth, "contacts").contains(id),
            "a deleted contact leaves the truth"
        );
    }
    let still_named = named_contacts(&truth);
    assert!(
        deleted_contacts.iter().any(|id| still_named.contains(id)),
        "conversations keep naming a deleted contact"
    );
    let left = sb.quirks();
    assert_eq!(
        (
            left.delete_after_requests,
            left.delete_conversations,
            left.delete_contacts
        ),
        (None, 0, 0),
        "the deletion is a one-shot and GET /_sandbox/quirks shows it spent"
    );

    let victim = listed
        .iter()
        .next()
        .expect("a conversation is left")
        .clone();
    let bad = api
        .post(
            "/_sandbox/delete",
            &json!({"conversation_ids": [victim], "contact_ids": ["no-such-contact"]}),
        )
        .await;
    assert_eq!(bad.status, 404, "an unknown id is refused: {}", bad.body);
    assert_eq!(
        api.get(&format!("/conversations/{victim}")).await.status,
        200,
        "a refused deletion deletes nothing"
    );
    let ok = api
        .post("/_sandbox/delete", &json!({"conversation_ids": [victim]}))
        .await;
    assert_eq!(ok.status, 200, "the control call deletes: {}", ok.body);
    assert_eq!(
        api.get(&format!("/conversations/{victim}")).await.status,
        404,
        "a conversation deleted through the control API answers 404"
    );
    assert!(
        sb.truth()["deleted"]["conversations"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| *v == victim)),
        "the truth lists the conversation deleted through the control API"
    );
    sb.shutdown().await;
}

/// Pages whose next cursor is the cursor they were requested with.
fn stuck_pages(seen: &[Seen]) -> usize {
    seen.iter()
        .filter(|p| p.sent.is_some() && p.next == p.sent)
        .count()
}

#[tokio::test]
async fn a_stuck_cursor_repeats_the_request_cursor_exactly_stuck_cursors_times() {
    let quirks = Quirks {
        stuck_cursors: 2,
        paging_quirk_every: 1,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    let seen = walk_list(&api, 20).await;
    assert_eq!(
        stuck_pages(&seen),
        2,
        "exactly stuck_cursors pages answer the request's own cursor: {seen:#?}"
    );
    assert_eq!(
        seen.len(),
        6 + 2,
        "a naive walk asks the stuck pages again and then finishes"
    );
    assert_eq!(
        unique(&seen).len(),
        120,
        "once the quirk is spent the walk reaches every conversation"
    );
    assert_eq!(
        sb.quirks().stuck_cursors,
        0,
        "GET /_sandbox/quirks shows the stuck cursors spent"
    );

    for (path, query, items, kind, total) in [
        (
            "/conversations/search",
            all_conversations(),
            "conversations",
            "conversation",
            120,
        ),
        ("/contacts/search", all_contacts(), "data", "contact", 40),
    ] {
        sb.set_quirks(Quirks {
            stuck_cursors: 1,
            paging_quirk_every: 1,
            ..Quirks::default()
        })
        .expect("valid quirks are accepted");
        let seen = walk_search(&api, path, &query, 15, items, kind).await;
        assert_eq!(stuck_pages(&seen), 1, "{path}: one stuck page: {seen:#?}");
        let first_stuck = seen
            .iter()
            .position(|p| p.sent.is_some() && p.next == p.sent)
            .expect("a stuck page");
        assert_eq!(
            first_stuck, 1,
            "{path}: with every eligible page firing, the first page with a cursor sticks"
        );
        assert_eq!(
            unique(&seen).len(),
            total,
            "{path}: the walk still reaches every record"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn stuck_cursors_are_spread_over_the_walk_not_its_first_pages() {
    let quirks = Quirks {
        stuck_cursors: 2,
        paging_quirk_every: 3,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    let seen = walk_list(&api, 10).await;
    let stuck: Vec<usize> = seen
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sent.is_some() && p.next == p.sent)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        stuck.len(),
        2,
        "both stuck cursors fire in a long walk: {seen:#?}"
    );
    assert!(
        stuck[1] - stuck[0] >= 2,
        "fired every third eligible page, two stuck pages are not neighbours: {stuck:?}"
    );
    assert_eq!(
        unique(&seen).len(),
        120,
        "the walk reaches every conversation"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_looping_cursor_repeats_a_cursor_the_walk_already_used() {
    let quirks = Quirks {
        looping_cursors: 1,
        paging_quirk_every: 1,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    for (path, query, items, kind, total) in [
        (
            "/conversations/search",
            all_conversations(),
            "conversations",
            "conversation",
            120,
        ),
        ("/contacts/search", all_contacts(), "data", "contact", 40),
    ] {
        let seen = walk_search(&api, path, &query, 10, items, kind).await;
        let pages = total / 10;
        let first_next = seen[0]
            .next
            .clone()
            .expect("the first page has a next page");
        // After the loop a naive client walks the same pages again, so only the first
        // page that goes back is the quirk.
        let at = (1..seen.len())
            .find(|&i| {
                let next = &seen[i].next;
                next.is_some() && seen[..=i].iter().any(|p| p.sent == *next)
            })
            .unwrap_or_else(|| {
                panic!("{path}: a page must answer a cursor already used: {seen:#?}")
            });
        assert_eq!(
            at, 2,
            "{path}: the loop fires on page 3, the first page a loop can go back from"
        );
        assert_eq!(
            seen[at].next.as_ref(),
            Some(&first_next),
            "{path}: the repeated cursor is the one that ended the walk's first page"
        );
        assert_eq!(
            seen.len(),
            pages + 2,
            "{path}: one loop costs the two pages walked again, then the walk ends"
        );
        assert_eq!(sb.quirks().looping_cursors, 0, "{path}: the loop is spent");
        assert_eq!(
            unique(&seen).len(),
            total,
            "{path}: the walk reaches every record"
        );
        sb.set_quirks(Quirks {
            looping_cursors: 1,
            paging_quirk_every: 1,
            ..Quirks::default()
        })
        .expect("valid quirks are accepted");
    }
    let seen = walk_list(&api, 20).await;
    let first_next = seen[0].next.clone();
    assert!(
        seen[2..].iter().any(|p| p.next == first_next),
        "the conversations list loops back to its first cursor too: {seen:#?}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_repeated_page_answers_the_previous_page_ids_under_a_new_cursor() {
    let quirks = Quirks {
        repeated_pages: 1,
        paging_quirk_every: 1,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    let seen = walk_list(&api, 20).await;
    let repeats: Vec<usize> = (1..seen.len())
        .filter(|&i| seen[i].ids == seen[i - 1].ids)
        .collect();
    assert_eq!(
        repeats,
        [1],
        "the first page requested with a cursor repeats the previous page's ids: {seen:#?}"
    );
    assert_ne!(
        seen[1].next, seen[1].sent,
        "the repeated page carries a new cursor string, not the one it was asked with"
    );
    assert_eq!(seen.len(), 7, "one extra page, then the walk goes on");
    assert_eq!(
        unique(&seen).len(),
        120,
        "the walk reaches every conversation"
    );

    sb.set_quirks(Quirks {
        repeated_pages: 1,
        paging_quirk_every: 1,
        ..Quirks::default()
    })
    .expect("valid quirks are accepted");
    let seen = walk_search(
        &api,
        "/contacts/search",
        &all_contacts(),
        10,
        "data",
        "contact",
    )
    .await;
    assert!(
        (1..seen.len()).any(|i| seen[i].ids == seen[i - 1].ids),
        "contacts search repeats a page too: {seen:#?}"
    );
    assert_eq!(unique(&seen).len(), 40, "the walk reaches every contact");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_stuck_events_page_links_to_itself_once() {
    let quirks = Quirks {
        stuck_event_pages: 1,
        paging_quirk_every: 1,
        ..Quirks::default()
    };
    let (sb, api) = start(with(quirks)).await;
    let truth = sb.truth();
    let (contact, n) = truth["events"]
        .as_object()
        .expect("events by contact")
        .iter()
        .map(|(id, list)| (id.clone(), list.as_array().map_or(0, Vec::len)))
        .max_by_key(|(_, n)| *n)
        .expect("some contact has events");
    assert!(
        n >= 3,
        "a contact with at least three events to page through"
    );
    let mut url = format!(
        "{}/events?type=user&intercom_user_id={contact}&per_page=1",
        api.base
    );
    let mut pages = Vec::new();
    loop {
        assert!(pages.len() < n + 5, "a naive events walk must end");
        let r = api.get(&url).await;
        assert_eq!(r.status, 200, "every events page succeeds: {}", r.body);
        let next = r.body["pages"]["next"].as_str().map(str::to_string);
        pages.push((
            url.clone(),
            ids_of(&r.body["events"], "event"),
            next.clone(),
        ));
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    let stuck: Vec<usize> = (0..pages.len())
        .filter(|&i| pages[i].2.as_ref() == Some(&pages[i].0))
        .collect();
    assert_eq!(
        stuck,
        [1],
        "the first page followed through `next` links to itself, once: {pages:#?}"
    );
    let got: BTreeSet<String> = pages.iter().flat_map(|p| p.1.iter().cloned()).collect();
    assert_eq!(
        got,
        event_ids(&truth, &contact),
        "the walk still gets every event"
    );
    assert_eq!(
        sb.quirks().stuck_event_pages,
        0,
        "GET /_sandbox/quirks shows the stuck events page spent"
    );
    sb.shutdown().await;
}
