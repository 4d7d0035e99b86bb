//! A faithful local Intercom REST API (version 2.14) for tests, benchmarks and Agentdesk's
//! demo workspace. No machine here can reach Intercom; this is the Intercom every test
//! talks to, awkward parts included (stateless search cursors, 500-part cap, rate limits
//! in 10-second windows, `null` assignees, HTML bodies).
//!
//! # In process
//! ```no_run
//! # async fn demo() -> Result<(), intercom_sandbox::SandboxError> {
//! use intercom_sandbox::{Fault, Sandbox, SandboxConfig};
//! let sb = Sandbox::start(SandboxConfig { seed: 7, conversations: 300, ..Default::default() }).await?;
//! let base = sb.base_url(); // "http://127.0.0.1:PORT", no trailing slash
//! sb.fail_next_on("/conversations/search", 1, Fault::MalformedJson);
//! sb.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Intercom endpoints
//! `GET /me`, `GET /admins`, `GET /teams`, `GET /conversations`, `POST /conversations/search`,
//! `GET|PUT /conversations/{id}`, `POST /conversations/{id}/reply`,
//! `POST /conversations/{id}/parts`, `GET /contacts/{id}`, `POST /contacts/search`,
//! `GET|POST /events`. Shapes follow the 2.14 OpenAPI description; errors are `error.list`
//! with a `request_id`. Every authenticated response carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` for the token's fixed 10-second window
//! (aligned to unix multiples of 10).
//!
//! **Ordering.** `GET /conversations` lists newest `updated_at` first, ties by higher id
//! first (Intercom does not document its order). Search defaults to the same order and
//! honours `"sort": {"field": "updated_at"|"created_at"|"waiting_since", "order":
//! "ascending"|"descending"}`. Contacts search defaults to `last_seen_at` descending.
//!
//! **Cursors** are stateless: `starting_after` is `base64url("{sort_key}.{id}.{page}")` of
//! the last item served, and the next page is everything strictly after it. An item updated
//! between two page requests moves, so a careless client sees it twice or never.
//!
//! # Control API (loopback peers only; a secret when configured)
//! Only loopback peers are answered, and never a request whose `Origin` header names
//! another origin than the sandbox's own (`http://127.0.0.1:PORT`): a web page in a browser
//! on this machine can reach loopback, and a `text/plain` POST needs no CORS preflight, so
//! without these walls any page could write into the workspace. With
//! [`SandboxConfig::control_secret`] set (the demo workspace always sets one, from
//! [`new_control_secret`]), every control request must also carry it in the
//! `x-sandbox-secret` header, else 401 and nothing changes; a page cannot learn it, and a
//! custom header forces the preflight the sandbox never grants. Without a secret (tests,
//! benchmarks, the binary) the control API is open to loopback clients, as before.
//!
//! | route | body | effect |
//! |---|---|---|
//! | `POST /_sandbox/contact_reply` | `{"conversation_id", "body"}` | contact reply now; returns `{"part_id"}` |
//! | `POST /_sandbox/conversations` | `{"contact_id"?, "subject"?, "body"?}` | new open conversation; returns `{"conversation_id"}` |
//! | `POST /_sandbox/contact_update` | `{"contact_id", "name"?, "email"?, "phone"?, "location"?: {"city"?, "region"?, "country"?}, "custom_attributes"?}` | a contact is edited: fields set, attributes merged (`null` removes one), `updated_at` now; returns the contact as `GET /contacts/{id}` |
//! | `POST /_sandbox/assign` | `{"conversation_id", "admin_id"?, "team_id"?}` | a teammate assigns (no ids: unassign) |
//! | `POST /_sandbox/close` | `{"conversation_id"}` | a teammate closes |
//! | `GET`/`PUT /_sandbox/faults` | [`FaultRates`] as JSON | read or set fault rates and latency |
//! | `POST /_sandbox/fail_next` | `{"count", "path_prefix"?, "fault": {"kind", "status"?, "ms"?}}` | one-shot faults; kinds `status`, `rate_limited`, `reset_mid_body`, `stall`, `malformed_json`, `timeout_after_apply` |
//! | `GET`/`PUT /_sandbox/quirks` | [`Quirks`] as JSON | read (with what is left of the one-shots) or set quirks mode; unknown fields or rates outside 0..=1 are 400 |
//! | `POST /_sandbox/merge_contact` | `{"from", "into", "answer"?: "into"\|"not_found"}` | merge contact `from` into `into` (see [`Sandbox::merge_contact`]); returns `{"from", "into", "answer"}` |
//! | `POST /_sandbox/delete` | `{"conversation_ids"?: [...], "contact_ids"?: [...]}` | delete records (all must exist, else 404 and nothing is deleted); see [`Sandbox::delete_records`] |
//! | `GET /_sandbox/truth` | | `{admins, teams, contacts, conversations (all parts), events (by contact id), merged_contacts ({from: into}), deleted ({conversations, contacts}), now}`; merged-away and deleted records are absent |
//! | `GET /_sandbox/writes` | | every write request: `{method, path, body, token_kind, applied, status, at, request_id}` |
//! | `GET /_sandbox/stats` | `?per_id=true` | `{requests, rate_limited, per_route, writes, max_fetches_per_id}` (+ `fetches_per_id` with `per_id=true`): per-id counts for `GET /contacts/{id}`, `GET /conversations/{id}` and `GET /events` (keyed by query string, one page of one contact's events) |
//!
//! # Quirks mode
//! [`SandboxConfig::quirks`], `PUT /_sandbox/quirks` or `--quirks` ([`Quirks::hostile`]) make
//! the sandbox answer as a real workspace does and a tidy server never would: merged
//! contacts (a `GET` that answers another id, or 404), records deleted mid-sync, paging
//! cursors that stick or loop, repeated pages, junk items in lists, unknown enum values,
//! extra and missing optional fields. Off by default, and then every answer is byte for
//! byte what it was before quirks existed. [`Quirks`] says exactly which fields each
//! quirk changes; in short, ids (as values), timestamps, `state`, `open`, `read`,
//! assignees (`0` meaning none), `contacts`, `statistics`, and parts' ids, bodies, authors
//! (but `author.type` of admin and bot parts) and `created_at` stay exact, and write
//! answers and `GET /me` never change. Quirks change the truth only by merges and
//! deletions: a correct cache is the truth's records, with conversations still naming a
//! merged-away contact that the client maps through `merged_contacts`.
//!
//! # Binary
//! `intercom-sandbox --port 0 --seed 7 --conversations 5000 --contacts 1000 --token demo-token
//! [--read-only-token ro-token] [--latency-ms 50] [--jitter-ms 20] [--rate-limit 1666]
//! [--fault-rate 0.1] [--reset-rate 0.05] [--stall-rate 0.01 --stall-ms 5000]
//! [--malformed-rate 0.01] [--rate-limited-rate 0.02] [--live-rate 6] [--quirks]`
//! (`--quirks`: quirks mode with the [`Quirks::hostile`] preset). The first stdout line
//! is `listening on http://127.0.0.1:PORT`; SIGINT or SIGTERM stops it with exit status 0.
//! The fault flags are the [`FaultRates`] fields (`--fault-rate` is `error_rate`): shares of
//! Intercom requests adding up to at most 1, each request getting at most one fault. A stall
//! rate needs a stall that lasts (`--stall-ms` above 0, default 5000); invalid rates exit
//! with status 2 and say which flag is wrong. In process, the same rates are
//! [`SandboxConfig::faults`].

#![recursion_limit = "256"]

mod control;
mod error;
mod faults;
mod generate;
mod http;
mod live;
mod model;
mod quirks;
mod request;
mod search;
mod server;
mod state;
mod tags;
mod tickets;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultRates, DEFAULT_STALL_MS};
pub use quirks::{MergedAnswer, Quirks, DEFAULT_PAGING_QUIRK_EVERY};

use crate::faults::FaultBook;
use crate::generate::Sizes;
use crate::model::AssigneeKind;
use crate::server::{unix_now, Shared, TokenKind};
use crate::state::State;

/// How to build and run a sandbox. `Default` is a small demo workspace.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Seed of the generator: the same seed (and `epoch`) gives the same workspace.
    pub seed: u64,
    /// Conversations generated.
    pub conversations: usize,
    /// Contacts generated.
    pub contacts: usize,
    /// Admins (teammates) generated; the first is the token's.
    pub admins: usize,
    /// Teams generated.
    pub teams: usize,
    /// Tokens with full access. The first one is [`Sandbox::token`].
    pub tokens: Vec<String>,
    /// Tokens that may read but not write (writes get 403 naming the permission).
    pub read_only_tokens: Vec<String>,
    /// Tokens whose app lacks the named permissions (`read_conversations`, `read_admins`,
    /// `read_users_companies`, `write_conversations`, `write_events`...): a request needing
    /// one gets 403 `action_forbidden` naming it, as Intercom answers such an app.
    pub limited_tokens: Vec<(String, Vec<String>)>,
    /// Requests per 10-second window per token (Intercom's private-app default: 1666).
    pub rate_limit: u32,
    /// Added to every response.
    pub latency: Duration,
    /// Up to this much more, at random.
    pub jitter: Duration,
    /// Share of requests answered 500/502/503.
    pub fault_rate: f64,
    /// The other fault rates at start: resets mid-body, stalls (and their length),
    /// malformed JSON pages and 429 storms. Its latency, jitter and 5xx share are ignored:
    /// `latency`, `jitter` and `fault_rate` above set those.
    pub faults: FaultRates,
    /// Live events per minute (new conversations, replies, assignments, closes); 0 = off.
    pub live_rate: f64,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Anchor time (unix seconds) the generated history ends at; None = now.
    pub epoch: Option<i64>,
    /// Quirks mode at start (default: all off). Contacts it merges at start are merged at
    /// `epoch`, so the workspace stays a function of the seed and the epoch.
    pub quirks: Quirks,
    /// When set, the control API (`/_sandbox/*`) answers only requests carrying it in the
    /// `x-sandbox-secret` header (see the crate docs). None (the default, for tests and
    /// benchmarks that start their own sandbox): open to loopback clients. A sandbox a web
    /// page could find (the demo workspace) sets one from [`new_control_secret`].
    pub control_secret: Option<String>,
    /// Tickets generated; None: one per five conversations.
    pub tickets: Option<usize>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 7,
            conversations: 300,
            contacts: 120,
            admins: 8,
            teams: 3,
            tokens: vec!["demo-token".to_string()],
            read_only_tokens: Vec::new(),
            limited_tokens: Vec::new(),
            rate_limit: 1666,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            fault_rate: 0.0,
            faults: FaultRates::default(),
            live_rate: 0.0,
            port: 0,
            epoch: None,
            quirks: Quirks::default(),
            control_secret: None,
            tickets: None,
        }
    }
}

/// The header that carries [`SandboxConfig::control_secret`].
pub const CONTROL_SECRET_HEADER: &str = "x-sandbox-secret";

/// A fresh control secret: 32 bytes from the operating system's CSPRNG, base64url.
pub fn new_control_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Why the sandbox could not start or an injection failed.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The port could not be bound.
    #[error("could not listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The injection names something the workspace does not have.
    #[error("{0}")]
    NotFound(String),
    /// The injection is not valid.
    #[error("{0}")]
    Invalid(String),
}

/// What [`Sandbox::update_contact`] (and `POST /_sandbox/contact_update`) changes on a
/// contact. `None` leaves a field as it is; custom attributes are merged into the contact's,
/// and a `null` value removes that attribute.
#[derive(Clone, Debug, Default)]
pub struct ContactUpdate {
    /// The name.
    pub name: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// The phone number.
    pub phone: Option<String>,
    /// `location.city`.
    pub city: Option<String>,
    /// `location.region`.
    pub region: Option<String>,
    /// `location.country`.
    pub country: Option<String>,
    /// Values must be strings, numbers or booleans (the types Intercom's contact attributes
    /// hold), or `null` to remove the attribute.
    pub custom_attributes: serde_json::Map<String, Value>,
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] waits for it.
pub struct Sandbox {
    shared: Arc<Shared>,
    base_url: String,
    token: String,
    control_secret: Option<String>,
    admin_id: String,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    live: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Generates the workspace and serves it on 127.0.0.1. Fault rates that
    /// [`FaultRates::validate`] refuses are [`SandboxError::Invalid`].
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let rates = FaultRates {
            latency_ms: config.latency.as_millis() as u64,
            jitter_ms: config.jitter.as_millis() as u64,
            error_rate: config.fault_rate,
            ..config.faults.clone()
        };
        rates.validate().map_err(SandboxError::Invalid)?;
        config.quirks.validate().map_err(SandboxError::Invalid)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| SandboxError::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: config.port,
            source,
        })?;
        let base_url = format!("http://{addr}");
        let sizes = Sizes {
            seed: config.seed,
            conversations: config.conversations,
            contacts: config.contacts,
            admins: config.admins,
            teams: config.teams,
            epoch: config.epoch.unwrap_or_else(unix_now),
            tickets: config.tickets.unwrap_or(config.conversations / 5),
        };
        let state = State::new(&sizes, base_url.clone());
        let admin_id = state
            .admins
            .first()
            .map_or_else(String::new, |a| a.id.to_string());
        let mut tokens: HashMap<String, TokenKind> = config
            .read_only_tokens
            .iter()
            .map(|t| (t.clone(), TokenKind::ReadOnly))
            .collect();
        tokens.extend(config.tokens.iter().map(|t| (t.clone(), TokenKind::Full)));
        let mut lacking = HashMap::new();
        for (token, missing) in &config.limited_tokens {
            tokens.insert(token.clone(), TokenKind::Full);
            lacking.insert(token.clone(), missing.clone());
        }
        let shared = Arc::new(Shared::new(
            state,
            tokens,
            lacking,
            config.rate_limit,
            FaultBook::new(rates, config.seed),
            config.seed,
            server::Access {
                secret: config.control_secret.clone(),
                origin: base_url.clone(),
            },
        ));
        let epoch = sizes.epoch;
        control::set_quirks(&shared, config.quirks.clone(), epoch)?;
        let app = control::router(shared.clone())
            .merge(http::router(shared.clone(), tickets::routes::routes()));
        let (stop, mut stop_rx) = watch::channel(false);
        let server = tokio::spawn(async move {
            let serve = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stop_rx.wait_for(|s| *s).await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "sandbox server stopped with an error");
            }
        });
        let live = (config.live_rate > 0.0)
            .then(|| live::spawn(shared.clone(), config.live_rate, stop.subscribe()));
        tracing::info!(%base_url, conversations = config.conversations, "intercom sandbox listening");
        Ok(Sandbox {
            shared,
            base_url,
            token: config.tokens.first().cloned().unwrap_or_default(),
            control_secret: config.control_secret,
            admin_id,
            stop,
            server: Some(server),
            live,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The first configured full-access token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The secret the control API asks for ([`SandboxConfig::control_secret`]), if any.
    pub fn control_secret(&self) -> Option<&str> {
        self.control_secret.as_deref()
    }

    /// The id of the admin `GET /me` returns.
    pub fn admin_id(&self) -> &str {
        &self.admin_id
    }

    /// Applies `fault` to each of the next `n` Intercom requests.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.push(n, None, fault);
        }
    }

    /// Applies `fault` to each of the next `n` requests whose path starts with `prefix`.
    pub fn fail_next_on(&self, prefix: &str, n: usize, fault: Fault) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.push(n, Some(prefix.to_string()), fault);
        }
    }

    /// Replaces the fault rates and latency.
    pub fn set_faults(&self, rates: FaultRates) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.rates = rates;
        }
    }

    /// A contact replies now (reopens, unread, waiting). Returns the new part id.
    pub fn inject_contact_reply(
        &self,
        conversation_id: &str,
        html_body: &str,
    ) -> Result<String, SandboxError> {
        control::inject_contact_reply(&self.shared, conversation_id, html_body)
    }

    /// A contact (random if None) starts a new conversation. Returns its id.
    pub fn inject_new_conversation(
        &self,
        contact_id: Option<&str>,
        html_body: &str,
    ) -> Result<String, SandboxError> {
        control::inject_new_conversation(&self.shared, contact_id, None, Some(html_body))
    }

    /// Changes a contact as an edit in Intercom would (see [`ContactUpdate`]); returns the
    /// contact as `GET /contacts/{id}` now shows it. An unknown contact is
    /// [`SandboxError::NotFound`], an attribute value that is not a string, number, boolean
    /// or null is [`SandboxError::Invalid`] (and nothing is changed).
    pub fn update_contact(
        &self,
        contact_id: &str,
        update: ContactUpdate,
    ) -> Result<Value, SandboxError> {
        control::update_contact(&self.shared, contact_id, update)
    }

    /// A teammate assigns the conversation to an admin (None: unassigns the admin).
    pub fn assign(
        &self,
        conversation_id: &str,
        admin_id: Option<&str>,
    ) -> Result<(), SandboxError> {
        control::assign(&self.shared, conversation_id, AssigneeKind::Admin, admin_id)
    }

    /// A teammate assigns the conversation to a team (None: unassigns the team).
    pub fn assign_team(
        &self,
        conversation_id: &str,
        team_id: Option<&str>,
    ) -> Result<(), SandboxError> {
        control::assign(&self.shared, conversation_id, AssigneeKind::Team, team_id)
    }

    /// A teammate closes the conversation.
    pub fn close(&self, conversation_id: &str) -> Result<(), SandboxError> {
        control::close(&self.shared, conversation_id)
    }

    /// The quirks in force, with what is left of their one-shots (as `GET /_sandbox/quirks`).
    pub fn quirks(&self) -> Quirks {
        control::quirks(&self.shared)
    }

    /// Puts quirks in force (as `PUT /_sandbox/quirks`): one-shots count from now, and
    /// contacts are merged until `merge_contacts` of the named ones are. Invalid rates are
    /// [`SandboxError::Invalid`] and change nothing.
    pub fn set_quirks(&self, quirks: Quirks) -> Result<(), SandboxError> {
        control::set_quirks(&self.shared, quirks, unix_now())
    }

    /// Merges contact `from` into contact `into`, as Intercom does when a lead becomes a
    /// user. Conversations that named `from` keep naming it (a stale link the client must
    /// map); `GET /contacts/{from}` and its events answer as the returned [`MergedAnswer`]
    /// says (alternating from one merge to the next: 200 with the `into` contact, whose
    /// `id` is `into`, or 404); its events move to `into`; contacts search never returns
    /// it; the truth lists it under `merged_contacts`. Either contact missing (or already
    /// merged or deleted) is [`SandboxError::NotFound`]; `from == into` is
    /// [`SandboxError::Invalid`].
    pub fn merge_contact(&self, from: &str, into: &str) -> Result<MergedAnswer, SandboxError> {
        control::merge_contact(&self.shared, from, into, None)
    }

    /// Deletes conversations and contacts, as a teammate deleting them in Intercom: they
    /// leave lists, search and the truth (which lists them under `deleted`), and `GET` by
    /// id answers 404; conversations keep naming a deleted contact. An id that does not
    /// exist is [`SandboxError::NotFound`], and then nothing is deleted.
    pub fn delete_records(
        &self,
        conversation_ids: &[&str],
        contact_ids: &[&str],
    ) -> Result<(), SandboxError> {
        control::delete_records(&self.shared, conversation_ids, contact_ids)
    }

    /// Per route (`GET /contacts/{id}`, `GET /conversations/{id}`, `GET /events`), the most
    /// requests for any one id (`GET /events`: for one query string).
    pub fn max_fetches_per_id(&self) -> HashMap<String, u64> {
        self.shared.max_fetches_per_id().into_iter().collect()
    }

    /// Per route (as [`Sandbox::max_fetches_per_id`]), the requests for each id.
    pub fn fetches_per_id(&self) -> HashMap<String, HashMap<String, u64>> {
        self.shared
            .fetches_per_id()
            .into_iter()
            .map(|(route, ids)| (route, ids.into_iter().collect()))
            .collect()
    }

    /// The full state, as `GET /_sandbox/truth`.
    pub fn truth(&self) -> Value {
        let mut st = self.shared.lock();
        let now = unix_now();
        st.expire_snoozes(now);
        st.truth(now)
    }

    /// Every write request received, in order.
    pub fn write_log(&self) -> Vec<Value> {
        self.shared.writes()
    }

    /// Waits until `done` holds, checking it again after each Intercom request the sandbox
    /// counts (no polling); panics naming `what` when `deadline` passes first. For tests that
    /// wait on what a client sent ("a poll was served", "the conversation was fetched").
    pub async fn wait_for_requests(
        &self,
        what: &str,
        deadline: Duration,
        mut done: impl FnMut(&Sandbox) -> bool,
    ) {
        let end = tokio::time::Instant::now() + deadline;
        loop {
            let served = self.shared.stats.served.notified();
            tokio::pin!(served);
            // Registered before the check, so a request between the check and the wait wakes it.
            served.as_mut().enable();
            if done(self) {
                return;
            }
            if tokio::time::timeout_at(end, served).await.is_err() {
                panic!("timed out after {deadline:?} waiting until {what}");
            }
        }
    }

    /// Intercom requests received (control API excluded).
    pub fn request_count(&self) -> u64 {
        self.shared.stats.requests.load(Ordering::Relaxed)
    }

    /// Requests per route, keyed `"METHOD /path/{template}"`.
    pub fn route_counts(&self) -> HashMap<String, u64> {
        let map = self
            .shared
            .stats
            .per_route
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// 429 responses sent (real limit and injected).
    pub fn count_429(&self) -> u64 {
        self.shared.stats.count_429.load(Ordering::Relaxed)
    }

    /// Stops serving and waits (at most 5 s) for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(live) = self.live.take() {
            live.abort();
        }
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(live) = self.live.take() {
            live.abort();
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
