//! The decisions a person can take on a delivery (issue 18): which states
//! allow which decision (the same sets the resolve and resend statements
//! check, so `actions` never offers what would be answered 409), and the
//! review queue's order.

use super::State;

/// The states a delivery can be resolved from (`resolve`): the same set
/// `SQL_RESOLVE` moves from; any other state answers 409.
pub const RESOLVABLE: [State; 1] = [State::Ambiguous];
/// The states a delivery can be sent again from (`resend`): the same set
/// `SQL_RESEND_CLAIM` claims from; any other state answers 409.
pub const RESENDABLE: [State; 2] = [State::Ambiguous, State::Failed];

/// The decisions a person may take on a delivery in `state` now, by the
/// rules above: `applied` and `drop` (resolve true / false), `resend`.
pub fn actions(state: State) -> Vec<&'static str> {
    let mut a = Vec::with_capacity(3);
    if RESOLVABLE.contains(&state) {
        a.extend(["applied", "drop"]);
    }
    if RESENDABLE.contains(&state) {
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
