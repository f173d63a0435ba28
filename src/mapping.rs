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

    /// Parses a JSON object of `name → template` (the `PASSBRIDGE_FIELDS` form).
    pub fn from_json(what: &str, source_name: &str, json: &str) -> Result<Mapping, Error> {
        let pairs = pairs_from_json(what, source_name, json)?;
        Mapping::parse(what, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Template)> {
        self.fields.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// Renders every field to text, in order.
    pub fn render(&self, what: &str, ctx: &dyn Resolve) -> Result<Vec<(&str, String)>, Error> {
        self.fields
            .iter()
            .map(|(name, t)| {
                t.render(ctx)
                    .map(|text| (name.as_str(), text))
                    .map_err(|e| Error::invalid_profile(format!("{what} '{name}': {}", e.message)))
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
                .map_err(|e| Error::invalid_profile(format!("{what} '{name}': {}", e.message)))?;
            crate::http::push_json_string(out, name);
            out.push(':');
            crate::http::push_json_string(out, &scratch);
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
                    .map_err(|e| Error::invalid_profile(format!("{what} '{name}': {}", e.message)))
            })
            .collect()
    }
}

/// Reads a JSON object of `name → template string`, in document order; a
/// name given twice is an error (a plain JSON map would keep the last silently).
pub fn pairs_from_json(
    what: &str,
    source_name: &str,
    json: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed =
        serde::Deserializer::deserialize_map(&mut de, PairsVisitor { what }).and_then(|pairs| {
            de.end()?;
            Ok(pairs)
        });
    parsed.map_err(|e| {
        let detail = match e.classify() {
            serde_json::error::Category::Data => e.to_string(),
            _ => format!("is not valid JSON: {e}"),
        };
        Error::invalid_config(format!("{source_name} {detail}"))
    })
}

/// Collects `name → string` pairs in order, refusing duplicates and non-strings.
struct PairsVisitor<'a> {
    what: &'a str,
}

impl<'de> serde::de::Visitor<'de> for PairsVisitor<'_> {
    type Value = Vec<(String, String)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a JSON object of {} name → template", self.what)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let mut out: Vec<(String, String)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value: serde_json::Value = map.next_value()?;
            if out.iter().any(|(n, _)| *n == name) {
                return Err(A::Error::custom(format!("names '{name}' twice")));
            }
            match value {
                serde_json::Value::String(t) => out.push((name, t)),
                _ => {
                    return Err(A::Error::custom(format!(
                        "value of '{name}' must be a template string"
                    )))
                }
            }
        }
        Ok(out)
    }
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
        let cases = [
            (r#"{"z":"1","a":"2","z":"3"}"#, "PASSBRIDGE_FIELDS names 'z' twice"),
            (r#"{"a":5}"#, "PASSBRIDGE_FIELDS value of 'a' must be a template string"),
            (r#""x""#, "PASSBRIDGE_FIELDS invalid type: string \"x\", expected a JSON object of field name → template"),
            (r#"{"a":"1"} x"#, "PASSBRIDGE_FIELDS is not valid JSON: trailing characters"),
            (r#"{"a":"#, "PASSBRIDGE_FIELDS is not valid JSON: EOF while parsing"),
        ];
        for (json, want) in cases {
            let err = pairs_from_json("field", "PASSBRIDGE_FIELDS", json).unwrap_err();
            assert_eq!(err.code, crate::error::Code::InvalidConfig);
            assert!(err.message.starts_with(want), "{json}: {}", err.message);
        }
    }
}
