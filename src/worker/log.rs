//! The Worker's structured log line.

use super::routes::{route, HEALTH_PATH, HOME_PATH};
use crate::answer::Answer;
use crate::json::push_json_string;

/// The request header Klaviyo's webhook actions identify their flow with.
pub const FLOW_ID_HEADER: &str = "x-klaviyo-flow-id";

/// A Klaviyo flow id: letters and digits, at most 32. Anything else could be
/// personal data someone put in the header, and is not logged.
fn is_flow_id(value: &str) -> bool {
    (1..=32).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// One structured log line: no secret, no email or phone number (provider
/// messages are left out because they may echo them). The flow id is written
/// only for an authenticated request and only when it has the shape of a
/// Klaviyo flow id; the route only when it is one of ours.
pub fn log_line(path: &str, answer: &Answer, duration_ms: u64, flow_id: Option<&str>) -> String {
    // Only known paths are logged as given: an unknown one could hold anything.
    let route = match route(path) {
        Some(r) => r.path,
        None if path == HEALTH_PATH => HEALTH_PATH,
        None if path == HOME_PATH => HOME_PATH,
        None if path == crate::review::PATH => crate::review::PATH,
        None => crate::ledger::admin::label_of(path).unwrap_or("(unknown)"),
    };
    let mut line = String::from("{\"route\":");
    push_json_string(&mut line, route);
    line.push_str(",\"status\":");
    line.push_str(&answer.status.to_string());
    line.push_str(",\"outcome\":");
    push_json_string(&mut line, answer.outcome);
    line.push_str(",\"code\":");
    match answer.code {
        Some(c) => push_json_string(&mut line, c.as_str()),
        None => line.push_str("null"),
    }
    line.push_str(",\"upstreamStatus\":");
    match answer.upstream_status {
        Some(s) => line.push_str(&s.to_string()),
        None => line.push_str("null"),
    }
    line.push_str(",\"durationMs\":");
    line.push_str(&duration_ms.to_string());
    line.push_str(",\"flowId\":");
    match flow_id.map(str::trim) {
        Some(f) if answer.authenticated && is_flow_id(f) => push_json_string(&mut line, f),
        _ => line.push_str("null"),
    }
    let d = answer.delivery.as_deref();
    line.push_str(",\"delivery\":");
    match d.and_then(|d| d.id.as_deref()) {
        Some(id) => push_json_string(&mut line, id),
        None => line.push_str("null"),
    }
    line.push_str(",\"ledger\":");
    match d.and_then(|d| d.ledger) {
        Some(l) => push_json_string(&mut line, l),
        None => line.push_str("null"),
    }
    line.push_str(",\"replayed\":");
    line.push_str(if d.is_some_and(|d| d.replayed) {
        "true"
    } else {
        "false"
    });
    line.push_str(",\"keySource\":");
    match d.and_then(|d| d.key_source) {
        Some(k) => push_json_string(&mut line, k),
        None => line.push_str("null"),
    }
    line.push('}');
    line
}
