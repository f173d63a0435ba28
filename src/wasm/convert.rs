//! Core results and errors as JavaScript values.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::js::{constant, pb_dry_run, set};
use crate::dry_run::DryRun;
use crate::error::{Error, WorkerCode, INTERNAL_MESSAGE};
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

/// The JavaScript form: a real `Error` with `name` (`PassbridgeError`),
/// `code`, `status`, `retryable`, and `retryAfterMs` / `attempts` when known.
impl Error {
    pub(crate) fn to_js(&self, attempts: Option<u32>) -> JsValue {
        let v: JsValue = js_sys::Error::new(&self.message).into();
        set(&v, "name", &constant("PassbridgeError"));
        set(&v, "code", &JsValue::from_str(self.code.as_str()));
        let status = self
            .status
            .map(|s| JsValue::from_f64(f64::from(s)))
            .unwrap_or(JsValue::NULL);
        set(&v, "status", &status);
        set(&v, "retryable", &JsValue::from_bool(self.retryable));
        if let Some(ms) = self.retry_after_ms {
            set(&v, "retryAfterMs", &JsValue::from_f64(ms as f64));
        }
        if let Some(n) = attempts {
            set(&v, "attempts", &JsValue::from_f64(f64::from(n)));
        }
        v
    }
}

/// The JavaScript error for a trap ([`INTERNAL_MESSAGE`]).
pub(crate) fn internal_to_js() -> JsValue {
    let v: JsValue = js_sys::Error::new(INTERNAL_MESSAGE).into();
    set(&v, "name", &constant("PassbridgeError"));
    set(&v, "code", &constant(WorkerCode::InternalError.as_str()));
    set(&v, "status", &JsValue::NULL);
    set(&v, "retryable", &JsValue::FALSE);
    v
}

impl From<&Error> for JsValue {
    fn from(e: &Error) -> JsValue {
        e.to_js(None)
    }
}
