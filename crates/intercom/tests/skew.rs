//! The governor against a server whose clock is off from ours: a bare HTTP/1.1 server on
//! 127.0.0.1 that counts requests in 2-second windows of its own (skewed) clock and answers
//! with `Date` and `X-RateLimit-*` on that clock, refusing with 429 past the limit.

use intercom::{AccessToken, ApiError, Client, Region, Url};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const WINDOW_SECS: u64 = 2;
const LIMIT: u32 = 5;

/// Requests counted per window start (server unix seconds), and the 429s sent.
#[derive(Default)]
struct Counts {
    per_window: BTreeMap<u64, u32>,
    refused: u32,
}

fn server_clock(skew_secs: i64) -> SystemTime {
    let now = SystemTime::now();
    if skew_secs >= 0 {
        now + Duration::from_secs(skew_secs.unsigned_abs())
    } else {
        now - Duration::from_secs(skew_secs.unsigned_abs())
    }
}

async fn answer(mut sock: tokio::net::TcpStream, skew_secs: i64, counts: Arc<Mutex<Counts>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let now = server_clock(skew_secs);
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let window = secs - secs % WINDOW_SECS;
    let (status, remaining) = {
        let mut c = counts.lock().expect("counts lock");
        let n = c.per_window.entry(window).or_insert(0);
        *n += 1;
        let n = *n;
        if n > LIMIT {
            c.refused += 1;
            ("429 Too Many Requests", 0)
        } else {
            ("200 OK", LIMIT - n)
        }
    };
    let body = if status.starts_with("200") {
        r#"{"type":"team.list","teams":[]}"#
    } else {
        r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded"}]}"#
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\ndate: {}\r\nx-ratelimit-limit: {LIMIT}\r\nx-ratelimit-remaining: {remaining}\r\nx-ratelimit-reset: {}\r\nconnection: close\r\n\r\n{body}",
        body.len(),
        httpdate::fmt_http_date(now),
        window + WINDOW_SECS,
    );
    sock.write_all(resp.as_bytes()).await.ok();
    sock.shutdown().await.ok();
}

async fn skewed_server(skew_secs: i64) -> (Url, Arc<Mutex<Counts>>) {
    let l = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = Url::parse(&format!(
        "http://{}",
        l.local_addr().expect("has an address")
    ))
    .expect("parses");
    let counts = Arc::new(Mutex::new(Counts::default()));
    let c = Arc::clone(&counts);
    tokio::spawn(async move {
        while let Ok((sock, _)) = l.accept().await {
            tokio::spawn(answer(sock, skew_secs, Arc::clone(&c)));
        }
    });
    (url, counts)
}

/// Two callers share one client for 14 requests against a 5-per-2-s window on a clock
/// `skew_secs` off ours.
async fn burst_against_a_skewed_clock(skew_secs: i64) {
    let (url, counts) = skewed_server(skew_secs).await;
    let client = Client::builder(Region::Custom(url), AccessToken::new("skew-token"))
        .build()
        .expect("client builds");
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..7 {
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
    let c = counts.lock().expect("counts lock");
    assert_eq!(
        c.refused, 0,
        "timing the reset on the server's clock (skew {skew_secs} s) means no 429: {:?}",
        c.per_window
    );
    assert!(
        c.per_window.values().all(|n| *n < LIMIT),
        "the governor keeps a reserve: no window is spent to zero: {:?}",
        c.per_window
    );
    let windows: Vec<u64> = c.per_window.keys().copied().collect();
    let first = windows[0];
    let last = windows[windows.len() - 1];
    assert_eq!(
        (last - first) / WINDOW_SECS + 1,
        windows.len() as u64,
        "no window passes idle while requests wait (skew {skew_secs} s): waiting on the \
         local clock would idle for the skew: {:?}",
        c.per_window
    );
}

#[tokio::test]
async fn a_server_clock_5_s_ahead_neither_429s_nor_idles() {
    burst_against_a_skewed_clock(5).await;
}

#[tokio::test]
async fn a_server_clock_5_s_behind_neither_429s_nor_idles() {
    burst_against_a_skewed_clock(-5).await;
}
