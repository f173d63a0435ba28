//! Errors as values, with a stable code and an answer to "can a retry help?".

use std::fmt;

/// The stable error codes every door reports (`error.code` in JavaScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The provider answered 404: the pass (or template) does not exist.
    NotFound,
    /// The provider answered 401 or 403: credentials are wrong or lack a permission.
    Unauthorized,
    /// The provider refused the request (any other 4xx, or an unexpected redirect).
    Rejected,
    /// The provider answered 429.
    Throttled,
    /// The provider answered 5xx.
    UpstreamUnavailable,
    /// The request failed in transport or timed out.
    Network,
    /// A required environment variable or option is not set.
    MissingConfig,
    /// An environment variable or option is set to something unusable.
    InvalidConfig,
    /// A mapping template does not parse.
    InvalidTemplate,
    /// The profile or event cannot be used (wrong shape, a list where text is needed…).
    InvalidProfile,
    /// Klaviyo refused to write an operation's result onto the profile
    /// (a 4xx other than 401, 403 and 429): the operation itself succeeded.
    WriteBackRejected,
}

impl Code {
    /// Every code, in the order of the enum.
    pub const ALL: [Code; 11] = [
        Code::NotFound,
        Code::Unauthorized,
        Code::Rejected,
        Code::Throttled,
        Code::UpstreamUnavailable,
        Code::Network,
        Code::MissingConfig,
        Code::InvalidConfig,
        Code::InvalidTemplate,
        Code::InvalidProfile,
        Code::WriteBackRejected,
    ];

    /// The code of a provider's non-2xx answer (redirects and 1xx are `rejected`).
    pub fn from_status(status: u16) -> Code {
        match status {
            401 | 403 => Code::Unauthorized,
            404 => Code::NotFound,
            429 => Code::Throttled,
            500..=599 => Code::UpstreamUnavailable,
            _ => Code::Rejected,
        }
    }

    /// True only when trying again later can succeed (429, 5xx, network).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Code::Throttled | Code::UpstreamUnavailable | Code::Network
        )
    }

    /// The code written as `text` (as stored in the delivery ledger), if any.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "not_found",
            Code::Unauthorized => "unauthorized",
            Code::Rejected => "rejected",
            Code::Throttled => "throttled",
            Code::UpstreamUnavailable => "upstream_unavailable",
            Code::Network => "network",
            Code::MissingConfig => "missing_config",
            Code::InvalidConfig => "invalid_config",
            Code::InvalidTemplate => "invalid_template",
            Code::InvalidProfile => "invalid_profile",
            Code::WriteBackRejected => "write_back_rejected",
        }
    }
}

/// Every `code` a Worker answer (and its log line) can carry: an operation's
/// [`Code`], or one of the Worker's own. Each decides its HTTP status, so
/// Klaviyo's retry rules (429/500/502/503 retried, the rest final) follow
/// from the code alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerCode {
    /// An operation's error (provider answer, configuration, profile).
    Op(Code),
    /// 404: no route (or review path) by that name.
    RouteNotFound,
    /// 405: the route exists, the method does not.
    MethodNotAllowed,
    /// 401: the webhook (or review) secret is missing or wrong.
    Unauthorized,
    /// 415: the body is not declared as JSON.
    UnsupportedMediaType,
    /// 413: the body is larger than the Worker reads.
    PayloadTooLarge,
    /// 400: the body is not JSON.
    InvalidJson,
    /// 400: a request the review API or the checks refuse.
    InvalidRequest,
    /// 499: the client went away mid-body.
    ClientClosed,
    /// 500: the Worker itself failed (Klaviyo retries).
    InternalError,
    /// 400: an `Idempotency-Key` header that cannot be a delivery key.
    InvalidIdempotencyKey,
    /// 503: another request is sending this delivery right now.
    DeliveryInProgress,
    /// 409: a review action on a delivery in the wrong state.
    InvalidState,
    /// 404: no delivery with that id.
    DeliveryNotFound,
    /// 503: the delivery ledger cannot be reached (nothing was sent).
    LedgerUnavailable,
}

impl WorkerCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerCode::Op(code) => code.as_str(),
            WorkerCode::RouteNotFound => "route_not_found",
            WorkerCode::MethodNotAllowed => "method_not_allowed",
            WorkerCode::Unauthorized => "unauthorized",
            WorkerCode::UnsupportedMediaType => "unsupported_media_type",
            WorkerCode::PayloadTooLarge => "payload_too_large",
            WorkerCode::InvalidJson => "invalid_json",
            WorkerCode::InvalidRequest => "invalid_request",
            WorkerCode::ClientClosed => "client_closed",
            WorkerCode::InternalError => "internal_error",
            WorkerCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            WorkerCode::DeliveryInProgress => "delivery_in_progress",
            WorkerCode::InvalidState => "invalid_state",
            WorkerCode::DeliveryNotFound => "delivery_not_found",
            WorkerCode::LedgerUnavailable => "ledger_unavailable",
        }
    }

    /// The Worker's HTTP status for this code: transient upstream trouble →
    /// 503 (retried later); a provider's permanent refusal → 422 (final); a bad
    /// profile → 400; our configuration → 500.
    pub fn status(self) -> u16 {
        match self {
            WorkerCode::Op(code) => match code {
                Code::Throttled | Code::UpstreamUnavailable | Code::Network => 503,
                Code::NotFound | Code::Unauthorized | Code::Rejected | Code::WriteBackRejected => {
                    422
                }
                Code::InvalidProfile => 400,
                Code::MissingConfig | Code::InvalidConfig | Code::InvalidTemplate => 500,
            },
            WorkerCode::RouteNotFound | WorkerCode::DeliveryNotFound => 404,
            WorkerCode::MethodNotAllowed => 405,
            WorkerCode::Unauthorized => 401,
            WorkerCode::UnsupportedMediaType => 415,
            WorkerCode::PayloadTooLarge => 413,
            WorkerCode::InvalidJson
            | WorkerCode::InvalidRequest
            | WorkerCode::InvalidIdempotencyKey => 400,
            WorkerCode::ClientClosed => 499,
            WorkerCode::InternalError => 500,
            WorkerCode::DeliveryInProgress | WorkerCode::LedgerUnavailable => 503,
            WorkerCode::InvalidState => 409,
        }
    }
}

impl From<Code> for WorkerCode {
    fn from(code: Code) -> WorkerCode {
        WorkerCode::Op(code)
    }
}

/// An error of any operation. `message` is safe to show and log: secrets are
/// never put into it, and provider text is redacted before it gets there.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: Code,
    /// The provider's HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// True only when trying again later can succeed (429, 5xx, network).
    pub retryable: bool,
    /// The provider's `Retry-After`, in milliseconds, when it sent one.
    pub retry_after_ms: Option<u64>,
    pub message: String,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error {
            code,
            status: None,
            retryable: code.retryable(),
            retry_after_ms: None,
            message: message.into(),
        }
    }

    pub fn invalid_profile(message: impl Into<String>) -> Error {
        Error::new(Code::InvalidProfile, message)
    }

    pub fn invalid_config(message: impl Into<String>) -> Error {
        Error::new(Code::InvalidConfig, message)
    }

    pub fn missing_config(message: impl Into<String>) -> Error {
        Error::new(Code::MissingConfig, message)
    }

    pub fn invalid_template(message: impl Into<String>) -> Error {
        Error::new(Code::InvalidTemplate, message)
    }

    pub fn network(message: impl Into<String>) -> Error {
        Error::new(Code::Network, message)
    }

    /// Puts `prefix` (such as `PassNinja error: `) in front of the message once.
    /// Each public entry (`Options::read`, `Options::with_env`,
    /// `Options::check_templates`, `Registry::build`, `Handler::own` for a
    /// run) adds it at its exit, in one place; it stays idempotent because
    /// entries nest (`Configured::new` reads variables, then builds).
    pub fn prefixed(mut self, prefix: &str) -> Error {
        if !self.message.starts_with(prefix) {
            self.message.insert_str(0, prefix);
        }
        self
    }

    /// Replaces every occurrence of each secret (8 characters or more, any
    /// letter case) in the message by `***`.
    pub fn redacted(mut self, secrets: &[&str]) -> Error {
        self.message = redact(&self.message, secrets);
        self
    }
}

/// What a door reports when the wasm instance trapped (a panic, memory
/// exhausted) and was replaced: `code` is [`WorkerCode::InternalError`]'s,
/// never retryable, no status.
pub const INTERNAL_MESSAGE: &str =
    "passbridge error: internal error (the wasm instance failed and was replaced)";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Replaces every occurrence of each secret, in any letter case, by `***`.
/// For text that is not ours (a profile value quoted in a message): secrets
/// shorter than [`SHORTEST_REDACTABLE`] are left to [`scrub_foreign`], because
/// replacing them everywhere would garble ordinary words.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if secret.len() >= SHORTEST_REDACTABLE {
            out = replace_ignoring_ascii_case(&out, secret, "***");
        }
    }
    out
}

/// A secret shorter than this cannot be cut out of a text without garbling
/// it (a key `Not` inside `Not Found`): text holding one is withheld instead.
pub const SHORTEST_REDACTABLE: usize = 8;

/// What passbridge says instead of a provider's text that held a short key.
pub const WITHHELD: &str = "(the provider's message is withheld: it contains the API key)";

/// Makes text that someone else wrote (a provider's answer, a runtime's
/// transport error) safe to show: every secret, in any letter case and of any
/// length, is replaced by `***`. When a secret shorter than
/// [`SHORTEST_REDACTABLE`] occurs, the whole text is withheld ([`WITHHELD`]).
pub fn scrub_foreign(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if find_ignoring_ascii_case(&out, secret, 0).is_none() {
            continue;
        }
        if secret.len() < SHORTEST_REDACTABLE {
            return WITHHELD.to_string();
        }
        out = replace_ignoring_ascii_case(&out, secret, "***");
    }
    out
}

/// The byte offset of `needle` in `hay` at or after `from`, comparing ASCII
/// letters without case (`to_ascii_lowercase` keeps byte offsets).
fn find_ignoring_ascii_case(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    (from..=h.len() - n.len()).find(|&i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

fn replace_ignoring_ascii_case(hay: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut at = 0;
    while let Some(i) = find_ignoring_ascii_case(hay, needle, at) {
        // A match of an ASCII-case-folded needle starts and ends on character
        // boundaries unless the needle itself starts or ends mid-character;
        // fall back to copying when slicing would not be exact.
        let (Some(before), Some(_)) = (hay.get(at..i), hay.get(i..i + needle.len())) else {
            break;
        };
        out.push_str(before);
        out.push_str(with);
        at = i + needle.len();
    }
    out.push_str(hay.get(at..).unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_follows_the_code() {
        assert!(Error::new(Code::Throttled, "x").retryable);
        assert!(Error::new(Code::UpstreamUnavailable, "x").retryable);
        assert!(Error::new(Code::Network, "x").retryable);
        for code in [
            Code::NotFound,
            Code::Unauthorized,
            Code::Rejected,
            Code::MissingConfig,
            Code::InvalidConfig,
            Code::InvalidTemplate,
            Code::InvalidProfile,
            Code::WriteBackRejected,
        ] {
            assert!(!Error::new(code, "x").retryable, "{code:?}");
        }
    }

    #[test]
    fn status_code_retryable_and_worker_status_agree() {
        for (status, code) in [
            (401, Code::Unauthorized),
            (403, Code::Unauthorized),
            (404, Code::NotFound),
            (429, Code::Throttled),
            (500, Code::UpstreamUnavailable),
            (503, Code::UpstreamUnavailable),
            (302, Code::Rejected),
            (409, Code::Rejected),
        ] {
            assert_eq!(Code::from_status(status), code, "{status}");
        }
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            // Klaviyo retries 429/500/502/503: exactly the retryable codes get 503.
            let worker = WorkerCode::Op(code).status();
            assert_eq!(worker == 503, code.retryable(), "{code:?}");
        }
        assert_eq!(Code::parse("route_not_found"), None);
        assert_eq!(WorkerCode::RouteNotFound.status(), 404);
        assert_eq!(WorkerCode::InternalError.status(), 500);
        assert_eq!(WorkerCode::ClientClosed.as_str(), "client_closed");
    }

    #[test]
    fn redaction_and_prefix() {
        let e = Error::new(Code::Rejected, "bad key sk_live_123 (sk_live_123)")
            .redacted(&["sk_live_123", ""])
            .prefixed("PassNinja error: ")
            .prefixed("PassNinja error: ");
        assert_eq!(e.message, "PassNinja error: bad key *** (***)");
    }

    #[test]
    fn foreign_text_is_scrubbed_in_any_case_and_short_keys_withhold_it() {
        let key = "Sk_Live_0123456789";
        assert_eq!(
            scrub_foreign("bad key sk_live_0123456789 / SK_LIVE_0123456789.", &[key]),
            "bad key *** / ***."
        );
        assert_eq!(scrub_foreign("Pass not found", &["Not"]), WITHHELD);
        assert_eq!(scrub_foreign("Pass not found", &["abc"]), "Pass not found");
        assert_eq!(scrub_foreign("x", &["x"]), WITHHELD);
        assert_eq!(scrub_foreign("héllo wörld", &["wörld"]), WITHHELD);
        assert_eq!(scrub_foreign("naïve ééé", &["ÉÉÉ_long_key"]), "naïve ééé");
        assert_eq!(redact("404 Not Found", &["404", "Not"]), "404 Not Found");
    }
}
