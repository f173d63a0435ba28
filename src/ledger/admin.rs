//! The review API for people: list, read, resend and resolve deliveries.
//! Authenticated by `Authorization: Bearer <PASSBRIDGE_ADMIN_SECRET>` (a
//! secret distinct from the webhook secret), compared in constant time; the
//! routes do not exist (404) while that secret is unset.

use super::decisions::{delivery_json, queue_rank, states_text, RESENDABLE, RESOLVABLE};
use super::summary::SUMMARY_PATH;
use super::{
    is_delivery_id, route_of, tag, Param, Row, State, Statement, StmtResult, SQL_LIST,
    SQL_RESEND_CLAIM, SQL_RESEND_INPUT, SQL_RESOLVE, SQL_SELECT_ONE,
};
use crate::error::WorkerCode;
use crate::json::push_json_string;
use crate::worker::Answer;

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
    if !crate::worker::bearer_matches(authorization, secret) {
        return Err(Answer::problem(
            WorkerCode::Unauthorized,
            "Unauthorized",
            "missing or wrong Authorization: Bearer <PASSBRIDGE_ADMIN_SECRET> header",
        )
        .with_header("WWW-Authenticate", "Bearer".to_string()));
    }
    Ok(route)
}

fn bad_request(detail: &str) -> Answer {
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
                "the delivery is {}; this action is allowed only when it is {allowed}",
                row.state.as_str()
            ),
        ),
        id,
        Some(row.state.as_str()),
        false,
    )
}

pub(crate) fn ok_json(body: String) -> Answer {
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
        authenticated: false,
    }
}

// ---------------------------------------------------------------- list

/// A parsed `GET /deliveries` query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub state: Option<State>,
    pub route: Option<&'static str>,
    pub limit: u64,
    /// (created_at, id) of the last row of the previous page.
    pub after: Option<(u64, String)>,
    /// `order=queue`: waiting for a decision first (see [`queue_rank`]).
    pub queue: bool,
    /// The queue rank of the last row of the previous page (`order=queue`).
    pub after_rank: Option<u64>,
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The opaque cursor of a page's last row.
pub fn cursor_of(row: &Row) -> String {
    format!("{:x}.{}", row.created_at, row.id)
}

fn parse_cursor(s: &str) -> Option<(u64, String)> {
    let (ts, id) = s.split_once('.')?;
    if ts.is_empty() || ts.len() > 16 || !is_delivery_id(id) {
        return None;
    }
    Some((u64::from_str_radix(ts, 16).ok()?, id.to_string()))
}

/// Parses `state`, `route`, `limit` (1..200, default 50) and `cursor`; the
/// query may start with `?`.
pub fn parse_list_query(query: &str) -> Result<ListQuery, Answer> {
    let mut q = ListQuery {
        state: None,
        route: None,
        limit: DEFAULT_LIMIT,
        after: None,
        queue: false,
        after_rank: None,
    };
    let mut cursor = None;
    let query = query.strip_prefix('?').unwrap_or(query);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (percent_decode(k), percent_decode(v)) else {
            return Err(bad_request(
                "the query string is not valid percent-encoded UTF-8",
            ));
        };
        match k.as_str() {
            "state" => {
                q.state = Some(State::parse(&v).ok_or_else(|| {
                    bad_request("state must be pending, done, failed, ambiguous or dropped")
                })?)
            }
            "route" => {
                q.route = Some(route_of(&v).map(|r| r.path).ok_or_else(|| {
                    bad_request(
                        "route must be one of the Worker's routes, e.g. /jericommerce/balance",
                    )
                })?)
            }
            "limit" => {
                q.limit = v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| bad_request("limit must be a whole number from 1 to 200"))?
            }
            "cursor" => cursor = Some(v),
            "order" => {
                q.queue = match v.as_str() {
                    "newest" => false,
                    "queue" => true,
                    _ => return Err(bad_request("order must be newest or queue")),
                }
            }
            _ => {
                return Err(bad_request(
                    "unknown query parameter; use state, route, order, limit and cursor",
                ))
            }
        }
    }
    if let Some(v) = cursor {
        let bad = || bad_request("cursor must be the `next` value of a previous page");
        if q.queue {
            let (rank, rest) = v.split_once(':').ok_or_else(bad)?;
            let rank = rank
                .parse::<u64>()
                .ok()
                .filter(|r| *r <= 2)
                .ok_or_else(bad)?;
            q.after = Some(parse_cursor(rest).ok_or_else(bad)?);
            q.after_rank = Some(rank);
        } else {
            q.after = Some(parse_cursor(&v).ok_or_else(bad)?);
        }
    }
    Ok(q)
}

/// `SQL_LIST` in queue order: the rank is [`queue_rank`] as SQL.
const SQL_LIST_QUEUE: &str = "SELECT id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body FROM (SELECT *, CASE state WHEN 'ambiguous' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END AS queue_rank FROM deliveries) WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR route = ?2) AND (?3 IS NULL OR queue_rank > ?3 OR (queue_rank = ?3 AND (created_at < ?4 OR (created_at = ?4 AND id < ?5)))) ORDER BY queue_rank, created_at DESC, id DESC LIMIT ?6";

/// One statement: a page (one more row than asked, to know if there is a next).
pub fn list(q: &ListQuery) -> Vec<Statement> {
    let (after_ts, after_id) = match &q.after {
        Some((ts, id)) => (Param::from(*ts), Param::from(id.as_str())),
        None => (Param::Null, Param::Null),
    };
    if q.queue {
        let rank = match (q.after_rank, &q.after) {
            (Some(r), Some(_)) => Param::from(r),
            _ => Param::Null,
        };
        return vec![Statement {
            sql: SQL_LIST_QUEUE,
            params: vec![
                q.state.map(State::as_str).into(),
                q.route.into(),
                rank,
                after_ts,
                after_id,
                (q.limit + 1).into(),
            ],
        }];
    }
    vec![Statement {
        sql: SQL_LIST,
        params: vec![
            q.state.map(State::as_str).into(),
            q.route.into(),
            after_ts,
            after_id,
            (q.limit + 1).into(),
        ],
    }]
}

/// `{ "deliveries": [ … ], "next": <cursor or null> }`, newest first.
pub fn list_answer(q: &ListQuery, results: &[StmtResult]) -> Answer {
    let rows: Vec<Row> = results
        .first()
        .map(|r| r.rows.iter().filter_map(Row::from_json).collect())
        .unwrap_or_default();
    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    let page = rows.get(..limit.min(rows.len())).unwrap_or_default();
    let mut body = String::from("{\"deliveries\":[");
    for (i, row) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&delivery_json(row));
    }
    body.push_str("],\"next\":");
    match page.last().filter(|_| more) {
        Some(last) if q.queue => push_json_string(
            &mut body,
            &format!("{}:{}", queue_rank(last.state), cursor_of(last)),
        ),
        Some(last) => push_json_string(&mut body, &cursor_of(last)),
        None => body.push_str("null"),
    }
    body.push('}');
    ok_json(body)
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

pub fn get_answer(id: &str, results: &[StmtResult]) -> Answer {
    match first_row(results, 0) {
        Some(row) => tag(
            ok_json(delivery_json(&row)),
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

/// Read the row, then move it from `ambiguous` only (one batch).
pub fn resolve(id: &str, to: State, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_SELECT_ONE,
            params: vec![id.into()],
        },
        Statement {
            sql: SQL_RESOLVE,
            params: vec![id.into(), to.as_str().into(), now.into()],
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
    tag(ok_json(delivery_json(&row)), id, Some(to.as_str()), false)
}

// ---------------------------------------------------------------- resend

/// Read the row and its webhook input, then claim it again from `ambiguous`
/// or `failed` only (one batch).
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
            params: vec![id.into(), now.into()],
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
        return Err(invalid_state(id, &row, &states_text(&RESENDABLE)));
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
