//! `GET /deliveries/summary` (issue 18): deliveries first seen in the last
//! 24 hours per state, the states in queue order and the recorded routes:
//! what the deliveries page shows above its list and offers as filters.

use super::admin::ok_json;
use super::decisions::queue_states;
use super::{iso_time, Mode, Statement, StmtResult};
use crate::answer::Answer;
use crate::json::{push_json_string, push_json_strings};

/// The summary's path (under the review API's prefix).
pub const SUMMARY_PATH: &str = "/deliveries/summary";
/// The window of the counts.
pub const SUMMARY_WINDOW_MS: u64 = 24 * 60 * 60 * 1000;

/// Per route and state: how many rows, and how many first seen since `?1`.
const SQL_SUMMARY: &str = "SELECT route, state, COUNT(*) AS n, SUM(CASE WHEN created_at >= ?1 THEN 1 ELSE 0 END) AS recent FROM deliveries GROUP BY route, state";

/// One statement: the counts of the last 24 hours and the routes present.
pub fn summary(now: u64) -> Vec<Statement> {
    vec![Statement {
        sql: SQL_SUMMARY,
        params: vec![now.saturating_sub(SUMMARY_WINDOW_MS).into()],
    }]
}

/// `{ "since", "counts": { state: n }, "states": [ … ], "routes": [ … ] }`:
/// deliveries first seen in the last 24 hours per state (every state, zero
/// included), the states in queue order (the values `state` takes), and the
/// recorded routes (those `mode` records, and any other one the ledger
/// still holds rows of), in the Worker's route order.
pub fn summary_answer(mode: Mode, now: u64, results: &[StmtResult]) -> Answer {
    let groups: Vec<&serde_json::Value> = results
        .first()
        .map(|r| r.rows.iter().collect())
        .unwrap_or_default();
    let text = |g: &serde_json::Value, k: &str| g.get(k).and_then(|v| v.as_str()).map(String::from);
    let count = |g: &serde_json::Value| {
        g.get("recent")
            .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f.max(0.0) as u64)))
            .unwrap_or(0)
    };
    let states = queue_states();
    let mut body = String::from("{\"since\":");
    push_json_string(&mut body, &iso_time(now.saturating_sub(SUMMARY_WINDOW_MS)));
    body.push_str(",\"counts\":{");
    for (i, state) in states.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        let n: u64 = groups
            .iter()
            .filter(|g| text(g, "state").as_deref() == Some(state.as_str()))
            .map(|g| count(g))
            .sum();
        push_json_string(&mut body, state.as_str());
        body.push(':');
        body.push_str(&n.to_string());
    }
    body.push_str("},\"states\":");
    push_json_strings(&mut body, states.iter().map(|s| s.as_str()));
    body.push_str(",\"routes\":");
    let held: Vec<String> = groups.iter().filter_map(|g| text(g, "route")).collect();
    let routes = crate::providers::REGISTRY
        .routes()
        .map(|r| r.path)
        // Ordered routes (issue 15) are recorded too whenever the mode orders.
        .filter(|p| mode.records(p) || mode.orders() || held.iter().any(|h| h == p));
    push_json_strings(&mut body, routes);
    body.push('}');
    ok_json(body)
}
