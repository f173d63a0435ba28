//! Plain-data HTTP requests and responses, and the encoding rules they need.

use crate::error::{Code, Error};
use crate::json::HEX;

/// One header of a planned request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: &'static str,
    pub value: String,
    /// Secret headers are shown as `***` in dry runs and never logged.
    pub secret: bool,
}

/// A request the core wants sent. The core never sends it itself.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<Header>,
    pub body: Option<String>,
    /// False when sending twice may apply the change twice (a balance credit):
    /// then no driver may retry it automatically.
    pub idempotent: bool,
    /// What the plan decided that a success reports (JeriCommerce's
    /// `direction` and `amount`): the outcome never re-reads the request.
    pub planned: crate::outcome::Outcome,
}

/// Either skip (nothing is sent) or send one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Skip(&'static str),
    Send(HttpRequest),
}

impl HttpRequest {
    /// The header values with secrets replaced by `***` (for dry runs and logs).
    pub fn redacted_headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter().map(|h| {
            let value = if h.secret { "***" } else { h.value.as_str() };
            (h.name, value)
        })
    }

    /// The values of every secret header, for redacting provider text.
    pub fn secrets(&self) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|h| h.secret)
            .map(|h| h.value.as_str())
            .collect()
    }
}

/// What came back. `status` 0 means an opaque answer (a browser redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// The raw `Retry-After` header, when present.
    pub retry_after: Option<String>,
    pub body: String,
}

/// Percent-encodes `s` as ONE path segment: everything but RFC 3986's
/// unreserved characters is encoded, so `/`, `?`, `#`, `%` and `..` cannot
/// change the path.
///
/// ```
/// assert_eq!(passbridge::encode_segment("../../x?y#z"), "..%2F..%2Fx%3Fy%23z");
/// ```
pub fn encode_segment(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~'))
    {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(HEX[(b >> 4) as usize]));
            out.push(char::from(HEX[(b & 15) as usize]));
        }
    }
    // A segment of only dots is "this/parent directory" to URL resolvers.
    if out == "." || out == ".." {
        return out.replace('.', "%2E");
    }
    out
}

/// True for `.` and `..`: URL parsers resolve these as "this" and "parent"
/// directory even when percent-encoded (`%2E%2E`), so no encoding can make
/// them a literal path segment. Values that are one must be refused.
pub fn is_dot_segment(s: &str) -> bool {
    s == "." || s == ".."
}

/// Rejects a header value with a control character (CR, LF, NUL, DEL…) or a
/// non-ASCII character; the error names the source of the value, never the value.
pub fn check_header_value(name: &str, value: &str) -> Result<(), Error> {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(());
    }
    if let Some(c) = value.chars().find(|c| c.is_control() || !c.is_ascii()) {
        let what = if c.is_control() {
            "a control character"
        } else {
            "a non-ASCII character"
        };
        return Err(Error::new(
            Code::InvalidConfig,
            format!("{name} contains {what}; header values must be printable ASCII"),
        ));
    }
    Ok(())
}

/// At most `max` characters of `text`, control characters turned into spaces,
/// with "…" when cut: safe to put into an error message or a log line.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text
        .trim()
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.trim().chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The longest `Retry-After` passbridge passes on (to `retryAfterMs` and to
/// the Worker's own `Retry-After`): one hour. A provider asking for more is
/// asking for something no Klaviyo retry schedule keeps anyway.
pub const MAX_RETRY_AFTER_MS: u64 = 3_600_000;

/// Parses `Retry-After` as delta-seconds or an HTTP-date (IMF-fixdate),
/// returning milliseconds from `now_ms` (Unix epoch ms), at most
/// [`MAX_RETRY_AFTER_MS`]; a date in the past is 0. Unparseable → None.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u64> {
    let v = value.trim();
    let ms = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Digits beyond u64 are still "very long": saturate, then cap.
        v.parse::<u64>().unwrap_or(u64::MAX).saturating_mul(1000)
    } else {
        let delta = parse_http_date(v)? - now_ms;
        if delta > 0.0 {
            delta.min(MAX_RETRY_AFTER_MS as f64) as u64
        } else {
            0
        }
    };
    Some(ms.min(MAX_RETRY_AFTER_MS))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → Unix epoch milliseconds.
fn parse_http_date(v: &str) -> Option<f64> {
    let rest = v.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: i64 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let year: i64 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let mut hms = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=31).contains(&day)
        || !(1970..=9999).contains(&year)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&s)
    {
        return None;
    }
    let days = crate::calendar::days_from_civil(year, month, day);
    Some(((days * 86_400 + h * 3600 + m * 60 + s) * 1000) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_segments_stay_one_segment() {
        let cases = [
            ("../../x?y#z", "..%2F..%2Fx%3Fy%23z"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("a b%2F", "a%20b%252F"),
            (
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            ),
            ("ünï", "%C3%BCn%C3%AF"),
            ("a\r\nb", "a%0D%0Ab"),
        ];
        for (raw, want) in cases {
            assert_eq!(encode_segment(raw), want);
        }
    }

    #[test]
    fn header_values_reject_control_characters_without_echoing() {
        assert!(check_header_value("PASSNINJA_API_KEY", "abc123").is_ok());
        for bad in ["sec\r\nX-Evil: 1", "a\0", "tab\there", "del\u{7f}", "né"] {
            let err = check_header_value("PASSNINJA_API_KEY", bad).unwrap_err();
            assert_eq!(err.code, Code::InvalidConfig);
            assert!(err.message.starts_with("PASSNINJA_API_KEY contains"));
            assert!(!err.message.contains(bad));
        }
    }

    #[test]
    fn excerpts_are_bounded_and_clean() {
        assert_eq!(excerpt("  hi\nthere ", 100), "hi there");
        assert_eq!(excerpt(&"x".repeat(500), 10), "xxxxxxxxxx…");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(parse_retry_after("7", 0.0), Some(7000));
        assert_eq!(parse_retry_after(" 0 ", 0.0), Some(0));
        assert_eq!(parse_retry_after("99999999999", 0.0), Some(3_600_000));
        assert_eq!(
            parse_retry_after("999999999999999999999999999", 0.0),
            Some(3_600_000)
        );
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 784_111_777_000.0),
            Some(3_600_000)
        );
        let now = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:42 GMT", now),
            Some(5000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(0)
        );
        for bad in [
            "",
            "-1",
            "soon",
            "1.5",
            "Sun, 06 Nov 1994 08:49:42 PST",
            "Sun, 06 Nov 99999999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1994 99999999999999:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
