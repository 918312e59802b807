//! The chaos test's faults: what a script injects, when late requests run, and how
//! many requests the retry rules allow for a script.

use std::time::Duration;

use kalshi_portfolio::sandbox::{Fault, JournalEntry};

/// An injected delay: the client (timeout 300 ms) gives up first.
pub const DELAY: Duration = Duration::from_millis(500);
/// Attempts the chaos client makes at most.
pub const MAX_ATTEMPTS: u32 = 4;
/// `MAX_ATTEMPTS` as a request count.
pub const MAX: usize = MAX_ATTEMPTS as usize;
/// Every write the client makes on orders goes under this path; reads do not.
pub const WRITE_PATH: &str = "/portfolio/events/orders";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultSpec {
    RateLimited(u64),
    ServerError(u16),
    Delay,
    DropAfterCommit,
    /// The connection is dropped at once and the request executed later, at `Release`.
    ExecuteLate(Release),
}

/// When the sandbox executes the requests a call's `ExecuteLate` faults hold. One
/// point per call, drawn with its script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Just before the n-th API request after the held one, whichever that is: the
    /// call's retry or lookup, or the caller's own reads, resolve step or re-send
    /// (released when the caller has settled, if there are fewer).
    BeforeRequest(u32),
    /// After the call returned, before the caller does anything about its outcome
    /// (the resolve step finds it).
    AfterCall,
    /// After the caller has settled its view (resolved a create, read the order,
    /// re-sent a write as the README recommends): the late copy must change nothing.
    AfterSettle,
}

impl FaultSpec {
    pub fn fault(self) -> Fault {
        let fault = match self {
            FaultSpec::RateLimited(secs) => Fault::rate_limited(secs),
            FaultSpec::ServerError(status) => Fault::server_error(status),
            FaultSpec::Delay => Fault::delay(DELAY),
            FaultSpec::DropAfterCommit => Fault::drop_after_commit(),
            FaultSpec::ExecuteLate(Release::BeforeRequest(n)) => Fault::execute_before_request(n),
            FaultSpec::ExecuteLate(_) => Fault::execute_on_release(),
        };
        fault.path_contains(WRITE_PATH)
    }

    /// A 429 proves the exchange did nothing; every other fault leaves it unknown.
    pub fn certainly_no_effect(self) -> bool {
        matches!(self, FaultSpec::RateLimited(_))
    }

    pub fn label(self) -> &'static str {
        match self {
            FaultSpec::RateLimited(0) => "429(Retry-After 0)",
            FaultSpec::RateLimited(_) => "429(Retry-After 1)",
            FaultSpec::ServerError(_) => "5xx",
            FaultSpec::Delay => "delay>timeout",
            FaultSpec::DropAfterCommit => "drop_after_commit",
            FaultSpec::ExecuteLate(Release::BeforeRequest(_)) => "late(before a later request)",
            FaultSpec::ExecuteLate(Release::AfterCall) => "late(after the call)",
            FaultSpec::ExecuteLate(Release::AfterSettle) => "late(after the caller settled)",
        }
    }
}

pub fn random_fault(rng: &mut fastrand::Rng, release: Release) -> FaultSpec {
    match rng.u32(0..100) {
        0..=23 => FaultSpec::RateLimited(0),
        24..=25 => FaultSpec::RateLimited(1),
        26..=48 => FaultSpec::ServerError([500, 502, 503, 504][rng.usize(0..4)]),
        49..=59 => FaultSpec::Delay,
        60..=79 => FaultSpec::DropAfterCommit,
        _ => FaultSpec::ExecuteLate(release),
    }
}

/// The faults the next write requests of one call meet, in order; requests after the
/// script are answered normally. Every late fault of one call is released at the same
/// point.
pub fn random_script(rng: &mut fastrand::Rng) -> Vec<FaultSpec> {
    let faults = match rng.u32(0..100) {
        0..=44 => 0,
        45..=79 => 1,
        80..=93 => 2,
        94..=98 => 3,
        _ => 4,
    };
    let release = match rng.u32(0..10) {
        0..=3 => Release::BeforeRequest(rng.u32(1..=3)),
        4..=6 => Release::AfterCall,
        _ => Release::AfterSettle,
    };
    (0..faults).map(|_| random_fault(rng, release)).collect()
}

/// When the late faults of a script are released (`None`: it has none).
pub fn release_of(script: &[FaultSpec]) -> Option<Release> {
    script.iter().find_map(|fault| match fault {
        FaultSpec::ExecuteLate(release) => Some(*release),
        _ => None,
    })
}

/// How many requests the retry rules make for a call meeting `script`: a 429 is
/// always retried, any other fault only for an idempotent call, and an answered
/// request ends the call; at most `max_attempts` in all.
pub fn predicted_attempts(script: &[FaultSpec], idempotent: bool, max_attempts: usize) -> usize {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let retried = script
            .get(attempts - 1)
            .is_some_and(|fault| fault.certainly_no_effect() || idempotent);
        if !retried || attempts == max_attempts {
            return attempts;
        }
    }
}

pub fn is_write(entry: &JournalEntry) -> bool {
    entry.method != "GET" && entry.path.contains(WRITE_PATH)
}

/// `GET /portfolio/orders` (a list: the lookup after an unknown create outcome).
pub fn is_order_list(entry: &JournalEntry) -> bool {
    entry.method == "GET" && entry.path.ends_with("/portfolio/orders")
}

/// `GET /portfolio/orders/{id}` (the check after a refused cancel or decrease).
pub fn is_order_read(entry: &JournalEntry) -> bool {
    entry.method == "GET" && entry.path.contains("/portfolio/orders/")
}
