//! What every request handler shares: the state lock, tokens, the rate limiter, the fault
//! book, the write log and the counters.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use axum::http::{header, HeaderMap, StatusCode};

use crate::faults::FaultBook;
use crate::state::State;

/// What a configured token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Full,
    ReadOnly,
}

/// The routes whose fetches are counted per id: a record fetched again and again is a
/// client stuck in a loop.
pub(crate) const PER_ID_ROUTES: [&str; 3] = [
    "GET /contacts/{id}",
    "GET /conversations/{id}",
    "GET /events",
];

/// Request counters for benchmarks and tests.
#[derive(Default)]
pub(crate) struct Stats {
    pub requests: AtomicU64,
    pub count_429: AtomicU64,
    pub per_route: Mutex<BTreeMap<String, u64>>,
    /// Per route of [`PER_ID_ROUTES`], requests per id (`GET /events`: per query string,
    /// that is per page of one contact's events).
    pub per_id: Mutex<BTreeMap<String, HashMap<String, u64>>>,
    /// Woken after each counted request, for [`crate::Sandbox::wait_for_requests`].
    pub served: tokio::sync::Notify,
}

/// Who the control API (`/_sandbox/`, loopback peers only) answers: no web page, and only
/// the holders of the secret when there is one.
pub(crate) struct Access {
    /// [`crate::SandboxConfig::control_secret`].
    pub secret: Option<String>,
    /// The sandbox's own origin (`http://127.0.0.1:PORT`), the one `Origin` allowed.
    pub origin: String,
}

impl Access {
    /// Why `headers` may not use the control API, if they may not.
    pub(crate) fn refusal(&self, headers: &HeaderMap) -> Option<(StatusCode, String)> {
        // A browser names the page's origin on every cross-origin request and on every
        // POST; tools and tests send none. Refused even without a secret: nothing a web page
        // sends may reach the control API, whatever the sandbox is used for.
        if let Some(origin) = headers.get(header::ORIGIN) {
            if origin.as_bytes() != self.origin.as_bytes() {
                return Some((
                    StatusCode::FORBIDDEN,
                    "the control API does not answer requests from web pages (a foreign Origin)"
                        .into(),
                ));
            }
        }
        let secret = self.secret.as_deref()?;
        let given = headers
            .get(crate::CONTROL_SECRET_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        // Constant time: how much of a guess matched must not show in the answer's timing.
        let matches: bool = subtle::ConstantTimeEq::ct_eq(given, secret.as_bytes()).into();
        (!matches).then(|| {
            (
                StatusCode::UNAUTHORIZED,
                format!(
                    "the control API of this sandbox needs its secret in the {} header",
                    crate::CONTROL_SECRET_HEADER
                ),
            )
        })
    }
}

/// The state shared by all handlers of one sandbox.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub tokens: HashMap<String, TokenKind>,
    /// Per limited token, the permissions its app lacks.
    pub lacking: HashMap<String, Vec<String>>,
    pub rate_limit: u32,
    limiter: Mutex<HashMap<String, (i64, u32)>>,
    pub faults: Mutex<FaultBook>,
    writes: Mutex<Vec<Value>>,
    pub stats: Stats,
    request_seq: AtomicU64,
    seed: u64,
    /// Who the control API answers.
    pub control: Access,
}

/// The 10-second rate-limit window holding `now`: its start and its reset.
pub(crate) fn window_of(now: i64) -> (i64, i64) {
    let start = now - now.rem_euclid(10);
    (start, start + 10)
}

/// The current unix time in seconds.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Shared {
    pub(crate) fn new(
        state: State,
        tokens: HashMap<String, TokenKind>,
        lacking: HashMap<String, Vec<String>>,
        rate_limit: u32,
        faults: FaultBook,
        seed: u64,
        control: Access,
    ) -> Shared {
        Shared {
            state: Mutex::new(state),
            tokens,
            lacking,
            rate_limit,
            limiter: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults),
            writes: Mutex::new(Vec::new()),
            stats: Stats::default(),
            request_seq: AtomicU64::new(0),
            seed,
            control,
        }
    }

    /// Locks the workspace. A poisoned lock is recovered: the state is only mutated by
    /// code that does not panic, so it stays consistent.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn count_request(&self, route: &str) {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let mut map = self
            .stats
            .per_route
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *map.entry(route.to_string()).or_insert(0) += 1;
        drop(map);
        self.stats.served.notify_waiters();
    }

    /// Counts one fetch of `id` on `route` (one of [`PER_ID_ROUTES`]).
    pub(crate) fn count_fetch(&self, route: &str, id: &str) {
        let mut map = self.stats.per_id.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(route.to_string())
            .or_default()
            .entry(id.to_string())
            .or_insert(0) += 1;
    }

    /// Per route of [`PER_ID_ROUTES`], the most fetches of any one id (0 if none).
    pub(crate) fn max_fetches_per_id(&self) -> BTreeMap<String, u64> {
        let map = self.stats.per_id.lock().unwrap_or_else(|e| e.into_inner());
        PER_ID_ROUTES
            .iter()
            .map(|r| {
                let max = map.get(*r).and_then(|ids| ids.values().max().copied());
                (r.to_string(), max.unwrap_or(0))
            })
            .collect()
    }

    /// Per route of [`PER_ID_ROUTES`], the fetches of each id.
    pub(crate) fn fetches_per_id(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        let map = self.stats.per_id.lock().unwrap_or_else(|e| e.into_inner());
        PER_ID_ROUTES
            .iter()
            .map(|r| {
                let ids = map
                    .get(*r)
                    .map(|ids| ids.iter().map(|(k, v)| (k.clone(), *v)).collect())
                    .unwrap_or_default();
                (r.to_string(), ids)
            })
            .collect()
    }

    /// Counts one Intercom request against quirks mode's delayed deletion, and deletes
    /// when it is due.
    pub(crate) fn tick_quirks(&self) {
        let mut st = self.lock();
        if st.quirks.deletion_due() {
            let q = &mut st.quirks.quirks;
            let (conversations, contacts) = (q.delete_conversations, q.delete_contacts);
            q.delete_conversations = 0;
            q.delete_contacts = 0;
            st.delete_chosen(conversations, contacts);
        }
    }

    /// A fresh request id in UUID form.
    pub(crate) fn request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        let h = (self.seed ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(n.wrapping_add(1) | 1);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (h >> 32) as u32,
            (h >> 16) as u16,
            (n >> 48) as u16 & 0xfff,
            (n >> 36) as u16 & 0xfff,
            n & 0xffff_ffff_ffff
        )
    }

    /// Counts a request against the token's current 10-second window (aligned to unix
    /// multiples of 10). Returns `(limit, remaining, reset, allowed)`.
    pub(crate) fn rate_limit(&self, token: &str) -> (u32, u32, i64, bool) {
        let (start, reset) = window_of(unix_now());
        let mut map = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(token.to_string()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        let allowed = entry.1 < self.rate_limit;
        if allowed {
            entry.1 += 1;
        }
        (
            self.rate_limit,
            self.rate_limit.saturating_sub(entry.1),
            reset,
            allowed,
        )
    }

    pub(crate) fn log_write(&self, entry: Value) {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
    }

    pub(crate) fn writes(&self) -> Vec<Value> {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
