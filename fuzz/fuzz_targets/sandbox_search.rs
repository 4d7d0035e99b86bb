//! Fuzzes the sandbox's search-query parser through its HTTP handler (the parser is private):
//! any body POSTed to `/conversations/search` or `/contacts/search` must get a 200 or a 4xx
//! `error.list`, never a 5xx, a panic or a dropped connection. One sandbox serves the whole
//! run, without a rate limit.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Target {
    rt: tokio::runtime::Runtime,
    addr: String,
    token: String,
    _sb: intercom_sandbox::Sandbox,
}

fn target() -> &'static Target {
    static T: OnceLock<Target> = OnceLock::new();
    T.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let sb = rt
            .block_on(intercom_sandbox::Sandbox::start(intercom_sandbox::SandboxConfig {
                conversations: 60,
                contacts: 30,
                rate_limit: u32::MAX,
                ..Default::default()
            }))
            .expect("the sandbox starts");
        Target {
            addr: sb.base_url().trim_start_matches("http://").to_string(),
            token: sb.token().to_string(),
            rt,
            _sb: sb,
        }
    })
}

/// One HTTP/1.1 request on a fresh connection; returns the status code.
async fn post(addr: &str, token: &str, path: &str, body: &[u8]) -> u16 {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nIntercom-Version: 2.14\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("write head");
    s.write_all(body).await.expect("write body");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read the answer");
    let text = String::from_utf8_lossy(&out);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer for body {:?}", String::from_utf8_lossy(body)))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let path = if which % 2 == 0 {
        "/conversations/search"
    } else {
        "/contacts/search"
    };
    let t = target();
    let status = t.rt.block_on(post(&t.addr, &t.token, path, body));
    assert!(
        status < 500,
        "search bodies must be answered 200 or 4xx, got {status} for {:?}",
        String::from_utf8_lossy(body)
    );
});
