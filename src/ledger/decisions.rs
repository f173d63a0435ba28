//! The decisions a person can take on a delivery (issue 18): which states
//! allow which decision (the same sets the resolve and resend statements
//! check, so `actions` never offers what would be answered 409), and the
//! review queue's order.

use super::{stale_before, Row, State};

/// The states a delivery can be resolved from (`resolve`): the same set
/// `SQL_RESOLVE` moves from; any other state answers 409.
pub const RESOLVABLE: [State; 1] = [State::Ambiguous];
/// The states a delivery can be sent again from (`resend`): the same set
/// `SQL_RESEND_CLAIM` claims from; any other state answers 409.
pub const RESENDABLE: [State; 2] = [State::Ambiguous, State::Failed];

/// The decisions a person may take on `row` at `now`, by the same rules as
/// the statements: `applied` and `drop` (resolve true / false) from
/// [`RESOLVABLE`], `resend` from [`RESENDABLE`], and all three on a
/// `pending` row not touched since [`stale_before`] (its instance died).
pub fn actions(row: &Row, now: u64) -> Vec<&'static str> {
    let stale = row.state == State::Pending && row.updated_at < stale_before(now);
    let mut a = Vec::with_capacity(3);
    if stale || RESOLVABLE.contains(&row.state) {
        a.extend(["applied", "drop"]);
    }
    // A row with a write-back followed a create that succeeded: resending
    // it would create a second pass (`SQL_RESEND_CLAIM` refuses it too).
    if (stale || RESENDABLE.contains(&row.state)) && row.write_back.is_none() {
        a.push("resend");
    }
    a
}

/// The states of `set` as a person reads them: `ambiguous or failed`.
pub fn states_text(set: &[State]) -> String {
    let names: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
    names.join(" or ")
}

/// The states in the order of the review queue: waiting for a decision
/// first (`ambiguous`, then `failed`), then the others.
pub fn queue_states() -> Vec<State> {
    let first = [State::Ambiguous, State::Failed];
    let rest = State::ALL.into_iter().filter(|s| !first.contains(s));
    first.into_iter().chain(rest).collect()
}

/// The review queue's order: `ambiguous` (0), then `failed` (1), then every
/// other state (2); newest first within each.
pub fn queue_rank(state: State) -> u64 {
    match state {
        State::Ambiguous => 0,
        State::Failed => 1,
        _ => 2,
    }
}
