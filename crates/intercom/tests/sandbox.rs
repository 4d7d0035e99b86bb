//! The client against the sandbox over real HTTP on 127.0.0.1: every endpoint, paging edge
//! cases, retries, faults, wrong and read-only tokens, and the governor under a burst.

use futures_util::StreamExt;
use intercom::models::{Conversation, ConversationState};
use intercom::{
    AccessToken, Action, ApiError, Assignee, Client, ContactKey, DataEventRequest, ErrorKind, Op,
    Order, Query, Region, Reply, SearchRequest, TransportKind, Url,
};
use intercom_sandbox::{Fault, Sandbox, SandboxConfig};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

async fn sandbox(conversations: usize) -> Sandbox {
    sandbox_with(SandboxConfig {
        seed: 7,
        conversations,
        ..Default::default()
    })
    .await
}

async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config)
        .await
        .expect("the sandbox starts on 127.0.0.1:0")
}

fn region(sb: &Sandbox) -> Region {
    Region::Custom(Url::parse(sb.base_url()).expect("the sandbox base URL parses"))
}

fn builder(sb: &Sandbox, token: &str) -> intercom::ClientBuilder {
    Client::builder(region(sb), AccessToken::new(token))
        .backoff(Duration::from_millis(5), Duration::from_millis(40))
        .request_timeout(Duration::from_secs(5))
}

fn client(sb: &Sandbox) -> Client {
    builder(sb, sb.token())
        .build()
        .expect("a loopback base URL and a token make a client")
}

async fn collect(
    mut pages: intercom::Pages<Conversation>,
) -> Result<Vec<intercom::Page<Conversation>>, ApiError> {
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        out.push(page?);
    }
    Ok(out)
}

fn unix_now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

fn truth_conversation(sb: &Sandbox, id: &str) -> Value {
    sb.truth()["conversations"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"].as_str() == Some(id)).cloned())
        .unwrap_or_else(|| panic!("conversation {id} must exist in the sandbox's truth"))
}

#[tokio::test]
async fn reads_of_every_endpoint_decode() {
    let sb = sandbox(40).await;
    let c = client(&sb);
    let me = c.me().await.expect("GET /me with a good token succeeds");
    assert_eq!(me.id, sb.admin_id(), "/me names the token's admin");
    assert!(me.app.is_some(), "/me carries the workspace");
    let admins = c.list_admins().await.expect("GET /admins succeeds");
    assert!(
        admins.iter().any(|a| a.id == me.id),
        "the token's admin is among the admins"
    );
    let teams = c.list_teams().await.expect("GET /teams succeeds");
    assert!(!teams.is_empty(), "the sandbox has teams");

    let pages = collect(c.list_conversations(None))
        .await
        .expect("listing conversations succeeds");
    let listed: Vec<&Conversation> = pages.iter().flat_map(|p| &p.items).collect();
    assert_eq!(
        listed.len(),
        40,
        "a 40-conversation workspace lists 40 conversations"
    );
    let first = &listed[0].id;
    let full = c
        .get_conversation(first, false)
        .await
        .expect("GET /conversations/{id} succeeds");
    assert_eq!(
        &full.id, first,
        "the retrieved conversation is the one asked for"
    );
    assert!(
        !full.parts().is_empty() || full.source.is_some(),
        "a conversation has a source or parts"
    );
    let plain = c
        .get_conversation(first, true)
        .await
        .expect("display_as=plaintext is accepted");
    assert_eq!(
        plain.id, full.id,
        "plaintext retrieval returns the same conversation"
    );

    let contact_id = full
        .contact_ids()
        .next()
        .expect("a conversation has a contact")
        .to_owned();
    let contact = c
        .get_contact(&contact_id)
        .await
        .expect("GET /contacts/{id} succeeds");
    assert_eq!(
        contact.id, contact_id,
        "the retrieved contact is the one asked for"
    );
    let mut found = c.search_contacts(
        SearchRequest::new(Query::filter("id", Op::Eq, contact_id.as_str())),
        None,
    );
    let page = found
        .next()
        .await
        .expect("a search yields a page")
        .expect("contact search succeeds");
    assert!(
        page.items.iter().any(|x| x.id == contact_id),
        "searching a contact by id finds it"
    );

    let missing = c
        .get_conversation("999999999", false)
        .await
        .expect_err("an unknown id is not found");
    assert_eq!(
        missing.kind(),
        &ErrorKind::NotFound,
        "404 maps to NotFound: {missing}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn writes_reach_the_sandbox_and_return_the_conversation() {
    let sb = sandbox(10).await;
    let c = client(&sb);
    let admin = sb.admin_id().to_owned();
    let id = c
        .list_conversations_page(None)
        .await
        .expect("listing succeeds")
        .items[0]
        .id
        .clone();

    let r = c
        .reply(&id, &Reply::comment(&admin, "<p>Hello from Agentdesk</p>"))
        .await
        .expect("a reply succeeds");
    assert!(
        r.parts()
            .iter()
            .any(|p| p.body.as_deref().is_some_and(|b| b.contains("Agentdesk"))),
        "the reply answer carries the new part"
    );
    c.reply(&id, &Reply::note(&admin, "internal"))
        .await
        .expect("a note succeeds");
    let closed = c
        .manage(&id, &admin, &Action::Close { body: None })
        .await
        .expect("close succeeds");
    assert_eq!(
        closed.state,
        Some(ConversationState::Closed),
        "a closed conversation says so"
    );
    let opened = c
        .manage(&id, &admin, &Action::Open)
        .await
        .expect("open succeeds");
    assert_eq!(
        opened.state,
        Some(ConversationState::Open),
        "an opened conversation says so"
    );
    let until = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("fits")
        + 3600;
    let snoozed = c
        .manage(&id, &admin, &Action::Snooze { until })
        .await
        .expect("snooze succeeds");
    assert_eq!(
        snoozed.state,
        Some(ConversationState::Snoozed),
        "a snoozed conversation says so"
    );
    let assigned = c
        .manage(
            &id,
            &admin,
            &Action::Assign {
                to: Assignee::Admin(admin.clone()),
                body: None,
            },
        )
        .await
        .expect("assign succeeds");
    assert_eq!(
        assigned.admin_assignee_id.as_deref(),
        Some(admin.as_str()),
        "the assignee is the admin"
    );
    let unassigned = c
        .manage(
            &id,
            &admin,
            &Action::Assign {
                to: Assignee::Nobody,
                body: None,
            },
        )
        .await
        .expect("unassign succeeds");
    assert_eq!(
        unassigned.admin_assignee_id, None,
        "assignee 0 reads back as unassigned"
    );
    let read = c.mark_read(&id).await.expect("mark read succeeds");
    assert_eq!(
        read.read,
        Some(true),
        "the conversation is read after mark_read"
    );

    let truth = truth_conversation(&sb, &id);
    assert_eq!(
        truth["read"],
        Value::Bool(true),
        "the sandbox recorded the read"
    );
    let contact_id = read
        .contact_ids()
        .next()
        .expect("a conversation has a contact")
        .to_owned();
    let event = DataEventRequest {
        event_name: "opened-agentdesk".into(),
        created_at: until - 3600,
        contact: ContactKey::IntercomId(contact_id.clone()),
        metadata: serde_json::Map::new(),
    };
    c.track_event(&event)
        .await
        .expect("POST /events succeeds (202, empty body)");
    let summary = c
        .event_summaries(&ContactKey::IntercomId(contact_id))
        .await
        .expect("the event summary succeeds");
    assert!(
        summary
            .events
            .iter()
            .any(|e| e.name.as_deref() == Some("opened-agentdesk")),
        "the tracked event is summarised"
    );
    assert!(
        sb.write_log()
            .iter()
            .all(|w| w["applied"] == Value::Bool(true)),
        "every write was applied exactly as sent"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn paging_ends_on_a_short_last_page_without_next_and_resumes_from_a_cursor() {
    let sb = sandbox(320).await;
    let c = client(&sb);
    let pages = collect(c.list_conversations(None))
        .await
        .expect("listing 320 conversations succeeds");
    let sizes: Vec<usize> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(
        sizes,
        vec![150, 150, 20],
        "150 per page by default, a short last page"
    );
    assert!(
        pages[2].is_last() && !pages[0].is_last(),
        "only the last page lacks a next cursor"
    );
    let ids: HashSet<&str> = pages
        .iter()
        .flat_map(|p| &p.items)
        .map(|x| x.id.as_str())
        .collect();
    assert_eq!(
        ids.len(),
        320,
        "every conversation is listed once when nothing changes"
    );

    let search = SearchRequest::new(Query::filter("created_at", Op::Gt, 0))
        .sort("created_at", Order::Ascending);
    let first = c
        .search_conversations_page(&search, None)
        .await
        .expect("a search page succeeds");
    let cursor = first
        .next
        .clone()
        .expect("a 320-item search has a second page");
    let resumed = collect(c.search_conversations(search.clone(), Some(cursor)))
        .await
        .expect("a stream resumes from a stored cursor");
    let total: usize = first.items.len() + resumed.iter().map(|p| p.items.len()).sum::<usize>();
    assert_eq!(
        total, 320,
        "the first page plus the resumed stream cover the search exactly"
    );

    let clamped = c
        .search_conversations_page(&search.clone().per_page(500), None)
        .await
        .expect("an oversized per_page is clamped, not refused");
    assert_eq!(
        clamped.items.len(),
        150,
        "per_page is clamped to Intercom's maximum of 150"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn an_item_updated_between_pages_is_passed_through_twice() {
    let sb = sandbox(30).await;
    let c = builder(&sb, sb.token())
        .per_page(10)
        .build()
        .expect("client builds");
    let search = SearchRequest::new(Query::updated_since(0)).sort("updated_at", Order::Ascending);
    let mut stream = c.search_conversations(search, None);
    let first = stream
        .next()
        .await
        .expect("a first page")
        .expect("it succeeds");
    let moved = first.items[0].id.clone();
    sb.inject_contact_reply(&moved, "<p>one more thing</p>")
        .expect("the sandbox injects a reply");
    let mut seen = first.items.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    while let Some(page) = stream.next().await {
        seen.extend(
            page.expect("later pages succeed")
                .items
                .into_iter()
                .map(|x| x.id),
        );
    }
    assert_eq!(
        seen.iter().filter(|id| **id == moved).count(),
        2,
        "the stateless cursor shows the updated item again; the caller upserts by id"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn events_follow_the_next_url_but_never_to_another_host() {
    let sb = sandbox(10).await;
    let truth = sb.truth();
    let horizon = truth["now"].as_i64().expect("truth has now") - 90 * 86_400;
    let recent = |v: &Value| {
        v.as_array().map_or(0, |es| {
            es.iter()
                .filter(|e| e["created_at"].as_i64() >= Some(horizon))
                .count()
        })
    };
    let (contact, events) = truth["events"]
        .as_object()
        .and_then(|m| m.iter().max_by_key(|(_, v)| recent(v)))
        .expect("the sandbox generates data events");
    let n = recent(events);
    assert!(
        n >= 3,
        "the busiest contact has a few recent events to page through (has {n})"
    );
    let c = builder(&sb, sb.token())
        .per_page(2)
        .build()
        .expect("client builds");
    let key = ContactKey::IntercomId(contact.clone());
    let mut stream = c.list_events(key.clone(), None);
    let mut ids = HashSet::new();
    let mut got = 0;
    let mut pages = 0;
    while let Some(page) = stream.next().await {
        let page = page.expect("every events page succeeds");
        assert!(
            page.items.len() <= 2,
            "a page holds at most per_page events"
        );
        got += page.items.len();
        ids.extend(
            page.items
                .into_iter()
                .map(|e| (e.event_name, e.created_at, e.id)),
        );
        pages += 1;
    }
    assert_eq!(
        got, n,
        "following pages.next lists every event of the last 90 days once"
    );
    assert_eq!(ids.len(), n, "no event is listed twice");
    assert_eq!(pages, n.div_ceil(2), "two per page takes ceil(n/2) pages");

    let before = sb.request_count();
    let err = c
        .list_events_page(&key, Some("http://attacker.test/events?type=user&before=1"))
        .await
        .expect_err("a next URL to a foreign host is refused");
    assert_eq!(
        err.kind(),
        &ErrorKind::Decode,
        "a foreign next URL is an unusable answer: {err}"
    );
    assert_eq!(
        err.field_path(),
        Some("pages.next"),
        "the error names pages.next"
    );
    assert_eq!(
        sb.request_count(),
        before,
        "nothing was sent for the foreign URL"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_429_with_headers_waits_for_the_reset_then_succeeds() {
    let sb = sandbox(5).await;
    let c = client(&sb);
    // The sandbox's windows are whole 10-second spans of unix time; the 429 names the end
    // of the current one in X-RateLimit-Reset.
    let now = unix_now_f64();
    let reset = (now / 10.0).floor() * 10.0 + 10.0;
    sb.fail_next(1, Fault::RateLimited);
    c.me()
        .await
        .expect("after a 429 the request succeeds once the window resets");
    assert!(
        unix_now_f64() >= reset,
        "the retry waited for X-RateLimit-Reset ({reset}), not retried at once (sent at {now})"
    );
    assert_eq!(c.stats().rate_limited, 1, "the client counted the 429");
    assert_eq!(sb.count_429(), 1, "the sandbox sent exactly one 429");
    sb.shutdown().await;
}

#[tokio::test]
async fn reads_retry_5xx_resets_and_stalls_then_succeed() {
    let sb = sandbox(5).await;
    let c = builder(&sb, sb.token())
        .request_timeout(Duration::from_millis(1500))
        .build()
        .expect("client builds");
    sb.fail_next(2, Fault::Status(503));
    c.list_admins()
        .await
        .expect("a read succeeds after two 503s");
    sb.fail_next(1, Fault::ResetMidBody);
    c.list_conversations_page(None)
        .await
        .expect("a read succeeds after a reset mid-body");
    sb.fail_next(1, Fault::Stall(Duration::from_secs(4)));
    c.list_teams()
        .await
        .expect("a read succeeds after a timeout");
    assert_eq!(
        c.stats().retries,
        4,
        "two 503s, one reset and one timeout were retried"
    );
    sb.fail_next(4, Fault::Status(500));
    let err = c
        .me()
        .await
        .expect_err("a read fails once retries are spent");
    assert_eq!(
        err.kind(),
        &ErrorKind::Server,
        "persistent 500s are a server error: {err}"
    );
    assert!(err.is_retryable(), "a server error may succeed later");
    assert!(!err.may_have_been_applied(), "a read is never 'applied'");
    sb.shutdown().await;
}

#[tokio::test]
async fn writes_are_not_retried_and_say_whether_they_may_have_applied() {
    let sb = sandbox(5).await;
    let c = builder(&sb, sb.token())
        .request_timeout(Duration::from_millis(1500))
        .build()
        .expect("client builds");
    let admin = sb.admin_id().to_owned();
    let id = c
        .list_conversations_page(None)
        .await
        .expect("listing succeeds")
        .items[0]
        .id
        .clone();

    let before = sb.request_count();
    sb.fail_next(1, Fault::Status(503));
    let err = c
        .reply(&id, &Reply::note(&admin, "a"))
        .await
        .expect_err("a 503 on a write is returned");
    assert_eq!(
        sb.request_count(),
        before + 1,
        "a write is not resent after a 5xx"
    );
    assert_eq!(
        err.kind(),
        &ErrorKind::Server,
        "503 is a server error: {err}"
    );
    assert!(
        err.may_have_been_applied(),
        "after a 5xx the outbox must reconcile before resending"
    );

    sb.fail_next(1, Fault::ResetMidBody);
    let err = c
        .reply(&id, &Reply::note(&admin, "b"))
        .await
        .expect_err("a reset on a write is returned");
    assert_eq!(
        err.kind(),
        &ErrorKind::Transport,
        "a reset is a transport error: {err}"
    );
    assert!(
        err.may_have_been_applied(),
        "the write was sent, so it may have applied"
    );
    let applied = sb.write_log().last().map(|w| w["applied"].clone());
    assert_eq!(
        applied,
        Some(Value::Bool(true)),
        "the sandbox did apply it: reconciling is needed"
    );

    sb.fail_next(1, Fault::TimeoutAfterApply(Duration::from_secs(4)));
    let err = c
        .manage(&id, &admin, &Action::Close { body: None })
        .await
        .expect_err("a timeout on a write is returned");
    assert_eq!(
        err.kind(),
        &ErrorKind::Transport,
        "a timeout is a transport error: {err}"
    );
    assert!(
        err.may_have_been_applied(),
        "a timed-out write may have applied"
    );
    assert!(
        err.to_string().contains("may have been applied"),
        "the message warns before resending: {err}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_malformed_page_is_a_decode_error_naming_the_field_and_yields_nothing() {
    let sb = sandbox(60).await;
    let c = client(&sb);
    sb.fail_next_on("/conversations/search", 1, Fault::MalformedJson);
    let mut stream = c.search_conversations(SearchRequest::new(Query::updated_since(0)), None);
    let first = stream.next().await.expect("the stream yields the failure");
    let err = first.expect_err("a malformed page is an error, not half a page");
    assert_eq!(
        err.kind(),
        &ErrorKind::Decode,
        "malformed JSON is a decode error: {err}"
    );
    assert!(
        err.field_path()
            .is_some_and(|p| p.starts_with("conversations")),
        "the error names where decoding stopped: {:?}",
        err.field_path()
    );
    assert!(
        err.request_id().is_some_and(|id| !id.is_empty()),
        "the decode error carries the answer's x-request-id for support: {err:?}"
    );
    assert!(
        !err.to_string().contains(sb.token()) && !format!("{err:?}").contains(sb.token()),
        "the token never appears in the error"
    );
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_and_a_read_only_token_get_errors_that_say_what_to_do() {
    let sb = sandbox_with(SandboxConfig {
        conversations: 5,
        read_only_tokens: vec!["ro-token".into()],
        ..Default::default()
    })
    .await;
    let wrong = builder(&sb, "not-a-token")
        .build()
        .expect("any token builds a client");
    let err = wrong.me().await.expect_err("a wrong token is rejected");
    assert_eq!(
        err.kind(),
        &ErrorKind::Unauthorized,
        "401 is Unauthorized: {err}"
    );
    assert!(
        err.to_string().contains("Developer Hub"),
        "the message says where to make a new token: {err}"
    );
    assert!(
        !err.to_string().contains("not-a-token") && !format!("{err:?}").contains("not-a-token"),
        "the token never shows in errors"
    );
    assert!(!err.is_retryable(), "a rejected token does not fix itself");

    let ro = builder(&sb, "ro-token").build().expect("client builds");
    let id = ro
        .list_conversations_page(None)
        .await
        .expect("a read-only token reads")
        .items[0]
        .id
        .clone();
    let err = ro
        .reply(&id, &Reply::note(sb.admin_id(), "x"))
        .await
        .expect_err("a read-only token cannot write");
    assert_eq!(
        err.kind(),
        &ErrorKind::Forbidden {
            code: "action_forbidden".into(),
            permission: Some("write_conversations".into())
        },
        "a 403 carries the code and the missing permission: {err}"
    );
    assert!(
        !err.may_have_been_applied(),
        "a refused write was not applied"
    );
    assert!(
        err.to_string().contains("write_conversations"),
        "the message names the permission: {err}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error_that_says_so() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        l.local_addr().expect("has an address").port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{port}")).expect("parses");
    let c = Client::builder(Region::Custom(url), AccessToken::new("t"))
        .backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .expect("client builds");
    let err = c.me().await.expect_err("nothing listens on a closed port");
    assert_eq!(
        err.transport_kind(),
        Some(TransportKind::Connect),
        "a refused connection is a connect error: {err:?}"
    );
    assert!(
        err.to_string().contains("internet connection"),
        "the message says to check the network: {err}"
    );
}

#[tokio::test]
async fn an_oversized_answer_is_refused() {
    let sb = sandbox(20).await;
    let c = builder(&sb, sb.token())
        .max_body_bytes(2_000)
        .build()
        .expect("client builds");
    let err = c
        .list_conversations_page(None)
        .await
        .expect_err("a page larger than the cap is refused");
    assert_eq!(
        err.kind(),
        &ErrorKind::Decode,
        "an oversized body is a decode error: {err}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_governor_keeps_a_concurrent_burst_under_a_small_window_without_429() {
    let sb = sandbox_with(SandboxConfig {
        conversations: 5,
        rate_limit: 12,
        ..Default::default()
    })
    .await;
    let c = client(&sb);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                c.list_teams().await?;
            }
            Ok::<_, ApiError>(())
        }));
    }
    for t in tasks {
        t.await
            .expect("the task did not panic")
            .expect("every paced request succeeds");
    }
    assert_eq!(
        sb.count_429(),
        0,
        "pacing by the headers means no 429 from a 12-per-window limit"
    );
    assert_eq!(
        sb.request_count(),
        24,
        "24 calls made exactly 24 requests (no retries were needed)"
    );
    assert_eq!(
        c.stats().requests,
        24,
        "the client's counter agrees with the server's"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn two_clients_built_separately_for_one_token_share_one_window_without_429() {
    let sb = sandbox_with(SandboxConfig {
        conversations: 5,
        rate_limit: 12,
        ..Default::default()
    })
    .await;
    let (a, b) = (client(&sb), client(&sb));
    assert!(
        std::sync::Arc::ptr_eq(a.governor(), b.governor()),
        "clients built separately for one token pace through one governor"
    );
    let mut tasks = Vec::new();
    for c in [a.clone(), b.clone()] {
        for _ in 0..4 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..3 {
                    c.list_teams().await?;
                }
                Ok::<_, ApiError>(())
            }));
        }
    }
    for t in tasks {
        t.await
            .expect("the task did not panic")
            .expect("every paced request succeeds");
    }
    assert_eq!(
        sb.count_429(),
        0,
        "two clients of one token share the 12-per-window limit without a 429"
    );
    assert_eq!(
        sb.request_count(),
        24,
        "24 calls made exactly 24 requests (no retries were needed)"
    );
    sb.shutdown().await;
}

/// A `tracing` writer into a shared buffer, to read what the client logged.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_retry_is_logged_at_debug_with_the_request_id_and_never_the_token() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    // The test runs on one thread (tokio's current-thread test runtime), so a thread-local
    // subscriber sees every event of the call.
    let _guard = tracing::subscriber::set_default(subscriber);
    let sb = sandbox(5).await;
    let c = client(&sb);
    sb.fail_next(1, Fault::Status(503));
    c.list_admins().await.expect("a read succeeds after a 503");
    let log = String::from_utf8(captured.0.lock().expect("capture lock").clone())
        .expect("the log is text");
    let line = log
        .lines()
        .find(|l| l.contains("retrying after a server error"))
        .unwrap_or_else(|| panic!("the retry is logged: {log}"));
    assert!(
        line.contains("DEBUG"),
        "retries are logged at debug, not above: {line}"
    );
    let id = line
        .split("request_id=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|id| id.trim_matches('"'))
        .unwrap_or_default();
    assert!(
        !id.is_empty(),
        "the retry names Intercom's request_id of the failed answer: {line}"
    );
    assert!(!log.contains(sb.token()), "the token never reaches the log");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_null_or_unreadable_entry_costs_one_warning_not_the_whole_list() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let clean = sandbox(20).await;
    let want: Vec<String> = client(&clean)
        .list_admins()
        .await
        .expect("admins")
        .into_iter()
        .map(|a| a.id)
        .collect();
    let sb = sandbox_with(SandboxConfig {
        seed: 7,
        conversations: 20,
        quirks: intercom_sandbox::Quirks {
            junk_items: 1.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .await;
    let got: Vec<String> = client(&sb)
        .list_admins()
        .await
        .expect("an admin list with null and unknown-shaped entries is still read (login used to fail on it)")
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(
        got, want,
        "every real admin is kept, in order, and no junk entry becomes one"
    );
    let log = String::from_utf8(captured.0.lock().expect("capture lock").clone())
        .expect("the log is text");
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("left out a list item"))
        .collect();
    assert!(
        !warnings.is_empty()
            && warnings
                .iter()
                .all(|l| l.contains("WARN") && l.contains("path=admins[")),
        "each entry left out gets a warning naming its path: {log}"
    );
    sb.shutdown().await;
    clean.shutdown().await;
}
