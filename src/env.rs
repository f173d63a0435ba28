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
/// The error quotes the value (identifiers are not secret), bounded.
pub fn prefixed_hex_id(env: &dyn Env, name: &str, prefix: &str) -> Result<String, Error> {
    let value = required(env, name)?;
    let ok = value.strip_prefix(prefix).is_some_and(|hex| {
        !hex.is_empty() && hex.len() <= 128 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if !ok {
        return Err(Error::invalid_config(format!(
            "{name} must look like {prefix}<hex digits>, got '{}'",
            crate::http::excerpt(&value, 40)
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
    Ok(value.trim_end_matches('/').to_string())
}

/// A boolean option written as text: `1/true/yes/on` or `0/false/no/off`.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::invalid_config(format!(
            "{name} must be true or false, got '{}'",
            crate::http::excerpt(value, 20)
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
            ("EMPTY", "https://"),
        ]);
        assert_eq!(base_url(&e, "OK", "d").unwrap(), "http://127.0.0.1:8787");
        assert_eq!(
            base_url(&e, "UNSET", "https://api.passninja.com").unwrap(),
            "https://api.passninja.com"
        );
        for name in ["FTP", "Q", "CRED", "SP", "EMPTY"] {
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
