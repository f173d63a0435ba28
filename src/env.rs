//! Configuration read through a small [`Env`] trait (never the process
//! environment directly: the doors decide where variables come from).

use crate::error::Error;
use crate::http::check_header_value;
use std::collections::HashMap;

/// Where configuration values come from: `process.env`, a Worker's bindings,
/// an options object, or a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string())
    }
}

/// The variables that hold secrets: their values are redacted from every
/// error a handler reports, whatever put them there.
pub const SECRET_VARIABLES: [&str; 4] = [
    "PASSNINJA_API_KEY",
    "WALLETCREW_API_KEY",
    "JERICOMMERCE_API_KEY",
    "PASSBRIDGE_WEBHOOK_SECRET",
];

/// Replaces the value of every secret variable found in `err`'s message by `***`.
pub fn redact_secrets(err: Error, env: &dyn Env) -> Error {
    let values: Vec<String> = SECRET_VARIABLES.iter().filter_map(|n| env.var(n)).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    err.redacted(&refs)
}

/// A value, or `None` when unset or blank.
pub fn optional(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.trim().is_empty())
}

/// A value that must be set; the error names the variable.
pub fn required(env: &dyn Env, name: &str) -> Result<String, Error> {
    optional(env, name)
        .ok_or_else(|| Error::missing_config(format!("missing environment variable {name}")))
}

/// A secret sent as a header: required and free of control characters.
pub fn secret_header(env: &dyn Env, name: &str) -> Result<String, Error> {
    let value = required(env, name)?;
    check_header_value(name, &value)?;
    Ok(value)
}

/// An identifier such as `ptk_0x1a2b`: `prefix` then at least one hex digit.
/// The error never quotes the value: a key pasted into the wrong variable
/// must not end up in a message.
pub fn prefixed_hex_id(env: &dyn Env, name: &str, prefix: &str) -> Result<String, Error> {
    let value = required(env, name)?;
    let ok = value.strip_prefix(prefix).is_some_and(|hex| {
        !hex.is_empty() && hex.len() <= 128 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if !ok {
        return Err(Error::invalid_config(format!(
            "{name} must look like {prefix}<hex digits> (the value set is not shown)"
        )));
    }
    Ok(value)
}

/// A plain identifier used as a path segment (tenant id, program slug):
/// printable, no whitespace, at most 200 characters. It is percent-encoded
/// when used, so this only catches values that are surely a mistake.
pub fn path_id(env: &dyn Env, name: &str) -> Result<String, Error> {
    let value = required(env, name)?;
    if value.chars().count() > 200
        || value.chars().any(|c| c.is_control() || c.is_whitespace())
        || crate::http::is_dot_segment(&value)
    {
        return Err(Error::invalid_config(format!(
            "{name} must be a short identifier without spaces or control characters"
        )));
    }
    Ok(value)
}

/// A base URL: `https://host[:port][/path]` (or `http://` for local testing),
/// without query, fragment or credentials; returned without a trailing slash.
pub fn base_url(env: &dyn Env, name: &str, default: &str) -> Result<String, Error> {
    let Some(value) = optional(env, name) else {
        return Ok(default.to_string());
    };
    let bad = |why: &str| Error::invalid_config(format!("{name} {why}"));
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with https:// (or http:// for a local test server)"))?;
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    if value.contains(['?', '#']) {
        return Err(bad("must not contain a query or fragment"));
    }
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(bad("must name a host (and no credentials)"));
    }
    // Plain http would send the API key unencrypted: only to this machine.
    if value.starts_with("http://") {
        let name_only = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        if !matches!(name_only, "127.0.0.1" | "localhost" | "::1") {
            return Err(bad(
                "must use https:// (http:// is allowed only for 127.0.0.1, localhost or [::1])",
            ));
        }
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// A boolean option written as text: `1/true/yes/on` or `0/false/no/off`.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::invalid_config(format!(
            "{name} must be true or false (or 1/0, yes/no, on/off)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn required_values_name_the_variable() {
        let e = env(&[("BLANK", "  ")]);
        for name in ["MISSING", "BLANK"] {
            let err = required(&e, name).unwrap_err();
            assert_eq!(err.code, Code::MissingConfig);
            assert_eq!(err.message, format!("missing environment variable {name}"));
        }
    }

    #[test]
    fn ids_are_validated() {
        let e = env(&[
            ("T", "ptk_0x1A2b"),
            ("BAD", "ptk_123"),
            ("EMPTY", "ptk_0x"),
            ("NL", "ptk_0x1\n"),
        ]);
        assert_eq!(prefixed_hex_id(&e, "T", "ptk_0x").unwrap(), "ptk_0x1A2b");
        for name in ["BAD", "EMPTY", "NL"] {
            let err = prefixed_hex_id(&e, name, "ptk_0x").unwrap_err();
            assert_eq!(err.code, Code::InvalidConfig);
            assert!(err
                .message
                .starts_with(&format!("{name} must look like ptk_0x<hex digits>")));
        }
    }

    #[test]
    fn secrets_reject_header_injection() {
        let e = env(&[("K", "abc\r\nX-Evil: yes")]);
        let err = secret_header(&e, "K").unwrap_err();
        assert_eq!(err.code, Code::InvalidConfig);
        assert!(!err.message.contains("abc"));
    }

    #[test]
    fn base_urls() {
        let e = env(&[
            ("OK", "http://127.0.0.1:8787/"),
            ("FTP", "ftp://x"),
            ("Q", "https://x/?a=1"),
            ("CRED", "https://u:p@x"),
            ("SP", "https://x y"),
            ("PLAIN", "http://api.passninja.com"),
            ("EMPTY", "https://"),
        ]);
        assert_eq!(base_url(&e, "OK", "d").unwrap(), "http://127.0.0.1:8787");
        assert_eq!(
            base_url(&e, "UNSET", "https://api.passninja.com").unwrap(),
            "https://api.passninja.com"
        );
        for name in ["FTP", "Q", "CRED", "SP", "EMPTY", "PLAIN"] {
            assert_eq!(
                base_url(&e, name, "d").unwrap_err().code,
                Code::InvalidConfig,
                "{name}"
            );
        }
    }

    #[test]
    fn booleans() {
        assert!(parse_bool("X", "TRUE").unwrap());
        assert!(!parse_bool("X", "0").unwrap());
        assert!(!parse_bool("X", "").unwrap());
        assert_eq!(
            parse_bool("X", "maybe").unwrap_err().code,
            Code::InvalidConfig
        );
    }
}
