//! The shared case table and the retry driver, through the wasm boundary.
//! `tests/run-wasm-tests.sh` runs this file in Node, headless Chromium (window)
//! and a dedicated worker, and fails if any run executed fewer tests than exist.

#![cfg(target_arch = "wasm32")]

mod common;

use js_sys::{Function, Promise, Reflect, JSON};
use passbridge::JsHandler;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

fn parse(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON parses")
}

fn stringify(v: &JsValue) -> String {
    JSON::stringify(v)
        .expect("stringify")
        .as_string()
        .unwrap_or_default()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn error_json(e: &JsValue) -> String {
    assert!(
        e.is_instance_of::<js_sys::Error>(),
        "rejections are real Error objects"
    );
    assert_eq!(
        get(e, "name").as_string().as_deref(),
        Some("PassbridgeError")
    );
    serde_json::json!({"error": {
        "code": get(e, "code").as_string(),
        "message": get(e, "message").as_string(),
    }})
    .to_string()
}

fn handler(options: &str) -> Result<JsHandler, JsValue> {
    let opts = parse(options);
    Reflect::set(&opts, &"dryRun".into(), &JsValue::TRUE).unwrap();
    JsHandler::new(opts)
}

#[wasm_bindgen_test]
fn shared_cases_through_the_boundary() {
    let cases = common::cases();
    assert!(cases.len() >= 10);
    for case in &cases {
        let got = match handler(case.options) {
            Err(e) => error_json(&e),
            Ok(h) => match h.plan(parse(case.event), parse(case.profile), parse(case.env)) {
                Ok(v) => stringify(&v),
                Err(e) => error_json(&e),
            },
        };
        common::assert_json_eq(case.name, &got, case.expect);
    }
}

#[wasm_bindgen_test]
fn bad_templates_and_unknown_options_fail_at_creation() {
    let e = handler(r#"{"fields":{"points":"{{ person.properties.x|shout }}"}}"#)
        .err()
        .unwrap();
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("invalid_template")
    );
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "PassNinja error: invalid template for field 'points' at position 24: unknown filter 'shout' (the README lists the supported filters)"
    );
    let e = handler(r#"{"feilds":{}}"#).err().unwrap();
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("invalid_config")
    );
    assert!(get(&e, "message")
        .as_string()
        .unwrap()
        .contains("unknown option 'feilds'"));
    let e = JsHandler::new(JsValue::from_str("nope")).err().unwrap();
    assert_eq!(
        get(&e, "code").as_string().as_deref(),
        Some("invalid_config")
    );
}

/// A fake `fetch` that answers from a script of (status, retry-after, body)
/// and counts calls; status 0 means "fail in transport".
fn scripted_fetch(
    script: Vec<(u16, Option<&'static str>, &'static str)>,
    calls: Rc<Cell<u32>>,
) -> Function {
    let script = Rc::new(script);
    let f = Closure::<dyn FnMut(JsValue, JsValue) -> Promise>::new(
        move |_url: JsValue, _init: JsValue| {
            let i = calls.get() as usize;
            calls.set(calls.get() + 1);
            let (status, retry_after, body) = script.get(i).copied().unwrap_or((200, None, "{}"));
            if status == 0 {
                return Promise::reject(&js_sys::Error::new("fetch failed").into());
            }
            let init = js_sys::Object::new();
            Reflect::set(
                &init,
                &"status".into(),
                &JsValue::from_f64(f64::from(status)),
            )
            .unwrap();
            let headers = js_sys::Object::new();
            if let Some(ra) = retry_after {
                Reflect::set(&headers, &"Retry-After".into(), &ra.into()).unwrap();
            }
            Reflect::set(&init, &"headers".into(), &headers).unwrap();
            let ctor: Function = get(&js_sys::global(), "Response").unchecked_into();
            let response =
                Reflect::construct(&ctor, &js_sys::Array::of2(&body.into(), &init)).unwrap();
            Promise::resolve(&response)
        },
    );
    f.into_js_value().unchecked_into()
}

async fn run(options: &str, fetch: Function) -> Result<JsValue, JsValue> {
    let h = JsHandler::new(parse(options)).unwrap();
    let profile =
        parse(r#"{"data":{"attributes":{"external_id":"s1","properties":{"loyalty_points":5}}}}"#);
    JsFuture::from(h.run(JsValue::NULL, profile, parse(common::ENV), fetch.into())).await
}

#[wasm_bindgen_test]
async fn success_is_flat_and_typed() {
    let calls = Rc::new(Cell::new(0));
    let out = run("{}", scripted_fetch(vec![(200, None, "{}")], calls.clone()))
        .await
        .unwrap();
    assert_eq!(stringify(&out), r#"{"updated":true,"status":200}"#);
    assert_eq!(calls.get(), 1);
}

#[wasm_bindgen_test]
async fn transient_failures_are_retried_then_succeed() {
    let calls = Rc::new(Cell::new(0));
    let script = vec![(503, None, "busy"), (0, None, ""), (200, None, "{}")];
    let out = run(
        r#"{"budgetMs":5000}"#,
        scripted_fetch(script, calls.clone()),
    )
    .await
    .unwrap();
    assert_eq!(get(&out, "updated"), JsValue::TRUE);
    assert_eq!(calls.get(), 3);
}

#[wasm_bindgen_test]
async fn permanent_failures_are_not_retried_and_keep_the_key_out() {
    let calls = Rc::new(Cell::new(0));
    let script = vec![(
        404,
        None,
        r#"{"error":"Pass not found for key sk_live_SECRET123"}"#,
    )];
    let e = run("{}", scripted_fetch(script, calls.clone()))
        .await
        .unwrap_err();
    assert_eq!(calls.get(), 1);
    assert_eq!(get(&e, "code").as_string().as_deref(), Some("not_found"));
    assert_eq!(get(&e, "status").as_f64(), Some(404.0));
    assert_eq!(get(&e, "retryable"), JsValue::FALSE);
    assert_eq!(
        get(&e, "message").as_string().unwrap(),
        "PassNinja error: 404 Not Found: Pass not found for key ***"
    );
}

#[wasm_bindgen_test]
async fn the_budget_ends_retries_with_a_retryable_error() {
    let calls = Rc::new(Cell::new(0));
    let script = vec![(429, Some("60"), r#"{"error":"slow down"}"#); 5];
    let e = run(
        r#"{"budgetMs":2000}"#,
        scripted_fetch(script, calls.clone()),
    )
    .await
    .unwrap_err();
    // Retry-After: 60 s cannot fit in a 2 s budget: give up at once for Klaviyo to retry.
    assert_eq!(calls.get(), 1);
    assert_eq!(get(&e, "code").as_string().as_deref(), Some("throttled"));
    assert_eq!(get(&e, "retryable"), JsValue::TRUE);
    assert_eq!(get(&e, "retryAfterMs").as_f64(), Some(60_000.0));
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
}
