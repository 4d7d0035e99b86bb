//! "Load images": the shell fetches a message's remote images itself and hands them to the
//! sanitizer as `data:` URLs, so the webview never contacts a stranger's server (its CSP
//! forbids it anyway) and no cookie or referrer leaves with the request. Only public
//! addresses (checked after name resolution and at every redirect: `address`), only raster
//! images (`fetch`), at most 5 MB each and 20 per conversation; whatever fails stays a
//! placeholder. Fetched images are kept for the session ([`ImageCache`]), per conversation:
//! the thread is read again on every change that names it, and neither its text nor the
//! network should pay for that.
//!
//! Consent is the agent's click, per conversation: the window asks for a thread's images
//! (`loadImages`) only for the conversations whose "Load images" the agent clicked in this
//! session (`ui/src/components/Inbox.svelte`, `imagesAllowed`), and this cache hands a
//! conversation only the images fetched for that conversation, so one click never loads or
//! shows another conversation's images, even the same URL.

mod address;
mod fetch;
#[cfg(test)]
pub(crate) mod test_server;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) use address::Policy;
use fetch::Fetcher;

const MAX_IMAGES: usize = 20;
/// The most the cache holds (data URLs); the conversations loaded longest ago go first.
const MAX_CACHED_BYTES: usize = 64 * 1024 * 1024;
/// An image that could not be fetched is tried again after this long, not on every refresh.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(60);

/// The session's fetched images, per conversation. Dropped with the session (switch,
/// logout), and cleared at its shutdown.
pub struct ImageCache {
    state: Mutex<CacheState>,
    /// Where fetches may connect: [`Policy::PUBLIC`] but in tests.
    policy: Policy,
}

impl Default for ImageCache {
    /// A cache whose fetches reach public addresses only.
    fn default() -> Self {
        ImageCache::new(Policy::PUBLIC)
    }
}

#[derive(Default)]
struct CacheState {
    /// Conversation -> image URL -> what the fetch gave.
    conversations: HashMap<String, HashMap<String, Fetched>>,
    /// Conversations, the one loaded longest ago first (eviction order).
    order: VecDeque<String>,
    bytes: usize,
    /// Conversations whose images are being fetched: one fetch at a time each.
    fetching: HashSet<String>,
}

#[derive(Clone)]
enum Fetched {
    Image(String),
    Failed(Instant),
}

impl ImageCache {
    /// A cache fetching under `policy`.
    pub(crate) fn new(policy: Policy) -> ImageCache {
        ImageCache {
            state: Mutex::default(),
            policy,
        }
    }

    /// The images of `conversation` fetched so far, at once, so the thread never waits for
    /// the network. The ones missing (or failed a while ago) are fetched in the background
    /// (a task on the current tokio runtime); when any new one is in, `fetched` runs, so the
    /// window can read the thread again.
    pub fn inline_or_fetch(
        self: &Arc<Self>,
        conversation: &str,
        urls: &[String],
        fetched: impl FnOnce() + Send + 'static,
    ) -> HashMap<String, String> {
        let urls = &urls[..urls.len().min(MAX_IMAGES)];
        let mut state = self.lock();
        let known = state.conversations.get(conversation);
        let mut inline = HashMap::new();
        let mut missing = Vec::new();
        for url in urls {
            match known.and_then(|k| k.get(url)) {
                Some(Fetched::Image(data)) => {
                    inline.insert(url.clone(), data.clone());
                }
                Some(Fetched::Failed(at)) if at.elapsed() < RETRY_FAILED_AFTER => {}
                _ => missing.push(url.clone()),
            }
        }
        if missing.is_empty() || !state.fetching.insert(conversation.to_string()) {
            return inline;
        }
        drop(state);
        let cache = Arc::clone(self);
        let conversation = conversation.to_string();
        tokio::spawn(async move {
            let got = fetch_all(cache.policy, &missing).await;
            let any = !got.is_empty();
            cache.store(&conversation, &missing, got);
            if any {
                fetched();
            }
        });
        inline
    }

    /// Forgets every image (the session ends).
    pub fn clear(&self) {
        *self.lock() = CacheState::default();
    }

    fn store(&self, conversation: &str, asked: &[String], mut got: HashMap<String, String>) {
        let mut state = self.lock();
        state.fetching.remove(conversation);
        let now = Instant::now();
        let mut added = 0;
        let entry = state
            .conversations
            .entry(conversation.to_string())
            .or_default();
        for url in asked {
            let value = match got.remove(url) {
                Some(data) => {
                    added += data.len();
                    Fetched::Image(data)
                }
                None => Fetched::Failed(now),
            };
            if let Some(Fetched::Image(old)) = entry.insert(url.clone(), value) {
                added = added.saturating_sub(old.len());
            }
        }
        state.bytes += added;
        state.order.retain(|c| c != conversation);
        state.order.push_back(conversation.to_string());
        while state.bytes > MAX_CACHED_BYTES && state.order.len() > 1 {
            let Some(oldest) = state.order.pop_front() else {
                break;
            };
            if let Some(images) = state.conversations.remove(&oldest) {
                let freed: usize = images
                    .values()
                    .map(|f| match f {
                        Fetched::Image(d) => d.len(),
                        Fetched::Failed(_) => 0,
                    })
                    .sum();
                state.bytes = state.bytes.saturating_sub(freed);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Fetches what it can under `policy`; the map holds `url -> data:image/...;base64,...`.
async fn fetch_all(policy: Policy, urls: &[String]) -> HashMap<String, String> {
    let fetcher = match Fetcher::new(policy) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "cannot build the image client");
            return HashMap::new();
        }
    };
    let fetcher = &fetcher;
    let fetches = urls.iter().take(MAX_IMAGES).map(|url| async move {
        let got = fetcher.fetch(url).await;
        if let Err(e) = &got {
            // The URL is a customer's: debug only.
            tracing::debug!(%url, error = %e, "an image was not loaded");
        }
        (url.clone(), got.ok())
    });
    futures_util::future::join_all(fetches)
        .await
        .into_iter()
        .filter_map(|(url, data)| data.map(|d| (url, d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Condvar};

    /// An image server on loopback that counts requests and holds every answer until
    /// released, like a slow stranger's server.
    struct ImageServer {
        base: String,
        port: u16,
        requests: Arc<AtomicUsize>,
        /// One message per request received, so a test wakes when one arrives.
        arrived: Mutex<mpsc::Receiver<()>>,
        released: Arc<(Mutex<bool>, Condvar)>,
    }

    impl ImageServer {
        fn start() -> ImageServer {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
            let port = listener.local_addr().expect("address").port();
            let base = format!("http://127.0.0.1:{port}");
            let requests = Arc::new(AtomicUsize::new(0));
            let released = Arc::new((Mutex::new(false), Condvar::new()));
            let (count, gate) = (Arc::clone(&requests), Arc::clone(&released));
            let (tx, arrived) = mpsc::channel();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (count, gate, tx) = (Arc::clone(&count), Arc::clone(&gate), tx.clone());
                    std::thread::spawn(move || answer(stream, &count, &tx, &gate));
                }
            });
            ImageServer {
                base,
                port,
                requests,
                arrived: Mutex::new(arrived),
                released,
            }
        }

        fn url(&self, path: &str) -> String {
            format!("{}{path}", self.base)
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }

        /// Waits, up to a deadline, until `n` requests in all have arrived.
        fn wait_for_requests(&self, n: usize, what: &str) {
            let deadline = Instant::now() + Duration::from_secs(20);
            let arrived = self.arrived.lock().expect("receiver");
            while self.requests() < n {
                let left = deadline.saturating_duration_since(Instant::now());
                arrived
                    .recv_timeout(left)
                    .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
            }
        }

        fn release(&self) {
            let (open, wake) = &*self.released;
            *open.lock().expect("gate") = true;
            wake.notify_all();
        }
    }

    fn answer(
        mut stream: std::net::TcpStream,
        count: &AtomicUsize,
        arrived: &mpsc::Sender<()>,
        gate: &(Mutex<bool>, Condvar),
    ) {
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        count.fetch_add(1, Ordering::SeqCst);
        let _ = arrived.send(());
        let (open, wake) = gate;
        let mut released = open.lock().expect("gate");
        while !*released {
            released = wake.wait(released).expect("gate");
        }
        drop(released);
        let body = b"\x89PNG\r\n\x1a\nnot really a picture";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    }

    /// The runtime the session's tasks run on (the shell's, in the app).
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    /// Polls a condition that announces nothing (the cache's own state), up to a deadline.
    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Regression: with images allowed, every read of the thread (one per change event that
    /// names it) downloaded every image again, and the thread waited for the downloads (up
    /// to 10 s) before its text showed.
    #[test]
    fn images_are_fetched_once_per_session_and_never_hold_the_thread_up() {
        let runtime = runtime();
        let _inside = runtime.enter();
        let server = ImageServer::start();
        let cache = Arc::new(ImageCache::new(Policy::public_and_loopback_port(
            server.port,
        )));
        let urls = vec![server.url("/a.png"), server.url("/b.png")];
        let announced = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let notify = || {
            let (announced, tx) = (Arc::clone(&announced), tx.clone());
            move || {
                announced.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(());
            }
        };

        // The server answers nothing until released: a call that waited for it would hang.
        let first = cache.inline_or_fetch("c1", &urls, notify());
        assert!(
            first.is_empty(),
            "the thread comes back before the images, with placeholders"
        );
        server.wait_for_requests(2, "both images are requested");
        let during = cache.inline_or_fetch("c1", &urls, notify());
        assert!(
            during.is_empty(),
            "a read while the fetch is under way does not wait for it either"
        );
        server.release();
        rx.recv_timeout(Duration::from_secs(20))
            .expect("the window is told when the images are in, to read the thread again");

        for _ in 0..3 {
            let loaded = cache.inline_or_fetch("c1", &urls, notify());
            assert_eq!(
                loaded.len(),
                2,
                "every later read inlines the session's copies"
            );
            assert!(
                loaded
                    .values()
                    .all(|d| d.starts_with("data:image/png;base64,")),
                "images are inlined as data URLs"
            );
        }
        assert_eq!(
            server.requests(),
            2,
            "each image is downloaded once per session, however often the thread is read"
        );
        assert_eq!(
            announced.load(Ordering::SeqCst),
            1,
            "only a fetch that brought images in asks for another read (no refresh loop)"
        );

        cache.clear();
        let after = cache.inline_or_fetch("c1", &urls, notify());
        assert!(
            after.is_empty(),
            "after the session ends (logout, switch) nothing fetched is kept"
        );
        server.wait_for_requests(4, "a new session fetches again");
    }

    #[test]
    fn an_image_that_fails_is_not_fetched_on_every_read() {
        let runtime = runtime();
        let _inside = runtime.enter();
        // Nothing listens there: the fetch fails at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cache = Arc::new(ImageCache::new(Policy::public_and_loopback_port(port)));
        let urls = vec![format!("http://127.0.0.1:{port}/gone.png")];
        let announced = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&announced);
        cache.inline_or_fetch("c1", &urls, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        wait_for("the failed fetch is recorded", || {
            cache.lock().fetching.is_empty()
        });
        assert_eq!(
            announced.load(Ordering::SeqCst),
            0,
            "a fetch that brought nothing does not make the window read the thread again"
        );
        cache.inline_or_fetch("c1", &urls, || {});
        assert!(
            cache.lock().fetching.is_empty(),
            "a failed image waits {RETRY_FAILED_AFTER:?} before another try"
        );
    }
}
