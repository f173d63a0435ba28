//! Status classification: a provider's answer → `Ok(status)` or a typed,
//! scrubbed error (the code from [`Code::from_status`]), and the provider's
//! own message found in a JSON body.

use crate::error::{scrub_foreign, Code, Error};
use crate::http::{excerpt, parse_retry_after, HttpRequest, HttpResponse};

/// The standard reason phrase of a status, for messages.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// Turns a non-2xx answer into a typed error. `provider_message` extracts the
/// provider's own message from the body; otherwise a bounded excerpt is used.
/// Secrets of the request are scrubbed from whatever the provider said (and
/// only from that: the status and our own words are never touched).
///
/// Returns `Ok(status)` for 2xx.
pub fn check_status(
    request: &HttpRequest,
    response: &HttpResponse,
    now_ms: f64,
    provider_message: fn(&str) -> Option<String>,
) -> Result<u16, Error> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(status);
    }
    let code = Code::from_status(status);
    let secrets = request.secrets();
    let detail = if status < 200 || (300..400).contains(&status) {
        "unexpected redirect or informational answer (redirects are not followed)".to_string()
    } else {
        provider_message(&response.body)
            // Scrub before cutting: a key straddling the cut would survive in part.
            .map(|m| excerpt(&scrub_foreign(&m, &secrets), 300))
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| excerpt(&scrub_foreign(&response.body, &secrets), 200))
    };
    let phrase = reason_phrase(status);
    let mut message = status.to_string();
    if !phrase.is_empty() {
        message.push(' ');
        message.push_str(phrase);
    }
    if !detail.is_empty() {
        message.push_str(": ");
        message.push_str(&detail);
    }
    let mut err = Error::new(code, message);
    err.status = Some(status);
    if err.retryable {
        err.retry_after_ms = response
            .retry_after
            .as_deref()
            .and_then(|v| parse_retry_after(v, now_ms));
    }
    Err(err)
}

/// The first string found under any of `keys` in a JSON object body.
pub fn json_message(body: &str, keys: &[&str]) -> Option<String> {
    let v = crate::host::json(body).ok()?;
    keys.iter().find_map(|k| match v.get(*k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Header;

    #[test]
    fn a_key_echoed_across_the_excerpt_cut_is_still_redacted() {
        let key = "sk_test_0123456789abcdef0123456789abcdef";
        let request = HttpRequest {
            method: "PATCH",
            url: "https://x".into(),
            headers: vec![Header {
                name: "X-API-KEY",
                value: key.into(),
                secret: true,
            }],
            body: None,
            idempotent: true,
            planned: Default::default(),
        };
        for body in [
            format!("{}{key}", "x".repeat(190)),
            format!("{{\"error\":\"{}{key}\"}}", "y".repeat(290)),
        ] {
            let response = HttpResponse {
                status: 400,
                retry_after: None,
                body,
            };
            let err = check_status(&request, &response, 0.0, |b| json_message(b, &["error"]))
                .unwrap_err();
            assert!(!err.message.contains(&key[..12]), "{}", err.message);
        }
    }
}
