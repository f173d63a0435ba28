//! The JSON writer: string literals and objects of strings, written directly
//! (every body, answer and log line passbridge builds goes through it).

/// Upper-case hex digits (percent-encoding; `\u` escapes lower-case them).
pub(crate) const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` to `out` as a JSON string literal.
pub fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // Scan bytes and copy runs that need no escape in one go. Every byte that
    // needs attention is ASCII, or 0xE2, the lead byte of U+2028/U+2029, so a
    // run always ends on a character boundary.
    let bytes = s.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                ""
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(s.get(run_start..i).unwrap_or_default());
        let (code, len) = match b {
            0xE2 => (0x2028 + u32::from(bytes.get(i + 2) == Some(&0xA9)), 3),
            _ => (u32::from(b), 1),
        };
        if escape.is_empty() {
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(char::from(
                    HEX[((code >> shift) & 15) as usize].to_ascii_lowercase(),
                ));
            }
        } else {
            out.push_str(escape);
        }
        i += len;
        run_start = i;
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
    out.push('"');
}

/// Writes a JSON object of string values, in order.
pub fn json_object_of_strings<'a>(
    out: &mut String,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    out.push('{');
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, k);
        out.push(':');
        push_json_string(out, v);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape() {
        let mut s = String::new();
        json_object_of_strings(&mut s, [("a\"b", "line\nnext\u{1}\\ \u{2028}")]);
        assert_eq!(s, r#"{"a\"b":"line\nnext\u0001\\ \u2028"}"#);
        let parsed: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(parsed["a\"b"], "line\nnext\u{1}\\ \u{2028}");
        // 0xE2 leads U+2028/9 but also '€' and '…', which pass through.
        let mut s = String::new();
        push_json_string(&mut s, "€5 … é\u{2029}\u{1f}✓");
        assert_eq!(s, "\"€5 … é\\u2029\\u001f✓\"");
    }
}
