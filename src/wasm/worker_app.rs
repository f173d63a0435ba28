//! The Cloudflare Worker's class, `WorkerApp` in JavaScript: `new
//! WorkerApp(env)` once per instance, then `gate(request, …)` for the checks
//! that need no body and `handle(request, body, …)` for the rest. Every rule
//! is in `crate::worker`, `crate::webhook` and `crate::ledger`; this only
//! converts and drives.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::calls::spawn;

use super::js::{header, path_and_query, set, Headers, Request};
use super::read::{JsEnv, ValueKind};
use super::worker_ledger::{self, Runner};
use crate::env::Env;
use crate::error::Error;
use crate::handler::Configured;
use crate::ledger::Config;
use crate::webhook::{self, Instance, Next};
use crate::worker::{self, Answer, Route};

/// The Cloudflare Worker proxy.
#[wasm_bindgen(js_name = WorkerApp)]
pub struct JsWorkerApp {
    env: JsValue,
    /// One configured handler per route, built (mapping parsed) on first use
    /// and kept, or the configuration error every request of that route reports.
    configured: RefCell<Vec<(&'static str, ConfiguredOrError)>>,
    /// The delivery ledger's settings, read on first use.
    ledger: RefCell<Option<Result<Rc<Config>, Error>>>,
}

type ConfiguredOrError = Result<Rc<Configured>, Error>;

/// What every answer needs from the request: method, path and headers.
struct Asked {
    method: String,
    path: String,
    query: String,
    headers: Headers,
}

impl Asked {
    fn of(request: &Request) -> Asked {
        let (path, query) = path_and_query(&request.url());
        Asked {
            method: request.method(),
            path,
            query,
            headers: request.headers(),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// `{ status, headers, body, page, log }` for the entry to send and print.
    fn answer(&self, a: &Answer, started_ms: f64) -> JsValue {
        answer_to_js(&self.method, &self.path, a, started_ms, &self.headers)
    }
}

#[wasm_bindgen(js_class = WorkerApp)]
impl JsWorkerApp {
    #[wasm_bindgen(constructor)]
    pub fn new(env: JsValue) -> JsWorkerApp {
        ValueKind::share();
        JsWorkerApp {
            env,
            configured: RefCell::new(Vec::new()),
            ledger: RefCell::new(None),
        }
    }

    /// The largest body `handle` accepts; read at most one byte more.
    #[wasm_bindgen(js_name = maxBodyBytes, getter)]
    pub fn max_body_bytes(&self) -> u32 {
        worker::MAX_BODY_BYTES as u32
    }

    /// How long the entry may spend draining a body before an early answer.
    #[wasm_bindgen(js_name = drainMs, getter)]
    pub fn drain_ms(&self) -> u32 {
        worker::DRAIN_MS
    }

    /// Checks that need no body. Returns an answer to send now (with
    /// `drainBody`: read and discard the body first), or `null`: read the
    /// body and call `handle`.
    pub fn gate(&self, request: &Request, started_ms: f64) -> JsValue {
        let asked = Asked::of(request);
        let content_type = asked.header("content-type");
        let content_length = asked.header("content-length");
        let authorization = asked.header("authorization");
        let incoming = worker::Incoming {
            method: &asked.method,
            path: &asked.path,
            content_type: content_type.as_deref(),
            content_length: content_length.as_deref(),
            authorization: authorization.as_deref(),
        };
        let env = JsEnv(self.env.clone());
        let admin_on = || {
            env.var("PASSBRIDGE_ADMIN_SECRET")
                .is_some_and(|s| !s.is_empty())
        };
        let early = if asked.path == crate::review::PATH {
            // The deliveries page: in its "off" variant while the review API is off.
            crate::review::page(&asked.method, &asked.path, admin_on())
        } else if crate::ledger::admin::is_admin_path(&asked.path) {
            // The review API: its own secret, its own checks.
            let secret = env.var("PASSBRIDGE_ADMIN_SECRET");
            crate::ledger::admin::gate(
                &asked.method,
                &asked.path,
                incoming.authorization,
                secret.as_deref(),
            )
            .err()
        } else {
            let secret = env.var("PASSBRIDGE_WEBHOOK_SECRET");
            match worker::gate(&incoming, secret.as_deref(), env!("CARGO_PKG_VERSION")) {
                worker::Gate::Answer(a) if asked.path == worker::HEALTH_PATH && a.status == 200 => {
                    Some(crate::write_back::with_health(
                        crate::ledger::with_health(a, worker_ledger::health(&self.env)),
                        &env,
                    ))
                }
                worker::Gate::Answer(a) => Some(a),
                worker::Gate::Proceed(_) => None,
            }
        };
        match early {
            Some(a) => {
                let answer = self.early_answer(&asked, a, started_ms);
                let drain = worker::drain_before_early_answer(incoming.content_length);
                set(&answer, "drainBody", &JsValue::from_bool(drain));
                answer
            }
            None => JsValue::NULL,
        }
    }

    /// The 413 answer for a body that turned out larger than `maxBodyBytes`.
    #[wasm_bindgen(js_name = tooLarge)]
    pub fn too_large(&self, request: &Request, started_ms: f64) -> JsValue {
        self.early_answer(
            &Asked::of(request),
            worker::too_large().authenticated(),
            started_ms,
        )
    }

    /// The answer (and log line) when the client went away mid-body.
    #[wasm_bindgen(js_name = clientClosed)]
    pub fn client_closed(&self, request: &Request, started_ms: f64) -> JsValue {
        self.early_answer(&Asked::of(request), worker::client_closed(), started_ms)
    }

    /// The answer (and log line) for a failure of the Worker itself (the
    /// entry caught an exception, or the wasm trapped and was reset).
    #[wasm_bindgen(js_name = internalError)]
    pub fn internal_error(&self, request: &Request, started_ms: f64) -> JsValue {
        Asked::of(request).answer(&worker::internal_error(), started_ms)
    }

    /// Runs a route (or a review request) on a body that passed `gate`.
    /// `ledger` runs the core's D1 statements:
    /// `(statementsJson) => Promise<resultsJson>`. Always resolves to an answer.
    pub fn handle(
        &self,
        request: &Request,
        body: Vec<u8>,
        fetch: JsValue,
        started_ms: f64,
        ledger: JsValue,
    ) -> Promise {
        let asked = Asked::of(request);
        let runner = Runner::from_js(&ledger);
        let now_ms = started_ms.max(0.0) as u64;
        let env = JsEnv(self.env.clone());
        if crate::ledger::admin::is_admin_path(&asked.path) {
            let secret = env.var("PASSBRIDGE_ADMIN_SECRET");
            let auth = asked.header("authorization");
            let route = match crate::ledger::admin::gate(
                &asked.method,
                &asked.path,
                auth.as_deref(),
                secret.as_deref(),
            ) {
                Ok(r) => r,
                Err(a) => return Promise::resolve(&asked.answer(&a, started_ms)),
            };
            let env = self.env.clone();
            // A review body that is not UTF-8 reads as empty (400 from the action).
            let body = String::from_utf8(body).unwrap_or_default();
            return spawn(async move {
                let query = asked.query.clone();
                let answer =
                    worker_ledger::review(env, runner, route, query, body, fetch, now_ms).await;
                Ok(asked.answer(&answer.authenticated(), started_ms))
            });
        }
        let key = asked.header("idempotency-key");
        let instance = Instance {
            configure: &|route| self.configured(route),
            ledger: &|| self.ledger_config(),
            has_binding: &|| worker_ledger::has_binding(&self.env),
            env: &env,
        };
        let delivery = match webhook::step(&asked.path, body, key.as_deref(), &instance) {
            Next::Answer(a) => {
                return Promise::resolve(&asked.answer(&a.authenticated(), started_ms))
            }
            Next::Send(d) => d,
        };
        let Some(fetch) = fetch.dyn_ref::<Function>().cloned() else {
            let e = Error::invalid_config("no fetch function");
            let a = crate::ledger::unrecorded(
                worker::failure(&e),
                &delivery.id,
                delivery.mode,
                delivery.route.path,
            );
            let a = a.with_key_source(delivery.key_source);
            return Promise::resolve(&asked.answer(&a.authenticated(), started_ms));
        };
        // One future for both: recorded deliveries go through the ledger,
        // the others are sent as before (and only tagged with their id).
        let runner = runner.filter(|_| delivery.recorded);
        spawn(async move {
            let key_source = delivery.key_source;
            let answer = worker_ledger::deliver(runner, *delivery, fetch)
                .await
                .with_key_source(key_source);
            Ok(asked.answer(&answer.authenticated(), started_ms))
        })
    }

    /// The `scheduled` clean-up of the ledger; resolves to its log line.
    pub fn retention(&self, now_ms: f64, ledger: JsValue) -> Promise {
        let env = self.env.clone();
        let runner = Runner::from_js(&ledger);
        spawn(async move {
            let line = worker_ledger::retention(env, runner, now_ms.max(0.0) as u64).await;
            Ok(JsValue::from_str(&line))
        })
    }
}

impl JsWorkerApp {
    fn configured(&self, route: Route) -> Result<Rc<Configured>, Error> {
        if let Some((_, c)) = self
            .configured
            .borrow()
            .iter()
            .find(|(p, _)| *p == route.path)
        {
            return c.clone();
        }
        let c = worker_ledger::configure(&self.env, route);
        self.configured.borrow_mut().push((route.path, c.clone()));
        c
    }

    /// An answer given before the body was handled, with the ledger's log
    /// mark for a non-idempotent route when the ledger is off.
    fn early_answer(&self, asked: &Asked, a: Answer, started_ms: f64) -> JsValue {
        let a = match self.ledger_config() {
            Ok(c) => crate::ledger::mark_off(a, c.mode, &asked.path),
            Err(_) => a,
        };
        asked.answer(&a, started_ms)
    }

    /// The ledger settings, read once (or the error every route request reports).
    fn ledger_config(&self) -> Result<Rc<Config>, Error> {
        if let Some(c) = self.ledger.borrow().as_ref() {
            return c.clone();
        }
        let config = worker_ledger::config(&self.env).map(Rc::new);
        *self.ledger.borrow_mut() = Some(config.clone());
        config
    }
}

/// `{ status, headers, body, page, log }` for the Worker entry to send and
/// print (`body` is `null` when the method is HEAD).
fn answer_to_js(
    method: &str,
    path: &str,
    a: &Answer,
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
    let body = if worker::sends_body(method) {
        JsValue::from_str(&a.body)
    } else {
        JsValue::NULL
    };
    set(&obj, "body", &body);
    // The pages' bytes are large and static: the entry holds them, by name.
    let page = worker::page_of(a).filter(|_| worker::sends_body(method));
    set(&obj, "page", &page.map_or(JsValue::NULL, JsValue::from_str));
    let duration = (js_sys::Date::now() - started_ms).max(0.0) as u64;
    let flow_id = header(request_headers, worker::FLOW_ID_HEADER);
    let line = worker::log_line(path, a, duration, flow_id.as_deref());
    set(&obj, "log", &JsValue::from_str(&line));
    obj
}
