//! When the next request may go. Pure: the caller passes the clock
//! (`now_ms`) and sleeps for what these say.
//!
//! - Klaviyo ([`KlaviyoPace`], one per endpoint): at most the endpoint's
//!   documented burst per second; nothing after `RateLimit-Remaining: 0`
//!   before `RateLimit-Reset` has passed; a 429 waits its `Retry-After`; a
//!   5xx or a network failure waits an exponential backoff.
//! - The provider ([`ProviderPace`]): at most `--rate` requests in any one
//!   second, and a 429 pauses every request until its `Retry-After`.

use std::collections::VecDeque;

/// The longest wait any header can ask for (one hour).
pub const MAX_WAIT_MS: u64 = crate::http::MAX_RETRY_AFTER_MS;
/// Failed Klaviyo calls in a row (429, 5xx, network) before the run stops.
pub const MAX_KLAVIYO_FAILURES: u32 = 10;
/// The first backoff after a 5xx or network failure; doubled each time, at most a minute.
pub const BACKOFF_MS: u64 = 1000;

/// At most `limit` events in any window of `window_ms` (0: no limit).
#[derive(Debug, Clone)]
pub struct Window {
    limit: usize,
    window_ms: f64,
    times: VecDeque<f64>,
}

impl Window {
    pub fn new(limit: usize, window_ms: f64) -> Window {
        Window {
            limit,
            window_ms,
            times: VecDeque::with_capacity(limit.min(10_000)),
        }
    }

    /// How long until one more event keeps the window within its limit.
    pub fn wait_ms(&self, now_ms: f64) -> u64 {
        if self.limit == 0 || self.times.len() < self.limit {
            return 0;
        }
        match self.times.front() {
            Some(oldest) => ceil_ms(oldest + self.window_ms - now_ms),
            None => 0,
        }
    }

    pub fn record(&mut self, now_ms: f64) {
        if self.limit == 0 {
            return;
        }
        self.times.push_back(now_ms);
        while self.times.len() > self.limit {
            self.times.pop_front();
        }
    }
}

fn ceil_ms(ms: f64) -> u64 {
    if ms.is_nan() || ms <= 0.0 {
        0
    } else {
        (ms.ceil() as u64).min(MAX_WAIT_MS)
    }
}

/// An exponential backoff: 1 s, 2 s, 4 s… at most a minute.
pub fn backoff_ms(failures: u32) -> u64 {
    BACKOFF_MS
        .saturating_mul(1u64 << failures.saturating_sub(1).min(16))
        .min(60_000)
}

/// What to do after a Klaviyo answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Use the answer.
    Go,
    /// Ask again after this many ms (429, 5xx, network).
    Retry(u64),
    /// Stop: the answer is an error to report (or too many failures in a row).
    GiveUp,
}

/// Pacing of one Klaviyo endpoint.
#[derive(Debug, Clone)]
pub struct KlaviyoPace {
    burst: Window,
    not_before_ms: f64,
    failures: u32,
}

impl KlaviyoPace {
    /// `burst`: the endpoint's documented requests per second.
    pub fn new(burst: usize) -> KlaviyoPace {
        KlaviyoPace {
            burst: Window::new(burst, 1000.0),
            not_before_ms: 0.0,
            failures: 0,
        }
    }

    pub fn wait_ms(&self, now_ms: f64) -> u64 {
        self.burst
            .wait_ms(now_ms)
            .max(ceil_ms(self.not_before_ms - now_ms))
    }

    pub fn sent(&mut self, now_ms: f64) {
        self.burst.record(now_ms);
    }

    /// Learns from an answer: `status` 0 is a network failure or timeout;
    /// `remaining` / `reset` are the `RateLimit-*` headers; `retry_after_ms`
    /// the parsed (capped) `Retry-After`.
    pub fn answer(
        &mut self,
        now_ms: f64,
        status: u16,
        remaining: Option<&str>,
        reset: Option<&str>,
        retry_after_ms: Option<u64>,
    ) -> Next {
        match status {
            200..=299 => {
                self.failures = 0;
                let remaining = remaining.and_then(|r| r.trim().parse::<f64>().ok());
                if remaining.is_some_and(|r| r <= 0.0) {
                    let reset_ms = reset
                        .and_then(|r| r.trim().parse::<f64>().ok())
                        .filter(|r| r.is_finite() && *r >= 0.0)
                        .map_or(60_000, |s| ((s * 1000.0).ceil() as u64).min(MAX_WAIT_MS));
                    self.not_before_ms = self.not_before_ms.max(now_ms + reset_ms as f64);
                }
                Next::Go
            }
            0 | 429 | 500..=599 => {
                self.failures += 1;
                if self.failures > MAX_KLAVIYO_FAILURES {
                    return Next::GiveUp;
                }
                let wait = match (status, retry_after_ms) {
                    (429, Some(ra)) => ra,
                    (_, Some(ra)) => ra.max(backoff_ms(self.failures)),
                    (_, None) => backoff_ms(self.failures),
                };
                self.not_before_ms = self.not_before_ms.max(now_ms + wait as f64);
                Next::Retry(wait)
            }
            _ => Next::GiveUp,
        }
    }
}

/// Pacing of the provider: `--rate` and the shared 429 pause.
#[derive(Debug, Clone)]
pub struct ProviderPace {
    rate: Window,
    paused_until_ms: f64,
}

impl ProviderPace {
    /// `rate`: requests per second, 0 for no limit.
    pub fn new(rate: usize) -> ProviderPace {
        ProviderPace {
            rate: Window::new(rate, 1000.0),
            paused_until_ms: 0.0,
        }
    }

    pub fn wait_ms(&self, now_ms: f64) -> u64 {
        self.rate
            .wait_ms(now_ms)
            .max(ceil_ms(self.paused_until_ms - now_ms))
    }

    pub fn sent(&mut self, now_ms: f64) {
        self.rate.record(now_ms);
    }

    /// A provider 429: nothing goes to the provider for `retry_after_ms`
    /// (1 s when it gave none).
    pub fn pause(&mut self, now_ms: f64, retry_after_ms: Option<u64>) {
        let ms = retry_after_ms.unwrap_or(BACKOFF_MS).min(MAX_WAIT_MS);
        self.paused_until_ms = self.paused_until_ms.max(now_ms + ms as f64);
    }
}
