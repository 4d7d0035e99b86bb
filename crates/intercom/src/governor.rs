//! The rate-limit governor: one per access token, shared by every request and clone of the
//! client. It reads `X-RateLimit-Limit/Remaining/Reset` (Intercom's current 10-second
//! window) from each response and grants a permit only while `remaining` minus the requests
//! already in flight exceeds a small reserve (1% of the limit, at least one request), so
//! concurrent callers never drive the window to zero before its reset and other users of
//! the same app token (another agent's machine, the CLI) still have room. When the window
//! is spent, callers wait until the reset plus a small jitter; then one request learns what
//! is left of the new window (others may already be spending it) before the rest go.
//! After a 429 everyone waits until the reset plus jitter. It also counts requests and 429s
//! for benchmarks and diagnostics.
//!
//! `X-RateLimit-Reset` is a time on Intercom's clock, so the time left until it is measured
//! on that clock too: each answer's `Date` header says what time it was on the server, and
//! the governor keeps a lower bound of the server clock against the local monotonic clock.
//! A local wall clock that is off by seconds then neither rolls the window early (a burst of
//! 429s) nor late (an idle wait). Only answers without `Date` fall back to the local clock.

use rand::Rng;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The process-wide governors, one per (base URL, token), so clients built separately for
/// one token still pace together. Keyed by a keyed hash of the token (keys drawn once per
/// process), never the token itself; entries are weak, so a governor goes with its last
/// client.
struct Registry {
    hasher: RandomState,
    governors: HashMap<(String, u64), Weak<Governor>>,
}

/// The governor every client for `token` at `base` shares, created on first use.
pub(crate) fn for_token(base: &url::Url, token: &str) -> Arc<Governor> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    let registry = REGISTRY.get_or_init(|| {
        Mutex::new(Registry {
            hasher: RandomState::new(),
            governors: HashMap::new(),
        })
    });
    // A poisoned lock only means a panic elsewhere mid-insert; the map is still usable.
    let mut r = registry.lock().unwrap_or_else(|p| p.into_inner());
    let key = (base.as_str().to_owned(), r.hasher.hash_one(token));
    if let Some(g) = r.governors.get(&key).and_then(Weak::upgrade) {
        return g;
    }
    r.governors.retain(|_, g| g.strong_count() > 0);
    let g = Arc::new(Governor::new());
    r.governors.insert(key, Arc::downgrade(&g));
    g
}

/// Counters of what went through a governor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GovernorStats {
    /// HTTP requests sent (every attempt, retries included).
    pub requests: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Retries after a 5xx, timeout or connection error (429 retries not included).
    pub retries: u64,
    /// Times a caller had to wait for the window to reset.
    pub throttled: u64,
}

/// What the last responses said about the current window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowState {
    /// Requests per window (`X-RateLimit-Limit`).
    pub limit: Option<u32>,
    /// Requests left in this window (`X-RateLimit-Remaining`).
    pub remaining: Option<u32>,
    /// Unix seconds at which the window resets.
    pub reset: Option<u64>,
    /// Requests sent whose answers have not arrived yet.
    pub in_flight: u32,
}

/// Rate-limit headers of one response.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RateHeaders {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub reset: Option<u64>,
    /// The server's clock when it answered (`Date`, unix seconds).
    pub date: Option<u64>,
}

impl RateHeaders {
    pub(crate) fn from_headers(h: &reqwest::header::HeaderMap) -> Self {
        fn num<T: std::str::FromStr>(h: &reqwest::header::HeaderMap, name: &str) -> Option<T> {
            h.get(name)?.to_str().ok()?.trim().parse().ok()
        }
        Self {
            limit: num(h, "x-ratelimit-limit"),
            remaining: num(h, "x-ratelimit-remaining"),
            reset: num(h, "x-ratelimit-reset"),
            date: h
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v.trim()).ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    limit: Option<u32>,
    remaining: Option<u32>,
    reset: Option<u64>,
    /// When to treat the current window as reset (its reset instant plus jitter).
    roll_at: Option<Instant>,
    /// Headers with a reset at or before this belong to a window already rolled over.
    stale_before: u64,
    in_flight: u32,
    blocked_until: Option<Instant>,
    consecutive_429: u32,
    /// A lower bound of (server unix time − seconds since `Governor::anchor`), learnt from
    /// `Date` headers; `None` until an answer carried one.
    server_offset: Option<f64>,
}

/// Requests of each window left unspent: 1% of the limit, at least one.
fn reserve(limit: Option<u32>) -> u32 {
    limit.map_or(1, |l| (l / 100).max(1))
}

enum Decision {
    Grant,
    WaitUntil(Instant),
    WaitForAnswer,
}

/// Paces every request made with one token. Clients built for the same token and base URL
/// share one automatically (a process-wide registry); [`crate::ClientBuilder::governor`]
/// hands one over explicitly.
#[derive(Debug)]
pub struct Governor {
    state: Mutex<State>,
    notify: Notify,
    max_jitter: Duration,
    requests: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    /// The local monotonic origin the server clock is measured against.
    anchor: Instant,
}

impl Default for Governor {
    fn default() -> Self {
        Self::new()
    }
}

impl Governor {
    /// A governor that knows nothing yet: it sends one request, learns the window from the
    /// answer's headers, then paces.
    pub fn new() -> Self {
        Self::with_jitter(Duration::from_millis(150))
    }

    /// As [`Governor::new`], with the largest random delay added after a reset.
    pub fn with_jitter(max_jitter: Duration) -> Self {
        Self {
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            max_jitter,
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            anchor: Instant::now(),
        }
    }

    /// Counters since creation.
    pub fn stats(&self) -> GovernorStats {
        GovernorStats {
            requests: self.requests.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }

    /// What the governor currently believes about the window.
    pub fn window(&self) -> WindowState {
        let s = self.lock();
        WindowState {
            limit: s.limit,
            remaining: s.remaining,
            reset: s.reset,
            in_flight: s.in_flight,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a panic elsewhere mid-update; the counters are still
        // usable as a pacing hint.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn jitter(&self) -> Duration {
        let max = self.max_jitter.as_millis() as u64;
        if max == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::thread_rng().gen_range(0..=max))
    }

    /// Waits until a request may be sent, and reserves it.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        let mut waited = false;
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let decision = self.decide();
            match decision {
                Decision::Grant => {
                    self.requests.fetch_add(1, Ordering::Relaxed);
                    return Permit {
                        governor: Arc::clone(self),
                        done: false,
                    };
                }
                Decision::WaitUntil(at) => {
                    if !waited {
                        waited = true;
                        self.throttled.fetch_add(1, Ordering::Relaxed);
                    }
                    tokio::select! {
                        _ = notified => {}
                        _ = tokio::time::sleep_until(at.into()) => {}
                    }
                }
                Decision::WaitForAnswer => notified.await,
            }
        }
    }

    fn decide(&self) -> Decision {
        let now = Instant::now();
        let mut s = self.lock();
        if let Some(until) = s.blocked_until {
            if now < until {
                return Decision::WaitUntil(until);
            }
            s.blocked_until = None;
        }
        if let Some(roll_at) = s.roll_at {
            if now >= roll_at {
                // The window has reset. Other clients of the token may already be spending
                // the new one, so one request learns what is left before a burst.
                s.stale_before = s.reset.unwrap_or(s.stale_before);
                s.reset = None;
                s.roll_at = None;
                s.remaining = None;
            }
        }
        let grant = match s.remaining {
            // Nothing known yet (or no headers at all): one request at a time learns the window.
            None => s.in_flight == 0,
            Some(r) => r > s.in_flight + reserve(s.limit),
        };
        if grant {
            s.in_flight += 1;
            return Decision::Grant;
        }
        match s.roll_at {
            Some(at) => Decision::WaitUntil(at),
            None if s.in_flight == 0 => {
                // Spent, no reset known and nothing in flight to tell us more: probe.
                s.in_flight += 1;
                Decision::Grant
            }
            None => Decision::WaitForAnswer,
        }
    }

    /// When `reset` (server unix seconds) arrives, plus jitter: on the server's clock when a
    /// `Date` header has told us where it is, else on the local wall clock.
    fn reset_instant(&self, s: &State, reset: u64, now: Instant) -> Instant {
        let until = match s.server_offset {
            Some(offset) => {
                let since_anchor = now.saturating_duration_since(self.anchor).as_secs_f64();
                let server_now = offset + since_anchor;
                Duration::try_from_secs_f64(reset as f64 - server_now).unwrap_or(Duration::ZERO)
            }
            None => {
                let reset_sys = UNIX_EPOCH + Duration::from_secs(reset);
                reset_sys
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            }
        };
        now + until + self.jitter()
    }

    /// Learns the server clock from a `Date` received at `now`. The server wrote `date` (a
    /// whole second, truncated) before `now`, so `date − now` never exceeds the true offset;
    /// the largest such value seen is the tightest safe bound (it never rolls a window early).
    fn learn_server_clock(&self, s: &mut State, date: u64, now: Instant) {
        let since_anchor = now.saturating_duration_since(self.anchor).as_secs_f64();
        let candidate = date as f64 - since_anchor;
        s.server_offset = Some(s.server_offset.map_or(candidate, |o| o.max(candidate)));
    }

    fn observe(&self, s: &mut State, h: RateHeaders, status: Option<u16>) {
        let now = Instant::now();
        if let Some(date) = h.date {
            self.learn_server_clock(s, date, now);
        }
        if let Some(reset) = h.reset {
            if reset <= s.stale_before {
                // An answer from a window that has already rolled over: says nothing now.
            } else if s.reset == Some(reset) {
                if let Some(r) = h.remaining {
                    s.remaining = Some(s.remaining.map_or(r, |cur| cur.min(r)));
                }
                s.limit = h.limit.or(s.limit);
            } else if s.reset.is_none_or(|cur| reset > cur) {
                if let Some(old) = s.reset {
                    s.stale_before = old;
                }
                s.reset = Some(reset);
                s.roll_at = Some(self.reset_instant(s, reset, now));
                s.limit = h.limit.or(s.limit);
                s.remaining = h.remaining.or(s.limit);
            }
        } else if let Some(r) = h.remaining {
            s.remaining = Some(s.remaining.map_or(r, |cur| cur.min(r)));
            s.limit = h.limit.or(s.limit);
        }
        if status == Some(429) {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
            s.consecutive_429 += 1;
            s.remaining = Some(0);
            let until = match h.reset.filter(|r| *r > s.stale_before) {
                Some(reset) => self.reset_instant(s, reset, now),
                // No reset header: back off 1 s, 2 s, 4 s... (max 30 s) plus jitter.
                None => {
                    let secs = 1u64 << s.consecutive_429.saturating_sub(1).min(5);
                    now + Duration::from_secs(secs.min(30)) + self.jitter()
                }
            };
            s.blocked_until = Some(s.blocked_until.map_or(until, |b| b.max(until)));
        } else if status.is_some() {
            s.consecutive_429 = 0;
        }
    }

    pub(crate) fn count_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// A reserved request slot. Report the answer's headers with [`Permit::complete`]; dropping
/// it without (cancelled, failed to connect) just frees the slot.
pub(crate) struct Permit {
    governor: Arc<Governor>,
    done: bool,
}

impl Permit {
    /// Records the answer's rate-limit headers (and a 429) and frees the slot.
    pub(crate) fn complete(mut self, headers: RateHeaders, status: u16) {
        let g = Arc::clone(&self.governor);
        {
            let mut s = g.lock();
            g.observe(&mut s, headers, Some(status));
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.done = true;
        g.notify.notify_waiters();
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            {
                let mut s = self.governor.lock();
                s.in_flight = s.in_flight.saturating_sub(1);
            }
            self.governor.notify.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn grants_what_remains_in_the_window_but_a_reserve() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        let first = g.acquire().await;
        assert!(
            matches!(g.decide(), Decision::WaitForAnswer),
            "with nothing known, one request probes alone"
        );
        first.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(5),
                reset: Some(now_secs() + 60),
                date: None,
            },
            200,
        );
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(g.acquire().await);
        }
        assert!(
            matches!(g.decide(), Decision::WaitUntil(_)),
            "5 remaining and 4 in flight leave only the reserve, which is never spent: the \
             window must not be driven to zero before its reset"
        );
        drop(held);
        assert_eq!(
            g.stats().requests,
            5,
            "the probe and four permits were granted"
        );
    }

    #[tokio::test]
    async fn the_reserve_is_one_percent_of_the_limit_and_at_least_one() {
        assert_eq!(reserve(None), 1, "an unknown limit keeps one request back");
        assert_eq!(reserve(Some(12)), 1, "a small limit keeps one request back");
        assert_eq!(
            reserve(Some(1666)),
            16,
            "a large limit keeps 1% back, so the share of the ceiling stays near 99%"
        );
    }

    #[tokio::test]
    async fn after_a_reset_one_request_learns_the_new_window_before_a_burst() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        let server_now = now_secs();
        g.acquire().await.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(1),
                reset: Some(server_now),
                date: Some(server_now),
            },
            200,
        );
        let probe = g.acquire().await;
        assert!(
            matches!(g.decide(), Decision::WaitForAnswer),
            "after the window rolls, the rest wait for the probe's answer instead of assuming \
             a full window that another client may be spending"
        );
        probe.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(3),
                reset: Some(server_now + 10),
                date: Some(server_now),
            },
            200,
        );
        let held = (g.acquire().await, g.acquire().await);
        assert!(
            matches!(g.decide(), Decision::WaitUntil(_)),
            "the probe learnt that only 3 are left (others spent 6): two more, then the reserve"
        );
        drop(held);
    }

    #[tokio::test]
    async fn a_429_blocks_everyone_until_the_reset() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        let p = g.acquire().await;
        p.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(0),
                reset: Some(now_secs() + 30),
                date: None,
            },
            429,
        );
        assert!(
            matches!(g.decide(), Decision::WaitUntil(_)),
            "after a 429 nobody may send before the reset"
        );
        assert_eq!(g.stats().rate_limited, 1, "the 429 is counted");
    }

    #[tokio::test]
    async fn a_429_without_headers_backs_off_instead_of_spinning() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        let p = g.acquire().await;
        p.complete(RateHeaders::default(), 429);
        match g.decide() {
            Decision::WaitUntil(at) => assert!(
                at >= Instant::now() + Duration::from_millis(900),
                "with no reset header the first back-off is about a second"
            ),
            _ => panic!("after a 429 without headers the governor must wait, not grant"),
        }
    }

    /// How long until the governor rolls its window, as it stands.
    fn roll_in(g: &Governor) -> Duration {
        let roll_at = g.lock().roll_at.expect("a reset was observed");
        roll_at.saturating_duration_since(Instant::now())
    }

    #[tokio::test]
    async fn the_reset_is_timed_on_the_server_clock_when_the_local_clock_is_off() {
        for skew in [5i64, -5] {
            let g = Arc::new(Governor::with_jitter(Duration::ZERO));
            let server_now = now_secs().saturating_add_signed(skew);
            g.acquire().await.complete(
                RateHeaders {
                    limit: Some(10),
                    remaining: Some(5),
                    reset: Some(server_now + 3),
                    date: Some(server_now),
                },
                200,
            );
            let left = roll_in(&g);
            assert!(
                left > Duration::from_millis(1900) && left <= Duration::from_secs(3),
                "3 s before the reset on the server's clock is 2-3 s here whatever the local \
                 clock says (skew {skew} s), not {left:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_429_waits_for_the_reset_on_the_server_clock() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        let server_now = now_secs() - 5;
        g.acquire().await.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(0),
                reset: Some(server_now + 2),
                date: Some(server_now),
            },
            429,
        );
        match g.decide() {
            Decision::WaitUntil(at) => assert!(
                at > Instant::now() + Duration::from_millis(900),
                "a server 5 s behind still has 1-2 s of its window left; a local-clock \
                 reading would retry at once into another 429"
            ),
            _ => panic!("after a 429 the governor must wait for the server's reset"),
        }
    }

    #[tokio::test]
    async fn without_a_date_header_the_local_clock_times_the_reset() {
        let g = Arc::new(Governor::with_jitter(Duration::ZERO));
        g.acquire().await.complete(
            RateHeaders {
                limit: Some(10),
                remaining: Some(5),
                reset: Some(now_secs() + 3),
                date: None,
            },
            200,
        );
        let left = roll_in(&g);
        assert!(
            left > Duration::from_millis(1900) && left <= Duration::from_secs(3),
            "with no Date the reset is read on the local clock: {left:?}"
        );
    }

    #[test]
    fn the_date_header_is_read_as_unix_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            reqwest::header::DATE,
            reqwest::header::HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            RateHeaders::from_headers(&h).date,
            Some(784_111_777),
            "an HTTP date is the server's clock in unix seconds"
        );
    }

    #[test]
    fn clients_of_one_token_share_a_governor_and_other_tokens_do_not() {
        let base = url::Url::parse("http://127.0.0.1:9/").expect("parses");
        let a = for_token(&base, "token-registry-a");
        let again = for_token(&base, "token-registry-a");
        assert!(
            Arc::ptr_eq(&a, &again),
            "one token at one base URL paces through one governor"
        );
        let other_token = for_token(&base, "token-registry-b");
        assert!(
            !Arc::ptr_eq(&a, &other_token),
            "another token has its own rate-limit window"
        );
        let other_base = url::Url::parse("http://127.0.0.1:10/").expect("parses");
        assert!(
            !Arc::ptr_eq(&a, &for_token(&other_base, "token-registry-a")),
            "another base URL (region or sandbox) has its own window"
        );
        drop((a, again));
        let fresh = for_token(&base, "token-registry-a");
        assert_eq!(
            fresh.stats().requests,
            0,
            "once its last client is gone the governor is dropped, not kept forever"
        );
    }
}
