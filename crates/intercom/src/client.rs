//! The HTTP client: headers, timeouts, the governor, retries, size-capped bodies, decoding
//! with field paths, and one method per endpoint the inbox uses.

use crate::config::{AccessToken, Config, ConfigError, Region};
use crate::error::{ApiError, TransportKind};
use crate::governor::{Governor, GovernorStats, RateHeaders};
use crate::models::de;
use crate::models::{
    Admin, AdminList, Contact, ContactList, Conversation, ConversationList, CursorPages,
    DataAttribute, DataAttributePage, DataEvent, EventList, EventSummaryList, TagPage, Team,
    TeamList, WorkspaceTag,
};
use crate::page::{Page, Pages};
use crate::requests::{Action, ContactKey, DataEventRequest, Reply};
use crate::search::SearchRequest;
use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use url::Url;

/// The API version this client speaks, sent on every request.
pub const INTERCOM_VERSION: &str = "2.14";

/// The largest page Intercom serves. Every page size this client sends (the builder's and a
/// search's) is clamped to 1..=150 rather than refused, so a caller's larger wish still pages.
pub const MAX_PER_PAGE: u32 = 150;

/// A cheap-to-clone handle; clones share the connection pool and the [`Governor`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Requests sent through this handle and its clones (see [`Client::counted`]).
    counter: Option<Arc<AtomicU64>>,
}

/// Requests sent through a [`Client::counted`] handle, retries included.
#[derive(Debug, Clone, Default)]
pub struct RequestCount(Arc<AtomicU64>);

impl RequestCount {
    /// Requests so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    region: &'static str,
    per_page: u32,
    max_body: usize,
    max_429_retries: u32,
    backoff: ExponentialBuilder,
    governor: Arc<Governor>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("per_page", &self.inner.per_page)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; see [`Config`] for the defaults.
#[derive(Debug)]
pub struct ClientBuilder {
    config: Config,
    governor: Option<Arc<Governor>>,
}

impl ClientBuilder {
    /// See [`Config::connect_timeout`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.config.connect_timeout = d;
        self
    }
    /// See [`Config::request_timeout`].
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.config.request_timeout = d;
        self
    }
    /// Items per list/search page. Clamped to 1..=[`MAX_PER_PAGE`], as
    /// [`SearchRequest::per_page`] is: asking for more than Intercom serves gets its maximum.
    pub fn per_page(mut self, n: u32) -> Self {
        self.config.per_page = n;
        self
    }
    /// See [`Config::max_body_bytes`].
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.config.max_body_bytes = n;
        self
    }
    /// See [`Config::max_retries`].
    pub fn max_retries(mut self, n: u32) -> Self {
        self.config.max_retries = n;
        self
    }
    /// Backoff between retries: starts at `min`, doubles with jitter, never above `max`.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.min_backoff = min;
        self.config.max_backoff = max;
        self
    }
    /// The Agentdesk version the `User-Agent` names (`Agentdesk/<version>`): the app passes
    /// its own `CARGO_PKG_VERSION`. Defaults to this crate's version.
    pub fn product_version(mut self, version: impl Into<String>) -> Self {
        self.config.product_version = version.into();
        self
    }
    /// Shares an existing governor (another client for the same token).
    pub fn governor(mut self, g: Arc<Governor>) -> Self {
        self.governor = Some(g);
        self
    }
    /// The client, or why the configuration cannot be used.
    pub fn build(self) -> Result<Client, ConfigError> {
        Client::with_governor(self.config, self.governor)
    }
}

/// A fully read answer.
struct Answer {
    bytes: Vec<u8>,
    request_id: Option<String>,
}

/// One HTTP call as the retry loop sees it.
struct Call<'a> {
    method: Method,
    /// The endpoint template for logs and errors: `GET /conversations/{id}`.
    endpoint: &'a str,
    url: Url,
    body: Option<Vec<u8>>,
    /// A write: not retried after it may have reached Intercom.
    write: bool,
    /// An `Intercom-Version` other than the client's own, for the one request 2.14 cannot
    /// make (priority: [`Client::set_priority`]).
    version: Option<&'static str>,
}

impl Client {
    /// Starts a builder for `region` and `token`.
    pub fn builder(region: Region, token: AccessToken) -> ClientBuilder {
        ClientBuilder {
            config: Config::new(region, token),
            governor: None,
        }
    }

    /// A client pacing through the governor shared by every client for the same token and
    /// base URL in this process.
    pub fn new(config: Config) -> Result<Self, ConfigError> {
        Self::with_governor(config, None)
    }

    fn with_governor(config: Config, governor: Option<Arc<Governor>>) -> Result<Self, ConfigError> {
        let base = config.region.base_url()?;
        if config.token.is_empty() {
            return Err(ConfigError::EmptyToken);
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
            .map_err(|_| ConfigError::TokenCharacters)?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            "Intercom-Version",
            HeaderValue::from_static(INTERCOM_VERSION),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let user_agent = HeaderValue::from_str(&format!("Agentdesk/{}", config.product_version))
            .map_err(|_| ConfigError::ProductVersion(config.product_version.clone()))?;
        headers.insert(USER_AGENT, user_agent);
        let origin = base.clone();
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if same_origin(attempt.url(), &origin) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(redirect)
            .build()
            .map_err(ConfigError::Http)?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(config.min_backoff)
            .with_max_delay(config.max_backoff)
            .with_max_times(config.max_retries as usize)
            .with_jitter();
        let governor =
            governor.unwrap_or_else(|| crate::governor::for_token(&base, config.token.expose()));
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                region: config.region.label(),
                per_page: config.per_page.clamp(1, MAX_PER_PAGE),
                max_body: config.max_body_bytes,
                max_429_retries: config.max_rate_limit_retries,
                backoff,
                governor,
            }),
            counter: None,
        })
    }

    /// A handle sharing this client's pool and governor that also counts the requests sent
    /// through it (and its clones), so passes running at once can each say what they spent;
    /// [`Client::stats`] still counts every handle's.
    pub fn counted(&self) -> (Client, RequestCount) {
        let count = RequestCount::default();
        let client = Client {
            inner: Arc::clone(&self.inner),
            counter: Some(Arc::clone(&count.0)),
        };
        (client, count)
    }

    /// The governor shared by this client and its clones.
    pub fn governor(&self) -> &Arc<Governor> {
        &self.inner.governor
    }

    /// Requests, 429s, retries and throttled waits so far.
    pub fn stats(&self) -> GovernorStats {
        self.inner.governor.stats()
    }

    /// The validated base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Items per page requested from list and search.
    pub fn per_page(&self) -> u32 {
        self.inner.per_page
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(segments);
        }
        url
    }

    async fn execute(&self, call: Call<'_>) -> Result<Answer, ApiError> {
        let span = tracing::debug_span!("intercom", endpoint = call.endpoint);
        self.execute_inner(call).instrument(span).await
    }

    async fn execute_inner(&self, call: Call<'_>) -> Result<Answer, ApiError> {
        let inner = &self.inner;
        let mut delays = inner.backoff.build();
        let mut attempts_429 = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let permit = inner.governor.acquire().await;
            if let Some(counter) = &self.counter {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            let mut req = inner.http.request(call.method.clone(), call.url.clone());
            if let Some(version) = call.version {
                // reqwest adds a default header only when the request has none.
                req = req.header("Intercom-Version", version);
            }
            if let Some(body) = &call.body {
                req = req
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let sent = req.send().await;
            let resp = match sent {
                Ok(resp) => resp,
                Err(e) => {
                    drop(permit);
                    let how = transport_kind(&e);
                    // A connect failure sent nothing, so even a write may be retried.
                    let retry = !call.write || how == TransportKind::Connect;
                    if retry {
                        if let Some(d) = delays.next() {
                            tracing::debug!(attempt, kind = ?how, delay_ms = d.as_millis() as u64, "retrying after a transport error");
                            inner.governor.count_retry();
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    return Err(ApiError::transport(call.endpoint, how, e)
                        .with_applied(call.write && how != TransportKind::Connect)
                        .with_region(inner.region));
                }
            };
            let status = resp.status().as_u16();
            let request_id = resp
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            permit.complete(RateHeaders::from_headers(resp.headers()), status);
            let bytes = match read_capped(resp, inner.max_body).await {
                Ok(b) => b,
                Err(BodyError::TooLarge) => {
                    return Err(ApiError::decode(
                        call.endpoint,
                        None,
                        format!("the answer is larger than {} bytes", inner.max_body),
                        request_id,
                    )
                    .with_status(status)
                    .with_applied(call.write && !(400..500).contains(&status)));
                }
                Err(BodyError::Read(e)) => {
                    let how = transport_kind(&e);
                    if !call.write && status != 429 {
                        if let Some(d) = delays.next() {
                            tracing::debug!(
                                attempt,
                                status,
                                request_id,
                                delay_ms = d.as_millis() as u64,
                                "retrying after the body was cut off"
                            );
                            inner.governor.count_retry();
                            tokio::time::sleep(d).await;
                            continue;
                        }
                    }
                    let how = if how == TransportKind::Connect {
                        TransportKind::Interrupted
                    } else {
                        how
                    };
                    return Err(ApiError::transport(call.endpoint, how, e)
                        .with_status(status)
                        .with_applied(call.write && !(400..500).contains(&status)));
                }
            };
            if (200..300).contains(&status) {
                return Ok(Answer { bytes, request_id });
            }
            let err = ApiError::from_response(call.endpoint, status, &bytes, request_id)
                .with_region(inner.region);
            if status == 429 && attempts_429 < inner.max_429_retries {
                // A 429 was not applied; the governor now holds everyone until the reset.
                attempts_429 += 1;
                tracing::debug!(
                    attempt,
                    request_id = err.request_id(),
                    "rate limited; waiting for the window to reset"
                );
                continue;
            }
            // A 408 means Intercom gave up waiting for the request: a read may try again.
            if (status >= 500 || status == 408) && !call.write {
                if let Some(d) = delays.next() {
                    tracing::debug!(
                        attempt,
                        status,
                        request_id = err.request_id(),
                        delay_ms = d.as_millis() as u64,
                        "retrying after a server error"
                    );
                    inner.governor.count_retry();
                    tokio::time::sleep(d).await;
                    continue;
                }
            }
            return Err(err.with_applied(call.write && status >= 500));
        }
    }

    async fn call<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<(T, Option<String>), ApiError> {
        let endpoint = call.endpoint.to_owned();
        let write = call.write;
        let answer = self.execute(call).await?;
        let value = decode(&endpoint, &answer.bytes, answer.request_id.clone())
            .map_err(|e| e.with_applied(write))?;
        Ok((value, answer.request_id))
    }

    fn get<'a>(&self, endpoint: &'a str, url: Url) -> Call<'a> {
        Call {
            method: Method::GET,
            endpoint,
            url,
            body: None,
            write: false,
            version: None,
        }
    }

    fn json_call<'a>(
        &self,
        method: Method,
        endpoint: &'a str,
        url: Url,
        body: &Value,
        write: bool,
    ) -> Call<'a> {
        Call {
            method,
            endpoint,
            url,
            body: Some(body.to_string().into_bytes()),
            write,
            version: None,
        }
    }

    /// `GET /me`: the admin behind the token and the workspace. Used by the connect screen:
    /// its errors say what to do (new token, other region, no network, missing permission).
    pub async fn me(&self) -> Result<Admin, ApiError> {
        Ok(self.call(self.get("GET /me", self.url(&["me"]))).await?.0)
    }

    /// `GET /admins`: every teammate.
    pub async fn list_admins(&self) -> Result<Vec<Admin>, ApiError> {
        let (list, _): (AdminList, _) = self
            .call(self.get("GET /admins", self.url(&["admins"])))
            .await?;
        Ok(list.admins)
    }

    /// `GET /teams`.
    pub async fn list_teams(&self) -> Result<Vec<Team>, ApiError> {
        let (list, _): (TeamList, _) = self
            .call(self.get("GET /teams", self.url(&["teams"])))
            .await?;
        Ok(list.teams)
    }

    /// `GET /conversations/{id}` with its parts (at most the newest 500); `plaintext` asks
    /// for `display_as=plaintext` bodies.
    pub async fn get_conversation(
        &self,
        id: &str,
        plaintext: bool,
    ) -> Result<Conversation, ApiError> {
        let mut url = self.url(&["conversations", id]);
        if plaintext {
            url.query_pairs_mut().append_pair("display_as", "plaintext");
        }
        Ok(self.call(self.get("GET /conversations/{id}", url)).await?.0)
    }

    /// One page of `GET /conversations`, starting after `cursor` (the first page if `None`).
    pub async fn list_conversations_page(
        &self,
        cursor: Option<&str>,
    ) -> Result<Page<Conversation>, ApiError> {
        let mut url = self.url(&["conversations"]);
        url.query_pairs_mut()
            .append_pair("per_page", &self.inner.per_page.to_string());
        if let Some(c) = cursor {
            url.query_pairs_mut().append_pair("starting_after", c);
        }
        let (list, rid): (ConversationList, _) =
            self.call(self.get("GET /conversations", url)).await?;
        Ok(cursor_page(
            list.conversations,
            list.total_count,
            list.pages,
            rid,
        ))
    }

    /// All pages of `GET /conversations` from `cursor` on.
    pub fn list_conversations(&self, cursor: Option<String>) -> Pages<Conversation> {
        let client = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut cursor = cursor;
            loop {
                let page = client.list_conversations_page(cursor.as_deref()).await?;
                let next = advance("GET /conversations", cursor.as_deref(), &page)?;
                yield page;
                match next { Some(n) => cursor = Some(n), None => break }
            }
        })
    }

    /// One page of `POST /conversations/search`, starting after `cursor`.
    pub async fn search_conversations_page(
        &self,
        search: &SearchRequest,
        cursor: Option<&str>,
    ) -> Result<Page<Conversation>, ApiError> {
        let body = search.body(self.inner.per_page, cursor);
        let call = self.json_call(
            Method::POST,
            "POST /conversations/search",
            self.url(&["conversations", "search"]),
            &body,
            false,
        );
        let (list, rid): (ConversationList, _) = self.call(call).await?;
        Ok(cursor_page(
            list.conversations,
            list.total_count,
            list.pages,
            rid,
        ))
    }

    /// All pages of a conversation search from `cursor` on (a stored checkpoint, or `None`).
    pub fn search_conversations(
        &self,
        search: SearchRequest,
        cursor: Option<String>,
    ) -> Pages<Conversation> {
        let client = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut cursor = cursor;
            loop {
                let page = client.search_conversations_page(&search, cursor.as_deref()).await?;
                let next = advance("POST /conversations/search", cursor.as_deref(), &page)?;
                yield page;
                match next { Some(n) => cursor = Some(n), None => break }
            }
        })
    }

    /// `PUT /conversations/{id}` with `{"read": true}`. A write: not retried after sending.
    pub async fn mark_read(&self, id: &str) -> Result<Conversation, ApiError> {
        self.update_conversation(id, &serde_json::json!({"read": true}))
            .await
    }

    /// `PUT /conversations/{id}` with any documented body (`read`, `title`,
    /// `custom_attributes`, `company_id`). A write.
    pub async fn update_conversation(
        &self,
        id: &str,
        body: &Value,
    ) -> Result<Conversation, ApiError> {
        let call = self.json_call(
            Method::PUT,
            "PUT /conversations/{id}",
            self.url(&["conversations", id]),
            body,
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `PUT /conversations/{id}` with `{"priority": "priority" | "not_priority"}`, sent as
    /// Intercom's Unstable version: 2.14's update request has no `priority` (CONTRACT.md,
    /// "Preview"). A write.
    pub async fn set_priority(&self, id: &str, priority: bool) -> Result<Conversation, ApiError> {
        let body = serde_json::json!({
            "priority": if priority { "priority" } else { "not_priority" }
        });
        let mut call = self.json_call(
            Method::PUT,
            "PUT /conversations/{id} (priority)",
            self.url(&["conversations", id]),
            &body,
            true,
        );
        call.version = Some("Unstable");
        Ok(self.call(call).await?.0)
    }

    /// `GET /tags`: every tag of the workspace.
    pub async fn list_tags(&self) -> Result<Vec<WorkspaceTag>, ApiError> {
        let (page, _): (TagPage, _) = self
            .call(self.get("GET /tags", self.url(&["tags"])))
            .await?;
        Ok(page.data)
    }

    /// `POST /conversations/{id}/tags` with `{id: tag, admin_id}`. A write; tagging twice
    /// leaves one tag, so a resend after a timeout is harmless.
    pub async fn tag_conversation(
        &self,
        id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<WorkspaceTag, ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /conversations/{id}/tags",
            self.url(&["conversations", id, "tags"]),
            &serde_json::json!({"id": tag_id, "admin_id": admin_id}),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `DELETE /conversations/{id}/tags/{tag_id}` with `{admin_id}`. A write.
    pub async fn untag_conversation(
        &self,
        id: &str,
        tag_id: &str,
        admin_id: &str,
    ) -> Result<WorkspaceTag, ApiError> {
        let call = self.json_call(
            Method::DELETE,
            "DELETE /conversations/{id}/tags/{tag_id}",
            self.url(&["conversations", id, "tags", tag_id]),
            &serde_json::json!({"admin_id": admin_id}),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `GET /data_attributes?model=conversation`: the conversation attributes' definitions
    /// (archived ones left out by Intercom).
    pub async fn list_conversation_attributes(&self) -> Result<Vec<DataAttribute>, ApiError> {
        let mut url = self.url(&["data_attributes"]);
        url.query_pairs_mut().append_pair("model", "conversation");
        let (page, _): (DataAttributePage, _) =
            self.call(self.get("GET /data_attributes", url)).await?;
        Ok(page.data)
    }

    /// `POST /conversations/{id}/reply`: a reply or a note. The answer carries only the new
    /// part(s). A write: on failure check [`ApiError::may_have_been_applied`].
    pub async fn reply(&self, id: &str, reply: &Reply) -> Result<Conversation, ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /conversations/{id}/reply",
            self.url(&["conversations", id, "reply"]),
            &reply.to_json(),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `POST /conversations/{id}/parts`: close, open, snooze or assign, as `admin_id`. A write.
    pub async fn manage(
        &self,
        id: &str,
        admin_id: &str,
        action: &Action,
    ) -> Result<Conversation, ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /conversations/{id}/parts",
            self.url(&["conversations", id, "parts"]),
            &action.to_json(admin_id),
            true,
        );
        Ok(self.call(call).await?.0)
    }

    /// `GET /contacts/{id}`. A merged contact is `NotFound` (2.14) or `Gone` (2.16).
    pub async fn get_contact(&self, id: &str) -> Result<Contact, ApiError> {
        Ok(self
            .call(self.get("GET /contacts/{id}", self.url(&["contacts", id])))
            .await?
            .0)
    }

    /// One page of `POST /contacts/search`.
    pub async fn search_contacts_page(
        &self,
        search: &SearchRequest,
        cursor: Option<&str>,
    ) -> Result<Page<Contact>, ApiError> {
        let body = search.body(self.inner.per_page, cursor);
        let call = self.json_call(
            Method::POST,
            "POST /contacts/search",
            self.url(&["contacts", "search"]),
            &body,
            false,
        );
        let (list, rid): (ContactList, _) = self.call(call).await?;
        Ok(cursor_page(list.data, list.total_count, list.pages, rid))
    }

    /// All pages of a contact search from `cursor` on.
    pub fn search_contacts(&self, search: SearchRequest, cursor: Option<String>) -> Pages<Contact> {
        let client = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut cursor = cursor;
            loop {
                let page = client.search_contacts_page(&search, cursor.as_deref()).await?;
                let next = advance("POST /contacts/search", cursor.as_deref(), &page)?;
                yield page;
                match next { Some(n) => cursor = Some(n), None => break }
            }
        })
    }

    /// One page of `GET /events` (last 90 days) for `contact`; `next_url` is a previous
    /// page's `next` (followed as given, but only on the configured host).
    pub async fn list_events_page(
        &self,
        contact: &ContactKey,
        next_url: Option<&str>,
    ) -> Result<Page<DataEvent>, ApiError> {
        const ENDPOINT: &str = "GET /events";
        let url = match next_url {
            Some(next) => self.follow_url(ENDPOINT, next)?,
            None => {
                let mut url = self.url(&["events"]);
                let (k, v) = contact.query_pair();
                url.query_pairs_mut()
                    .append_pair("type", "user")
                    .append_pair(k, v)
                    .append_pair("per_page", &self.inner.per_page.to_string());
                url
            }
        };
        let (list, rid): (EventList, _) = self.call(self.get(ENDPOINT, url)).await?;
        let pages = list.pages.unwrap_or_default();
        Ok(Page {
            items: list.events,
            next: pages.next.filter(|n| !n.is_empty()),
            total_count: None,
            per_page: pages.per_page,
            page: pages.page,
            total_pages: pages.total_pages,
            request_id: rid,
        })
    }

    /// All pages of `GET /events` for `contact`, from `next_url` on (`None`: the first page).
    pub fn list_events(&self, contact: ContactKey, next_url: Option<String>) -> Pages<DataEvent> {
        let client = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut cursor = next_url;
            loop {
                let page = client.list_events_page(&contact, cursor.as_deref()).await?;
                let next = advance("GET /events", cursor.as_deref(), &page)?;
                yield page;
                match next { Some(n) => cursor = Some(n), None => break }
            }
        })
    }

    /// `GET /events?summary=true`: per event name, first/last time and count.
    pub async fn event_summaries(
        &self,
        contact: &ContactKey,
    ) -> Result<EventSummaryList, ApiError> {
        let mut url = self.url(&["events"]);
        let (k, v) = contact.query_pair();
        url.query_pairs_mut()
            .append_pair("type", "user")
            .append_pair(k, v)
            .append_pair("summary", "true");
        Ok(self.call(self.get("GET /events?summary", url)).await?.0)
    }

    /// `POST /events`: records a data event (202, empty body). A write.
    pub async fn track_event(&self, event: &DataEventRequest) -> Result<(), ApiError> {
        let call = self.json_call(
            Method::POST,
            "POST /events",
            self.url(&["events"]),
            &event.to_json(),
            true,
        );
        self.execute(call).await.map(|_| ())
    }

    /// Parses a server-given next URL and refuses one that leaves the configured origin.
    fn follow_url(&self, endpoint: &str, next: &str) -> Result<Url, ApiError> {
        let refuse = |why: &str| {
            ApiError::decode(
                endpoint,
                Some("pages.next".to_owned()),
                why.to_owned(),
                None,
            )
        };
        let url = self
            .inner
            .base
            .join(next)
            .map_err(|_| refuse("the next-page link is not a URL"))?;
        if !same_origin(&url, &self.inner.base) {
            return Err(refuse(
                "the next-page link points to another host; refusing to send the token there",
            ));
        }
        Ok(url)
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

mod tickets;
pub use tickets::TicketUpdate;

fn cursor_page<T>(
    items: Vec<T>,
    total_count: Option<i64>,
    pages: Option<CursorPages>,
    request_id: Option<String>,
) -> Page<T> {
    let pages = pages.unwrap_or_default();
    Page {
        items,
        next: pages
            .next
            .and_then(|n| n.starting_after)
            .filter(|c| !c.is_empty()),
        total_count,
        per_page: pages.per_page,
        page: pages.page,
        total_pages: pages.total_pages,
        request_id,
    }
}

/// The next cursor of a stream, refusing one that does not move (an endless loop).
fn advance<T>(
    endpoint: &str,
    current: Option<&str>,
    page: &Page<T>,
) -> Result<Option<String>, ApiError> {
    match page.next.as_deref() {
        Some(next) if Some(next) == current => Err(ApiError::decode(
            endpoint,
            Some("pages.next".to_owned()),
            "the next-page cursor did not advance".to_owned(),
            page.request_id.clone(),
        )),
        next => Ok(next.map(str::to_owned)),
    }
}

fn transport_kind(e: &reqwest::Error) -> TransportKind {
    classify_transport(e.is_connect(), e.is_timeout())
}

fn classify_transport(connect: bool, timeout: bool) -> TransportKind {
    // A connect timeout is both: the connection was never made, so nothing was sent.
    if connect {
        TransportKind::Connect
    } else if timeout {
        TransportKind::Timeout
    } else {
        TransportKind::Interrupted
    }
}

enum BodyError {
    TooLarge,
    Read(reqwest::Error),
}

async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::with_capacity(resp.content_length().map_or(8 * 1024, |n| n as usize));
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if buf.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Decodes an answer or fails naming the field. A list item that cannot be read (`null`, no
/// id, or not decodable) is left out with a warning naming its path, and the rest of the
/// answer is used; only an answer that cannot be read as a whole is an error.
pub(crate) fn decode<T: DeserializeOwned>(
    endpoint: &str,
    bytes: &[u8],
    request_id: Option<String>,
) -> Result<T, ApiError> {
    // Fast path: plain serde_json (leaving out only `null` and id-less items). Only a failure
    // pays for a lenient second pass, and only a failure of that for a third that tracks
    // the field path for the error.
    let (fast, skipped) = de::decode_recording(false, || serde_json::from_slice::<T>(bytes));
    if let Ok(v) = fast {
        warn_skipped(endpoint, request_id.as_deref(), &skipped);
        return Ok(v);
    }
    let (lenient, skipped) = de::decode_recording(true, || serde_json::from_slice::<T>(bytes));
    if let Ok(v) = lenient {
        warn_skipped(endpoint, request_id.as_deref(), &skipped);
        return Ok(v);
    }
    let (tracked, _) = de::decode_recording(true, || {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value: Result<T, _> = serde_path_to_error::deserialize(&mut de);
        value.map(|v| (v, de.end()))
    });
    match tracked {
        Ok((value, Ok(()))) => Ok(value),
        Ok((_, Err(e))) => Err(ApiError::decode(
            endpoint,
            None,
            de::redact(&e.to_string()),
            request_id,
        )),
        Err(e) => {
            let path = e.path().to_string();
            let path = (path != "." && !path.is_empty()).then_some(path);
            Err(ApiError::decode(
                endpoint,
                path,
                de::redact(&e.into_inner().to_string()),
                request_id,
            ))
        }
    }
}

/// One warning per item left out of an answer (at most ten, then a count), naming where.
fn warn_skipped(endpoint: &str, request_id: Option<&str>, skipped: &[de::Skipped]) {
    const SHOWN: usize = 10;
    for s in skipped.iter().take(SHOWN) {
        tracing::warn!(
            endpoint,
            path = %s.path,
            reason = %s.reason,
            request_id,
            "left out a list item Intercom sent that cannot be read; the rest of the answer is used"
        );
    }
    if skipped.len() > SHOWN {
        tracing::warn!(
            endpoint,
            more = skipped.len() - SHOWN,
            request_id,
            "left out more unreadable list items of the same answer"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_field_is_named_by_path_without_its_value() {
        let body = br#"{"conversations":[{"id":"1"}],"pages":{"next":{"starting_after":{"secret":"customer text"}}}}"#;
        let err = decode::<ConversationList>("POST /conversations/search", body, Some("r9".into()))
            .expect_err("an object where the cursor string belongs makes the page unreadable");
        assert_eq!(
            err.field_path(),
            Some("pages.next.starting_after"),
            "the error names the field path"
        );
        assert_eq!(
            err.request_id(),
            Some("r9"),
            "the request id is kept for support"
        );
        assert!(
            !err.to_string().contains("customer text"),
            "no body content in the message: {err}"
        );
    }

    #[test]
    fn an_unreadable_list_item_is_left_out_and_the_rest_of_the_page_kept() {
        let body = br#"{"conversations":[{"id":"1"},null,{"id":"2","open":{"secret":"customer text"}},42,{"id":null},["9","x"],{"id":"3","contacts":{"contacts":[null,{"id":"c1"}]}}],"total_count":3}"#;
        let (list, skipped) = de::decode_recording(false, || {
            decode::<ConversationList>("POST /conversations/search", body, None)
        });
        let list = list.expect("one bad item must not make the page unreadable");
        let ids: Vec<&str> = list.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["1", "3"],
            "the readable conversations are kept in order; null, undecodable, id-less items and arrays (which serde would read as a struct's fields in order) are not"
        );
        assert_eq!(
            list.conversations[1].contact_ids().collect::<Vec<_>>(),
            ["c1"],
            "a null contact reference inside a kept item is left out too"
        );
        assert!(
            skipped.is_empty(),
            "decode reports the skipped items as warnings and leaves no record behind"
        );
        let (_, recorded) = de::decode_recording(true, || {
            serde_json::from_slice::<ConversationList>(body).map(|_| ())
        });
        let paths: Vec<&str> = recorded.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "conversations[1]",
                "conversations[2]",
                "conversations[3]",
                "conversations[4]",
                "conversations[5]",
                "contacts.contacts[0]"
            ],
            "every item left out is named by its path, for its one warning"
        );
        assert!(
            recorded.iter().all(|s| !s.reason.contains("customer text")),
            "no customer text in the reasons: {recorded:?}"
        );
    }

    #[test]
    fn a_list_that_is_not_a_list_still_fails_the_page() {
        let err = decode::<ConversationList>(
            "POST /conversations/search",
            br#"{"conversations":"nope"}"#,
            None,
        )
        .expect_err("a page whose list is a string cannot be read at all");
        assert_eq!(err.field_path(), Some("conversations"), "named by its path");
    }

    #[test]
    fn next_urls_are_followed_only_on_the_configured_origin() {
        let base = Url::parse("https://api.eu.intercom.io/").expect("parses");
        let same = base.join("/events?type=user&before=1").expect("joins");
        assert!(
            same_origin(&same, &base),
            "a relative next link stays on the host"
        );
        for other in [
            "https://api.intercom.io/events",
            "http://api.eu.intercom.io/events",
            "https://api.eu.intercom.io:8443/events",
        ] {
            let url = Url::parse(other).expect("parses");
            assert!(
                !same_origin(&url, &base),
                "{other} is another origin and must not get the token"
            );
        }
    }

    #[test]
    fn per_page_is_clamped_like_a_search_s_not_refused() {
        let base = Region::Custom(Url::parse("http://127.0.0.1:9").expect("parses"));
        for (asked, got) in [(500, 150), (0, 1), (20, 20)] {
            let c = Client::builder(base.clone(), AccessToken::new("t"))
                .per_page(asked)
                .build()
                .expect("a page size out of range is clamped, not refused");
            assert_eq!(c.per_page(), got, "per_page({asked}) pages by {got}");
        }
        let body = SearchRequest::new(crate::Query::updated_since(0))
            .per_page(500)
            .body(150, None);
        assert_eq!(
            body["pagination"]["per_page"], 150,
            "a search clamps to the same maximum"
        );
    }

    #[test]
    fn a_connect_timeout_is_a_connect_failure_so_a_write_was_not_sent() {
        assert_eq!(
            classify_transport(true, true),
            TransportKind::Connect,
            "a connect timeout never reached Intercom: not 'may have been applied'"
        );
        assert_eq!(
            classify_transport(false, true),
            TransportKind::Timeout,
            "a timeout after connecting may have reached Intercom"
        );
    }
}
