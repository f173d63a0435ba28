//! The ledger's half of the write-back (`crate::write_back`): a delivery
//! with two effects. The operation's result is kept on the row; a write-back
//! that must be retried leaves the row `done` with `write_back = 'pending'`,
//! so Klaviyo's resend finds the create done, replays it, and sends only the
//! write-back again. The create is never sent twice because of its write-back.

use super::rows::State;
use super::sql::{Statement, StmtResult, SQL_FINISH_WRITE_BACK, SQL_RETRY_WRITE_BACK};
use super::tag::tag;
use super::Row;
use crate::answer::Answer;
use crate::error::WorkerCode;
use crate::outcome::{OutValue, Outcome};
use crate::write_back::{answer, Done};

/// After a claim that found the row already there: the operation's kept
/// result when the row waits for its write-back (`done` + `pending`), else
/// `None` (the ledger's usual decision applies).
pub fn kept_result(route: &str, results: &[StmtResult]) -> Option<Outcome> {
    if results.first().is_some_and(|r| r.changes >= 1) {
        return None;
    }
    let row = results
        .get(1)
        .and_then(|r| r.rows.first())
        .and_then(Row::from_json)?;
    if row.state != State::Done || row.write_back.as_deref() != Some("pending") {
        return None;
    }
    let fields = crate::providers::REGISTRY.operation(route)?.result_fields;
    parse_result(row.result.as_deref()?, fields)
}

/// A kept result back as an outcome (only the operation's own fields).
pub fn parse_result(text: &str, fields: &'static [&'static str]) -> Option<Outcome> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let map = value.as_object()?;
    let mut out = Outcome::default();
    // In the operation's order, so a replayed answer reads like the first.
    for name in fields {
        let v = match map.get(*name) {
            Some(serde_json::Value::String(s)) => OutValue::Str(s.clone()),
            Some(serde_json::Value::Bool(b)) => OutValue::Bool(*b),
            Some(serde_json::Value::Number(n)) => match n.as_f64() {
                Some(f) => OutValue::Num(f),
                None => continue,
            },
            _ => continue,
        };
        out.0.push((name, v));
    }
    Some(out)
}

/// The operation succeeded and its write-back ended (`retry`: this was a
/// resend that found the create done): the answer and the statement that
/// records both effects. Written or skipped → `done`; rejected → `failed`
/// (for review, `serial` and `url` in its answer); anything else stays
/// `done` with the write-back `pending`, answered 503 or 500 so Klaviyo
/// resends.
pub fn finish(
    id: &str,
    outcome: &Outcome,
    done: &Done,
    now: u64,
    retry: bool,
) -> (Answer, Vec<Statement>) {
    let a = answer(outcome, done);
    let state = match done.state() {
        "rejected" => State::Failed,
        _ => State::Done,
    };
    let stmt = Statement {
        sql: if retry {
            SQL_RETRY_WRITE_BACK
        } else {
            SQL_FINISH_WRITE_BACK
        },
        params: vec![
            id.into(),
            state.as_str().into(),
            now.into(),
            a.upstream_status.map(u64::from).into(),
            a.code.map(WorkerCode::as_str).into(),
            a.outcome.into(),
            u64::from(a.status).into(),
            a.body.as_str().into(),
            done.state().into(),
            outcome.to_json().into(),
        ],
    };
    let ledger = match done.state() {
        "pending" => "write_back_pending",
        _ => state.as_str(),
    };
    (tag(a, id, Some(ledger), retry), vec![stmt])
}

#[cfg(test)]
#[path = "write_back_tests.rs"]
mod tests;
