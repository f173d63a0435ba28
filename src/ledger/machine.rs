//! The state machine: claim, decide, record an attempt's result.

use super::config::Mode;
use super::config::{is_idempotent, PENDING_STALE_MS};
use super::order;
use super::rows::{Row, State};
use super::sql::{
    Param, Statement, StmtResult, SQL_CLAIM, SQL_FINISH, SQL_RELEASE, SQL_RESTORE, SQL_SELECT_ONE,
    SQL_STALE_TO_AMBIGUOUS, SQL_TAKEOVER,
};
use super::tag::{ambiguous_answer, ambiguous_body, in_progress, replay, tag};
use crate::answer::{failure, success, Answer, DeliveryLog};
use crate::error::{Code, Error, WorkerCode};
use crate::http::HttpRequest;
use crate::outcome::Outcome;
use crate::providers::Route;

/// A new delivery to claim.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub route: Route,
    pub request: &'a HttpRequest,
    /// The webhook body, kept so `resend` can plan the same request again
    /// with the credentials of the day (no header is ever stored).
    pub input: &'a str,
}

impl NewDelivery<'_> {
    /// The row's first seven parameters (`?1`…`?7`), shared by every claim.
    pub(super) fn claim_params(&self, now: u64) -> Vec<Param> {
        vec![
            self.id.into(),
            self.route.path.into(),
            now.into(),
            self.request.method.into(),
            self.request.url.as_str().into(),
            self.request.body.as_deref().into(),
            self.input.into(),
        ]
    }
}

/// Step 1: claim the delivery (atomic insert), and read the row either way.
pub fn claim(d: &NewDelivery, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_CLAIM,
            params: d.claim_params(now),
        },
        Statement {
            sql: SQL_SELECT_ONE,
            params: vec![d.id.into()],
        },
    ]
}

/// What to do after a statement batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// This request owns the claim: send upstream, then call [`finish`].
    Send,
    /// Answer now; nothing is sent.
    Answer(Answer),
    /// Run these statements, then call [`after_takeover`] (stale idempotent claim).
    TakeOver(Vec<Statement>),
    /// Run these statements and give this answer (stale claim of a
    /// non-idempotent delivery becomes ambiguous).
    RunThenAnswer(Vec<Statement>, Answer),
}

/// Step 2: the results of [`claim`] decide.
pub fn after_claim(id: &str, route: &str, now: u64, results: &[StmtResult]) -> Decision {
    let row = results
        .get(1)
        .and_then(|r| r.rows.first())
        .and_then(Row::from_json);
    if results.first().is_some_and(|r| r.changes >= 1) {
        // An ordered claim decides the state inside the statement.
        return match row.map(|r| r.state) {
            Some(State::Superseded) => Decision::Answer(order::superseded(id, false)),
            Some(State::Released) => Decision::Answer(order::pass_busy(id)),
            _ => Decision::Send,
        };
    }
    let Some(row) = row else {
        // Released between the two statements cannot happen in one batch;
        // an unreadable row is treated as someone else's claim.
        return Decision::Answer(in_progress(id));
    };
    match row.state {
        State::Pending if now.saturating_sub(row.updated_at) > PENDING_STALE_MS => {
            if is_idempotent(route) {
                Decision::TakeOver(vec![Statement {
                    sql: SQL_TAKEOVER,
                    params: vec![id.into(), now.into(), row.updated_at.into()],
                }])
            } else {
                let code = Code::Network;
                let body = ambiguous_body(id, code.as_str());
                let stmts = vec![Statement {
                    sql: SQL_STALE_TO_AMBIGUOUS,
                    params: vec![
                        id.into(),
                        now.into(),
                        row.updated_at.into(),
                        code.as_str().into(),
                        body.into(),
                    ],
                }];
                Decision::RunThenAnswer(
                    stmts,
                    tag(
                        ambiguous_answer(id, code, None),
                        id,
                        Some("ambiguous"),
                        false,
                    ),
                )
            }
        }
        State::Pending | State::Released => Decision::Answer(in_progress(id)),
        State::Superseded => Decision::Answer(order::superseded(id, true)),
        _ => Decision::Answer(replay(&row)),
    }
}

/// Step 2b: a stale idempotent claim was taken over (or someone else got it first).
pub fn after_takeover(id: &str, results: &[StmtResult]) -> Decision {
    if results.first().is_some_and(|r| r.changes >= 1) {
        Decision::Send
    } else {
        Decision::Answer(in_progress(id))
    }
}

/// How an attempt's result moves the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The provider accepted it: `done`.
    Done,
    /// The provider refused it for good: `failed`.
    Failed,
    /// Known not applied (429, a failure before sending, or an idempotent
    /// operation that can simply be sent again): release the claim.
    Release,
    /// May or may not have been applied (a 5xx, a timeout, or a 2xx whose
    /// answer cannot be read): `ambiguous`, a person decides.
    Ambiguous,
}

/// Classifies an attempt's result for a route.
pub fn effect(route: &str, result: &Result<Outcome, Error>) -> Effect {
    match result {
        Ok(_) => Effect::Done,
        // The provider said 2xx but its answer could not be read (a create
        // without a serialNumber): it may have been applied, like a timeout.
        Err(e) if e.status.is_some_and(|s| (200..300).contains(&s)) => Effect::Ambiguous,
        Err(e) => match e.code {
            Code::NotFound | Code::Unauthorized | Code::Rejected => Effect::Failed,
            Code::UpstreamUnavailable | Code::Network if !is_idempotent(route) => Effect::Ambiguous,
            _ => Effect::Release,
        },
    }
}

/// Step 3: the attempt's result → the answer to give and the statements that
/// record it. `resent_from` is the state a review `resend` moved the row from:
/// a release then restores that state instead of deleting the row.
pub fn finish(
    id: &str,
    route: &str,
    result: &Result<Outcome, Error>,
    now: u64,
    resent_from: Option<State>,
) -> (Answer, Vec<Statement>) {
    let eff = effect(route, result);
    let base = match result {
        Ok(outcome) => success(outcome),
        Err(e) => failure(e),
    };
    let (state, answer) = match eff {
        Effect::Done => (State::Done, base),
        Effect::Failed => (State::Failed, base),
        Effect::Ambiguous => {
            let code = match result {
                Err(e) => e.code,
                Ok(_) => Code::Network,
            };
            (
                State::Ambiguous,
                ambiguous_answer(id, code, base.upstream_status),
            )
        }
        Effect::Release => {
            let (stmt, ledger) = match resent_from {
                Some(prev) => (
                    Statement {
                        sql: SQL_RESTORE,
                        params: vec![id.into(), prev.as_str().into(), now.into()],
                    },
                    Some(prev.as_str()),
                ),
                None => (
                    Statement {
                        sql: SQL_RELEASE,
                        params: vec![id.into()],
                    },
                    Some("released"),
                ),
            };
            return (tag(base, id, ledger, false), vec![stmt]);
        }
    };
    let stmt = Statement {
        sql: SQL_FINISH,
        params: vec![
            id.into(),
            state.as_str().into(),
            now.into(),
            answer.upstream_status.map(u64::from).into(),
            answer.code.map(WorkerCode::as_str).into(),
            answer.outcome.into(),
            u64::from(answer.status).into(),
            answer.body.as_str().into(),
        ],
    };
    (tag(answer, id, Some(state.as_str()), false), vec![stmt])
}

/// With `PASSBRIDGE_LEDGER=off`, every log line of a non-idempotent route
/// says so, also for answers given before a delivery id was chosen (401,
/// 413, 415…): `"ledger":"off"` with `"delivery":null`.
pub fn mark_off(mut answer: Answer, mode: Mode, route: &str) -> Answer {
    let non_idempotent = crate::providers::REGISTRY
        .operation(route)
        .is_some_and(|o| !o.idempotent);
    if answer.delivery.is_none() && mode == Mode::Off && non_idempotent {
        answer.delivery = Some(Box::new(DeliveryLog {
            id: None,
            ledger: Some("off"),
            replayed: false,
            key_source: None,
        }));
    }
    answer
}

/// Marks an answer of a route that is not recorded.
pub fn unrecorded(answer: Answer, id: &str, mode: Mode, route: &str) -> Answer {
    let ledger = (mode == Mode::Off && !is_idempotent(route)).then_some("off");
    tag(answer, id, ledger, false)
}
