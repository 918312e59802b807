//! Optional client-side rate limiting with Kalshi's per-tier budgets.
//!
//! Kalshi enforces separate read and write budgets per second and answers 429 past
//! them. A batch job that knows its tier can instead pace itself: each call waits for
//! its budget before it is signed and sent (so a wait never makes a signature stale),
//! and a batch counts one write per order in it.
//!
//! Off by default: the retry policy already honours 429 and `Retry-After`; turn this on
//! for jobs that would otherwise run into the limit all the time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per second allowed for reads and for writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    reads_per_second: u32,
    writes_per_second: u32,
}

impl RateLimit {
    /// Kalshi's Basic tier: 20 reads and 10 writes per second.
    pub const BASIC: RateLimit = RateLimit::custom(20, 10);
    /// Kalshi's Advanced tier: 30 reads and 30 writes per second.
    pub const ADVANCED: RateLimit = RateLimit::custom(30, 30);
    /// Kalshi's Premier tier: 100 reads and 100 writes per second.
    pub const PREMIER: RateLimit = RateLimit::custom(100, 100);
    /// Kalshi's Prime tier: 400 reads and 400 writes per second.
    pub const PRIME: RateLimit = RateLimit::custom(400, 400);

    /// Any budget (a zero is treated as one per second).
    pub const fn custom(reads_per_second: u32, writes_per_second: u32) -> RateLimit {
        RateLimit {
            reads_per_second: if reads_per_second == 0 {
                1
            } else {
                reads_per_second
            },
            writes_per_second: if writes_per_second == 0 {
                1
            } else {
                writes_per_second
            },
        }
    }

    /// Reads allowed per second.
    pub fn reads_per_second(&self) -> u32 {
        self.reads_per_second
    }

    /// Writes allowed per second.
    pub fn writes_per_second(&self) -> u32 {
        self.writes_per_second
    }
}

/// Which budget a call draws on, and how much of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Budget {
    /// One read.
    Read,
    /// This many writes (the number of orders in a batch; 1 otherwise).
    Write(u32),
}

/// The pacing state shared by all clones of a client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    reads: Pacer,
    writes: Pacer,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        RateLimiter {
            reads: Pacer::new(limit.reads_per_second),
            writes: Pacer::new(limit.writes_per_second),
        }
    }

    /// Wait until `budget` is available, and take it.
    pub(crate) async fn acquire(&self, budget: Budget) {
        let wait = match budget {
            Budget::Read => self.reads.reserve(1, Instant::now()),
            Budget::Write(cost) => self.writes.reserve(cost, Instant::now()),
        };
        if !wait.is_zero() {
            tracing::debug!(?budget, ?wait, "waiting for the rate limit");
            tokio::time::sleep(wait).await;
        }
    }
}

/// A generic cell-rate pacer: each unit takes `1/rate` seconds of a virtual clock
/// that may run up to one second ahead of real time (so a second's worth of calls can
/// go out at once). Reserving moves the clock forward first and returns how long the
/// caller must wait for its slot, so concurrent callers queue fairly without holding
/// the lock while they wait.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    burst: Duration,
    next_free: Mutex<Option<Instant>>,
}

impl Pacer {
    fn new(per_second: u32) -> Self {
        Pacer {
            interval: Duration::from_secs(1) / per_second.max(1),
            burst: Duration::from_secs(1),
            next_free: Mutex::new(None),
        }
    }

    fn reserve(&self, cost: u32, now: Instant) -> Duration {
        let mut next_free = self
            .next_free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = next_free.map_or(now, |t| t.max(now));
        let end = start + self.interval * cost;
        *next_free = Some(end);
        // The slot is usable once it is no more than `burst` ahead of real time.
        end.saturating_duration_since(now + self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_of_budget_goes_out_at_once_then_calls_are_paced() {
        let pacer = Pacer::new(10);
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(pacer.reserve(1, now), Duration::ZERO);
        }
        assert_eq!(pacer.reserve(1, now), Duration::from_millis(100));
        assert_eq!(pacer.reserve(1, now), Duration::from_millis(200));
    }

    #[test]
    fn budget_refills_with_time() {
        let pacer = Pacer::new(10);
        let now = Instant::now();
        for _ in 0..10 {
            pacer.reserve(1, now);
        }
        let later = now + Duration::from_millis(500);
        for _ in 0..5 {
            assert_eq!(pacer.reserve(1, later), Duration::ZERO);
        }
        assert!(pacer.reserve(1, later) > Duration::ZERO);
    }

    #[test]
    fn a_batch_counts_each_order() {
        let pacer = Pacer::new(10);
        let now = Instant::now();
        assert_eq!(pacer.reserve(10, now), Duration::ZERO);
        assert_eq!(pacer.reserve(5, now), Duration::from_millis(500));
    }

    #[test]
    fn tier_presets() {
        assert_eq!(RateLimit::BASIC.reads_per_second(), 20);
        assert_eq!(RateLimit::BASIC.writes_per_second(), 10);
        assert_eq!(RateLimit::custom(0, 0).writes_per_second(), 1);
    }
}
