//! The review API for people: list, read, resend and resolve deliveries.
//! Authenticated by `Authorization: Bearer <PASSBRIDGE_ADMIN_SECRET>` (a
//! secret distinct from the webhook secret), compared in constant time; the
//! routes do not exist (404) while that secret is unset.

use super::decisions::{states_text, RESENDABLE, RESOLVABLE};
use super::summary::SUMMARY_PATH;
use super::{
    is_delivery_id, stale_before, tag, Row, State, Statement, StmtResult, PENDING_STALE_MS,
    SQL_RESEND_CLAIM, SQL_RESEND_INPUT, SQL_RESOLVE, SQL_SELECT_ONE,
};
use crate::answer::Answer;
use crate::error::WorkerCode;

pub use super::list::{list, list_answer, parse_list_query};

pub const PREFIX: &str = "/deliveries";
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;
/// One review request, after its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminRoute {
    List,
    Summary,
    Get(String),
    Resend(String),
    Resolve(String),
}

impl AdminRoute {
    /// The route as logged (the id is a hash, but a path is logged by its shape).
    pub fn label(&self) -> &'static str {
        match self {
            AdminRoute::List => "/deliveries",
            AdminRoute::Summary => "/deliveries/summary",
            AdminRoute::Get(_) => "/deliveries/{id}",
            AdminRoute::Resend(_) => "/deliveries/{id}/resend",
            AdminRoute::Resolve(_) => "/deliveries/{id}/resolve",
        }
    }
}

pub fn is_admin_path(path: &str) -> bool {
    path == PREFIX || path.starts_with("/deliveries/")
}

/// The log label of an admin path (`None` when it is not one we serve).
pub fn label_of(path: &str) -> Option<&'static str> {
    parse_path(path).map(|(r, _)| r.label())
}

fn parse_path(path: &str) -> Option<(AdminRoute, &'static str)> {
    if path == PREFIX {
        return Some((AdminRoute::List, "GET"));
    }
    if path == SUMMARY_PATH {
        return Some((AdminRoute::Summary, "GET"));
    }
    let rest = path.strip_prefix("/deliveries/")?;
    let (id, action) = match rest.split_once('/') {
        Some((id, action)) => (id, Some(action)),
        None => (rest, None),
    };
    if !is_delivery_id(id) {
        return None;
    }
    let id = id.to_string();
    match action {
        None => Some((AdminRoute::Get(id), "GET")),
        Some("resend") => Some((AdminRoute::Resend(id), "POST")),
        Some("resolve") => Some((AdminRoute::Resolve(id), "POST")),
        Some(_) => None,
    }
}

fn not_found() -> Answer {
    Answer::problem(WorkerCode::RouteNotFound, "Not Found", "no such route")
}

/// The checks of a review request that need no body: 404 while
/// `PASSBRIDGE_ADMIN_SECRET` is unset or for an unknown path, 405 for a
/// wrong method, 401 for a missing or wrong secret.
pub fn gate(
    method: &str,
    path: &str,
    authorization: Option<&str>,
    secret: Option<&str>,
) -> Result<AdminRoute, Answer> {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return Err(not_found());
    };
    let Some((route, allowed)) = parse_path(path) else {
        return Err(not_found());
    };
    if method != allowed && !(allowed == "GET" && method == "HEAD") {
        return Err(Answer::problem(
            WorkerCode::MethodNotAllowed,
            "Method Not Allowed",
            &format!("use {allowed}"),
        )
        .with_header("Allow", allowed.to_string()));
    }
    // The same rule as the webhook secret: scheme in any letter case (RFC 7235),
    // the secret compared in constant time.
    if !crate::answer::bearer_matches(authorization, secret) {
        return Err(Answer::problem(
            WorkerCode::Unauthorized,
            "Unauthorized",
            "missing or wrong Authorization: Bearer <PASSBRIDGE_ADMIN_SECRET> header",
        )
        .with_header("WWW-Authenticate", "Bearer".to_string()));
    }
    Ok(route)
}

pub(super) fn bad_request(detail: &str) -> Answer {
    Answer::problem(WorkerCode::InvalidRequest, "Bad Request", detail)
}

fn delivery_not_found(id: &str) -> Answer {
    tag(
        Answer::problem(
            WorkerCode::DeliveryNotFound,
            "Not Found",
            "no delivery with this id (deliveries are kept PASSBRIDGE_LEDGER_DAYS days)",
        ),
        id,
        None,
        false,
    )
}

fn invalid_state(id: &str, row: &Row, allowed: &str) -> Answer {
    tag(
        Answer::problem(
            WorkerCode::InvalidState,
            "Conflict",
            &format!(
                "the delivery is {}; this action is allowed only when it is {allowed}, or pending for more than {} s",
                row.state.as_str(),
                PENDING_STALE_MS / 1000
            ),
        ),
        id,
        Some(row.state.as_str()),
        false,
    )
}

pub(super) fn ok_json(body: String) -> Answer {
    Answer {
        status: 200,
        headers: vec![
            ("Content-Type", "application/json".to_string()),
            ("Cache-Control", "no-store".to_string()),
        ],
        body,
        outcome: "review",
        code: None,
        upstream_status: None,
        delivery: None,
        page: None,
        authenticated: false,
    }
}

// ---------------------------------------------------------------- one delivery

pub fn get(id: &str) -> Vec<Statement> {
    vec![Statement {
        sql: SQL_SELECT_ONE,
        params: vec![id.into()],
    }]
}

fn first_row(results: &[StmtResult], index: usize) -> Option<Row> {
    results
        .get(index)
        .and_then(|r| r.rows.first())
        .and_then(Row::from_json)
}

pub fn get_answer(id: &str, now: u64, results: &[StmtResult]) -> Answer {
    match first_row(results, 0) {
        Some(row) => tag(
            ok_json(row.to_json(now)),
            id,
            Some(row.state.as_str()),
            false,
        ),
        None => delivery_not_found(id),
    }
}

// ---------------------------------------------------------------- resolve

/// `{ "applied": true }` → `done`, `{ "applied": false }` → `dropped`.
pub fn parse_resolve(body: &str) -> Result<State, Answer> {
    let v: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| bad_request("send { \"applied\": true } or { \"applied\": false }"))?;
    match v.get("applied").and_then(|a| a.as_bool()) {
        Some(true) => Ok(State::Done),
        Some(false) => Ok(State::Dropped),
        None => Err(bad_request(
            "send { \"applied\": true } (it was applied: done) or { \"applied\": false } (it was not: dropped, never sent again)",
        )),
    }
}

/// Read the row, then move it from `ambiguous` (or a stale `pending`) only
/// (one batch).
pub fn resolve(id: &str, to: State, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_SELECT_ONE,
            params: vec![id.into()],
        },
        Statement {
            sql: SQL_RESOLVE,
            params: vec![
                id.into(),
                to.as_str().into(),
                now.into(),
                stale_before(now).into(),
            ],
        },
    ]
}

pub fn resolve_answer(id: &str, to: State, now: u64, results: &[StmtResult]) -> Answer {
    let Some(mut row) = first_row(results, 0) else {
        return delivery_not_found(id);
    };
    if results.get(1).is_none_or(|r| r.changes < 1) {
        return invalid_state(id, &row, &states_text(&RESOLVABLE));
    }
    row.state = to;
    row.updated_at = now;
    tag(ok_json(row.to_json(now)), id, Some(to.as_str()), false)
}

// ---------------------------------------------------------------- resend

/// Read the row and its webhook input, then claim it again from `ambiguous`,
/// `failed` or a stale `pending` only (one batch).
pub fn resend(id: &str, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_SELECT_ONE,
            params: vec![id.into()],
        },
        Statement {
            sql: SQL_RESEND_INPUT,
            params: vec![id.into()],
        },
        Statement {
            sql: SQL_RESEND_CLAIM,
            params: vec![id.into(), now.into(), stale_before(now).into()],
        },
    ]
}

/// A claimed resend: the row as it was and the webhook body to plan again.
#[derive(Debug, Clone, PartialEq)]
pub struct Resend {
    pub row: Row,
    pub input: String,
}

pub fn after_resend(id: &str, results: &[StmtResult]) -> Result<Resend, Answer> {
    let Some(row) = first_row(results, 0) else {
        return Err(delivery_not_found(id));
    };
    if results.get(2).is_none_or(|r| r.changes < 1) {
        let wanted = if row.write_back.is_some() {
            // The create succeeded: resending it would create a second pass.
            format!(
                "{}, without a write-back (a rejected write-back is fixed on the Klaviyo profile; its create is never sent again)",
                states_text(&RESENDABLE)
            )
        } else {
            states_text(&RESENDABLE)
        };
        return Err(invalid_state(id, &row, &wanted));
    }
    let input = results
        .get(1)
        .and_then(|r| r.rows.first())
        .and_then(|r| r.get("input"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    Ok(Resend { row, input })
}

/// The statements that put a resend's row back when it could not be planned.
pub fn undo_resend(resend: &Resend, now: u64) -> Vec<Statement> {
    vec![Statement {
        sql: super::SQL_RESTORE,
        params: vec![
            resend.row.id.as_str().into(),
            resend.row.state.as_str().into(),
            now.into(),
        ],
    }]
}

/// 409 when the stored webhook no longer plans a request (the profile is skipped now).
pub fn nothing_to_resend(resend: &Resend) -> Answer {
    tag(
        Answer::problem(
            WorkerCode::InvalidState,
            "Conflict",
            "the stored webhook body no longer leads to a request (the guard skips it): nothing was sent",
        ),
        &resend.row.id,
        Some(resend.row.state.as_str()),
        false,
    )
}

#[cfg(test)]
#[path = "admin_tests.rs"]
mod tests;
