//! A loopback HTTP server for the image tests: a canned answer per request path, every
//! request's path recorded. Plain threads and `std::net`, so it runs beside any runtime.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One canned HTTP answer.
pub(crate) struct Answer {
    status: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// 200 with `content_type` and `body`.
    pub(crate) fn ok(content_type: &str, body: &[u8]) -> Answer {
        Answer {
            status: "200 OK",
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.to_vec(),
        }
    }

    /// A PNG (its signature, then filler).
    pub(crate) fn png() -> Answer {
        Answer::ok("image/png", b"\x89PNG\r\n\x1a\nnot really a picture")
    }

    /// 302 to `location`.
    pub(crate) fn redirect(location: &str) -> Answer {
        Answer {
            status: "302 Found",
            headers: vec![("Location", location.to_string())],
            body: Vec::new(),
        }
    }

    /// 404.
    pub(crate) fn not_found() -> Answer {
        Answer {
            status: "404 Not Found",
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// A running server on 127.0.0.1 (it lives as long as the test process).
pub(crate) struct Server {
    /// Its port.
    pub(crate) port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Serves `answer(path)` to every request.
    pub(crate) fn start(answer: impl Fn(&str) -> Answer + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, answer) = (Arc::clone(&requests), Arc::new(answer));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, answer) = (Arc::clone(&seen), Arc::clone(&answer));
                std::thread::spawn(move || serve(stream, &seen, &*answer));
            }
        });
        Server { port, requests }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The paths requested so far, in order.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("the request log").clone()
    }
}

fn serve(mut stream: TcpStream, seen: &Mutex<Vec<String>>, answer: &dyn Fn(&str) -> Answer) {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    seen.lock().expect("the request log").push(path.clone());
    let Answer {
        status,
        headers,
        body,
    } = answer(&path);
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(&body);
}
