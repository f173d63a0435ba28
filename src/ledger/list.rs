//! The review API's list: `GET /deliveries?state=…&route=…&limit=…&cursor=…`,
//! its query, its one statement and its page of rows.

use super::admin::{bad_request, ok_json, DEFAULT_LIMIT, MAX_LIMIT};
use super::decisions::queue_rank;
use super::{
    is_delivery_id, route_of, Param, Row, State, Statement, StmtResult, SQL_LIST, SQL_LIST_QUEUE,
};
use crate::answer::Answer;
use crate::json::push_json_string;

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

/// Parses `state`, `route`, `order` (`newest`, default, or `queue`), `limit`
/// (1..200, default 50) and `cursor`; the query may start with `?`.
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
            // `<rank>:<created_at>.<id>`: a newest-first cursor is not one.
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

/// `{ "deliveries": [ … ], "next": <cursor or null> }`, newest first (or in
/// queue order); each delivery with its `actions`.
pub fn list_answer(q: &ListQuery, now: u64, results: &[StmtResult]) -> Answer {
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
        body.push_str(&row.to_json(now));
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
