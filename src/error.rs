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

    /// Replaces every occurrence of each secret in the message by `***`.
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

/// Replaces every occurrence of each non-trivial secret by `***`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        // A one- or two-character "secret" would shred the message and protects nothing.
        if secret.len() >= 3 && out.contains(secret) {
            out = out.replace(secret, "***");
        }
    }
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
}
