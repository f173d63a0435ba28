//! Ordering: the newest delivery for a pass wins (issue 15).
//!
//! Routes whose effect is "set the pass to this state" (PassNinja update and
//! delete, The Wallet Crew push-update and profile-sync) name a pass
//! ([`crate::handler::Handler::pass`]). For each pass the `passes` table keeps
//! the delivery applied last and when that delivery was first seen (its
//! row's `created_at`). The order of two deliveries is their first sighting,
//! ties broken by the larger delivery id (deterministic on every instance).
//!
//! Two round trips on the success path, no read-then-write race:
//! - the claim is one upsert whose state is decided inside the statement, in
//!   the same transaction as the insert: `superseded` when the pass's mark is
//!   newer than this delivery's first sighting, `released` (answered 503,
//!   sent on a later redelivery) when another delivery of the same pass is
//!   in flight, else `pending` (send). So two deliveries of one pass are
//!   never sent at the same time, and an older one is never sent after a
//!   newer one was applied;
//! - the finish records the attempt and, when applied, moves the mark in the
//!   same batch, only forward (`ON CONFLICT … WHERE` the new mark is newer).
//!
//! An ordered delivery that was not applied keeps its row (`released`, not
//! deleted as for other routes): its first sighting must outlive the attempt.

use super::machine::{finish, NewDelivery};
use super::rows::State;
use super::sha256;
use super::sql::{Statement, SQL_SELECT_ONE};
use super::tag::tag;
use crate::answer::Answer;
use crate::error::{Error, WorkerCode};
use crate::json::push_json_string;
use crate::outcome::Outcome;

/// The stored key of a pass: 32 hex of SHA-256 of what
/// [`crate::handler::Handler::pass`] names (provider, newline, identity).
/// The identity may hold personal data (an e-mail); the key does not.
pub fn pass_key(pass: &str) -> String {
    let mut hex = sha256::hex_of(&[pass.as_bytes()]);
    hex.truncate(32);
    hex
}

/// The state a claim gives a delivery first seen at `$seen`: `superseded`
/// when the pass's mark is newer, `released` when another delivery of the
/// pass is in flight (pending and not stale), else `pending`.
/// ?1 id, ?8 pass key, ?9 stale cutoff (a pending row updated before it
/// belongs to an instance that died).
macro_rules! claim_state {
    ($seen:literal) => {
        concat!(
            "CASE WHEN EXISTS (SELECT 1 FROM passes p WHERE p.pass_key = ?8 AND (p.first_seen > ",
            $seen,
            " OR (p.first_seen = ",
            $seen,
            " AND p.delivery_id > ?1))) THEN 'superseded' WHEN EXISTS (SELECT 1 FROM deliveries o WHERE o.pass_key = ?8 AND o.state = 'pending' AND o.id <> ?1 AND o.updated_at >= ?9) THEN 'released' ELSE 'pending' END"
        )
    };
}

/// Claims a new delivery, or a `released` one (or a stale `pending` one)
/// again, with its state decided by [`claim_state`]. `created_at` (the
/// first sighting) is never changed by a later claim.
pub(super) const SQL_CLAIM_ORDERED: &str = concat!(
    "INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, request_body, input, pass_key) VALUES (?1, ?2, ",
    claim_state!("?3"),
    ", ?3, ?3, 1, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET state = ",
    claim_state!("deliveries.created_at"),
    ", updated_at = ?3, attempts = deliveries.attempts + 1, pass_key = ?8 WHERE deliveries.state = 'released' OR (deliveries.state = 'pending' AND deliveries.updated_at < ?9)"
);

/// An ordered attempt proved nothing was applied: keep the row (and its
/// first sighting) for the redelivery.
pub(super) const SQL_RELEASE_ORDERED: &str =
    "UPDATE deliveries SET state = 'released', updated_at = ?2 WHERE id = ?1 AND state = 'pending'";

/// Moves the pass's mark to this applied delivery, only forward.
pub(super) const SQL_MARK: &str = "INSERT INTO passes (pass_key, delivery_id, first_seen, updated_at) SELECT pass_key, id, created_at, ?2 FROM deliveries WHERE id = ?1 AND state = 'done' AND pass_key IS NOT NULL ON CONFLICT (pass_key) DO UPDATE SET delivery_id = excluded.delivery_id, first_seen = excluded.first_seen, updated_at = excluded.updated_at WHERE excluded.first_seen > passes.first_seen OR (excluded.first_seen = passes.first_seen AND excluded.delivery_id > passes.delivery_id)";

/// Step 1 of an ordered delivery: claim with the ordering check, read the
/// row (one batch). [`super::after_claim`] decides on the results.
pub fn claim_ordered(d: &NewDelivery, pass_key: &str, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_CLAIM_ORDERED,
            params: {
                let mut params = d.claim_params(now);
                params.push(pass_key.into());
                params.push(super::config::stale_before(now).into());
                params
            },
        },
        Statement {
            sql: SQL_SELECT_ONE,
            params: vec![d.id.into()],
        },
    ]
}

/// Step 3 of an ordered delivery: [`finish`], except that a release keeps
/// the row (`released`) and an applied delivery moves its pass's mark in the
/// same batch.
pub fn finish_ordered(
    id: &str,
    route: &str,
    result: &Result<Outcome, Error>,
    now: u64,
) -> (Answer, Vec<Statement>) {
    let (answer, mut stmts) = finish(id, route, result, now, None);
    let released = answer
        .delivery
        .as_ref()
        .is_some_and(|d| d.ledger == Some("released"));
    if released {
        stmts = vec![Statement {
            sql: SQL_RELEASE_ORDERED,
            params: vec![id.into(), now.into()],
        }];
    } else if result.is_ok() {
        stmts.push(mark(id, now));
    }
    (answer, stmts)
}

/// The statement that moves a pass's mark to delivery `id` if it is `done`
/// and newer (a no-op for a row without a pass).
pub fn mark(id: &str, now: u64) -> Statement {
    Statement {
        sql: SQL_MARK,
        params: vec![id.into(), now.into()],
    }
}

/// The body of a superseded delivery's answer.
pub fn superseded_body(id: &str) -> String {
    let mut body = String::from("{\"skipped\":true,\"reason\":\"superseded\",\"delivery\":");
    push_json_string(&mut body, id);
    body.push('}');
    body
}

/// 200: a newer delivery for the same pass was applied; nothing was sent.
pub fn superseded(id: &str, replayed: bool) -> Answer {
    let mut a = Answer::json(200, "skipped", superseded_body(id));
    if replayed {
        a = a.with_header("Idempotent-Replayed", "true".to_string());
    }
    tag(a, id, Some(State::Superseded.as_str()), replayed)
}

/// 503: another delivery for the same pass is being sent right now; this one
/// is remembered (first seen now) and sent, or superseded, on redelivery.
pub fn pass_busy(id: &str) -> Answer {
    let a = Answer::problem(
        WorkerCode::DeliveryInProgress,
        "Delivery In Progress",
        "another delivery for the same pass is being sent right now; retry later",
    )
    .with_header(
        "Retry-After",
        super::config::IN_PROGRESS_RETRY_AFTER_S.to_string(),
    );
    tag(a, id, Some(State::Released.as_str()), false)
}
