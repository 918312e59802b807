//! When a failed call is tried again, and how long to wait first.
//!
//! The rule that keeps money safe: a request is repeated only when repeating it
//! cannot do anything twice. Whatever the operation, that holds for answers that prove
//! the exchange did nothing (429, or a connection that never opened). For failures
//! after which the exchange may have acted (5xx, timeouts, dropped connections) only
//! idempotent calls are repeated: reads, and writes that carry their own idempotency
//! (an order's `client_order_id`, a cancel, a `reduce_to`).
//!
//! Waits are capped exponential backoff with full jitter, and never shorter than a
//! `Retry-After` the server sent. A `Retry-After` that cannot be read (`1.5`, `-5`)
//! or asks for more than [`RetryPolicy::max_retry_after`] ends the retries, and the
//! error says why: retrying at once would ignore what the server asked.

use std::time::Duration;

use crate::error::Error;

/// Whether repeating a call can change what the exchange does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Repeating it has the same effect as doing it once (reads, keyed writes).
    Idempotent,
    /// Repeating it may act twice; retried only when the first attempt certainly had
    /// no effect.
    NotIdempotent,
}

/// How a [`Client`](crate::Client) retries failed calls.
///
/// A call is repeated only when repeating it cannot make the exchange act twice: a 429
/// or a connection that never opened is retried for every call; a 5xx, a timeout
/// after sending or a dropped connection only for reads and for writes that carry
/// their own idempotency (an order's `client_order_id`, a cancel, a `reduce_to`).
/// Redirects, decode errors, other 4xx and invalid requests are never retried. Waits
/// are capped exponential backoff with full jitter, never shorter than a
/// `Retry-After`; one that cannot be read or exceeds
/// [`RetryPolicy::max_retry_after`] ends the retries. RELIABILITY.md has the rules
/// and the tests behind them.
///
/// ```
/// use std::time::Duration;
/// use kalshi_portfolio::RetryPolicy;
/// let patient = RetryPolicy::default().max_attempts(6).max_backoff(Duration::from_secs(30));
/// let never = RetryPolicy::none();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts in all, backoff from 250 ms doubling up to 8 s, and a
    /// `Retry-After` of up to 60 s honoured.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry: every call makes exactly one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff cap before jitter of the first retry; it doubles for each further one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff before jitter.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client will wait out; a server asking for more
    /// gets its error returned to the caller instead.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// What to do after `attempt` (1-based) failed with `error`.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        error: &Error,
        idempotency: Idempotency,
    ) -> RetryDecision {
        if attempt >= self.max_attempts || !should_retry(error, idempotency) {
            return RetryDecision::Stop;
        }
        let backoff = self.backoff(attempt);
        let Some(api) = error.api() else {
            return RetryDecision::Wait(backoff);
        };
        match (api.retry_after, &api.retry_after_header) {
            (Some(asked), _) if asked > self.max_retry_after => {
                let asked_text = api.retry_after_header.as_deref().unwrap_or_default();
                RetryDecision::Refuse(format!(
                    "the server asked to wait {asked_text:?} (Retry-After), longer than \
                     the {:?} this client waits at most (RetryPolicy::max_retry_after)",
                    self.max_retry_after
                ))
            }
            (Some(asked), _) => RetryDecision::Wait(asked.max(backoff)),
            (None, Some(unreadable)) => RetryDecision::Refuse(format!(
                "the server asked to wait {unreadable:?} (Retry-After), which is neither \
                 a whole number of seconds nor an HTTP date"
            )),
            (None, None) => RetryDecision::Wait(backoff),
        }
    }

    /// Full jitter: uniform in `[0, min(max, initial × 2^(attempt-1))]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let cap = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let cap_micros = u64::try_from(cap.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(fastrand::u64(0..=cap_micros))
    }
}

/// What [`RetryPolicy::decide`] says after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    /// Wait this long, then try again.
    Wait(Duration),
    /// Give up: the failure is not worth another attempt, or none is left.
    Stop,
    /// Give up although the failure is retryable: the server asked for a wait (in
    /// `Retry-After`) that the client will not make. The reason is for the error.
    Refuse(String),
}

/// Whether `error` is worth another attempt of a call with this idempotency.
pub(crate) fn should_retry(error: &Error, idempotency: Idempotency) -> bool {
    let certainly_no_effect = match error {
        Error::Api(api) => api.status == 429,
        Error::Transport {
            may_have_reached_exchange,
            ..
        }
        | Error::Timeout {
            may_have_reached_exchange,
            ..
        } => !may_have_reached_exchange,
        _ => false,
    };
    certainly_no_effect || (idempotency == Idempotency::Idempotent && error.is_retryable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn api(status: u16, retry_after: Option<Duration>) -> Error {
        ApiError::from_body("op", status, b"{}", retry_after).into()
    }

    fn timeout(reached: bool) -> Error {
        Error::Timeout {
            operation: "op",
            timeout: Duration::from_secs(1),
            may_have_reached_exchange: reached,
        }
    }

    #[test]
    fn reads_retry_on_429_5xx_and_connection_failures() {
        use Idempotency::Idempotent;
        for error in [
            api(429, None),
            api(500, None),
            api(503, None),
            timeout(true),
            timeout(false),
        ] {
            assert!(should_retry(&error, Idempotent), "{error}");
        }
        for error in [
            api(400, None),
            api(401, None),
            api(404, None),
            api(409, None),
        ] {
            assert!(!should_retry(&error, Idempotent), "{error}");
        }
        assert!(!should_retry(&Error::invalid("price", "bad"), Idempotent));
    }

    #[test]
    fn unkeyed_writes_retry_only_when_nothing_happened() {
        use Idempotency::NotIdempotent;
        assert!(should_retry(&api(429, None), NotIdempotent));
        assert!(should_retry(&timeout(false), NotIdempotent));
        assert!(!should_retry(&timeout(true), NotIdempotent));
        assert!(!should_retry(&api(503, None), NotIdempotent));
    }

    fn waits(decision: RetryDecision) -> bool {
        matches!(decision, RetryDecision::Wait(_))
    }

    #[test]
    fn the_budget_counts_the_first_attempt() {
        let policy = RetryPolicy::default().max_attempts(3);
        let error = api(503, None);
        assert!(waits(policy.decide(1, &error, Idempotency::Idempotent)));
        assert!(waits(policy.decide(2, &error, Idempotency::Idempotent)));
        assert_eq!(
            policy.decide(3, &error, Idempotency::Idempotent),
            RetryDecision::Stop
        );
        assert_eq!(
            RetryPolicy::none().decide(1, &error, Idempotency::Idempotent),
            RetryDecision::Stop
        );
    }

    #[test]
    fn backoff_is_jittered_under_a_doubling_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(3) <= Duration::from_millis(350));
            assert!(policy.backoff(30) <= Duration::from_millis(350));
        }
        let distinct: std::collections::HashSet<_> = (0..50).map(|_| policy.backoff(3)).collect();
        assert!(distinct.len() > 1, "jitter must vary the wait");
    }

    #[test]
    fn retry_after_is_a_floor_and_has_a_ceiling() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(10));
        let asked = api(429, Some(Duration::from_secs(3)));
        for _ in 0..50 {
            let RetryDecision::Wait(wait) = policy.decide(1, &asked, Idempotency::NotIdempotent)
            else {
                panic!("a 3 s Retry-After under a 10 s ceiling is waited out");
            };
            assert!(wait >= Duration::from_secs(3), "{wait:?}");
        }
        let mut too_long = ApiError::from_body("op", 429, b"{}", Some(Duration::from_secs(11)));
        too_long.retry_after_header = Some("11".into());
        let RetryDecision::Refuse(reason) =
            policy.decide(1, &too_long.into(), Idempotency::Idempotent)
        else {
            panic!("an 11 s Retry-After over a 10 s ceiling is refused");
        };
        assert!(
            reason.contains("\"11\"") && reason.contains("10s"),
            "{reason}"
        );
    }

    #[test]
    fn an_unreadable_retry_after_is_refused_not_ignored() {
        let policy = RetryPolicy::default();
        for header in ["1.5", "-5", "soon", ""] {
            let mut error = ApiError::from_body("op", 503, b"{}", None);
            error.retry_after_header = Some(header.into());
            let RetryDecision::Refuse(reason) =
                policy.decide(1, &error.into(), Idempotency::Idempotent)
            else {
                panic!("Retry-After {header:?} must not be retried at once");
            };
            assert!(reason.contains(&format!("{header:?}")), "{reason}");
        }
    }

    #[test]
    fn a_refusal_is_only_for_failures_that_would_be_retried() {
        let mut error = ApiError::from_body("op", 400, b"{}", None);
        error.retry_after_header = Some("1.5".into());
        assert_eq!(
            RetryPolicy::default().decide(1, &error.into(), Idempotency::Idempotent),
            RetryDecision::Stop
        );
    }
}
