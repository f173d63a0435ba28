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

/// Reads a JSON object of `name → template string`, in document order.
pub fn pairs_from_json(
    what: &str,
    source_name: &str,
    json: &str,
) -> Result<Vec<(String, String)>, Error> {
    let bad = |why: String| Error::invalid_config(format!("{source_name} {why}"));
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| bad(format!("is not valid JSON: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(bad(format!(
            "must be a JSON object of {what} name → template"
        )));
    };
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => Ok((k, s)),
            _ => Err(bad(format!("value of '{k}' must be a template string"))),
        })
        .collect()
}
