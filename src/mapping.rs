//! A mapping: named templates (pass field → template), parsed once.

use crate::error::Error;
use crate::profile::Resolve;
use crate::template::Template;
use crate::value::Value;

/// At most this many fields per mapping; a pass has a few dozen at most.
pub const MAX_FIELDS: usize = 200;

/// Named templates, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    fields: Vec<(String, Template)>,
}

impl Mapping {
    /// Parses every template; the error names the field and the position.
    ///
    /// `what` names the option in messages (`field`, `identifier`…).
    pub fn parse<'a>(
        what: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Mapping, Error> {
        let mut fields: Vec<(String, Template)> = Vec::new();
        for (name, src) in pairs {
            if name.trim().is_empty() || name.chars().any(char::is_control) || name.len() > 200 {
                return Err(Error::invalid_template(format!(
                    "{what} names must be non-empty text without control characters (at most 200 bytes)"
                )));
            }
            if fields.iter().any(|(n, _)| n == name) {
                return Err(Error::invalid_template(format!(
                    "{what} '{name}' is given twice"
                )));
            }
            let template = Template::parse(src).map_err(|e| {
                Error::invalid_template(format!(
                    "invalid template for {what} '{name}' at position {}: {}",
                    e.position, e.message
                ))
            })?;
            fields.push((name.to_string(), template));
            if fields.len() > MAX_FIELDS {
                return Err(Error::invalid_template(format!(
                    "more than {MAX_FIELDS} {what}s"
                )));
            }
        }
        Ok(Mapping { fields })
    }

    /// [`Mapping::parse`] over owned pairs (options given in code or read from JSON).
    pub fn parse_pairs(what: &str, pairs: &[(String, String)]) -> Result<Mapping, Error> {
        Mapping::parse(what, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Renders every field to text, in order.
    pub fn render(&self, what: &str, ctx: &dyn Resolve) -> Result<Vec<(&str, String)>, Error> {
        self.fields
            .iter()
            .map(|(name, t)| {
                t.render(ctx)
                    .map(|text| (name.as_str(), text))
                    .map_err(|e| render_error(what, name, e))
            })
            .collect()
    }

    /// Renders every field into `out` as a JSON object of strings,
    /// `{"name":"text",…}`, in order (one scratch buffer, no per-field copies).
    pub fn render_json_object(
        &self,
        what: &str,
        ctx: &dyn Resolve,
        out: &mut String,
    ) -> Result<(), Error> {
        let mut scratch = String::new();
        out.push('{');
        for (i, (name, t)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            scratch.clear();
            t.render_into(ctx, &mut scratch)
                .map_err(|e| render_error(what, name, e))?;
            crate::json::push_json_string(out, name);
            out.push(':');
            crate::json::push_json_string(out, &scratch);
        }
        out.push('}');
        Ok(())
    }

    /// Evaluates every field to a typed value, in order.
    pub fn evaluate(&self, what: &str, ctx: &dyn Resolve) -> Result<Vec<(&str, Value)>, Error> {
        self.fields
            .iter()
            .map(|(name, t)| {
                t.evaluate(ctx)
                    .map(|v| (name.as_str(), v))
                    .map_err(|e| render_error(what, name, e))
            })
            .collect()
    }
}

/// A render error as an `invalid_profile` error naming the field.
fn render_error(what: &str, name: &str, e: crate::template::RenderError) -> Error {
    if e.failure == crate::template::Failure::TooLong {
        return Error::invalid_profile(format!(
            "{what} '{name}' renders more than {} bytes",
            crate::template::MAX_RENDERED_BYTES
        ));
    }
    Error::invalid_profile(format!("{what} '{name}': {}", e.message))
}

/// Reads a JSON object of `name → template string`, in document order; a
/// name given twice is an error (a plain JSON map would keep the last silently).
pub fn pairs_from_json(
    what: &str,
    source_name: &str,
    json: &str,
) -> Result<Vec<(String, String)>, Error> {
    let bad = |why: String| Error::invalid_config(format!("{source_name} {why}"));
    let value: serde_json::Value =
        crate::host::json(json).map_err(|e| bad(format!("is not valid JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(bad(format!(
            "must be a JSON object of {what} name → template"
        )));
    };
    // serde_json's map is sorted and keeps the last of duplicate names: take
    // the order (and spot duplicates) from the text itself.
    let mut out: Vec<(String, String)> = Vec::with_capacity(map.len());
    for name in top_level_keys(json) {
        if out.iter().any(|(n, _)| *n == name) {
            return Err(bad(format!("names '{name}' twice")));
        }
        match map.get(&name) {
            Some(serde_json::Value::String(t)) => out.push((name, t.clone())),
            _ => return Err(bad(format!("value of '{name}' must be a template string"))),
        }
    }
    Ok(out)
}

/// The keys of a JSON object's top level, in order, decoded. `json` must
/// already be known to be a valid JSON object.
fn top_level_keys(json: &str) -> Vec<String> {
    let bytes = json.as_bytes();
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut expect_key = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' => {
                depth += 1;
                expect_key = depth == 1;
            }
            b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_key = true,
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while let Some(&c) = bytes.get(end) {
                    match c {
                        b'\\' => end += 2,
                        b'"' => break,
                        _ => end += 1,
                    }
                }
                if depth == 1 && expect_key {
                    keys.push(unescape(json.get(start..end).unwrap_or_default()));
                    expect_key = false;
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// Decodes the inside of a valid JSON string literal.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let hex4 = |chars: &mut std::str::Chars| -> u32 {
        let digits: String = chars.by_ref().take(4).collect();
        u32::from_str_radix(&digits, 16).unwrap_or(0xFFFD)
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let first = hex4(&mut chars);
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A surrogate pair: \uD83D\uDE00.
                    let rest: String = chars.by_ref().take(2).collect();
                    let second = if rest == "\\u" { hex4(&mut chars) } else { 0 };
                    0x10000 + ((first - 0xD800) << 10) + second.wrapping_sub(0xDC00)
                } else {
                    first
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keep_document_order_and_refuse_duplicates() {
        let pairs =
            pairs_from_json("field", "PASSBRIDGE_FIELDS", r#"{"z":"1","a":"2","m":"3"}"#).unwrap();
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["z", "a", "m"]);
        let json =
            r#" { "q\"uo\\te" : "{{ person.email }}", "nested": "x", "\u00e9\ud83d\ude00": "y" } "#;
        let pairs = pairs_from_json("field", "F", json).unwrap();
        let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["q\"uo\\te", "nested", "é😀"]);
        let cases = [
            (
                r#"{"z":"1","a":"2","z":"3"}"#,
                "PASSBRIDGE_FIELDS names 'z' twice",
            ),
            (
                r#"{"a":5}"#,
                "PASSBRIDGE_FIELDS value of 'a' must be a template string",
            ),
            (
                r#""x""#,
                "PASSBRIDGE_FIELDS must be a JSON object of field name → template",
            ),
            (
                r#"{"a":"1"} x"#,
                "PASSBRIDGE_FIELDS is not valid JSON: trailing characters",
            ),
            (
                r#"{"a":"#,
                "PASSBRIDGE_FIELDS is not valid JSON: EOF while parsing",
            ),
        ];
        for (json, want) in cases {
            let err = pairs_from_json("field", "PASSBRIDGE_FIELDS", json).unwrap_err();
            assert_eq!(err.code, crate::error::Code::InvalidConfig);
            assert!(err.message.starts_with(want), "{json}: {}", err.message);
        }
    }
}
