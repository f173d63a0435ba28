//! The JSON text the sync's answers cross the boundary as, and the reverse:
//! a handler's result (JSON) as an [`Outcome`].

use crate::http::HttpRequest;
use crate::json::push_json_string;
use crate::outcome::{OutValue, Outcome};

pub fn json_text(s: &str) -> String {
    let mut o = String::new();
    push_json_string(&mut o, s);
    o
}

/// `{"method","url","headers":{…},"body"}`; secret headers as `***` when `redact`.
pub fn request_json(r: &HttpRequest, redact: bool) -> String {
    let mut out = format!(
        r#"{{"method":{},"url":{},"headers":{{"#,
        json_text(r.method),
        json_text(&r.url)
    );
    for (i, h) in r.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = if redact && h.secret { "***" } else { &h.value };
        out.push_str(&format!("{}:{}", json_text(h.name), json_text(value)));
    }
    out.push_str("},\"body\":");
    match &r.body {
        Some(b) => out.push_str(&json_text(b)),
        None => out.push_str("null"),
    }
    out.push('}');
    out
}

/// The fields of a handler's result (JSON) that the operation declares
/// (`result_fields`), as the write-back reads them.
pub fn outcome_of(result: &serde_json::Value, fields: &'static [&'static str]) -> Outcome {
    let mut out = Outcome::default();
    let Some(map) = result.as_object() else {
        return out;
    };
    for (k, v) in map {
        let Some(name) = fields.iter().find(|f| **f == k.as_str()) else {
            continue;
        };
        let value = match v {
            serde_json::Value::String(s) => OutValue::Str(s.clone()),
            serde_json::Value::Number(n) => OutValue::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::Bool(b) => OutValue::Bool(*b),
            _ => continue,
        };
        out.0.push((name, value));
    }
    out
}
