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

/// Appends a JSON array, each item written by `write`.
pub fn push_json_array<T>(
    out: &mut String,
    items: impl IntoIterator<Item = T>,
    mut write: impl FnMut(&mut String, T),
) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(out, item);
    }
    out.push(']');
}

/// Appends a JSON array of strings.
pub fn push_json_strings<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>) {
    push_json_array(out, items, push_json_string);
}

/// Appends a JSON object over several lines, as people read it: each member
/// on its own line, two spaces deeper than `indent`, its value written by
/// `write`; the closing brace at `indent`. `{}` when there is no member.
pub fn push_pretty_object<K: AsRef<str>, T>(
    out: &mut String,
    indent: &str,
    members: impl IntoIterator<Item = (K, T)>,
    mut write: impl FnMut(&mut String, T),
) {
    out.push('{');
    let mut any = false;
    for (k, v) in members {
        out.push_str(if any { ",\n" } else { "\n" });
        any = true;
        out.push_str(indent);
        out.push_str("  ");
        push_json_string(out, k.as_ref());
        out.push_str(": ");
        write(out, v);
    }
    if any {
        out.push('\n');
        out.push_str(indent);
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

    #[test]
    fn arrays_and_pretty_objects() {
        let mut s = String::new();
        push_json_strings(&mut s, ["a", "b\"c"]);
        assert_eq!(s, r#"["a","b\"c"]"#);
        let mut s = String::new();
        push_json_strings(&mut s, []);
        assert_eq!(s, "[]");
        let mut s = String::new();
        push_pretty_object(&mut s, "  ", [("a", "1"), ("b", "2")], |o, v| o.push_str(v));
        assert_eq!(s, "{\n    \"a\": 1,\n    \"b\": 2\n  }");
        let mut s = String::new();
        push_pretty_object(&mut s, "", Vec::<(&str, &str)>::new(), |o, v| o.push_str(v));
        assert_eq!(s, "{}");
    }
}
