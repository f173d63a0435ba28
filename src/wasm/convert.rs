//! Core results as JavaScript values (errors convert beside their type, in
//! `crate::error`).

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::js::{constant, pb_dry_run, set};
use crate::dry_run::DryRun;
use crate::outcome::{OutValue, Outcome};

/// The flat outcome object (`{ updated: true, status: 200, … }`).
pub(super) fn outcome_to_js(outcome: &Outcome) -> JsValue {
    let obj: JsValue = Object::new().into();
    for (k, v) in &outcome.0 {
        let value = match v {
            OutValue::Bool(b) => JsValue::from_bool(*b),
            OutValue::Num(n) => JsValue::from_f64(*n),
            OutValue::Str(s) => JsValue::from_str(s),
            OutValue::Const(s) => constant(s),
        };
        set(&obj, k, &value);
    }
    obj
}

/// The dry-run result: the request that would be sent, secrets as `***`.
pub(super) fn dry_run_to_js(dry: &DryRun) -> JsValue {
    let headers: JsValue = Object::new().into();
    for (name, value) in dry.headers() {
        let value = match value {
            "***" => constant("***"),
            v => JsValue::from_str(v),
        };
        set(&headers, name, &value);
    }
    let body = match dry.body() {
        Some(b) => JsValue::from_str(b),
        None => JsValue::NULL,
    };
    pb_dry_run(&constant(dry.method()), dry.url(), &body, &headers)
}
