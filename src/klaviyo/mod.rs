//! Klaviyo's own API, sans-IO: the pinned revision, the key and base URL,
//! the headers every call carries, and how an answer is classified. The
//! Worker's write-back and the bulk sync both build on it (docs/klaviyo.md §5).

pub mod write_back;

use crate::env::{self, Env};
use crate::error::{scrub_foreign, Code, Error};
use crate::http::{excerpt, parse_retry_after, Header, HttpRequest, HttpResponse};

/// The API revision passbridge is written against (the `revision` header).
pub const REVISION: &str = "2026-10-15";
/// The private API key's variable (a secret: redacted from every error).
pub const KEY_VARIABLE: &str = "KLAVIYO_PRIVATE_KEY";
/// Overrides the API's base (tests), with the providers' strict URL rules.
pub const BASE_URL_VARIABLE: &str = "KLAVIYO_BASE_URL";
/// Where Klaviyo's API lives.
pub const DEFAULT_BASE: &str = "https://a.klaviyo.com";
/// The prefix of every message about Klaviyo's API.
pub const PREFIX: &str = "Klaviyo error: ";
/// JSON:API's media type: `Accept` and `Content-Type` of every call.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";

/// Where to call Klaviyo and with which key.
#[derive(Clone, PartialEq, Eq)]
pub struct Klaviyo {
    pub base: String,
    key: String,
}

impl std::fmt::Debug for Klaviyo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Klaviyo")
            .field("base", &self.base)
            .field("key", &"***")
            .finish()
    }
}

impl Klaviyo {
    /// `KLAVIYO_PRIVATE_KEY` (required) and `KLAVIYO_BASE_URL` (optional).
    pub fn from_env(env: &dyn Env) -> Result<Klaviyo, Error> {
        Ok(Klaviyo {
            key: env::secret_header(env, KEY_VARIABLE).map_err(|e| e.prefixed(PREFIX))?,
            base: env::base_url(env, BASE_URL_VARIABLE, DEFAULT_BASE)
                .map_err(|e| e.prefixed(PREFIX))?,
        })
    }

    /// `None` when `KLAVIYO_PRIVATE_KEY` is unset or blank (no write-back).
    pub fn optional(env: &dyn Env) -> Result<Option<Klaviyo>, Error> {
        match env::optional(env, KEY_VARIABLE) {
            None => Ok(None),
            Some(_) => Klaviyo::from_env(env).map(Some),
        }
    }

    /// `Authorization` (secret: `***` in dry runs), `revision`, `Accept`,
    /// and `Content-Type` when a body is sent.
    pub fn headers(&self, json_body: bool) -> Vec<Header> {
        let mut headers = vec![
            Header {
                name: "Authorization",
                value: format!("Klaviyo-API-Key {}", self.key),
                secret: true,
            },
            Header {
                name: "revision",
                value: REVISION.into(),
                secret: false,
            },
            Header {
                name: "Accept",
                value: MEDIA_TYPE.into(),
                secret: false,
            },
        ];
        if json_body {
            headers.push(Header {
                name: "Content-Type",
                value: MEDIA_TYPE.into(),
                secret: false,
            });
        }
        headers
    }

    /// A `GET` of `path_and_query` (starting with `/api/`) or of an absolute
    /// `links.next` URL that Klaviyo returned.
    pub fn get(&self, path_or_url: &str) -> HttpRequest {
        let url = if path_or_url.starts_with('/') {
            format!("{}{path_or_url}", self.base)
        } else {
            path_or_url.to_string()
        };
        HttpRequest {
            method: "GET",
            url,
            headers: self.headers(false),
            body: None,
            idempotent: true,
            planned: Default::default(),
        }
    }

    /// The key, for scrubbing Klaviyo's text before it is quoted.
    pub fn secrets(&self) -> [&str; 1] {
        [self.key.as_str()]
    }
}

/// What a Klaviyo answer means. 2xx → `Ok(status)`; 429, 5xx → retryable
/// (`Retry-After` capped at `http::MAX_RETRY_AFTER_MS`); 401/403 → a
/// configuration error naming the key; anything else → `refused`'s code.
pub fn check(
    response: &HttpResponse,
    now_ms: f64,
    secrets: &[&str],
    refused: Code,
) -> Result<u16, Error> {
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(status);
    }
    let detail = scrub_foreign(&error_detail(&response.body), secrets);
    let (code, message) = match status {
        401 | 403 => (
            Code::InvalidConfig,
            format!(
                "{status}: Klaviyo refused {KEY_VARIABLE} (a private key with the scopes this needs: profiles:write for write-back, profiles:read plus segments:read or lists:read for a sync){}",
                suffix(&detail)
            ),
        ),
        429 => (
            Code::Throttled,
            format!("{status}: Klaviyo's rate limit{}", suffix(&detail)),
        ),
        500..=599 => (
            Code::UpstreamUnavailable,
            format!("{status}: Klaviyo is unavailable{}", suffix(&detail)),
        ),
        _ => (refused, format!("{status}{}", suffix(&detail))),
    };
    let mut err = Error::new(code, message).prefixed(PREFIX);
    err.status = Some(status);
    if code.retryable() {
        err.retry_after_ms = response
            .retry_after
            .as_deref()
            .and_then(|v| parse_retry_after(v, now_ms));
    }
    Err(err)
}

/// The error for a transport failure or timeout of a Klaviyo call.
pub fn network_error(detail: &str, secrets: &[&str]) -> Error {
    Error::network(excerpt(&scrub_foreign(detail, secrets), 200)).prefixed(PREFIX)
}

fn suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// The first error's `detail` (else `title`) of Klaviyo's JSON:API error
/// body `{"errors": [{"status", "code", "title", "detail", "source"}]}`,
/// else an excerpt of the raw text; at most 200 characters.
fn error_detail(body: &str) -> String {
    let parsed: Option<serde_json::Value> = crate::host::json(body).ok();
    let first = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(|e| e.get(0));
    let text = first
        .and_then(|e| e.get("detail").or_else(|| e.get("title")))
        .and_then(|d| d.as_str());
    match text {
        Some(t) => excerpt(t, 200),
        None if parsed.is_some() => String::new(),
        None => excerpt(body, 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    const KEY: &str = "pk_0123456789abcdef0123456789abcdef01";

    fn answer(status: u16, retry_after: Option<&str>, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            retry_after: retry_after.map(str::to_string),
            body: body.into(),
        }
    }

    #[test]
    fn configuration_is_strict_and_never_shows_the_key() {
        let k = Klaviyo::from_env(&env(&[(KEY_VARIABLE, KEY)])).unwrap();
        assert_eq!(k.base, DEFAULT_BASE);
        assert!(!format!("{k:?}").contains(KEY));
        let k = Klaviyo::from_env(&env(&[
            (KEY_VARIABLE, KEY),
            (BASE_URL_VARIABLE, "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        assert_eq!(k.base, "http://127.0.0.1:9");
        for bad in [
            "http://klaviyo.example",
            "https://u:p@x",
            "ftp://x",
            "https://x/?q",
        ] {
            let err = Klaviyo::from_env(&env(&[(KEY_VARIABLE, KEY), (BASE_URL_VARIABLE, bad)]))
                .unwrap_err();
            assert_eq!(err.code, Code::InvalidConfig, "{bad}");
            assert!(err.message.starts_with("Klaviyo error: KLAVIYO_BASE_URL "));
        }
        let err = Klaviyo::from_env(&env(&[])).unwrap_err();
        assert_eq!(err.code, Code::MissingConfig);
        assert_eq!(
            err.message,
            "Klaviyo error: missing environment variable KLAVIYO_PRIVATE_KEY"
        );
        let err = Klaviyo::from_env(&env(&[(KEY_VARIABLE, "pk_1\r\nX: y")])).unwrap_err();
        assert!(!err.message.contains("pk_1"));
        assert_eq!(
            Klaviyo::optional(&env(&[(KEY_VARIABLE, " ")])).unwrap(),
            None
        );
        assert!(crate::REGISTRY
            .secret_variables()
            .any(|v| v == KEY_VARIABLE));
    }

    #[test]
    fn headers_carry_the_revision_and_hide_the_key() {
        let k = Klaviyo::from_env(&env(&[(KEY_VARIABLE, KEY)])).unwrap();
        let r = k.get("/api/segments/abc/profiles?page%5Bsize%5D=100");
        assert_eq!(
            r.url,
            "https://a.klaviyo.com/api/segments/abc/profiles?page%5Bsize%5D=100"
        );
        let shown: Vec<(&str, &str)> = r.redacted_headers().collect();
        assert_eq!(
            shown,
            [
                ("Authorization", "***"),
                ("revision", REVISION),
                ("Accept", MEDIA_TYPE)
            ]
        );
        assert_eq!(r.secrets(), [format!("Klaviyo-API-Key {KEY}").as_str()]);
        assert_eq!(
            k.get("https://a.klaviyo.com/next").url,
            "https://a.klaviyo.com/next"
        );
    }

    #[test]
    fn answers_are_classified() {
        let s = [KEY];
        assert_eq!(
            check(&answer(201, None, ""), 0.0, &s, Code::Rejected),
            Ok(201)
        );
        let e = check(&answer(429, Some("7"), "{}"), 0.0, &s, Code::Rejected).unwrap_err();
        assert_eq!(
            (e.code, e.retryable, e.retry_after_ms),
            (Code::Throttled, true, Some(7000))
        );
        let e = check(&answer(503, Some("99999"), "oops"), 0.0, &s, Code::Rejected).unwrap_err();
        assert_eq!(e.code, Code::UpstreamUnavailable);
        assert_eq!(e.retry_after_ms, Some(crate::http::MAX_RETRY_AFTER_MS));
        assert_eq!(
            e.message,
            "Klaviyo error: 503: Klaviyo is unavailable: oops"
        );
        let body = format!(
            r#"{{"errors":[{{"id":"x","status":401,"code":"not_authenticated","title":"t","detail":"bad key {KEY}"}}]}}"#
        );
        let e = check(&answer(401, None, &body), 0.0, &s, Code::Rejected).unwrap_err();
        assert_eq!(
            (e.code, e.retryable, e.status),
            (Code::InvalidConfig, false, Some(401))
        );
        assert!(e.message.contains("KLAVIYO_PRIVATE_KEY") && e.message.ends_with("bad key ***"));
        let e = check(
            &answer(400, Some("5"), r#"{"errors":[{"title":"Invalid input."}]}"#),
            0.0,
            &s,
            Code::WriteBackRejected,
        )
        .unwrap_err();
        assert_eq!(
            (e.code, e.retryable, e.retry_after_ms),
            (Code::WriteBackRejected, false, None)
        );
        assert_eq!(e.message, "Klaviyo error: 400: Invalid input.");
        let e = network_error(&format!("connect refused {KEY}"), &s);
        assert_eq!(e.message, "Klaviyo error: connect refused ***");
        assert!(e.retryable);
    }
}
