//! Delivery keys and ids: which key identifies a webhook delivery, and the
//! public id derived from it.

use super::config::is_idempotent;
use super::sha256;
use crate::answer::{failure, Answer};
use crate::error::{Error, WorkerCode};
use crate::profile::{Input, Node};
use crate::template::Template;

/// `Idempotency-Key` length limits (printable ASCII only).
pub const MAX_KEY_LEN: usize = 200;

/// Where a delivery's key came from (the log line's `keySource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The `Idempotency-Key` header.
    Header,
    /// The `PASSBRIDGE_DELIVERY_KEY` template.
    Template,
    /// The SHA-256 of the route and the raw body.
    Body,
}

impl KeySource {
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Header => "header",
            KeySource::Template => "template",
            KeySource::Body => "body",
        }
    }
}

/// Chooses the delivery key: the `Idempotency-Key` header (surrounding
/// spaces and tabs are not part of a header value, RFC 9110 §5.5: trimmed
/// before validating), else the `PASSBRIDGE_DELIVERY_KEY` template, else the
/// SHA-256 (hex) of `route + "\n" + body`. A template that cannot give this
/// body a key (it renders empty, or cannot be rendered) falls back to the
/// body hash on an idempotent route (sending it twice changes nothing) and
/// stays a 400 on a non-idempotent one (a balance change or a create needs a
/// key its redeliveries share). Errors are the 400 answers to give.
pub fn delivery_key<N: Node>(
    route: &str,
    header: Option<&str>,
    template: Option<&Template>,
    profile: Option<N>,
    event: Option<N>,
    raw_body: &[u8],
) -> Result<(String, KeySource), Answer> {
    if let Some(key) = header {
        let key = key.trim_matches([' ', '\t']);
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
        return Ok((key.to_string(), KeySource::Header));
    }
    if let Some(t) = template {
        return match render_key(t, profile, event) {
            Ok(key) => Ok((key, KeySource::Template)),
            Err(_) if is_idempotent(route) => Ok((body_key(route, raw_body), KeySource::Body)),
            Err(a) => Err(a),
        };
    }
    Ok((body_key(route, raw_body), KeySource::Body))
}

/// The template's key for this body, or the 400 when it has none.
fn render_key<N: Node>(
    t: &Template,
    profile: Option<N>,
    event: Option<N>,
) -> Result<String, Answer> {
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
            "PASSBRIDGE_DELIVERY_KEY rendered empty for this body: a route that is not idempotent needs a key in every delivery (send the value it reads, e.g. event.id)".to_string(),
        ));
    }
    Ok(key)
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
