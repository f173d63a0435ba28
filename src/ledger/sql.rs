//! The SQL as data: statements (fixed text + bound values) for D1, their
//! JSON for the entry, the entry's results, and the retention run.

use super::config::{is_idempotent, RETENTION_BATCH};
use crate::json::push_json_string;

/// A value bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for Param {
    fn from(s: &str) -> Param {
        Param::Text(s.to_string())
    }
}
impl From<String> for Param {
    fn from(s: String) -> Param {
        Param::Text(s)
    }
}
impl From<u64> for Param {
    fn from(n: u64) -> Param {
        Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Param {
        v.map(Into::into).unwrap_or(Param::Null)
    }
}

/// One SQL statement for D1: fixed text, bound values (never interpolated).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

/// The statements as JSON for the entry: `[{ "sql": …, "params": [ … ] }]`.
/// The entry runs them as one D1 batch (one transaction), in order.
pub fn statements_json(stmts: &[Statement]) -> String {
    let mut out = String::from("[");
    for (i, s) in stmts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"sql\":");
        push_json_string(&mut out, s.sql);
        out.push_str(",\"params\":[");
        for (j, p) in s.params.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            match p {
                Param::Text(t) => push_json_string(&mut out, t),
                Param::Int(n) => out.push_str(&n.to_string()),
                Param::Null => out.push_str("null"),
            }
        }
        out.push_str("]}");
    }
    out.push(']');
    out
}

/// What D1 said about one statement: rows changed, rows returned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StmtResult {
    pub changes: u64,
    pub rows: Vec<serde_json::Value>,
}

/// Parses the entry's `[{ "changes": n, "rows": [ … ] }]`; exactly `expected` results.
pub fn parse_results(json: &str, expected: usize) -> Result<Vec<StmtResult>, String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|_| "the ledger answered something that is not JSON")?;
    let list = v
        .as_array()
        .filter(|a| a.len() == expected)
        .ok_or("the ledger answered an unexpected number of results")?;
    Ok(list
        .iter()
        .map(|r| StmtResult {
            changes: r.get("changes").and_then(|c| c.as_u64()).unwrap_or(0),
            rows: r
                .get("rows")
                .and_then(|rows| rows.as_array())
                .cloned()
                .unwrap_or_default(),
        })
        .collect())
}

/// Every row read returns these columns (the webhook input is read only by resend).
macro_rules! select_row {
    ($($tail:expr),+) => {
        concat!(
            "SELECT id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body, write_back, result FROM deliveries ",
            $($tail),+
        )
    };
}

/// The review queue's rank of a row (issue 18): `ambiguous` 0, `failed` 1,
/// every other state 2 (`decisions::queue_rank` in Rust).
macro_rules! queue_rank_sql {
    () => {
        "(CASE state WHEN 'ambiguous' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END)"
    };
}

pub(super) const SQL_CLAIM: &str = "INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, request_body, input) VALUES (?1, ?2, 'pending', ?3, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING";
pub(super) const SQL_SELECT_ONE: &str = select_row!("WHERE id = ?1");
pub(super) const SQL_TAKEOVER: &str = "UPDATE deliveries SET updated_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND state = 'pending' AND updated_at = ?3";
pub(super) const SQL_STALE_TO_AMBIGUOUS: &str = "UPDATE deliveries SET state = 'ambiguous', updated_at = ?2, code = ?4, outcome = 'ambiguous', answer_status = 202, answer_body = ?5 WHERE id = ?1 AND state = 'pending' AND updated_at = ?3";
pub(super) const SQL_FINISH: &str = "UPDATE deliveries SET state = ?2, updated_at = ?3, upstream_status = ?4, code = ?5, outcome = ?6, answer_status = ?7, answer_body = ?8 WHERE id = ?1 AND state = 'pending'";
/// The operation and its write-back recorded together (`?9` the write-back's
/// state, `?10` the operation's result).
pub(super) const SQL_FINISH_WRITE_BACK: &str = "UPDATE deliveries SET state = ?2, updated_at = ?3, upstream_status = ?4, code = ?5, outcome = ?6, answer_status = ?7, answer_body = ?8, write_back = ?9, result = ?10 WHERE id = ?1 AND state = 'pending'";
/// A retried write-back of a done create (`?10` is the kept result again).
pub(super) const SQL_RETRY_WRITE_BACK: &str = "UPDATE deliveries SET state = ?2, updated_at = ?3, upstream_status = ?4, code = ?5, outcome = ?6, answer_status = ?7, answer_body = ?8, write_back = ?9, result = ?10, attempts = attempts + 1 WHERE id = ?1 AND state = 'done' AND write_back = 'pending'";
pub(super) const SQL_RELEASE: &str = "DELETE FROM deliveries WHERE id = ?1 AND state = 'pending'";
pub(super) const SQL_RESTORE: &str =
    "UPDATE deliveries SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'pending'";
/// A `pending` row not touched since `?3` (now minus the stale limit)
/// belongs to an instance that died or could not record its answer: a person
/// may resend or resolve it like an `ambiguous` one. A write-back Klaviyo
/// rejected is not resent: the create it follows succeeded.
pub(super) const SQL_RESEND_CLAIM: &str = "UPDATE deliveries SET state = 'pending', updated_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND write_back IS NULL AND (state IN ('ambiguous', 'failed') OR (state = 'pending' AND updated_at < ?3))";
pub(super) const SQL_RESEND_INPUT: &str = "SELECT input FROM deliveries WHERE id = ?1";
pub(super) const SQL_RESOLVE: &str = "UPDATE deliveries SET state = ?2, updated_at = ?3 WHERE id = ?1 AND (state = 'ambiguous' OR (state = 'pending' AND updated_at < ?4))";
pub(super) const SQL_LIST: &str = select_row!(
    "WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR route = ?2) AND (?3 IS NULL OR created_at < ?3 OR (created_at = ?3 AND id < ?4)) ORDER BY created_at DESC, id DESC LIMIT ?5"
);
/// `SQL_LIST` in the review queue's order (`order=queue`): by rank, then
/// newest first; the cursor is (rank, created_at, id).
pub(super) const SQL_LIST_QUEUE: &str = select_row!(
    "WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR route = ?2) AND (?3 IS NULL OR ",
    queue_rank_sql!(),
    " > ?3 OR (",
    queue_rank_sql!(),
    " = ?3 AND (created_at < ?4 OR (created_at = ?4 AND id < ?5)))) ORDER BY ",
    queue_rank_sql!(),
    ", created_at DESC, id DESC LIMIT ?6"
);

/// The retention statement, built once: a `pending` row of a non-idempotent
/// route is as uncertain as an `ambiguous` one and is kept. Those routes come
/// from the registry (our own constant paths, quoted as SQL literals).
pub(super) fn sql_retention() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let kept: Vec<String> = crate::providers::REGISTRY
            .routes()
            .filter(|r| !is_idempotent(r.path))
            .map(|r| format!("'{}'", r.path.replace('\'', "''")))
            .collect();
        let pending = if kept.is_empty() {
            String::new()
        } else {
            format!(
                " AND NOT (state = 'pending' AND route IN ({}))",
                kept.join(", ")
            )
        };
        format!("DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < ?1 AND state <> 'ambiguous'{pending} ORDER BY created_at LIMIT ?2)")
    })
}

/// The `scheduled` clean-up: deletes at most [`RETENTION_BATCH`] rows older
/// than `days`, never `ambiguous` ones (nor a non-idempotent `pending` one,
/// which is as uncertain), and as many pass marks not moved for as long.
/// Running it twice deletes nothing more.
pub fn retention(now: u64, days: u64) -> Vec<Statement> {
    let cutoff = now.saturating_sub(days.saturating_mul(86_400_000));
    vec![
        Statement {
            sql: sql_retention(),
            params: vec![cutoff.into(), RETENTION_BATCH.into()],
        },
        // A pass's mark only matters while an older delivery of that pass
        // can still arrive (Klaviyo resends for 24 hours).
        Statement {
            sql: SQL_RETENTION_PASSES,
            params: vec![cutoff.into(), RETENTION_BATCH.into()],
        },
    ]
}

pub(super) const SQL_RETENTION_PASSES: &str = "DELETE FROM passes WHERE pass_key IN (SELECT pass_key FROM passes WHERE updated_at < ?1 ORDER BY updated_at LIMIT ?2)";

/// The log line of a retention run.
pub fn retention_log(deleted: Option<u64>, days: u64, error: Option<&str>) -> String {
    let mut line = String::from("{\"outcome\":\"retention\",\"deleted\":");
    match deleted {
        Some(n) => line.push_str(&n.to_string()),
        None => line.push_str("null"),
    }
    line.push_str(",\"days\":");
    line.push_str(&days.to_string());
    line.push_str(",\"error\":");
    match error {
        Some(e) => push_json_string(&mut line, e),
        None => line.push_str("null"),
    }
    line.push('}');
    line
}
