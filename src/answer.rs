//! The HTTP answers the Worker and its ledger send, sans-IO: the [`Answer`]
//! type, how a result or an error becomes one so that Klaviyo's webhook retry
//! rules handle it correctly (2xx success; 429/500/502/503 retried for 24 h;
//! anything else final), and the Bearer check both the webhook routes and the
//! admin routes use. It sits below `worker/` and `ledger/`, which both build
//! answers, so neither imports the other for them.

use crate::error::{Code, Error, WorkerCode};
use crate::json::push_json_string;
use crate::outcome::{OutValue, Outcome};

/// `Retry-After` sent with a 503 when the provider gave none.
pub const DEFAULT_RETRY_AFTER_S: u64 = 30;

/// An answer to send: status, headers, JSON body, and what to log about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// `updated`, `skipped`, `dry_run`, `error`… for the log line.
    pub outcome: &'static str,
    pub code: Option<WorkerCode>,
    pub upstream_status: Option<u16>,
    /// True once the request passed authentication: only then is anything
    /// the caller sent (the Klaviyo flow id) written to the log.
    pub authenticated: bool,
    /// The delivery ledger's log fields, for requests that got a delivery id.
    pub delivery: Option<Box<DeliveryLog>>,
    /// The page whose bytes the entry sends as the body, by name:
    /// `playground` (set only by `worker::home_page`), `review` or
    /// `review-off` (set only by `review::page`).
    pub page: Option<&'static str>,
}

/// Log fields of a delivery: its public id, the ledger state after the
/// request (`None`: not recorded), and whether the answer was replayed.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryLog {
    /// `None` before a delivery id was chosen (an early answer).
    pub id: Option<String>,
    pub ledger: Option<&'static str>,
    pub replayed: bool,
    /// Where the delivery key came from (`header`, `template`, `body`);
    /// `None` before a key was chosen.
    pub key_source: Option<&'static str>,
}

impl Answer {
    pub(crate) fn json(status: u16, outcome: &'static str, body: String) -> Answer {
        Answer {
            status,
            headers: vec![
                ("Content-Type", "application/json".to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body,
            outcome,
            code: None,
            upstream_status: None,
            authenticated: false,
            delivery: None,
            page: None,
        }
    }

    /// An RFC 7807 problem: `type`, `title`, `status`, `detail`, plus our
    /// `code`; the status is the code's ([`WorkerCode::status`]).
    pub fn problem(code: impl Into<WorkerCode>, title: &str, detail: &str) -> Answer {
        let code: WorkerCode = code.into();
        let status = code.status();
        let mut body = String::from("{\"type\":");
        push_json_string(
            &mut body,
            &format!("urn:passbridge:error:{}", code.as_str()),
        );
        body.push_str(",\"title\":");
        push_json_string(&mut body, title);
        body.push_str(",\"status\":");
        body.push_str(&status.to_string());
        body.push_str(",\"detail\":");
        push_json_string(&mut body, detail);
        body.push_str(",\"code\":");
        push_json_string(&mut body, code.as_str());
        body.push('}');
        Answer {
            status,
            headers: vec![
                ("Content-Type", "application/problem+json".to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body,
            outcome: "error",
            code: Some(code),
            upstream_status: None,
            authenticated: false,
            delivery: None,
            page: None,
        }
    }

    /// Records where the delivery key of a tagged answer came from.
    pub fn with_key_source(mut self, source: &'static str) -> Answer {
        if let Some(d) = self.delivery.as_mut() {
            d.key_source = Some(source);
        }
        self
    }

    /// Marks an answer given after authentication succeeded.
    pub fn authenticated(mut self) -> Answer {
        self.authenticated = true;
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }

    /// Adds members to a problem body (before its closing brace).
    pub fn with_member(mut self, name: &str, value_json: &str) -> Answer {
        if self.body.ends_with('}') {
            self.body.pop();
            self.body.push(',');
            push_json_string(&mut self.body, name);
            self.body.push(':');
            self.body.push_str(value_json);
            self.body.push('}');
        }
        self
    }
}

/// `Authorization: Bearer <secret>` (the scheme in any letter case, RFC 7235),
/// the secret compared in constant time.
pub(crate) fn bearer_matches(header: Option<&str>, secret: &str) -> bool {
    let token = header
        .map(str::trim)
        .and_then(|h| h.split_once([' ', '\t']))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or("");
    constant_time_eq(token.as_bytes(), secret.as_bytes())
}

/// Compares in time that depends only on the lengths, never on where the
/// first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff: u8 = u8::from(a.len() != b.len());
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    diff == 0
}

/// The answer (and log line) for a client that went away before its body
/// was read: a client error, nothing was sent upstream.
pub fn client_closed() -> Answer {
    let mut a = Answer::problem(
        WorkerCode::ClientClosed,
        "Client Closed Request",
        "the client closed the connection before the body was read; nothing was sent",
    );
    a.outcome = "client_closed";
    a.authenticated()
}

/// 200 with the flat outcome (`updated`, `skipped`…).
pub fn success(outcome: &Outcome) -> Answer {
    let kind = match outcome.0.first() {
        Some((name, OutValue::Bool(true))) => *name,
        _ => "ok",
    };
    let mut answer = Answer::json(200, kind, outcome.to_json());
    if let Some(OutValue::Num(s)) = outcome.get("status") {
        answer.upstream_status = Some(*s as u16);
    }
    answer
}

/// 200 with the request that would have been sent (secrets as `***`).
pub fn dry_run(dry: &crate::dry_run::DryRun) -> Answer {
    Answer::json(200, "dry_run", dry.to_json())
}

/// How an error is answered so Klaviyo does the right thing: transient
/// upstream trouble → 503 + `Retry-After` (retried later); a provider's
/// permanent refusal → 422 (final); a bad profile → 400; our configuration → 500.
pub fn failure(err: &Error) -> Answer {
    let code = err.code;
    let answer = match err.code {
        Code::Throttled | Code::UpstreamUnavailable | Code::Network => {
            let secs = err
                .retry_after_ms
                .map(|ms| ms.div_ceil(1000))
                .unwrap_or(DEFAULT_RETRY_AFTER_S);
            Answer::problem(code, "Upstream Unavailable", &err.message)
                .with_header("Retry-After", secs.to_string())
        }
        Code::NotFound | Code::Unauthorized | Code::Rejected => {
            Answer::problem(code, "Provider Refused the Request", &err.message)
        }
        Code::WriteBackRejected => {
            Answer::problem(code, "Klaviyo Refused the Write-Back", &err.message)
        }
        Code::InvalidProfile => Answer::problem(code, "Bad Request", &err.message),
        Code::MissingConfig | Code::InvalidConfig | Code::InvalidTemplate => {
            Answer::problem(code, "Worker Misconfigured", &err.message)
        }
    };
    let mut answer = match err.status {
        Some(s) => answer.with_member("upstreamStatus", &s.to_string()),
        None => answer,
    };
    answer.upstream_status = err.status;
    answer
}

/// The answer for a failure of the Worker itself: nothing about the request
/// is known to be wrong, so Klaviyo may retry (500 is retried).
pub fn internal_error() -> Answer {
    let mut a = Answer::problem(
        WorkerCode::InternalError,
        "Internal Server Error",
        "unexpected failure in the Worker (see its log line); Klaviyo will retry",
    );
    a.outcome = "internal_error";
    a
}
