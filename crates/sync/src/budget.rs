//! The request budget of one sync pass: no loop in the engine can spend the workspace's rate
//! limit (which its other integrations share) on repeated work.
//!
//! Two rules, checked before every request a pass sends:
//! - **No record twice over.** A record (a conversation's details, a contact, a contact's
//!   events, one page of a listing) is asked for at most [`MAX_FETCHES_PER_RECORD`] times in
//!   one pass; a third ask is refused ([`SyncError::Repeated`]) and the pass goes on without it.
//! - **Requests bounded by the work found.** Each pass declares the work it finds (pages a
//!   listing says it has from its `total_count`, records queued to fetch) with
//!   [`Budget::found`]; requests may reach [`PER_UNIT`] per unit of work plus [`SLACK`]. Past
//!   that the pass stops ([`SyncError::BudgetExceeded`], which stops the cycle): the status
//!   line, the CLI and the log say so, and the engine backs off before the next cycle.
//!
//! A budget counts the calls the engine makes; the client retries a call at most
//! `max_retries` times (3 by default) on transient failures, each retry paced by the governor.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::SyncError;
use crate::mutex::lock;

/// How often one record may be asked for in one pass.
pub(crate) const MAX_FETCHES_PER_RECORD: u8 = 2;
pub(crate) use crate::config::{PER_UNIT, SLACK};

/// The budget of one pass (a cycle, a background run, an open). Shared by its tasks.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Requests per record key in this pass.
    asked: HashMap<String, u8>,
    /// Units of work found.
    work: u64,
    /// Requests admitted.
    spent: u64,
}

impl Budget {
    /// Declares `units` more work: that many more records or pages to fetch.
    pub(crate) fn found(&self, units: u64) {
        let mut s = lock(&self.state);
        s.work = s.work.saturating_add(units);
    }

    /// Admits one request for `record` (`conversation:<id>`, `contact:<id>`,
    /// `events:<id>`, `page:<walk>:<cursor>`), or refuses it (see the module docs).
    pub(crate) fn admit(&self, record: &str) -> Result<(), SyncError> {
        let mut s = lock(&self.state);
        let limit = s.work.saturating_mul(PER_UNIT).saturating_add(SLACK);
        if s.spent >= limit {
            return Err(SyncError::BudgetExceeded {
                spent: s.spent,
                work: s.work,
            });
        }
        let asked = s.asked.entry(record.to_owned()).or_insert(0);
        if *asked >= MAX_FETCHES_PER_RECORD {
            return Err(SyncError::Repeated {
                record: record.to_owned(),
            });
        }
        *asked += 1;
        s.spent += 1;
        Ok(())
    }

    /// Admits one request for a record the pass decided to fetch: its first ask is also one
    /// unit of work found (so records cost at most [`MAX_FETCHES_PER_RECORD`] requests each).
    pub(crate) fn admit_record(&self, record: &str) -> Result<(), SyncError> {
        {
            let mut s = lock(&self.state);
            if !s.asked.contains_key(record) {
                s.work = s.work.saturating_add(1);
            }
        }
        self.admit(record)
    }

    /// `(requests admitted, units of work found)`.
    pub(crate) fn figures(&self) -> (u64, u64) {
        let s = lock(&self.state);
        (s.spent, s.work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_asked_for_at_most_twice_in_a_pass() {
        let b = Budget::default();
        b.found(10);
        assert!(b.admit("contact:1").is_ok(), "the first ask is the fetch");
        assert!(b.admit("contact:1").is_ok(), "a second ask is a retry");
        assert!(
            matches!(b.admit("contact:1"), Err(SyncError::Repeated { .. })),
            "a third ask of one record in one pass is a loop, refused"
        );
        assert!(
            b.admit("contact:2").is_ok(),
            "other records are not held back by one that repeats"
        );
    }

    #[test]
    fn requests_past_twice_the_work_found_stop_the_pass() {
        let b = Budget::default();
        b.found(5);
        let limit = 5 * PER_UNIT + SLACK;
        for i in 0..limit {
            b.admit(&format!("page:walk:{i}"))
                .expect("requests within the budget are admitted");
        }
        let err = b
            .admit("page:walk:next")
            .expect_err("one request past the budget is refused");
        assert!(err.stops_cycle(), "an exhausted budget stops the cycle");
        assert!(
            err.to_string().contains(&format!("{limit} requests")),
            "the message says what was spent: {err}"
        );
        b.found(1);
        assert!(
            b.admit("page:walk:more").is_ok(),
            "newly found work buys more requests"
        );
    }
}
