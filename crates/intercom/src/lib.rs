//! Typed, tolerant client for Intercom's REST API 2.14: the one place that speaks HTTP to
//! Intercom.
//!
//! - [`Client`] sends every request with the bearer token, `Intercom-Version: 2.14` and a
//!   rate-limit [`Governor`] shared by every clone of the client (one per token).
//! - [`models`] decode whatever Intercom really sends (see its docs for the tolerances).
//! - Paging: [`Page`] carries the cursor of the next page so callers can checkpoint and
//!   resume; the `*_pages` methods return streams of pages.
//! - Errors: one [`ApiError`] whose [`ApiError::kind`] the caller branches on and whose
//!   `Display` says what to do.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use intercom::{AccessToken, Client, Order, Query, Region, SearchRequest};
//! let client = Client::builder(Region::Eu, AccessToken::new("token from the keyring")).build()?;
//! let me = client.me().await?; // connect screen: errors say what to do
//! let search = SearchRequest::new(Query::updated_since(1_700_000_000)).sort("updated_at", Order::Ascending);
//! let mut pages = client.search_conversations(search, None /* or a stored cursor */);
//! while let Some(page) = pages.next().await {
//!     let page = page?;
//!     // store page.items and page.next in one transaction, then continue
//! }
//! # let _ = me; Ok(()) }
//! ```

pub mod models;

mod client;
mod config;
mod error;
mod governor;
mod page;
mod requests;
mod search;

pub use client::{
    Client, ClientBuilder, RequestCount, TicketUpdate, INTERCOM_VERSION, MAX_PER_PAGE,
};
pub use config::{AccessToken, Config, ConfigError, Region};
pub use error::{ApiError, ErrorKind, TransportKind};
pub use governor::{Governor, GovernorStats, WindowState};
pub use page::{Page, Pages};
pub use requests::{Action, Assignee, ContactKey, DataEventRequest, Reply, ReplyKind};
pub use search::{Op, Order, Query, SearchRequest};
pub use url::Url;

#[doc(hidden)]
/// Decodes a JSON answer the way the client does (benchmarks and the YAML-example test).
pub fn decode_json<T: serde::de::DeserializeOwned>(
    endpoint: &str,
    bytes: &[u8],
) -> Result<T, ApiError> {
    client::decode(endpoint, bytes, None)
}
