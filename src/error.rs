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
}

impl Code {
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
        }
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
            retryable: matches!(
                code,
                Code::Throttled | Code::UpstreamUnavailable | Code::Network
            ),
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
        ] {
            assert!(!Error::new(code, "x").retryable, "{code:?}");
        }
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
