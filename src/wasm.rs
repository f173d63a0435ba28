//! The boundary: every `#[wasm_bindgen]` of the crate lives here.
//!
//! It converts JavaScript values to core types (reading only the profile paths
//! the templates use), drives the core's plan through an injected `fetch` with
//! timeouts and retries, and turns core errors into JavaScript `Error`s with
//! stable `code`, `status` and `retryable` properties. No business rule lives here.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::env::Env;
use crate::error::Error;
use crate::handler::{parse_budget, Handler, Options};
use crate::http::{HttpRequest, HttpResponse};
use crate::outcome::{OutValue, Outcome, Plan};
use crate::profile::Node;
use crate::retry::RetryPolicy;
use crate::value::Value;

// The JS helpers live in js/boundary.mjs (linted and loaded like any JS).
#[wasm_bindgen(module = "/js/boundary.mjs", js_namespace = pb)]
extern "C" {
    /// `o[k]` for an own property of an object or a canonical index of an
    /// array (as natively: no prototype members, no `length`), else
    /// `undefined` (also when a getter throws).
    #[wasm_bindgen(js_name = get)]
    fn pb_get(o: &JsValue, k: &JsValue) -> JsValue;
    /// `[[key, string-or-null], …]` of an object's own enumerable properties,
    /// or `null` when reading them throws.
    #[wasm_bindgen(js_name = entries)]
    fn pb_entries(o: &JsValue) -> JsValue;
    /// The body of a Response as text, at most `limit` bytes (the rest is
    /// cancelled); rejects when reading fails.
    #[wasm_bindgen(js_name = readText)]
    fn pb_read_text(res: &JsValue, limit: f64) -> JsValue;
    /// An environment variable as text (numbers and booleans as `String(v)`),
    /// in one crossing; `None` when unset or of another type.
    #[wasm_bindgen(js_name = env)]
    fn pb_env(o: &JsValue, k: &JsValue) -> Option<String>;
    /// `Object.keys(o)`, or `null` when that throws.
    #[wasm_bindgen(js_name = keys)]
    fn pb_keys(o: &JsValue) -> JsValue;
    /// Defines the own property `k` of a fresh object: never an inherited
    /// setter (a polluted `Object.prototype` cannot intercept or throw).
    #[wasm_bindgen(js_name = set)]
    fn pb_set(o: &JsValue, k: &JsValue, v: &JsValue);
    /// `{ dryRun: true, request: { method, url, headers, body } }`.
    #[wasm_bindgen(js_name = dryRun)]
    fn pb_dry_run(method: &JsValue, url: &str, body: &JsValue, headers: &JsValue) -> JsValue;
    /// 0 undefined (or a function/symbol, or a value that throws when
    /// inspected), 1 null, 2 boolean, 3 number, 4 string, 5 array, 6 plain
    /// object, 7 bigint, 8 an object that is not JSON data.
    #[wasm_bindgen(js_name = kind)]
    fn pb_kind(v: &JsValue) -> u8;
    /// The length of an array or the number of keys of an object (0 if that throws).
    #[wasm_bindgen(js_name = len)]
    fn pb_len(v: &JsValue) -> u32;
    /// `String(v)` (for a bigint), or "" if that throws.
    #[wasm_bindgen(js_name = text)]
    fn pb_text(v: &JsValue) -> String;
    /// `{ promise, signal, timer }`: a promise rejected with the timeout mark
    /// after `ms` (aborting `signal`), unless `pb_cancel` clears it first.
    #[wasm_bindgen(js_name = deadline)]
    fn pb_deadline(ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = cancel)]
    fn pb_cancel(deadline: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &JsValue, ms: f64) -> JsValue;
}

// ---------------------------------------------------------------- reading JS

/// Keys (template path steps, variable names, output names) as JS strings,
/// each converted once. They are looked up by address first: a template's
/// keys live as long as its handler and constants forever, so the common case
/// is one integer comparison instead of hashing the text (which profiling
/// showed costing more than the property reads themselves). The text is
/// compared too, so a reused address can never return a stale key.
struct KeyCache {
    entries: Vec<(usize, Box<str>, JsValue)>,
}

/// Beyond this many distinct keys, new ones are converted on each use.
const MAX_CACHED_KEYS: usize = 512;

thread_local! {
    static KEYS: RefCell<KeyCache> = const { RefCell::new(KeyCache { entries: Vec::new() }) };
}

/// Calls `f` with `key` as a JS string, converting it at most once.
fn with_key<R>(key: &str, f: impl FnOnce(&JsValue) -> R) -> R {
    let addr = key.as_ptr() as usize;
    KEYS.with(|cache| {
        // A getter on a hostile profile could call back into the library
        // while the cache is held: then just convert without caching.
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return f(&JsValue::from_str(key));
        };
        let found = cache
            .entries
            .iter()
            .position(|(a, k, _)| *a == addr && **k == *key)
            .or_else(|| cache.entries.iter().position(|(_, k, _)| **k == *key));
        match found.and_then(|i| cache.entries.get(i)) {
            Some((_, _, v)) => f(v),
            None => {
                let v = JsValue::from_str(key);
                let out = f(&v);
                if cache.entries.len() < MAX_CACHED_KEYS {
                    cache.entries.push((addr, key.into(), v));
                }
                out
            }
        }
    })
}

const KIND_UNDEFINED: u8 = 0;
const KIND_NULL: u8 = 1;
const KIND_BOOL: u8 = 2;
const KIND_NUMBER: u8 = 3;
const KIND_STRING: u8 = 4;
const KIND_ARRAY: u8 = 5;
const KIND_OBJECT: u8 = 6;
const KIND_BIGINT: u8 = 7;
const KIND_FOREIGN: u8 = 8;

/// A JavaScript value read lazily, one crossing per path step, with its
/// `typeof` class learned in one more.
struct JsNode {
    value: JsValue,
    kind: u8,
}

impl JsNode {
    fn new(value: JsValue) -> JsNode {
        let kind = pb_kind(&value);
        JsNode { value, kind }
    }
}

impl Node for JsNode {
    fn member(&self, key: &str) -> Option<Self> {
        if self.kind != KIND_OBJECT && self.kind != KIND_ARRAY {
            return None;
        }
        // Keys come from templates: interned, each crosses the boundary once.
        // A throwing getter (a hostile Proxy) reads as missing.
        let node = JsNode::new(with_key(key, |k| pb_get(&self.value, k)));
        (node.kind != KIND_UNDEFINED).then_some(node)
    }

    fn is_object(&self) -> bool {
        self.kind == KIND_OBJECT
    }

    fn value(&self) -> Value {
        let v = &self.value;
        match self.kind {
            KIND_NULL => Value::Null,
            KIND_BOOL => Value::Bool(v.as_bool().unwrap_or(false)),
            KIND_NUMBER => Value::Number(v.as_f64().unwrap_or(f64::NAN)),
            KIND_STRING => Value::Str(v.as_string().unwrap_or_default()),
            KIND_ARRAY => Value::List(pb_len(v) as usize),
            KIND_OBJECT => Value::Object(pb_len(v) as usize),
            KIND_BIGINT => Value::Str(pb_text(v)),
            KIND_FOREIGN => Value::Foreign,
            // Undefined, functions and symbols are not data.
            _ => Value::Missing,
        }
    }
}

/// Environment variables read from a JS object (`process.env`, Worker bindings).
struct JsEnv(JsValue);

impl Env for JsEnv {
    fn var(&self, name: &str) -> Option<String> {
        with_key(name, |k| pb_env(&self.0, k))
    }
}

/// Converts `undefined` to `None` for optional arguments.
fn present(v: JsValue) -> Option<JsNode> {
    let node = JsNode::new(v);
    (node.kind != KIND_UNDEFINED).then_some(node)
}

const OPTION_NAMES: [&str; 13] = [
    "provider",
    "operation",
    "fields",
    "identifiers",
    "passType",
    "updateMetadata",
    "delta",
    "reason",
    "skipIfPassExists",
    "dryRun",
    "budgetMs",
    "env",
    "fetch",
];

/// Reads the options object given in code. Unknown names are an error, so a
/// typo (`feilds`) does not silently fall back to the defaults.
fn options_from_js(options: &JsValue) -> Result<Options, Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(Options::default());
    }
    if !JsNode::new(options.clone()).is_object() {
        return Err(Error::invalid_config("options must be an object"));
    }
    let keys = pb_keys(options);
    if !Array::is_array(&keys) {
        return Err(Error::invalid_config("options could not be read"));
    }
    for key in keys.unchecked_ref::<Array>().iter() {
        let key = key.as_string().unwrap_or_default();
        if !OPTION_NAMES.contains(&key.as_str()) {
            return Err(Error::invalid_config(format!(
                "unknown option '{}' (known: {})",
                crate::http::excerpt(&key, 40),
                OPTION_NAMES.join(", ")
            )));
        }
    }
    let get = |name: &str| -> Option<JsValue> {
        let v = with_key(name, |k| pb_get(options, k));
        (!v.is_undefined() && !v.is_null()).then_some(v)
    };
    let text = |name: &str| -> Result<Option<String>, Error> {
        match get(name) {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| Error::invalid_config(format!("option {name} must be a string"))),
        }
    };
    let template = |name: &str| -> Result<Option<String>, Error> {
        match get(name) {
            Some(v) if v.as_f64().is_some() => Ok(v.as_f64().map(crate::value::js_number)),
            _ => text(name),
        }
    };
    let flag = |name: &str| -> Result<Option<bool>, Error> {
        match get(name) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| {
                Error::invalid_config(format!("option {name} must be true or false"))
            }),
        }
    };
    let pairs = |name: &str| -> Result<Option<Vec<(String, String)>>, Error> {
        let Some(v) = get(name) else { return Ok(None) };
        let bad = || {
            Error::invalid_config(format!(
                "option {name} must be an object of name → template string"
            ))
        };
        if !JsNode::new(v.clone()).is_object() {
            return Err(bad());
        }
        let entries = pb_entries(&v);
        if !Array::is_array(&entries) {
            return Err(bad());
        }
        let mut out = Vec::new();
        for entry in entries.unchecked_ref::<Array>().iter() {
            let entry: Array = entry.unchecked_into();
            let (Some(k), Some(t)) = (entry.get(0).as_string(), entry.get(1).as_string()) else {
                return Err(bad());
            };
            out.push((k, t));
        }
        Ok(Some(out))
    };
    let budget_ms = match get("budgetMs") {
        None => None,
        Some(v) => Some(parse_budget(
            "option budgetMs",
            v.as_f64().unwrap_or(f64::NAN),
        )?),
    };
    if let Some(f) = get("fetch") {
        if !f.is_function() {
            return Err(Error::invalid_config("option fetch must be a function"));
        }
    }
    Ok(Options {
        provider: text("provider")?,
        operation: text("operation")?,
        fields: pairs("fields")?,
        identifiers: pairs("identifiers")?,
        pass_type: text("passType")?,
        update_metadata: flag("updateMetadata")?,
        delta: template("delta")?,
        reason: template("reason")?,
        skip_if_pass_exists: flag("skipIfPassExists")?,
        dry_run: flag("dryRun")?,
        budget_ms,
    })
}

// ---------------------------------------------------------------- writing JS

fn set(target: &JsValue, key: &str, value: &JsValue) {
    with_key(key, |k| pb_set(target, k, value));
}

/// A string that is one of a few constants (methods, header names, reasons).
fn constant(s: &'static str) -> JsValue {
    with_key(s, JsValue::clone)
}

fn outcome_to_js(outcome: &Outcome) -> JsValue {
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
fn dry_run_to_js(request: &HttpRequest) -> JsValue {
    let headers: JsValue = Object::new().into();
    for (name, value) in request.redacted_headers() {
        let value = match value {
            "***" => constant("***"),
            v => JsValue::from_str(v),
        };
        set(&headers, name, &value);
    }
    let body = match &request.body {
        Some(b) => JsValue::from_str(b),
        None => JsValue::NULL,
    };
    pb_dry_run(&constant(request.method), &request.url, &body, &headers)
}

/// A real JS `Error` with `name`, `code`, `status`, `retryable` (and
/// `retryAfterMs`, `attempts` when known).
fn error_to_js(e: &Error, attempts: Option<u32>) -> JsValue {
    let v: JsValue = js_sys::Error::new(&e.message).into();
    set(&v, "name", &constant("PassbridgeError"));
    set(&v, "code", &JsValue::from_str(e.code.as_str()));
    let status = e
        .status
        .map(|s| JsValue::from_f64(f64::from(s)))
        .unwrap_or(JsValue::NULL);
    set(&v, "status", &status);
    set(&v, "retryable", &JsValue::from_bool(e.retryable));
    if let Some(ms) = e.retry_after_ms {
        set(&v, "retryAfterMs", &JsValue::from_f64(ms as f64));
    }
    if let Some(n) = attempts {
        set(&v, "attempts", &JsValue::from_f64(f64::from(n)));
    }
    v
}

// ---------------------------------------------------------------- the handler

struct Built {
    handler: Handler,
    dry_run: bool,
    policy: RetryPolicy,
}

/// A configured handler. JavaScript: `new Handler(options)` checks the options
/// given in code now (templates included); `run` merges them with the
/// `PASSBRIDGE_*` variables on first use.
#[wasm_bindgen(js_name = Handler)]
pub struct JsHandler {
    code_options: Options,
    built: RefCell<Option<Rc<Built>>>,
}

#[wasm_bindgen(js_class = Handler)]
impl JsHandler {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsHandler, JsValue> {
        // Option errors carry the prefix of the provider the options name
        // (PassNinja when none is named, as for every default handler).
        let named = with_key("provider", |k| pb_get(&options, k)).as_string();
        let code_options = options_from_js(&options).map_err(|e| {
            error_to_js(
                &e.prefixed(crate::providers::prefix(named.as_deref())),
                None,
            )
        })?;
        // Parse what was given in code now: a bad template fails at creation.
        code_options
            .check_templates()
            .map_err(|e| error_to_js(&e, None))?;
        Ok(JsHandler {
            code_options,
            built: RefCell::new(None),
        })
    }

    /// Plans without sending: the skip result, or `{ dryRun: true, request }`.
    pub fn plan(&self, event: JsValue, profile: JsValue, env: JsValue) -> Result<JsValue, JsValue> {
        let built = self.build(&env).map_err(|e| error_to_js(&e, None))?;
        match plan(&built, event, profile, &env) {
            Ok(Plan::Skip(reason)) => Ok(outcome_to_js(&Outcome::skipped(reason))),
            Ok(Plan::Send(request)) => Ok(dry_run_to_js(&request)),
            Err(e) => Err(error_to_js(&e, None)),
        }
    }

    /// Plans, then (unless dry run) sends with retries through `fetch`.
    /// Resolves to the flat outcome; rejects with a coded `Error`.
    pub fn run(&self, event: JsValue, profile: JsValue, env: JsValue, fetch: JsValue) -> Promise {
        let built = match self.build(&env) {
            Ok(b) => b,
            Err(e) => return Promise::reject(&error_to_js(&e, None)),
        };
        let request = match plan(&built, event, profile, &env) {
            Ok(Plan::Skip(reason)) => {
                return Promise::resolve(&outcome_to_js(&Outcome::skipped(reason)))
            }
            Ok(Plan::Send(request)) if built.dry_run => {
                return Promise::resolve(&dry_run_to_js(&request))
            }
            Ok(Plan::Send(request)) => request,
            Err(e) => return Promise::reject(&error_to_js(&e, None)),
        };
        let Some(fetch) = fetch.dyn_ref::<Function>().cloned() else {
            let e = Error::invalid_config(
                "no fetch function: pass options.fetch or run where globalThis.fetch exists",
            )
            .prefixed(built.handler.prefix());
            return Promise::reject(&error_to_js(&e, None));
        };
        future_to_promise(async move {
            drive(&built, &request, &fetch)
                .await
                .map(|o| outcome_to_js(&o))
                .map_err(|(e, attempts)| error_to_js(&e, Some(attempts)))
        })
    }
}

impl JsHandler {
    fn build(&self, env: &JsValue) -> Result<Rc<Built>, Error> {
        if let Some(b) = self.built.borrow().as_ref() {
            return Ok(b.clone());
        }
        let options = self.code_options.clone().with_env(&JsEnv(env.clone()))?;
        let built = Rc::new(Built {
            handler: Handler::new(&options)?,
            dry_run: options.dry_run.unwrap_or(false),
            policy: options
                .budget_ms
                .map(RetryPolicy::with_budget)
                .unwrap_or_default(),
        });
        *self.built.borrow_mut() = Some(built.clone());
        Ok(built)
    }
}

fn plan(built: &Built, event: JsValue, profile: JsValue, env: &JsValue) -> Result<Plan, Error> {
    // `present` maps undefined to None; a null event is handled by the core.
    built
        .handler
        .plan(present(profile), present(event), &JsEnv(env.clone()))
}

// ---------------------------------------------------------------- the driver

/// Sends `request`, retrying as the policy allows. Returns the outcome, or the
/// last error with the number of attempts made.
async fn drive(
    built: &Built,
    request: &HttpRequest,
    fetch: &Function,
) -> Result<Outcome, (Error, u32)> {
    let start = js_sys::Date::now();
    let elapsed = || (js_sys::Date::now() - start).max(0.0) as u64;
    let mut attempts: u32 = 0;
    loop {
        attempts += 1;
        let attempt_started = elapsed();
        let timeout = built.policy.attempt_timeout(attempt_started);
        let err = match send_once(request, fetch, timeout).await {
            Ok(response) => match built
                .handler
                .outcome(request, &response, js_sys::Date::now())
            {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            },
            Err(detail) => built.handler.network_error(request, &detail),
        };
        match built.policy.next_delay(
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
    let deadline_parts = pb_deadline(timeout_ms as f64);
    let deadline: Promise = pb_get(&deadline_parts, &JsValue::from_str("promise")).unchecked_into();
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
    let signal = pb_get(&deadline_parts, &JsValue::from_str("signal"));
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

// ---------------------------------------------------------------- the Worker

/// The delivery ledger's driver (statements run through the entry's D1 runner).
mod worker_ledger;

/// The Cloudflare Worker proxy: `new WorkerApp(env)` once per instance, then
/// `gate(…)` for the checks that need no body and `handle(…)` for the rest.
/// Every rule is in `crate::worker`; this only converts and drives.
#[wasm_bindgen(js_name = WorkerApp)]
pub struct JsWorkerApp {
    env: JsValue,
    /// One handler per route, built (mapping parsed) on first use and kept,
    /// or the configuration error every request of that route reports.
    built: RefCell<Vec<(&'static str, BuiltOrError)>>,
    /// The delivery ledger's settings, read on first use.
    ledger: RefCell<Option<Result<Rc<crate::ledger::Config>, Error>>>,
}

type BuiltOrError = Result<Rc<Built>, Error>;

#[wasm_bindgen(js_class = WorkerApp)]
impl JsWorkerApp {
    #[wasm_bindgen(constructor)]
    pub fn new(env: JsValue) -> JsWorkerApp {
        JsWorkerApp {
            env,
            built: RefCell::new(Vec::new()),
            ledger: RefCell::new(None),
        }
    }

    /// The largest body `handle` accepts; read at most one byte more.
    #[wasm_bindgen(js_name = maxBodyBytes, getter)]
    pub fn max_body_bytes(&self) -> u32 {
        crate::worker::MAX_BODY_BYTES as u32
    }

    /// Checks that need no body. Returns an answer to send now (with
    /// `drainBody`: read and discard the body first), or `null`: read the
    /// body and call `handle`.
    pub fn gate(&self, method: &str, path: &str, headers: &Headers, started_ms: f64) -> JsValue {
        let content_type = header(headers, "content-type");
        let content_length = header(headers, "content-length");
        let authorization = header(headers, "authorization");
        let incoming = crate::worker::Incoming {
            method,
            path,
            content_type: content_type.as_deref(),
            content_length: content_length.as_deref(),
            authorization: authorization.as_deref(),
        };
        let early = if crate::ledger::admin::is_admin_path(path) {
            // The review API: its own secret, its own checks.
            let secret = JsEnv(self.env.clone()).var("PASSBRIDGE_ADMIN_SECRET");
            crate::ledger::admin::gate(method, path, incoming.authorization, secret.as_deref())
                .err()
        } else {
            let secret = JsEnv(self.env.clone()).var("PASSBRIDGE_WEBHOOK_SECRET");
            match crate::worker::gate(&incoming, secret.as_deref(), env!("CARGO_PKG_VERSION")) {
                crate::worker::Gate::Answer(a)
                    if path == crate::worker::HEALTH_PATH && a.status == 200 =>
                {
                    Some(crate::ledger::with_health(
                        a,
                        worker_ledger::health(&self.env),
                    ))
                }
                crate::worker::Gate::Answer(a) => Some(a),
                crate::worker::Gate::Proceed(_) => None,
            }
        };
        match early {
            Some(a) => {
                let answer = answer_to_js(method, path, &a, started_ms, headers);
                let drain = crate::worker::drain_before_early_answer(incoming.content_length);
                set(&answer, "drainBody", &JsValue::from_bool(drain));
                answer
            }
            None => JsValue::NULL,
        }
    }

    /// The 413 answer for a body that turned out larger than `maxBodyBytes`.
    #[wasm_bindgen(js_name = tooLarge)]
    pub fn too_large(&self, path: &str, headers: &Headers, started_ms: f64) -> JsValue {
        let a = crate::worker::too_large().authenticated();
        answer_to_js("POST", path, &a, started_ms, headers)
    }

    /// The answer (and log line) when the client went away mid-body.
    #[wasm_bindgen(js_name = clientClosed)]
    pub fn client_closed(&self, path: &str, headers: &Headers, started_ms: f64) -> JsValue {
        answer_to_js(
            "POST",
            path,
            &crate::worker::client_closed(),
            started_ms,
            headers,
        )
    }

    /// The answer (and log line) for a failure of the Worker itself (the
    /// entry caught an exception, or the wasm trapped and was reset).
    #[wasm_bindgen(js_name = internalError)]
    pub fn internal_error(
        &self,
        method: &str,
        path: &str,
        headers: &Headers,
        started_ms: f64,
    ) -> JsValue {
        answer_to_js(
            method,
            path,
            &crate::worker::internal_error(),
            started_ms,
            headers,
        )
    }

    /// Runs a route (or a review request) on a body that passed `gate`.
    /// `request` is `{ method, query, idempotencyKey }`; `ledger` runs the
    /// core's D1 statements: `(statementsJson) => Promise<resultsJson>`.
    /// Always resolves to an answer.
    #[allow(clippy::too_many_arguments)]
    pub fn handle(
        &self,
        path: String,
        body: String,
        headers: Headers,
        fetch: JsValue,
        started_ms: f64,
        request: JsValue,
        ledger: JsValue,
    ) -> Promise {
        let field = |k: &str| pb_env(&request, &JsValue::from_str(k));
        let method = field("method").unwrap_or_else(|| "POST".to_string());
        // Every answer below is to a request that passed authentication.
        let done = |a: &crate::worker::Answer| {
            answer_to_js(
                &method,
                &path,
                &a.clone().authenticated(),
                started_ms,
                &headers,
            )
        };
        let runner = worker_ledger::Runner::from_js(&ledger);
        let now_ms = started_ms.max(0.0) as u64;
        if crate::ledger::admin::is_admin_path(&path) {
            let secret = JsEnv(self.env.clone()).var("PASSBRIDGE_ADMIN_SECRET");
            let auth = field("authorization");
            let route = match crate::ledger::admin::gate(
                &method,
                &path,
                auth.as_deref(),
                secret.as_deref(),
            ) {
                Ok(r) => r,
                Err(a) => {
                    return Promise::resolve(&answer_to_js(
                        &method, &path, &a, started_ms, &headers,
                    ))
                }
            };
            let query = field("query").unwrap_or_default();
            let env = self.env.clone();
            return future_to_promise(async move {
                let answer =
                    worker_ledger::review(env, runner, route, query, body, fetch, now_ms).await;
                Ok(answer_to_js(
                    &method,
                    &path,
                    &answer.authenticated(),
                    started_ms,
                    &headers,
                ))
            });
        }
        let Some(route) = crate::worker::route(path) else {
            return Promise::resolve(&done(&crate::worker::Answer::problem(
                crate::error::WorkerCode::RouteNotFound,
                "Not Found",
                "no such route",
            )));
        };
        // Configuration first: a bad mapping fails every request loudly,
        // whatever its body.
        let built = match self.route_handler(route) {
            Ok(b) => b,
            Err(e) => return Promise::resolve(&done(&crate::worker::failure(&e))),
        };
        let config = match self.ledger_config() {
            Ok(c) => c,
            Err(e) => return Promise::resolve(&done(&crate::worker::failure(&e))),
        };
        let recorded = config.mode.records(route.path);
        if recorded && !worker_ledger::has_binding(&self.env) {
            return Promise::resolve(&done(&crate::ledger::missing_binding(config.mode)));
        }
        let parsed = match crate::worker::parse_body(&body) {
            Ok(v) => v,
            Err(a) => return Promise::resolve(&done(&a)),
        };
        let (profile, event) = match crate::worker::person_and_event(&parsed) {
            Ok(pe) => pe,
            Err(a) => return Promise::resolve(&done(&a)),
        };
        let key = match crate::ledger::delivery_key(
            route.path,
            field("idempotencyKey").as_deref(),
            config.key_template.as_ref(),
            profile,
            event,
            body.as_bytes(),
        ) {
            Ok(k) => k,
            Err(a) => return Promise::resolve(&done(&a)),
        };
        let id = crate::ledger::delivery_id(route.path, &key);
        let mark =
            |a: crate::worker::Answer| crate::ledger::unrecorded(a, &id, config.mode, route.path);
        let request = match built.handler.plan(profile, event, &JsEnv(self.env.clone())) {
            Ok(Plan::Skip(reason)) => {
                return Promise::resolve(&done(&mark(crate::worker::success(&Outcome::skipped(
                    reason,
                )))))
            }
            Ok(Plan::Send(request)) if built.dry_run => {
                return Promise::resolve(&done(&mark(crate::worker::dry_run(&request))))
            }
            Ok(Plan::Send(request)) => request,
            Err(e) => return Promise::resolve(&done(&mark(crate::worker::failure(&e)))),
        };
        let Some(fetch) = fetch.dyn_ref::<Function>().cloned() else {
            let e = Error::invalid_config("no fetch function");
            return Promise::resolve(&done(&mark(crate::worker::failure(&e))));
        };
        // One future for both: recorded deliveries go through the ledger,
        // the others are sent as before (and only tagged with their id).
        let runner = runner.filter(|_| recorded);
        let mode = config.mode;
        future_to_promise(async move {
            let answer = worker_ledger::deliver(
                runner, mode, built, route, id, request, body, fetch, now_ms,
            )
            .await;
            Ok(answer_to_js(
                &method,
                &path,
                &answer.authenticated(),
                started_ms,
                &headers,
            ))
        })
    }

    /// The `scheduled` clean-up of the ledger; resolves to its log line.
    pub fn retention(&self, now_ms: f64, ledger: JsValue) -> Promise {
        let env = self.env.clone();
        let runner = worker_ledger::Runner::from_js(&ledger);
        future_to_promise(async move {
            let line = worker_ledger::retention(env, runner, now_ms.max(0.0) as u64).await;
            Ok(JsValue::from_str(&line))
        })
    }
}

impl JsWorkerApp {
    fn route_handler(&self, route: &crate::worker::Route) -> Result<Rc<Built>, Error> {
        if let Some((_, b)) = self.built.borrow().iter().find(|(p, _)| *p == route.path) {
            return b.clone();
        }
        let built = worker_ledger::build_route(&self.env, route);
        self.built.borrow_mut().push((route.path, built.clone()));
        built
    }

    /// The ledger settings, read once (or the error every route request reports).
    fn ledger_config(&self) -> Result<Rc<crate::ledger::Config>, Error> {
        if let Some(c) = self.ledger.borrow().as_ref() {
            return c.clone();
        }
        let config = worker_ledger::config(&self.env).map(Rc::new);
        *self.ledger.borrow_mut() = Some(config.clone());
        config
    }
}

/// `{ status, headers, body, log }` for the Worker entry to send and print
/// (`body` is `null` when the method is HEAD).
fn answer_to_js(
    method: &str,
    path: &str,
    a: &crate::worker::Answer,
    started_ms: f64,
    request_headers: &Headers,
) -> JsValue {
    let obj: JsValue = Object::new().into();
    set(&obj, "status", &JsValue::from_f64(f64::from(a.status)));
    let headers: JsValue = Object::new().into();
    for (name, value) in &a.headers {
        set(&headers, name, &JsValue::from_str(value));
    }
    set(&obj, "headers", &headers);
    let body = if crate::worker::sends_body(method) {
        JsValue::from_str(&a.body)
    } else {
        JsValue::NULL
    };
    set(&obj, "body", &body);
    // The page's bytes are large and static: the entry holds them.
    set(
        &obj,
        "page",
        &JsValue::from_bool(crate::worker::is_page(a) && crate::worker::sends_body(method)),
    );
    let duration = (js_sys::Date::now() - started_ms).max(0.0) as u64;
    let flow_id = header(request_headers, crate::worker::FLOW_ID_HEADER);
    let line = crate::worker::log_line(path, a, duration, flow_id.as_deref());
    set(&obj, "log", &JsValue::from_str(&line));
    obj
}

#[wasm_bindgen]
extern "C" {
    /// The Fetch API's `Headers` of an incoming request.
    pub type Headers;
    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_header(this: &Headers, name: &str) -> Result<Option<String>, JsValue>;
}

/// A request header's value, or `None` (also when reading it throws).
fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.get_header(name).ok().flatten()
}
