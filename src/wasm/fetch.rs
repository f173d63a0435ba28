//! The fetch driver: sends a planned request through the injected `fetch`
//! with a deadline per attempt, retrying as the core's policy says.

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::js::{constant, get, pb_cancel, pb_deadline, pb_read_text, set, set_timeout};
use crate::error::Error;
use crate::handler::Configured;
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::Outcome;
use crate::retry::RetryPolicy;

/// Sends `request`, retrying as the policy allows. Returns the outcome, or the
/// last error with the number of attempts made.
#[cfg(feature = "worker")]
pub(super) async fn drive(
    run: &Configured,
    request: &HttpRequest,
    fetch: &Function,
) -> Result<Outcome, (Error, u32)> {
    drive_from(run, request, fetch, js_sys::Date::now()).await
}

/// [`drive`] for a run that started at `start` (ms since the epoch): the
/// time already spent (planning, rendering) counts against the budget.
pub(super) async fn drive_from(
    run: &Configured,
    request: &HttpRequest,
    fetch: &Function,
    start: f64,
) -> Result<Outcome, (Error, u32)> {
    drive_with(
        &run.policy,
        request,
        fetch,
        start,
        |response, now| run.handler.outcome(request, response, now),
        |detail| run.handler.network_error(request, detail),
    )
    .await
}

/// [`drive_from`] with any classifier of the answer (the Worker's write-back
/// to Klaviyo uses `crate::write_back::Job`'s).
pub(super) async fn drive_with<T>(
    policy: &RetryPolicy,
    request: &HttpRequest,
    fetch: &Function,
    start: f64,
    classify: impl Fn(&HttpResponse, f64) -> Result<T, Error>,
    network: impl Fn(&str) -> Error,
) -> Result<T, (Error, u32)> {
    let elapsed = || (js_sys::Date::now() - start).max(0.0) as u64;
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let attempt_started = elapsed();
        let timeout = policy.attempt_timeout(attempt_started);
        let err = match send_once(request, fetch, timeout).await {
            Ok(response) => match classify(&response, js_sys::Date::now()) {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            },
            Err(detail) => network(&detail),
        };
        match policy.next_delay(
            attempts as usize,
            &err,
            request.idempotent,
            elapsed(),
            elapsed().saturating_sub(attempt_started),
        ) {
            Some(delay) => sleep(delay).await,
            None => return Err((err, attempts)),
        }
    }
}

/// What the deadline rejects with (handed to js/boundary.js, compared here).
const TIMEOUT_MARK: &str = "passbridge:timeout";

/// How much of a provider's answer is read: enough for any JSON result or
/// error message; the rest is cancelled unread.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// One attempt: `fetch`, then the body, both within `timeout_ms`.
async fn send_once(
    request: &HttpRequest,
    fetch: &Function,
    timeout_ms: u64,
) -> Result<HttpResponse, String> {
    // The deadline (timer, AbortController) lives in JS: a Rust closure handed
    // to setTimeout would leak whenever the timer is cleared instead of fired.
    let deadline_parts = pb_deadline(timeout_ms as f64, TIMEOUT_MARK);
    let deadline: Promise = get(&deadline_parts, "promise").unchecked_into();
    let init: JsValue = Object::new().into();
    set(&init, "method", &constant(request.method));
    let headers: JsValue = Object::new().into();
    for h in &request.headers {
        set(&headers, h.name, &JsValue::from_str(&h.value));
    }
    set(&init, "headers", &headers);
    if let Some(body) = &request.body {
        set(&init, "body", &JsValue::from_str(body));
    }
    // A redirect could carry the API key to another host: never follow one.
    set(&init, "redirect", &constant("manual"));
    let signal = get(&deadline_parts, "signal");
    if !signal.is_undefined() {
        set(&init, "signal", &signal);
    }

    let result = async {
        let sent = fetch
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
            .map_err(|e| describe_failure(&e, timeout_ms))?;
        let response = race(sent, &deadline)
            .await
            .map_err(|e| describe_failure(&e, timeout_ms))?;
        read_response(&response, &deadline)
            .await
            .map_err(|e| describe_failure(&e, timeout_ms))
    }
    .await;
    pb_cancel(&deadline_parts);
    result
}

async fn race(promise: JsValue, deadline: &Promise) -> Result<JsValue, JsValue> {
    let promise = Promise::resolve(&promise);
    JsFuture::from(Promise::race(&Array::of2(&promise, deadline))).await
}

async fn read_response(response: &JsValue, deadline: &Promise) -> Result<HttpResponse, JsValue> {
    let status = Reflect::get(response, &JsValue::from_str("status"))?
        .as_f64()
        .filter(|s| (0.0..=999.0).contains(s))
        .ok_or_else(|| JsValue::from_str("fetch resolved to something that is not a Response"))?
        as u16;
    let headers = Reflect::get(response, &JsValue::from_str("headers"))?;
    let retry_after = Reflect::get(&headers, &JsValue::from_str("get"))
        .ok()
        .and_then(|get| get.dyn_into::<Function>().ok())
        .and_then(|get| get.call1(&headers, &JsValue::from_str("retry-after")).ok())
        .and_then(|v| v.as_string());
    // At most MAX_ANSWER_BYTES of the body: a provider (or something in
    // between) answering megabytes must not grow the instance's memory.
    let text = pb_read_text(response, MAX_ANSWER_BYTES as f64);
    let body = race(text, deadline).await?.as_string().unwrap_or_default();
    Ok(HttpResponse {
        status,
        retry_after,
        body,
    })
}

/// A short, secret-free description of a transport failure.
fn describe_failure(e: &JsValue, timeout_ms: u64) -> String {
    if e.as_string().as_deref() == Some(TIMEOUT_MARK) {
        return format!("request timed out after {timeout_ms} ms");
    }
    let message = Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "fetch failed".to_string());
    let cause = Reflect::get(e, &JsValue::from_str("cause"))
        .ok()
        .filter(|c| c.is_object())
        .and_then(|c| Reflect::get(&c, &JsValue::from_str("code")).ok())
        .and_then(|c| c.as_string());
    match cause {
        Some(code) => format!("{message} ({code})"),
        None => message,
    }
}

async fn sleep(ms: u64) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as f64);
    });
    let _ = JsFuture::from(p).await;
}
