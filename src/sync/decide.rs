//! What an operation's answer means for the run: a final outcome for the
//! report, a retry after a wait, or a stop (configuration).

use super::pace::backoff_ms;

/// The outcomes a report lists.
pub const OUTCOMES: [&str; 7] = [
    "updated",
    "created",
    "deleted",
    "synced",
    "skipped",
    "failed",
    "ambiguous",
];

/// Throttled attempts of one profile before it is `failed` / `throttled`.
pub const MAX_THROTTLED: u32 = 8;
/// Other retryable failures of an idempotent request before it is `failed`.
pub const MAX_RETRIES: u32 = 3;

/// The outcome a handler's success result names: the first of its flags
/// (`updated`, `created`, `deleted`, `synced`, `skipped`) that is true.
pub fn outcome_name(result: &serde_json::Value) -> Option<&'static str> {
    OUTCOMES
        .iter()
        .take(5)
        .find(|name| result.get(**name) == Some(&serde_json::Value::Bool(true)))
        .copied()
}

/// What to do with a profile after an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it again after `after_ms`; `pause` holds every provider request
    /// that long (a 429).
    Retry { after_ms: u64, pause: bool },
    /// Record this outcome (`failed` or `ambiguous`) with the code.
    Final { outcome: &'static str, code: String },
    /// A configuration error: every profile would fail the same way.
    Stop,
}

/// Decides after an error `code` (the doors' taxonomy) on the `attempt`-th
/// try (from 1). A 429 proves nothing was applied: retried even for
/// operations that are not idempotent, after its `Retry-After`. A 5xx, a
/// timeout or a network failure may have been applied: retried only when
/// the operation is idempotent; otherwise the profile is `ambiguous` and is
/// never sent again.
pub fn after_error(
    code: &str,
    retry_after_ms: Option<u64>,
    idempotent: bool,
    attempt: u32,
) -> Decision {
    let fin = |outcome: &'static str| Decision::Final {
        outcome,
        code: code.to_string(),
    };
    match code {
        "throttled" if attempt < MAX_THROTTLED => Decision::Retry {
            after_ms: retry_after_ms.unwrap_or_else(|| backoff_ms(attempt)),
            pause: true,
        },
        "throttled" => fin("failed"),
        "upstream_unavailable" | "network" if !idempotent => fin("ambiguous"),
        "upstream_unavailable" | "network" if attempt <= MAX_RETRIES => Decision::Retry {
            after_ms: retry_after_ms.unwrap_or(0).max(backoff_ms(attempt)),
            pause: false,
        },
        "missing_config" | "invalid_config" | "invalid_template" | "unauthorized" => Decision::Stop,
        // An internal error (a trap) may have happened after the send.
        "internal_error" if !idempotent => fin("ambiguous"),
        _ => fin("failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_come_from_the_result_flags() {
        assert_eq!(
            outcome_name(&json!({"created": true, "serial": "x"})),
            Some("created")
        );
        assert_eq!(
            outcome_name(&json!({"skipped": true, "reason": "r"})),
            Some("skipped")
        );
        assert_eq!(outcome_name(&json!({"dryRun": true})), None);
    }

    #[test]
    fn creates_are_never_resent_after_an_unknown_outcome() {
        assert_eq!(
            after_error("upstream_unavailable", None, false, 1),
            Decision::Final {
                outcome: "ambiguous",
                code: "upstream_unavailable".into()
            }
        );
        assert_eq!(
            after_error("network", None, false, 1),
            Decision::Final {
                outcome: "ambiguous",
                code: "network".into()
            }
        );
        // A 429 proves nothing was applied.
        assert_eq!(
            after_error("throttled", Some(2000), false, 1),
            Decision::Retry {
                after_ms: 2000,
                pause: true
            }
        );
        assert_eq!(
            after_error("throttled", Some(2000), false, MAX_THROTTLED),
            Decision::Final {
                outcome: "failed",
                code: "throttled".into()
            }
        );
    }

    #[test]
    fn updates_retry_with_backoff_then_fail() {
        assert_eq!(
            after_error("upstream_unavailable", None, true, 1),
            Decision::Retry {
                after_ms: 1000,
                pause: false
            }
        );
        assert_eq!(
            after_error("network", Some(5000), true, 2),
            Decision::Retry {
                after_ms: 5000,
                pause: false
            }
        );
        assert_eq!(
            after_error("network", None, true, MAX_RETRIES + 1),
            Decision::Final {
                outcome: "failed",
                code: "network".into()
            }
        );
        assert_eq!(
            after_error("invalid_profile", None, true, 1),
            Decision::Final {
                outcome: "failed",
                code: "invalid_profile".into()
            }
        );
        assert_eq!(after_error("unauthorized", None, true, 1), Decision::Stop);
        assert_eq!(
            after_error("invalid_config", None, false, 1),
            Decision::Stop
        );
    }
}
