//! What goes on the wire, checked with a bare HTTP/1.1 server on 127.0.0.1 that records the
//! request and answers as told: the headers every request carries, a redirect to another
//! host that must not be followed, and a next-page link to another host inside a stream.

use futures_util::{FutureExt, StreamExt};
use intercom::{AccessToken, Client, ContactKey, ErrorKind, Region, Url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one connection: records the request head, answers `response`, returns the head.
async fn serve_once(listener: TcpListener, response: String) -> String {
    let (mut sock, _) = listener.accept().await.expect("the client connects");
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await.expect("the request arrives");
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    sock.write_all(response.as_bytes())
        .await
        .expect("the answer is written");
    sock.shutdown().await.ok();
    String::from_utf8_lossy(&head).to_lowercase()
}

/// Serves one connection per answer, in order; returns how many were served.
async fn serve_each(listener: TcpListener, answers: Vec<String>) -> usize {
    let mut served = 0;
    for answer in answers {
        serve_once_on(&listener, answer).await;
        served += 1;
    }
    served
}

async fn serve_once_on(listener: &TcpListener, response: String) {
    let (mut sock, _) = listener.accept().await.expect("the client connects");
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = sock.read(&mut buf).await.expect("the request arrives");
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    sock.write_all(response.as_bytes())
        .await
        .expect("the answer is written");
    sock.shutdown().await.ok();
}

fn status_json(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn ok_json(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-request-id: rq-1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

async fn listener() -> (TcpListener, Url) {
    let l = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = Url::parse(&format!(
        "http://{}",
        l.local_addr().expect("has an address")
    ))
    .expect("parses");
    (l, url)
}

#[tokio::test]
async fn every_request_carries_the_token_version_accept_and_user_agent() {
    let (l, url) = listener().await;
    let server = tokio::spawn(serve_once(
        l,
        ok_json(r#"{"type":"admin","id":7,"name":"A"}"#),
    ));
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .product_version("9.8.7")
        .build()
        .expect("client builds");
    let me = client.me().await.expect("a well-formed answer decodes");
    assert_eq!(me.id, "7", "an integer id arrives as a string");
    let head = server.await.expect("the server task finishes");
    assert!(
        head.starts_with("get /me http/1.1"),
        "the request is GET /me: {head}"
    );
    assert!(
        head.contains("authorization: bearer secret-abc"),
        "the bearer token is sent"
    );
    assert!(
        head.contains("intercom-version: 2.14"),
        "the pinned version is sent"
    );
    assert!(
        head.contains("accept: application/json"),
        "JSON is asked for"
    );
    assert!(
        head.contains("user-agent: agentdesk/9.8.7\r\n"),
        "the user agent names Agentdesk and the app's version, not the client crate's: {head}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let (l, url) = listener().await;
    let redirect = "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:9/me\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned();
    let server = tokio::spawn(serve_once(l, redirect));
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .build()
        .expect("client builds");
    let err = client
        .me()
        .await
        .expect_err("a cross-host redirect is not followed, so /me fails");
    assert_eq!(
        err.status(),
        Some(302),
        "the redirect itself is the answer: {err:?}"
    );
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest { .. }),
        "an unexpected 3xx is not a success: {err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("redirected") && msg.contains("another host") && !msg.contains("invalid"),
        "an unfollowed redirect says so, not that the request was invalid: {msg}"
    );
    server.await.expect("the server task finishes");
}

#[tokio::test]
async fn a_next_link_to_another_host_inside_a_stream_is_refused_without_sending() {
    let (l, url) = listener().await;
    // Another origin: same address, another port, which would also get the bearer token.
    let (foreign, foreign_url) = listener().await;
    let page = format!(
        r#"{{"type":"event.list","events":[{{"event_name":"paid","created_at":1}}],"pages":{{"next":"{foreign_url}events?type=user&intercom_user_id=c1&before=1"}}}}"#
    );
    let server = tokio::spawn(serve_once(l, ok_json(&page)));
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .build()
        .expect("client builds");
    let mut stream = client.list_events(ContactKey::IntercomId("c1".into()), None);
    let first = stream
        .next()
        .await
        .expect("the stream yields the first page")
        .expect("the first page is on the configured host and decodes");
    assert_eq!(first.items.len(), 1, "the first page's event is delivered");
    let err = stream
        .next()
        .await
        .expect("the stream yields the refusal")
        .expect_err("a next link to another host is refused");
    assert_eq!(
        err.kind(),
        &ErrorKind::Decode,
        "a foreign next link is an unusable answer: {err}"
    );
    assert_eq!(
        err.field_path(),
        Some("pages.next"),
        "the error names pages.next"
    );
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the refusal"
    );
    server.await.expect("the server task finishes");
    assert!(
        foreign.accept().now_or_never().is_none(),
        "nothing connected to the foreign host, so the token never went there"
    );
}

/// One request to a server that answers `status` with `body`: the error it becomes.
async fn error_for(status: &str, body: &str) -> intercom::ApiError {
    let (l, url) = listener().await;
    let server = tokio::spawn(serve_once(l, status_json(status, body)));
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .max_retries(0)
        .build()
        .expect("client builds");
    let err = client
        .get_contact("c1")
        .await
        .expect_err("an error status is an error");
    server.await.expect("the server task finishes");
    err
}

#[tokio::test]
async fn a_400_or_422_names_the_field_and_a_410_is_gone() {
    for status in ["400 Bad Request", "422 Unprocessable Entity"] {
        let err = error_for(
            status,
            r#"{"type":"error.list","request_id":"r-4xx","errors":[{"code":"parameter_invalid","message":"Email is invalid","field":"email"}]}"#,
        )
        .await;
        assert_eq!(
            err.kind(),
            &ErrorKind::InvalidRequest {
                field: Some("email".into())
            },
            "{status} is an invalid request naming the field"
        );
        assert!(
            err.to_string().contains("`email`"),
            "the message names the field: {err}"
        );
        assert!(!err.is_retryable(), "{status} will fail the same way again");
        assert_eq!(
            err.request_id(),
            Some("r-4xx"),
            "the body's request_id is kept"
        );
    }
    let err = error_for(
        "410 Gone",
        r#"{"type":"error.list","errors":[{"code":"contact_merged","message":"merged"}]}"#,
    )
    .await;
    assert_eq!(
        err.kind(),
        &ErrorKind::Gone,
        "410 is a merged contact: {err}"
    );
}

#[tokio::test]
async fn a_402_says_the_plan_lacks_api_access() {
    let err = error_for(
        "402 Payment Required",
        r#"{"type":"error.list","errors":[{"code":"payment_required","message":"API access is not available on your plan"}]}"#,
    )
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::Forbidden { code, .. } if code == "api_plan_restricted"),
        "402 is a plan restriction, forbidden-like, not an invalid request: {err:?}"
    );
    assert!(
        err.to_string().contains("plan") && !err.to_string().contains("invalid"),
        "the message says the plan is the cause: {err}"
    );
}

#[tokio::test]
async fn a_408_is_retried_for_a_read_and_not_applied_for_a_write() {
    let (l, url) = listener().await;
    let timeout = status_json("408 Request Timeout", "");
    let server = tokio::spawn(serve_each(
        l,
        vec![
            timeout.clone(),
            ok_json(r#"{"type":"admin","id":7}"#),
            timeout,
        ],
    ));
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(5),
        )
        .build()
        .expect("client builds");
    let me = client.me().await.expect("a read is retried after a 408");
    assert_eq!(me.id, "7", "the retry's answer is returned");
    let err = client
        .mark_read("c1")
        .await
        .expect_err("a write is not retried blindly");
    assert!(
        err.is_retryable(),
        "a 408 may succeed when tried again: {err}"
    );
    assert!(
        !err.may_have_been_applied(),
        "Intercom gave up before processing, so the write was not applied: {err}"
    );
    assert_eq!(
        server.await.expect("the server task finishes"),
        3,
        "one 408 and its retry for the read, one request for the write"
    );
}

#[tokio::test]
async fn a_write_that_cannot_connect_was_not_applied() {
    // A port that was just free: nothing listens, the connection is refused.
    let (l, url) = listener().await;
    drop(l);
    let client = Client::builder(Region::Custom(url), AccessToken::new("secret-abc"))
        .connect_timeout(std::time::Duration::from_millis(200))
        .max_retries(0)
        .build()
        .expect("client builds");
    let err = client.mark_read("c1").await.expect_err("nothing listens");
    assert_eq!(
        err.transport_kind(),
        Some(intercom::TransportKind::Connect),
        "a failed connection is a connect error: {err:?}"
    );
    assert!(
        !err.may_have_been_applied(),
        "nothing was sent, so the write was not applied: {err}"
    );
}
