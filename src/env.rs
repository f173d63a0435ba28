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
    // The scheme in any letter case, as URL parsers read it.
    let has = |scheme: &str| {
        value
            .get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    };
    let plain_http = has("http://");
    let rest = if has("https://") {
        value.get(8..).unwrap_or("")
    } else if plain_http {
        value.get(7..).unwrap_or("")
    } else {
        return Err(bad(
            "must start with https:// (or http:// for a local test server)",
        ));
    };
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    if value.contains(['?', '#']) {
        return Err(bad("must not contain a query or fragment"));
    }
    if value.contains('\\') {
        // URL parsers read `\` as `/` in http(s) URLs: what we checked would
        // not be what fetch calls.
        return Err(bad("must not contain a backslash"));
    }
    let authority = rest.split('/').next().unwrap_or("");
    let Some(host) = url_host(authority) else {
        return Err(bad(
            "must name a host as a URL parser reads it: name, IPv4 or [IPv6], optional :port, no credentials",
        ));
    };
    // Plain http would send the API key unencrypted: only to this machine.
    if plain_http && !matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
        return Err(bad(
            "must use https:// (http:// is allowed only for 127.0.0.1, localhost or [::1])",
        ));
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// The host of an `authority` (`host[:port]`), lower-cased as URL parsers
/// serialize it, or `None` unless the whole authority is exactly a host name
/// (ASCII letters, digits, `-`, `.`), an IPv4 address or a bracketed IPv6
/// address, then an optional numeric port. Credentials, percent-encoding and
/// anything after a closing bracket but a port are refused, so the host we
/// check is the host `fetch` connects to.
fn url_host(authority: &str) -> Option<String> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6.split_once(']')?;
            let ok = !inside.is_empty()
                && inside.contains(':')
                && inside
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            if !ok {
                return None;
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            (format!("[{}]", inside.to_ascii_lowercase()), port)
        }
        None => {
            let (name, port) = match authority.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (authority, None),
            };
            let ok = !name.is_empty()
                && name.len() <= 253
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && !name.split('.').any(|label| label.len() > 63)
                && !name.starts_with('.');
            if !ok {
                return None;
            }
            (name.to_ascii_lowercase(), port)
        }
    };
    if let Some(p) = port {
        let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
        if !ok || p.parse::<u32>().ok()? > 65_535 {
            return None;
        }
    }
    Some(host)
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
            ("V6EVIL", "http://[::1].evil.example"),
            ("V6EVIL2", "http://[::1]@evil.example"),
            ("BACKSLASH", "https://evil.example\\@api.passninja.com"),
            ("PCT", "https://api%2Epassninja.com"),
            ("PORT", "https://x:99999"),
            ("PORTX", "https://x:8a"),
            ("V6OK", "http://[::1]:8080/base/"),
            ("UPPER", "http://LOCALHOST:1"),
            ("HTTPS", "https://api.passninja.com:443/v1"),
            ("UPPERSCHEME", "HTTPS://api.passninja.com"),
            ("UPPERPLAIN", "HTTP://api.passninja.com"),
        ]);
        assert_eq!(base_url(&e, "V6OK", "d").unwrap(), "http://[::1]:8080/base");
        assert_eq!(
            base_url(&e, "UPPERSCHEME", "d").unwrap(),
            "HTTPS://api.passninja.com"
        );
        assert_eq!(base_url(&e, "UPPER", "d").unwrap(), "http://LOCALHOST:1");
        assert_eq!(
            base_url(&e, "HTTPS", "d").unwrap(),
            "https://api.passninja.com:443/v1"
        );
        assert_eq!(base_url(&e, "OK", "d").unwrap(), "http://127.0.0.1:8787");
        assert_eq!(
            base_url(&e, "UNSET", "https://api.passninja.com").unwrap(),
            "https://api.passninja.com"
        );
        for name in [
            "FTP",
            "Q",
            "CRED",
            "SP",
            "EMPTY",
            "PLAIN",
            "V6EVIL",
            "V6EVIL2",
            "BACKSLASH",
            "PCT",
            "PORT",
            "PORTX",
        ] {
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
