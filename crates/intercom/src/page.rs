//! One page of a paged listing, with the cursor of the next page so a caller can checkpoint
//! after storing the items and resume from exactly there later.

use futures_core::Stream;
use std::pin::Pin;

use crate::ApiError;

/// A page of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// The cursor for the NEXT page: a `starting_after` value for list and search, the full
    /// `pages.next` URL for events. `None` on the last page. Pass it back to the `*_page`
    /// or `*_pages` method to continue.
    pub next: Option<String>,
    /// How many items the whole list holds, when Intercom says.
    pub total_count: Option<i64>,
    /// `per_page` as the server reported it (it may clamp what was asked).
    pub per_page: Option<i64>,
    /// This page's number, when Intercom says.
    pub page: Option<i64>,
    /// How many pages there are, when Intercom says.
    pub total_pages: Option<i64>,
    /// The `X-Request-Id` of the answer, when Intercom sent one.
    pub request_id: Option<String>,
}

impl<T> Page<T> {
    /// Whether no page follows.
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}

/// A stream of pages; it ends after the last page or after the first error.
pub type Pages<T> = Pin<Box<dyn Stream<Item = Result<Page<T>, ApiError>> + Send + 'static>>;
