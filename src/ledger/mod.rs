//! The Worker's delivery ledger, sans-IO: which key identifies a webhook
//! delivery, what a stored row plus a new attempt's result becomes, what
//! Klaviyo is told, and the SQL statements (text + bound values) the entry
//! runs on Cloudflare D1. The entry executes statements and decides nothing;
//! this module never touches the database or the clock (`now` is passed in).
//!
//! A delivery is `pending` while one instance sends it, then `done` (2xx),
//! `failed` (a 4xx other than 429), `ambiguous` (a 5xx, timeout or network
//! failure of an operation that is not idempotent: it may have been applied,
//! so a person decides) or `dropped` (a person said it was not applied and
//! must not be). Failures that prove nothing was applied release the claim
//! (the row is deleted) so Klaviyo's resend sends again.

pub mod admin;
pub mod decisions;
pub mod sha256;
pub mod summary;

use crate::error::{Code, Error, WorkerCode};
use crate::http::HttpRequest;
use crate::json::push_json_string;
use crate::outcome::Outcome;
use crate::profile::{Input, Node};
use crate::template::Template;
use crate::worker::{failure, success, Answer, Route};

/// The D1 binding's name in `worker.toml`.
pub const BINDING: &str = "LEDGER";

/// A `pending` row older than this belongs to an instance that died while sending.
pub const PENDING_STALE_MS: u64 = 120_000;

/// `PASSBRIDGE_LEDGER_DAYS` default and minimum (Klaviyo resends for 24 hours).
pub const DEFAULT_DAYS: u64 = 7;
pub const MIN_DAYS: u64 = 2;
/// Rows deleted per statement of one retention run (the cron runs again).
pub const RETENTION_BATCH: u64 = 500;

/// `Idempotency-Key` length limits (printable ASCII only).
pub const MAX_KEY_LEN: usize = 200;

/// `Retry-After` of a `delivery_in_progress` answer.
pub const IN_PROGRESS_RETRY_AFTER_S: u64 = 30;

/// Whether a route's operation is idempotent (its provider says so): sending
/// a non-idempotent one twice may apply the change twice (a balance credit, a
/// second pass).
pub fn is_idempotent(route: &str) -> bool {
    crate::providers::REGISTRY
        .operation(route)
        .is_none_or(|o| o.idempotent)
}

// ---------------------------------------------------------------- configuration

/// `PASSBRIDGE_LEDGER`: which routes are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The non-idempotent routes (default).
    Auto,
    /// Every route.
    All,
    /// None.
    Off,
}

impl Mode {
    pub fn parse(value: Option<&str>) -> Result<Mode, Error> {
        match value.map(str::trim) {
            None | Some("") | Some("auto") => Ok(Mode::Auto),
            Some("all") => Ok(Mode::All),
            Some("off") => Ok(Mode::Off),
            Some(_) => Err(Error::invalid_config(
                "PASSBRIDGE_LEDGER must be auto, all or off",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::All => "all",
            Mode::Off => "off",
        }
    }

    /// Whether deliveries of `route` are recorded.
    pub fn records(self, route: &str) -> bool {
        match self {
            Mode::Auto => !is_idempotent(route),
            Mode::All => true,
            Mode::Off => false,
        }
    }
}

/// `PASSBRIDGE_LEDGER_DAYS`: a whole number of days, at least [`MIN_DAYS`].
pub fn parse_days(value: Option<&str>) -> Result<u64, Error> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_DAYS);
    };
    match v.parse::<u64>() {
        Ok(d) if (MIN_DAYS..=3650).contains(&d) => Ok(d),
        _ => Err(Error::invalid_config(format!(
            "PASSBRIDGE_LEDGER_DAYS must be a whole number of days from {MIN_DAYS} to 3650 (Klaviyo resends for 24 hours)"
        ))),
    }
}

/// `PASSBRIDGE_DELIVERY_KEY`: a template rendered from the body's person and event.
pub fn parse_key_template(value: Option<&str>) -> Result<Option<Template>, Error> {
    let Some(src) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    Template::parse(src).map(Some).map_err(|e| {
        Error::invalid_template(format!(
            "invalid template in PASSBRIDGE_DELIVERY_KEY at position {}: {}",
            e.position, e.message
        ))
    })
}

/// The ledger settings of a Worker, read once.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub mode: Mode,
    pub days: u64,
    pub key_template: Option<Template>,
}

impl Config {
    pub fn from_vars(
        mode: Option<&str>,
        days: Option<&str>,
        delivery_key: Option<&str>,
    ) -> Result<Config, Error> {
        Ok(Config {
            mode: Mode::parse(mode)?,
            days: parse_days(days)?,
            key_template: parse_key_template(delivery_key)?,
        })
    }
}

/// `"ledger"` of `GET /health`: the mode, `missing` when the mode records
/// routes but the binding is absent, `invalid` for an unusable `PASSBRIDGE_LEDGER`.
pub fn health_status(mode: Option<&str>, has_binding: bool) -> &'static str {
    match Mode::parse(mode) {
        Ok(Mode::Off) => "off",
        Ok(_) if !has_binding => "missing",
        Ok(m) => m.as_str(),
        Err(_) => "invalid",
    }
}

/// Adds `"ledger"` to the health answer.
pub fn with_health(answer: Answer, status: &str) -> Answer {
    let mut v = String::new();
    push_json_string(&mut v, status);
    answer.with_member("ledger", &v)
}

/// 500 for a recorded route without the D1 binding.
pub fn missing_binding(mode: Mode) -> Answer {
    failure(&Error::missing_config(format!(
        "the D1 binding {BINDING} is not configured, and PASSBRIDGE_LEDGER={} records this route: add [[d1_databases]] binding = \"{BINDING}\" to worker.toml (or set PASSBRIDGE_LEDGER=off)",
        mode.as_str()
    )))
}

// ---------------------------------------------------------------- delivery keys

/// Chooses the delivery key: the `Idempotency-Key` header, else the
/// `PASSBRIDGE_DELIVERY_KEY` template, else the SHA-256 (hex) of
/// `route + "\n" + body`. Errors are the 400 answers to give.
pub fn delivery_key<N: Node>(
    route: &str,
    header: Option<&str>,
    template: Option<&Template>,
    profile: Option<N>,
    event: Option<N>,
    raw_body: &[u8],
) -> Result<String, Answer> {
    if let Some(key) = header {
        if key.is_empty()
            || key.len() > MAX_KEY_LEN
            || !key.bytes().all(|b| (0x20..=0x7e).contains(&b))
        {
            return Err(Answer::problem(
                WorkerCode::InvalidIdempotencyKey,
                "Bad Request",
                &format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
            ));
        }
        return Ok(key.to_string());
    }
    if let Some(t) = template {
        let bad = |detail: String| failure(&Error::invalid_profile(detail));
        let input = Input::new(profile, event).map_err(|e| failure(&e))?;
        let key = t.render(&input).map_err(|e| {
            bad(format!(
                "PASSBRIDGE_DELIVERY_KEY cannot be rendered: {}",
                e.message
            ))
        })?;
        if key.trim().is_empty() {
            return Err(bad(
                "PASSBRIDGE_DELIVERY_KEY rendered empty for this body: every delivery needs a key (send the value it reads, e.g. event.id)".to_string(),
            ));
        }
        return Ok(key);
    }
    Ok(body_key(route, raw_body))
}

/// The key of a delivery without a header or template: the SHA-256 (hex) of
/// the route, a newline and the raw body bytes.
pub fn body_key(route: &str, raw_body: &[u8]) -> String {
    sha256::hex_of(&[route.as_bytes(), b"\n", raw_body])
}

/// The public id of a delivery: the first 32 hex characters of
/// SHA-256(route + "\n" + key). The key may hold personal data; the id does not.
pub fn delivery_id(route: &str, key: &str) -> String {
    let mut hex = sha256::hex_of(&[route.as_bytes(), b"\n", key.as_bytes()]);
    hex.truncate(32);
    hex
}

pub fn is_delivery_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// ---------------------------------------------------------------- statements

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
    ($tail:literal) => {
        concat!(
            "SELECT id, route, state, created_at, updated_at, attempts, upstream_status, code, outcome, answer_status, answer_body, request_method, request_url, request_body FROM deliveries ",
            $tail
        )
    };
}

const SQL_CLAIM: &str = "INSERT INTO deliveries (id, route, state, created_at, updated_at, attempts, request_method, request_url, request_body, input) VALUES (?1, ?2, 'pending', ?3, ?3, 1, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING";
const SQL_SELECT_ONE: &str = select_row!("WHERE id = ?1");
const SQL_TAKEOVER: &str = "UPDATE deliveries SET updated_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND state = 'pending' AND updated_at = ?3";
const SQL_STALE_TO_AMBIGUOUS: &str = "UPDATE deliveries SET state = 'ambiguous', updated_at = ?2, code = ?4, outcome = 'ambiguous', answer_status = 202, answer_body = ?5 WHERE id = ?1 AND state = 'pending' AND updated_at = ?3";
const SQL_FINISH: &str = "UPDATE deliveries SET state = ?2, updated_at = ?3, upstream_status = ?4, code = ?5, outcome = ?6, answer_status = ?7, answer_body = ?8 WHERE id = ?1 AND state = 'pending'";
const SQL_RELEASE: &str = "DELETE FROM deliveries WHERE id = ?1 AND state = 'pending'";
const SQL_RESTORE: &str =
    "UPDATE deliveries SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'pending'";
const SQL_RESEND_CLAIM: &str = "UPDATE deliveries SET state = 'pending', updated_at = ?2, attempts = attempts + 1 WHERE id = ?1 AND state IN ('ambiguous', 'failed')";
const SQL_RESEND_INPUT: &str = "SELECT input FROM deliveries WHERE id = ?1";
const SQL_RESOLVE: &str =
    "UPDATE deliveries SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'ambiguous'";
const SQL_LIST: &str = select_row!(
    "WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR route = ?2) AND (?3 IS NULL OR created_at < ?3 OR (created_at = ?3 AND id < ?4)) ORDER BY created_at DESC, id DESC LIMIT ?5"
);
const SQL_RETENTION: &str = "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < ?1 AND state <> 'ambiguous' AND NOT (state = 'pending' AND route IN ('/jericommerce/balance', '/passninja/create')) ORDER BY created_at LIMIT ?2)";

// ---------------------------------------------------------------- rows

/// The five states of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Done,
    Failed,
    Ambiguous,
    Dropped,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Pending,
        State::Done,
        State::Failed,
        State::Ambiguous,
        State::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Done => "done",
            State::Failed => "failed",
            State::Ambiguous => "ambiguous",
            State::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub route: String,
    pub state: State,
    pub created_at: u64,
    pub updated_at: u64,
    pub attempts: u64,
    pub upstream_status: Option<u16>,
    pub code: Option<String>,
    pub outcome: Option<String>,
    pub answer_status: Option<u16>,
    pub answer_body: Option<String>,
    pub request_method: String,
    pub request_url: String,
    pub request_body: Option<String>,
}

impl Row {
    /// Reads a row as D1 returns it (column name → value); `None` when it is unusable.
    pub fn from_json(v: &serde_json::Value) -> Option<Row> {
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let num = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_u64().or_else(|| x.as_f64().map(|f| f.max(0.0) as u64)))
        };
        let status = |k: &str| num(k).and_then(|n| u16::try_from(n).ok());
        Some(Row {
            id: text("id")?,
            route: text("route")?,
            state: State::parse(v.get("state")?.as_str()?)?,
            created_at: num("created_at")?,
            updated_at: num("updated_at")?,
            attempts: num("attempts").unwrap_or(0),
            upstream_status: status("upstream_status"),
            code: text("code"),
            outcome: text("outcome"),
            answer_status: status("answer_status"),
            answer_body: text("answer_body"),
            request_method: text("request_method").unwrap_or_default(),
            request_url: text("request_url").unwrap_or_default(),
            request_body: text("request_body"),
        })
    }

    /// The review API's object for this row.
    pub fn to_json(&self) -> String {
        let mut o = String::from("{\"delivery\":");
        push_json_string(&mut o, &self.id);
        o.push_str(",\"route\":");
        push_json_string(&mut o, &self.route);
        o.push_str(",\"state\":");
        push_json_string(&mut o, self.state.as_str());
        o.push_str(",\"createdAt\":");
        push_json_string(&mut o, &iso_time(self.created_at));
        o.push_str(",\"updatedAt\":");
        push_json_string(&mut o, &iso_time(self.updated_at));
        o.push_str(",\"attempts\":");
        o.push_str(&self.attempts.to_string());
        o.push_str(",\"upstreamStatus\":");
        match self.upstream_status {
            Some(s) => o.push_str(&s.to_string()),
            None => o.push_str("null"),
        }
        o.push_str(",\"code\":");
        match &self.code {
            Some(c) => push_json_string(&mut o, c),
            None => o.push_str("null"),
        }
        o.push_str(",\"request\":{\"method\":");
        push_json_string(&mut o, &self.request_method);
        o.push_str(",\"url\":");
        push_json_string(&mut o, &self.request_url);
        o.push_str(",\"body\":");
        match &self.request_body {
            Some(b) => push_json_string(&mut o, b),
            None => o.push_str("null"),
        }
        o.push_str("}}");
        o
    }
}

/// Milliseconds since the epoch as `2026-11-27T12:00:00.000Z`.
pub fn iso_time(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

fn known_outcome(outcome: &str) -> &'static str {
    const OUTCOMES: &[&str] = &[
        "updated",
        "created",
        "deleted",
        "synced",
        "ok",
        "error",
        "ambiguous",
    ];
    OUTCOMES
        .iter()
        .copied()
        .find(|o| *o == outcome)
        .unwrap_or("ok")
}

// ---------------------------------------------------------------- answers

/// Marks an answer with its delivery: the `Passbridge-Delivery` header and
/// the log fields (`ledger`: the state after the request, when recorded).
pub fn tag(answer: Answer, id: &str, ledger: Option<&'static str>, replayed: bool) -> Answer {
    let mut a = answer.with_header("Passbridge-Delivery", id.to_string());
    a.delivery = Some(Box::new(crate::worker::DeliveryLog {
        id: Some(id.to_string()),
        ledger,
        replayed,
    }));
    a
}

/// The stored answer of a final row, replayed: same status and body, plus
/// `Idempotent-Replayed: true`.
pub fn replay(row: &Row) -> Answer {
    let status = row.answer_status.unwrap_or(200);
    let body = row.answer_body.clone().unwrap_or_else(|| "{}".to_string());
    let content_type = if status >= 400 {
        "application/problem+json"
    } else {
        "application/json"
    };
    let answer = Answer {
        status,
        headers: vec![
            ("Content-Type", content_type.to_string()),
            ("Cache-Control", "no-store".to_string()),
            ("Idempotent-Replayed", "true".to_string()),
        ],
        body,
        outcome: row.outcome.as_deref().map(known_outcome).unwrap_or("ok"),
        code: row
            .code
            .as_deref()
            .and_then(Code::parse)
            .map(WorkerCode::Op),
        upstream_status: row.upstream_status,
        delivery: None,
        authenticated: false,
    };
    tag(answer, &row.id, Some(row.state.as_str()), true)
}

/// 503 `delivery_in_progress`: another instance is sending this delivery now.
pub fn in_progress(id: &str) -> Answer {
    let a = Answer::problem(
        WorkerCode::DeliveryInProgress,
        "Delivery In Progress",
        "this delivery is being sent by another request right now; retry later for its answer",
    )
    .with_header("Retry-After", IN_PROGRESS_RETRY_AFTER_S.to_string());
    tag(a, id, Some("pending"), false)
}

/// 503 when the ledger itself cannot be reached: nothing was sent.
pub fn ledger_unavailable(id: Option<&str>) -> Answer {
    let a = Answer::problem(
        WorkerCode::LedgerUnavailable,
        "Ledger Unavailable",
        "the delivery ledger (D1) could not be read or written; nothing was sent, retry later",
    )
    .with_header("Retry-After", IN_PROGRESS_RETRY_AFTER_S.to_string());
    match id {
        Some(id) => tag(a, id, None, false),
        None => a,
    }
}

/// 202 for an outcome that may or may not have been applied.
pub fn ambiguous_body(id: &str, code: &str) -> String {
    let mut body = String::from("{\"accepted\":true,\"ambiguous\":true,\"delivery\":");
    push_json_string(&mut body, id);
    body.push_str(",\"code\":");
    push_json_string(&mut body, code);
    body.push('}');
    body
}

fn ambiguous_answer(id: &str, code: Code, upstream_status: Option<u16>) -> Answer {
    Answer {
        status: 202,
        headers: vec![
            ("Content-Type", "application/json".to_string()),
            ("Cache-Control", "no-store".to_string()),
        ],
        body: ambiguous_body(id, code.as_str()),
        outcome: "ambiguous",
        code: Some(WorkerCode::Op(code)),
        upstream_status,
        delivery: None,
        authenticated: false,
    }
}

// ---------------------------------------------------------------- the state machine

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

/// Step 1: claim the delivery (atomic insert), and read the row either way.
pub fn claim(d: &NewDelivery, now: u64) -> Vec<Statement> {
    vec![
        Statement {
            sql: SQL_CLAIM,
            params: vec![
                d.id.into(),
                d.route.path.into(),
                now.into(),
                d.request.method.into(),
                d.request.url.as_str().into(),
                d.request.body.as_deref().into(),
                d.input.into(),
            ],
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
    if results.first().is_some_and(|r| r.changes >= 1) {
        return Decision::Send;
    }
    let Some(row) = results
        .get(1)
        .and_then(|r| r.rows.first())
        .and_then(Row::from_json)
    else {
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
        State::Pending => Decision::Answer(in_progress(id)),
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
    /// May or may not have been applied: `ambiguous`, a person decides.
    Ambiguous,
}

/// Classifies an attempt's result for a route.
pub fn effect(route: &str, result: &Result<Outcome, Error>) -> Effect {
    match result {
        Ok(_) => Effect::Done,
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
        answer.delivery = Some(Box::new(crate::worker::DeliveryLog {
            id: None,
            ledger: Some("off"),
            replayed: false,
        }));
    }
    answer
}

/// Marks an answer of a route that is not recorded.
pub fn unrecorded(answer: Answer, id: &str, mode: Mode, route: &str) -> Answer {
    let ledger = (mode == Mode::Off && !is_idempotent(route)).then_some("off");
    tag(answer, id, ledger, false)
}

// ---------------------------------------------------------------- retention

/// The `scheduled` clean-up: deletes at most [`RETENTION_BATCH`] rows older
/// than `days`, never `ambiguous` ones (nor a non-idempotent `pending` one,
/// which is as uncertain). Running it twice deletes nothing more.
pub fn retention(now: u64, days: u64) -> Vec<Statement> {
    let cutoff = now.saturating_sub(days.saturating_mul(86_400_000));
    vec![Statement {
        sql: SQL_RETENTION,
        params: vec![cutoff.into(), RETENTION_BATCH.into()],
    }]
}

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

/// The route a stored row belongs to.
pub fn route_of(path: &str) -> Option<Route> {
    crate::worker::route(path)
}

#[cfg(test)]
mod tests;
