//! The host's primitives for the core (`crate::host`): one crossing each,
//! through js/boundary.js.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/boundary.js", js_namespace = pb)]
extern "C" {
    #[wasm_bindgen(js_name = upper)]
    fn pb_upper(s: &str) -> String;
    #[wasm_bindgen(js_name = lower)]
    fn pb_lower(s: &str) -> String;
    #[wasm_bindgen(js_name = numText)]
    fn pb_num_text(n: f64) -> String;
    #[wasm_bindgen(js_name = num)]
    fn pb_num(s: &str) -> f64;
}

/// `String.prototype.toUpperCase`/`toLowerCase`, `String(n)`, `Number(s)`.
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
}
