//! Answer tagging: the delivery's header and log fields on an answer, and
//! the ledger's own answers (replay, in progress, unavailable, ambiguous).

use super::config::IN_PROGRESS_RETRY_AFTER_S;
use super::rows::{known_outcome, Row};
use crate::answer::{Answer, DeliveryLog};
use crate::error::{Code, WorkerCode};
use crate::json::push_json_string;

/// Marks an answer with its delivery: the `Passbridge-Delivery` header and
/// the log fields (`ledger`: the state after the request, when recorded).
pub fn tag(answer: Answer, id: &str, ledger: Option<&'static str>, replayed: bool) -> Answer {
    let key_source = answer.delivery.as_ref().and_then(|d| d.key_source);
    let mut a = answer.with_header("Passbridge-Delivery", id.to_string());
    a.delivery = Some(Box::new(DeliveryLog {
        id: Some(id.to_string()),
        ledger,
        replayed,
        key_source,
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
        page: None,
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

/// 503 when the provider answered but the write recording that answer
/// failed: the row is still `pending`, so no 200 or 202 the ledger does not
/// hold is given. Klaviyo resends; the resend meets the `pending` row (503
/// `delivery_in_progress`, then, once stale, the ledger's rules), and a
/// person sees it in `GET /deliveries?state=pending` once it is stale.
pub fn unrecorded_answer(id: &str) -> Answer {
    let a = Answer::problem(
        WorkerCode::LedgerUnavailable,
        "Ledger Unavailable",
        "the request was sent, but the delivery ledger (D1) could not record the answer; the delivery stays pending: retry later",
    )
    .with_header("Retry-After", IN_PROGRESS_RETRY_AFTER_S.to_string());
    tag(a, id, Some("pending"), false)
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

pub(super) fn ambiguous_answer(id: &str, code: Code, upstream_status: Option<u16>) -> Answer {
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
        page: None,
        authenticated: false,
    }
}
