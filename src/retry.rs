//! When to try again: a pure policy the boundary's driver follows.

use crate::error::Error;

/// Retry timing for one run. The defaults follow PassNinja's own CLI
/// (250 ms, 750 ms, 2 s; `Retry-After` honoured up to 30 s) inside a total
/// budget below Klaviyo's ~12 s Code-action limit.
///
/// Every attempt may use all the budget that is left: a provider that
/// answers within the budget is never cut off and asked twice. An attempt
/// that timed out therefore used the budget up and is never repeated; retries
/// follow only quick, retryable failures (429, 5xx, a refused or reset
/// connection) of idempotent requests, and only when what is left after the
/// wait gives the new attempt a fair chance: at least as long as the failed
/// attempt took, and never less than `min_attempt_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub delays_ms: Vec<u64>,
    pub max_retry_after_ms: u64,
    pub budget_ms: u64,
    /// An attempt started with less time than this left is not worth starting.
    pub min_attempt_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            delays_ms: vec![250, 750, 2000],
            max_retry_after_ms: 30_000,
            budget_ms: 8_000,
            min_attempt_ms: 100,
        }
    }
}

impl RetryPolicy {
    pub fn with_budget(budget_ms: u64) -> RetryPolicy {
        RetryPolicy {
            budget_ms,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before the next attempt, or `None` to stop and report
    /// `err`. `failures` counts attempts that failed so far (≥ 1);
    /// `last_attempt_ms` is how long the failed attempt took.
    /// A request that is not idempotent is never retried.
    pub fn next_delay(
        &self,
        failures: usize,
        err: &Error,
        idempotent: bool,
        elapsed_ms: u64,
        last_attempt_ms: u64,
    ) -> Option<u64> {
        if !err.retryable || !idempotent {
            return None;
        }
        let base = *self.delays_ms.get(failures.checked_sub(1)?)?;
        let delay = match err.retry_after_ms {
            Some(ra) => base.max(ra.min(self.max_retry_after_ms)),
            None => base,
        };
        let start_next = elapsed_ms.saturating_add(delay);
        let fair_chance = self.min_attempt_ms.max(last_attempt_ms);
        if start_next.saturating_add(fair_chance) > self.budget_ms {
            return None;
        }
        Some(delay)
    }

    /// How long the next attempt may take: all that is left of the budget.
    /// Cutting an attempt short would turn a slow success into a second
    /// request (and, for a balance change, a possible double credit).
    pub fn attempt_timeout(&self, elapsed_ms: u64) -> u64 {
        self.budget_ms.saturating_sub(elapsed_ms).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn err(code: Code, retry_after_ms: Option<u64>) -> Error {
        let mut e = Error::new(code, "x");
        e.retry_after_ms = retry_after_ms;
        e
    }

    #[test]
    fn backoff_then_give_up() {
        let p = RetryPolicy::default();
        let e = err(Code::UpstreamUnavailable, None);
        assert_eq!(p.next_delay(1, &e, true, 0, 5), Some(250));
        assert_eq!(p.next_delay(2, &e, true, 300, 5), Some(750));
        assert_eq!(p.next_delay(3, &e, true, 1100, 5), Some(2000));
        assert_eq!(p.next_delay(4, &e, true, 3200, 5), None);
    }

    #[test]
    fn permanent_errors_and_non_idempotent_requests_are_not_retried() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.next_delay(1, &err(Code::NotFound, None), true, 0, 5),
            None
        );
        assert_eq!(
            p.next_delay(1, &err(Code::Network, None), false, 0, 5),
            None
        );
    }

    #[test]
    fn retry_after_is_honoured_capped_and_bounded_by_the_budget() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.next_delay(1, &err(Code::Throttled, Some(2000)), true, 0, 5),
            Some(2000)
        );
        assert_eq!(
            p.next_delay(1, &err(Code::Throttled, Some(0)), true, 0, 5),
            Some(250)
        );
        // 60 s is capped at 30 s, which no 8 s budget can wait for.
        assert_eq!(
            p.next_delay(1, &err(Code::Throttled, Some(60_000)), true, 0, 5),
            None
        );
        let p = RetryPolicy::with_budget(60_000);
        assert_eq!(
            p.next_delay(1, &err(Code::Throttled, Some(60_000)), true, 0, 5),
            Some(30_000)
        );
        let p = RetryPolicy::with_budget(1000);
        assert_eq!(
            p.next_delay(2, &err(Code::Network, None), true, 200, 5),
            None
        );
        assert_eq!(p.attempt_timeout(0), 1000, "all of the budget");
        assert_eq!(p.attempt_timeout(700), 300);
        assert_eq!(p.attempt_timeout(4000), 1);
    }

    #[test]
    fn a_retry_needs_a_fair_chance() {
        // Worker budget 3 s: a 5xx that took 1.6 s leaves 1.15 s after the
        // 250 ms wait, less than the failed attempt took: no retry.
        let p = RetryPolicy::with_budget(3000);
        let e = err(Code::UpstreamUnavailable, None);
        assert_eq!(p.next_delay(1, &e, true, 1600, 1600), None);
        assert_eq!(p.next_delay(1, &e, true, 400, 400), Some(250));
    }
}
