//! Shared helpers of the engine's end-to-end tests: a sandbox on 127.0.0.1:0, a client for
//! it, a store in a temp dir, and the exactness check against the sandbox's truth.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use agentdesk_store::Store;
use agentdesk_sync::EngineConfig;
use intercom::{AccessToken, Client, Region, Url};
use intercom_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub(crate) async fn sandbox(
    conversations: usize,
    edit: impl FnOnce(&mut SandboxConfig),
) -> Sandbox {
    let mut cfg = SandboxConfig {
        seed: 11,
        conversations,
        contacts: conversations / 3 + 10,
        ..Default::default()
    };
    edit(&mut cfg);
    Sandbox::start(cfg)
        .await
        .expect("the sandbox must start on a free loopback port")
}

pub(crate) fn client_with(sb: &Sandbox, token: &str, per_page: u32) -> Client {
    let url = Url::parse(sb.base_url()).expect("the sandbox base URL parses");
    Client::builder(Region::Custom(url), AccessToken::new(token))
        .per_page(per_page)
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
        .request_timeout(Duration::from_secs(3))
        .build()
        .expect("a client for the sandbox builds")
}

pub(crate) fn client(sb: &Sandbox, per_page: u32) -> Client {
    client_with(sb, sb.token(), per_page)
}

pub(crate) fn store(dir: &Path) -> Store {
    Store::open(&dir.join("cache.sqlite3")).expect("a store opens in a temp dir")
}

pub(crate) fn config(sb: &Sandbox) -> EngineConfig {
    let mut c = EngineConfig::new(sb.admin_id());
    c.partitions = 4;
    c.detail_concurrency = 8;
    c.background_detail_budget = usize::MAX;
    c.poll_interval = Duration::from_millis(200);
    c.max_backoff = Duration::from_millis(300);
    c
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s != "0" => Some(s.clone()),
        Value::Number(n) if n.as_i64() != Some(0) => Some(n.to_string()),
        _ => None,
    }
}

/// The store's one author rule, on Intercom's JSON.
fn is_contact(author: &Value) -> bool {
    agentdesk_store::is_contact_type(author["type"].as_str())
}

/// Asserts the cache equals the sandbox's truth: every conversation's metadata and parts,
/// every referenced contact, events of the contacts whose events were fetched, and each
/// view's counts (total and unread) computed independently from the truth. Contacts merged
/// into others are expected under the id they became; deleted ones not at all.
pub(crate) fn assert_exact(s: &Store, truth: &Value, admin: &str, check_parts: bool) {
    let merged: BTreeMap<String, String> = truth["merged_contacts"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let gone: BTreeSet<String> = truth["deleted"]["contacts"]
        .as_array()
        .map(|a| a.iter().filter_map(id_of).collect())
        .unwrap_or_default();
    check_exact(s, truth, admin, check_parts, false, &merged, &gone);
}

/// [`assert_exact`] for a sandbox serving with quirks: what the quirks may leave out or
/// rename on the wire (an optional `title`, the `author.type` of admin and bot parts) is
/// compared only as far as the inbox depends on it (a part is a contact's or not).
/// `merged`: contacts Intercom answered under another id (expected under that id); `gone`:
/// contacts it answered 404 for (deleted, or merged without saying into what: expected
/// under their old id in conversations, and not cached).
pub(crate) fn assert_exact_under_quirks(
    s: &Store,
    truth: &Value,
    admin: &str,
    merged: &BTreeMap<String, String>,
    gone: &BTreeSet<String>,
) {
    check_exact(s, truth, admin, true, true, merged, gone);
}

fn check_exact(
    s: &Store,
    truth: &Value,
    admin: &str,
    check_parts: bool,
    quirks: bool,
    merged: &BTreeMap<String, String>,
    deleted_contacts: &BTreeSet<String>,
) {
    let convs = truth["conversations"]
        .as_array()
        .expect("truth lists conversations");
    assert_eq!(
        s.conversation_count().expect("count") as usize,
        convs.len(),
        "the cache must hold exactly the workspace's conversations, no more, no fewer"
    );
    let mut referenced = BTreeSet::new();
    for c in convs {
        let id = c["id"].as_str().expect("conversation id");
        let got = s
            .conversation(id)
            .expect("query")
            .unwrap_or_else(|| panic!("conversation {id} must be cached"));
        assert_eq!(
            got.updated_at,
            c["updated_at"].as_i64().unwrap_or(0),
            "updated_at of {id} must match Intercom"
        );
        assert_eq!(
            got.state.as_str(),
            c["state"].as_str().unwrap_or(""),
            "state of {id} must match Intercom"
        );
        assert_eq!(
            got.admin_assignee_id,
            id_of(&c["admin_assignee_id"]),
            "admin assignee of {id} must match"
        );
        assert_eq!(
            got.team_assignee_id,
            id_of(&c["team_assignee_id"]),
            "team assignee of {id} must match"
        );
        if !quirks || got.title.is_some() {
            assert_eq!(
                got.title.as_deref(),
                c["title"].as_str(),
                "title of {id} must match"
            );
        }
        assert_eq!(
            got.waiting_since,
            c["waiting_since"].as_i64(),
            "waiting_since of {id} must match"
        );
        let mut contacts: Vec<String> = Vec::new();
        for x in c["contacts"]["contacts"].as_array().into_iter().flatten() {
            let Some(cid) = x["id"].as_str() else {
                continue;
            };
            let cid = merged.get(cid).cloned().unwrap_or_else(|| cid.to_owned());
            if !contacts.contains(&cid) {
                contacts.push(cid);
            }
        }
        assert_eq!(
            got.contact_ids, contacts,
            "contacts of {id} must match, merged ones under the id they became"
        );
        referenced.extend(
            contacts
                .into_iter()
                .filter(|c| !deleted_contacts.contains(c)),
        );
        if check_parts {
            let parts = c["conversation_parts"]["conversation_parts"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let newest: Vec<&Value> = parts.iter().rev().take(500).collect();
            let cached = s.parts(id).expect("parts");
            let cached_by_id: BTreeMap<&str, &agentdesk_store::Part> =
                cached.iter().map(|p| (p.id.as_str(), p)).collect();
            assert_eq!(
                cached.len(),
                newest.len(),
                "conversation {id} must have exactly Intercom's parts (no duplicates, none missing)"
            );
            for p in newest {
                let pid = p["id"].as_str().expect("part id");
                let got = cached_by_id
                    .get(pid)
                    .unwrap_or_else(|| panic!("part {pid} of {id} must be cached"));
                assert_eq!(
                    got.body_html.as_deref(),
                    p["body"].as_str(),
                    "body of part {pid} must match"
                );
                assert_eq!(
                    got.created_at,
                    p["created_at"].as_i64().unwrap_or(0),
                    "created_at of part {pid}"
                );
                if quirks && !is_contact(&p["author"]) {
                    assert!(
                        !matches!(
                            got.author.author_type.as_deref(),
                            Some("user" | "lead" | "contact")
                        ),
                        "an admin or bot part of {pid} must not count as the customer's"
                    );
                } else {
                    assert_eq!(
                        got.author.author_type.as_deref(),
                        p["author"]["type"].as_str(),
                        "author type of part {pid}"
                    );
                }
                assert_eq!(
                    got.author.id,
                    id_of(&p["author"]["id"]),
                    "author id of part {pid}"
                );
            }
        }
    }
    let by_id: BTreeMap<&str, &Value> = truth["contacts"]
        .as_array()
        .expect("truth lists contacts")
        .iter()
        .filter_map(|c| c["id"].as_str().map(|id| (id, c)))
        .collect();
    for gone in merged.keys().chain(deleted_contacts) {
        assert!(
            s.contact(gone).expect("query").is_none(),
            "contact {gone} is merged away or deleted in Intercom and must not be cached"
        );
    }
    if check_parts {
        for cid in &referenced {
            let t = by_id
                .get(cid.as_str())
                .unwrap_or_else(|| panic!("truth has contact {cid}"));
            let got = s.contact(cid).expect("query").unwrap_or_else(|| {
                panic!("contact {cid} referenced by a conversation must be cached")
            });
            assert_eq!(
                got.email.as_deref(),
                t["email"].as_str(),
                "email of contact {cid} must match"
            );
            assert_eq!(
                got.name.as_deref(),
                t["name"].as_str(),
                "name of contact {cid} must match"
            );
        }
    }
    // Events: every contact whose events are cached holds exactly Intercom's last 90 days.
    let horizon = truth["now"].as_i64().unwrap_or(0) - 90 * 86_400 + 60;
    let mut checked_events = 0;
    for (cid, events) in truth["events"].as_object().cloned().unwrap_or_default() {
        let summaries = s.event_summaries(&cid).expect("summaries");
        if summaries.is_empty() {
            continue;
        }
        checked_events += 1;
        let cached: BTreeSet<(String, i64)> = s
            .data_events(&cid, 100_000)
            .expect("events")
            .into_iter()
            .filter(|e| e.created_at >= horizon)
            .map(|e| (e.event_name, e.created_at))
            .collect();
        let want: BTreeSet<(String, i64)> = events
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|e| e["created_at"].as_i64().unwrap_or(0) >= horizon)
            .map(|e| {
                (
                    e["event_name"].as_str().unwrap_or("").to_owned(),
                    e["created_at"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            cached, want,
            "events of contact {cid} within 90 days must match Intercom"
        );
        let total: i64 = summaries.iter().map(|x| x.count).sum();
        assert_eq!(
            total as usize,
            events.as_array().map_or(0, Vec::len),
            "summary counts of {cid} must add up to all its events"
        );
    }
    if check_parts {
        assert!(
            checked_events > 0,
            "events of contacts in open conversations must have been fetched"
        );
    }
    // View counts, computed from the truth.
    let teams: Vec<String> = truth["teams"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|t| {
            t["admin_ids"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| id_of(x).as_deref() == Some(admin)))
        })
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    let mut want: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for c in convs {
        let state = c["state"].as_str().unwrap_or("");
        let a = id_of(&c["admin_assignee_id"]);
        let t = id_of(&c["team_assignee_id"]);
        let contact_wrote = is_contact(&c["source"]["author"])
            || c["conversation_parts"]["conversation_parts"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| is_contact(&p["author"])));
        let unread = i64::from(!c["read"].as_bool().unwrap_or(false) && contact_wrote);
        // The views holding it, by the store's one membership rule.
        let assignment = agentdesk_store::Assignment {
            state: agentdesk_store::ConversationState::parse(state)
                .unwrap_or(agentdesk_store::ConversationState::Closed),
            admin_assignee_id: a.as_deref(),
            team_assignee_id: t.as_deref(),
        };
        for view in agentdesk_store::views_of(assignment, admin, &teams) {
            let e = want.entry(view.to_string()).or_default();
            e.0 += 1;
            e.1 += unread;
        }
    }
    let counts = s.view_counts(admin, &teams).expect("view counts");
    for v in counts {
        let (total, unread) = want.get(&v.id).copied().unwrap_or_default();
        assert_eq!(
            v.total, total,
            "total of view {} must equal the count computed from Intercom",
            v.id
        );
        assert_eq!(
            v.unread, unread,
            "unread of view {} must equal the count computed from Intercom",
            v.id
        );
    }
}

/// Waits (polling, with a deadline) until `f` holds.
pub(crate) async fn wait_until(what: &str, deadline: Duration, mut f: impl FnMut() -> bool) {
    let end = tokio::time::Instant::now() + deadline;
    while !f() {
        assert!(
            tokio::time::Instant::now() < end,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
