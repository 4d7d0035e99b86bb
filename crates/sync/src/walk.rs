//! One walk through a paged listing (a backfill window, the incremental poll, a contact's
//! events), guarded so it always ends: a `next` cursor this walk already used, or a page
//! that repeats the previous page's items, ends it with [`SyncError::CursorStuck`] naming the
//! endpoint. What was stored stays; the next cycle starts the walk afresh.
//!
//! The walk also tells the pass's [`Budget`] what it found: on its first page the pages its
//! `total_count` promises, later only pages that bring items this walk has not seen, so
//! a listing that serves the same items for ever cannot buy itself requests.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use crate::budget::Budget;
use crate::error::SyncError;

/// The state of one walk.
pub(crate) struct Walk {
    resource: String,
    endpoint: &'static str,
    per_page: u64,
    /// Cursors used so far (`None` is the first page).
    used: HashSet<Option<String>>,
    /// The previous page's item ids, in order.
    previous: Vec<String>,
    /// Hashes of every item id seen (for the budget only).
    seen: HashSet<u64>,
    /// Pages received, and pages the first one's `total_count` promised.
    pages: u64,
    promised: u64,
}

impl Walk {
    /// A walk of `endpoint` for the sync resource `resource`, asking `per_page` items a page.
    pub(crate) fn new(resource: impl Into<String>, endpoint: &'static str, per_page: u32) -> Self {
        Self {
            resource: resource.into(),
            endpoint,
            per_page: u64::from(per_page.max(1)),
            used: HashSet::new(),
            previous: Vec::new(),
            seen: HashSet::new(),
            pages: 0,
            promised: 0,
        }
    }

    /// Admits the request for the page after `cursor` (`None`: the first page, which is
    /// work in itself: one per walk).
    pub(crate) fn admit(&self, budget: &Budget, cursor: Option<&str>) -> Result<(), SyncError> {
        if self.pages == 0 {
            budget.found(1);
        }
        budget.admit(&format!(
            "page:{}:{}",
            self.resource,
            cursor.unwrap_or("first")
        ))
    }

    /// Checks the page fetched with `cursor`, whose items are `ids` and whose next cursor is
    /// `next`, and declares the work it found.
    pub(crate) fn check<'a>(
        &mut self,
        budget: &Budget,
        cursor: Option<&str>,
        next: Option<&str>,
        ids: impl IntoIterator<Item = &'a str>,
        total_count: Option<i64>,
    ) -> Result<(), SyncError> {
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        self.pages += 1;
        if self.pages == 1 {
            let total = total_count.unwrap_or(0).max(0) as u64;
            self.promised = total.div_ceil(self.per_page).max(1);
            // The first page was declared when it was admitted.
            budget.found(self.promised - 1);
        }
        let mut fresh = false;
        for id in &ids {
            let mut h = DefaultHasher::new();
            id.hash(&mut h);
            fresh |= self.seen.insert(h.finish());
        }
        if self.pages > self.promised && fresh {
            // More than `total_count` promised (items added while walking): still real work.
            budget.found(1);
        }
        self.used.insert(cursor.map(str::to_owned));
        if let Some(n) = next {
            if self.used.contains(&Some(n.to_owned())) {
                return Err(
                    self.stuck("its next-page cursor repeats one this listing already used")
                );
            }
        }
        if !ids.is_empty() && ids == self.previous {
            return Err(self.stuck("a page repeats the previous page's items"));
        }
        self.previous = ids;
        Ok(())
    }

    fn stuck(&self, why: &'static str) -> SyncError {
        tracing::warn!(resource = %self.resource, endpoint = self.endpoint, why, "a listing did not advance; ending it");
        SyncError::CursorStuck {
            resource: self.resource.clone(),
            endpoint: self.endpoint,
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_cursor_used_before_in_the_walk_ends_it() {
        let b = Budget::default();
        let mut w = Walk::new("incremental", "POST /conversations/search", 2);
        w.check(&b, None, Some("c1"), ["1", "2"], Some(6)).unwrap();
        w.check(&b, Some("c1"), Some("c2"), ["3", "4"], Some(6))
            .unwrap();
        let err = w
            .check(&b, Some("c2"), Some("c1"), ["5", "6"], Some(6))
            .expect_err("a cursor that leads back to an earlier page loops for ever");
        assert!(
            err.to_string().contains("POST /conversations/search"),
            "the error names the endpoint: {err}"
        );
        let err = Walk::new("x", "GET /events", 2)
            .check(&b, Some("same"), Some("same"), ["1"], None)
            .expect_err("a next cursor equal to the one just used never advances");
        assert!(matches!(err, SyncError::CursorStuck { .. }), "{err}");
    }

    #[test]
    fn a_page_repeating_the_previous_page_ends_the_walk() {
        let b = Budget::default();
        let mut w = Walk::new("backfill:1-2", "POST /conversations/search", 2);
        w.check(&b, None, Some("a"), ["1", "2"], Some(6)).unwrap();
        let err = w
            .check(&b, Some("a"), Some("b"), ["1", "2"], Some(6))
            .expect_err("the same items under a new cursor are the same page again");
        assert!(
            !err.stops_cycle(),
            "one listing's loop leaves the rest of the cycle to run"
        );
        let mut w = Walk::new("incremental", "POST /conversations/search", 2);
        w.check(&b, None, Some("a"), [], Some(0)).unwrap();
        w.check(&b, Some("a"), None, [], Some(0))
            .expect("two empty pages are not a loop (nothing repeats)");
    }

    #[test]
    fn only_pages_with_new_items_beyond_the_promised_count_are_work() {
        let b = Budget::default();
        let mut w = Walk::new("incremental", "POST /conversations/search", 2);
        w.admit(&b, None).unwrap();
        w.check(&b, None, Some("a"), ["1", "2"], Some(4)).unwrap();
        assert_eq!(
            b.figures().1,
            2,
            "total_count 4 at 2 a page promises 2 pages"
        );
        w.check(&b, Some("a"), Some("b"), ["3", "4"], Some(4))
            .unwrap();
        w.check(&b, Some("b"), Some("c"), ["5"], Some(4)).unwrap();
        assert_eq!(b.figures().1, 3, "a third page with a new item is work too");
        w.check(&b, Some("c"), Some("d"), ["1"], Some(4)).unwrap();
        assert_eq!(
            b.figures().1,
            3,
            "a page of items already seen buys no requests"
        );
    }
}
