//! The request body: its size limit, draining before an early answer, and
//! parsing it into a profile and an event.

use crate::answer::Answer;
use crate::error::{Code, WorkerCode};

/// Bodies above this are refused with 413 (a webhook body is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long the entry may spend reading and discarding a body before an
/// early answer (keep-alive); then it answers anyway.
pub const DRAIN_MS: u32 = 1_000;

/// Whether to read (and discard) the body before an early answer: workerd
/// drops the client's keep-alive connection when a Worker answers without
/// reading a non-empty body. Only a small declared body is worth waiting for;
/// a large, undeclared or unparseable length is never waited on.
pub fn drain_before_early_answer(content_length: Option<&str>) -> bool {
    content_length
        .and_then(|len| len.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0 && n <= MAX_BODY_BYTES as u64)
}

/// 413, for a declared or an actual body above [`MAX_BODY_BYTES`].
pub fn too_large() -> Answer {
    Answer::problem(
        WorkerCode::PayloadTooLarge,
        "Payload Too Large",
        &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

/// The body as text. JSON text must be UTF-8 (RFC 8259 §8.1): a body that
/// is not is refused (400 `invalid_json`, naming the offset of its first bad
/// byte, counted from 0), never decoded with U+FFFD in place of the bad bytes
/// (two bodies differing only there would be one delivery, and the
/// replacement characters would reach the provider).
pub fn body_text(bytes: Vec<u8>) -> Result<String, Answer> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        Answer::problem(
            WorkerCode::InvalidJson,
            "Bad Request",
            &format!(
                "the body is not valid UTF-8 (JSON text must be UTF-8): the first bad byte is at offset {offset} (counted from 0)"
            ),
        )
    })
}

/// The profile and event carried by a webhook body: `{ "person": …, "event": … }`
/// (flat or JSON:API person), or a bare JSON:API profile.
pub fn parse_body(text: &str) -> Result<serde_json::Value, Answer> {
    serde_json::from_str(text).map_err(|e| {
        Answer::problem(
            WorkerCode::InvalidJson,
            "Bad Request",
            &format!("the body is not valid JSON: {e}"),
        )
    })
}

/// Splits a parsed body into (profile, event).
pub fn person_and_event(
    body: &serde_json::Value,
) -> Result<(Option<&serde_json::Value>, Option<&serde_json::Value>), Answer> {
    let bad = |detail: &str| Answer::problem(Code::InvalidProfile, "Bad Request", detail);
    let Some(obj) = body.as_object() else {
        return Err(bad(
            "the body must be a JSON object: { \"person\": {…}, \"event\": {…} }",
        ));
    };
    if let Some(person) = obj.get("person") {
        return Ok((Some(person), obj.get("event")));
    }
    if obj.contains_key("data") {
        return Ok((Some(body), obj.get("event")));
    }
    Err(bad("the body has no \"person\" (expected { \"person\": {…}, \"event\": {…} } or a Klaviyo JSON:API profile)"))
}

/// Whether an answer to `method` carries a body (HEAD answers never do).
pub fn sends_body(method: &str) -> bool {
    method != "HEAD"
}
