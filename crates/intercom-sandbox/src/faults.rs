//! Fault injection: one-shot faults for deterministic tests (`fail_next`), and rates
//! (latency, jitter, 5xx, resets, stalls, malformed JSON, 429 storms) set at start or at
//! run time. The HTTP layer asks this module what to do with each Intercom request.

use std::collections::VecDeque;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One way to misbehave on one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and an `error.list` body; nothing is applied.
    Status(u16),
    /// Answer 429 `rate_limit_exceeded` with the rate-limit headers; nothing is applied.
    RateLimited,
    /// Apply the request, send the headers and part of the body, then drop the connection.
    ResetMidBody,
    /// Wait this long, then answer normally.
    Stall(Duration),
    /// Apply the request and answer 200 with a body that is not valid JSON.
    MalformedJson,
    /// Apply the request, withhold the response for this long, then drop the connection.
    TimeoutAfterApply(Duration),
}

/// How long a stall lasts when no duration is given (as for one-shot stalls).
pub const DEFAULT_STALL_MS: u64 = 5_000;

/// Fault rates, each a share of requests in `0.0..=1.0`, plus latency. Serialized as the
/// body of `PUT /_sandbox/faults`; a field left out takes its default (every rate 0, no
/// latency, stalls of [`DEFAULT_STALL_MS`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultRates {
    /// Fixed latency added to every Intercom request, in milliseconds.
    pub latency_ms: u64,
    /// Random extra latency up to this many milliseconds.
    pub jitter_ms: u64,
    /// Share of requests answered 500, 502 or 503.
    pub error_rate: f64,
    /// Share of requests whose connection is reset mid-body.
    pub reset_rate: f64,
    /// Share of requests stalled for `stall_ms` before the answer.
    pub stall_rate: f64,
    /// How long a stall lasts, in milliseconds (default [`DEFAULT_STALL_MS`]). With a
    /// `stall_rate` above 0 it must be above 0 too: [`FaultRates::validate`] refuses 0, and
    /// rates set without validation stall for the default instead of not at all.
    pub stall_ms: u64,
    /// Share of requests answered with malformed JSON.
    pub malformed_rate: f64,
    /// Share of requests answered 429 regardless of the real counters (a 429 storm).
    pub rate_limited_rate: f64,
}

impl Default for FaultRates {
    fn default() -> Self {
        FaultRates {
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            reset_rate: 0.0,
            stall_rate: 0.0,
            stall_ms: DEFAULT_STALL_MS,
            malformed_rate: 0.0,
            rate_limited_rate: 0.0,
        }
    }
}

impl FaultRates {
    /// Checks that every rate is a share in `0.0..=1.0`, that together they stay within 1,
    /// and that a stall rate comes with a stall that lasts; the error says which and why.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("error_rate", self.error_rate),
            ("reset_rate", self.reset_rate),
            ("stall_rate", self.stall_rate),
            ("malformed_rate", self.malformed_rate),
            ("rate_limited_rate", self.rate_limited_rate),
        ];
        if let Some((name, r)) = rates.iter().find(|(_, r)| !(0.0..=1.0).contains(r)) {
            return Err(format!("{name} must be a share between 0 and 1, got {r}"));
        }
        let sum: f64 = rates.iter().map(|(_, r)| r).sum();
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "the fault rates add up to {sum}; a request gets at most one fault, so they must add up to 1 or less"
            ));
        }
        if self.stall_rate > 0.0 && self.stall_ms == 0 {
            return Err(
                "stall_rate is above 0 but stall_ms is 0, so no request would stall; give stall_ms in milliseconds"
                    .to_string(),
            );
        }
        Ok(())
    }
}

/// The fault plan applied to one request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub delay: Duration,
    pub fault: Option<Fault>,
}

/// One-shot faults plus rates, behind their own lock.
pub(crate) struct FaultBook {
    pub rates: FaultRates,
    one_shots: VecDeque<(Option<String>, Fault)>,
    rng: ChaCha8Rng,
}

impl FaultBook {
    pub(crate) fn new(rates: FaultRates, seed: u64) -> FaultBook {
        FaultBook {
            rates,
            one_shots: VecDeque::new(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xfa17),
        }
    }

    /// Queues `fault` for the next `n` requests whose path starts with `prefix` (any if None).
    pub(crate) fn push(&mut self, n: usize, prefix: Option<String>, fault: Fault) {
        for _ in 0..n {
            self.one_shots.push_back((prefix.clone(), fault.clone()));
        }
    }

    /// Decides what happens to a request on `path`.
    pub(crate) fn plan(&mut self, path: &str) -> Plan {
        let r = &self.rates;
        let mut delay = Duration::from_millis(r.latency_ms);
        if r.jitter_ms > 0 {
            delay += Duration::from_millis(self.rng.gen_range(0..=r.jitter_ms));
        }
        let pos = self
            .one_shots
            .iter()
            .position(|(prefix, _)| prefix.as_deref().is_none_or(|p| path.starts_with(p)));
        if let Some(fault) = pos.and_then(|i| self.one_shots.remove(i)).map(|(_, f)| f) {
            return Plan {
                delay,
                fault: Some(fault),
            };
        }
        let roll: f64 = self.rng.gen();
        let r = &self.rates;
        let mut edge = 0.0;
        let mut hit = |rate: f64| {
            edge += rate.clamp(0.0, 1.0);
            roll < edge
        };
        let fault = if hit(r.error_rate) {
            Some(Fault::Status([500, 502, 503][self.rng.gen_range(0..3)]))
        } else if hit(r.reset_rate) {
            Some(Fault::ResetMidBody)
        } else if hit(r.stall_rate) {
            // A zero stall would silently be no fault at all.
            let ms = if r.stall_ms == 0 {
                DEFAULT_STALL_MS
            } else {
                r.stall_ms
            };
            Some(Fault::Stall(Duration::from_millis(ms)))
        } else if hit(r.malformed_rate) {
            Some(Fault::MalformedJson)
        } else if hit(r.rate_limited_rate) {
            Some(Fault::RateLimited)
        } else {
            None
        };
        Plan { delay, fault }
    }
}

/// The wire form of a fault in `POST /_sandbox/fail_next`:
/// `{"count": 1, "path_prefix": "/conversations", "fault": {"kind": "status", "status": 503}}`.
/// Kinds: `status` (with `status`), `rate_limited`, `reset_mid_body`, `stall` (with `ms`),
/// `malformed_json`, `timeout_after_apply` (with `ms`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub kind: String,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub ms: Option<u64>,
}

impl FaultSpec {
    pub(crate) fn to_fault(&self) -> Result<Fault, String> {
        let ms = || Duration::from_millis(self.ms.unwrap_or(DEFAULT_STALL_MS));
        Ok(match self.kind.as_str() {
            "status" => Fault::Status(self.status.filter(|s| (400..600).contains(s)).ok_or("status needs a 4xx or 5xx `status`")?),
            "rate_limited" => Fault::RateLimited,
            "reset_mid_body" => Fault::ResetMidBody,
            "stall" => Fault::Stall(ms()),
            "malformed_json" => Fault::MalformedJson,
            "timeout_after_apply" => Fault::TimeoutAfterApply(ms()),
            other => return Err(format!("unknown fault kind '{other}'; use status, rate_limited, reset_mid_body, stall, malformed_json or timeout_after_apply")),
        })
    }
}
