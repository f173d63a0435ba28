//! The host's primitives for the core (`crate::host`): one crossing each,
//! through js/boundary.js.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{pb_get, pb_keys, pb_len};
use super::read::ValueKind;

#[wasm_bindgen(module = "/js/boundary.js", js_namespace = pb)]
extern "C" {
    #[wasm_bindgen(js_name = upper)]
    fn pb_upper(s: &str) -> String;
    #[wasm_bindgen(js_name = lower)]
    fn pb_lower(s: &str) -> String;
    #[wasm_bindgen(js_name = caseLen)]
    fn pb_case_len(s: &str, upper_too: bool) -> f64;
    #[wasm_bindgen(js_name = nfkd)]
    fn pb_nfkd(s: &str) -> String;
    #[wasm_bindgen(js_name = numText)]
    fn pb_num_text(n: f64) -> String;
    #[wasm_bindgen(js_name = num)]
    fn pb_num(s: &str) -> f64;
    /// `JSON.parse(s)`; throws its SyntaxError.
    #[wasm_bindgen(catch, js_name = json)]
    fn pb_json(s: &str) -> Result<JsValue, JsValue>;
}

/// serde_json's own nesting limit, so both builds refuse the same documents.
const MAX_DEPTH: usize = 128;

/// A value `JSON.parse` produced, as a `serde_json::Value` (one crossing per
/// member: provider answers and `PASSBRIDGE_FIELDS` are small). `None` when
/// nested too deep or a number is out of range (`1e400` parses to Infinity).
fn to_serde(v: &JsValue, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match ValueKind::of(v) {
        ValueKind::Null => J::Null,
        ValueKind::Bool => J::Bool(v.as_bool()?),
        ValueKind::Number => {
            let n = v.as_f64()?;
            // Integers as integers, as serde_json reads them (`-0` stays a float).
            if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 && !n.is_sign_negative() {
                J::from(n as u64)
            } else if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 && n != 0.0 {
                J::from(n as i64)
            } else {
                J::Number(serde_json::Number::from_f64(n)?)
            }
        }
        ValueKind::String => J::String(v.as_string()?),
        ValueKind::Array => {
            let items = v.unchecked_ref::<js_sys::Array>();
            let mut out = Vec::with_capacity(pb_len(v) as usize);
            for i in 0..items.length() {
                out.push(to_serde(&items.get(i), depth + 1)?);
            }
            J::Array(out)
        }
        ValueKind::Object => {
            let keys = pb_keys(v).dyn_into::<js_sys::Array>().ok()?;
            let mut map = serde_json::Map::new();
            for key in keys.iter() {
                let member = to_serde(&pb_get(v, &key), depth + 1)?;
                map.insert(key.as_string()?, member);
            }
            J::Object(map)
        }
        _ => return None,
    })
}

/// `String.prototype.toUpperCase`/`toLowerCase`/`normalize`, `String(n)`,
/// `Number(s)`, `JSON.parse`.
pub struct JsHost;

impl crate::host::Primitives for JsHost {
    fn upper(s: &str) -> String {
        if s.is_ascii() {
            return s.to_ascii_uppercase();
        }
        pb_upper(s)
    }
    fn lower(s: &str) -> String {
        if s.is_ascii() {
            return s.to_ascii_lowercase();
        }
        pb_lower(s)
    }
    fn case_len(s: &str, upper_too: bool) -> usize {
        if s.is_ascii() {
            return s.len();
        }
        pb_case_len(s, upper_too) as usize
    }
    fn nfkd(s: &str) -> Option<String> {
        if s.is_ascii() {
            return Some(s.to_string());
        }
        Some(pb_nfkd(s))
    }
    fn push_number(out: &mut String, n: f64) {
        // Integers below 2^53 print as their digits in every engine: no crossing.
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            out.push_str(&(n as i64).to_string());
            return;
        }
        out.push_str(&pb_num_text(n));
    }
    fn decimal(s: &str) -> Option<f64> {
        let n = pb_num(s);
        (!n.is_nan()).then_some(n)
    }
    fn json(text: &str) -> Result<serde_json::Value, String> {
        // The kinds are shared when a class is created; a parse may come first.
        ValueKind::share();
        let parsed = pb_json(text).map_err(|e| {
            let message = super::js::get(&e, "message")
                .as_string()
                .unwrap_or_default();
            message.chars().take(200).collect::<String>()
        })?;
        to_serde(&parsed, 0).ok_or_else(|| "nested too deep or a number out of range".to_string())
    }
}
