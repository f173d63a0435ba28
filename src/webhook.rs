//! The Worker's one step for a webhook body that passed the gate: route,
//! configuration, ledger settings, body, delivery key, plan — in that order
//! — ending in an answer to give now or a request to send.

use std::rc::Rc;

use crate::env::Env;
use crate::error::{Error, WorkerCode};
use crate::handler::{Configured, Step};
use crate::http::HttpRequest;
use crate::ledger::{self, Config, Mode};
use crate::worker::{self, Answer, Route};

/// A request to send for a delivery.
pub struct Delivery {
    pub route: Route,
    pub configured: Rc<Configured>,
    /// The delivery's public id.
    pub id: String,
    /// Whether the ledger records it (claim, send, finish).
    pub recorded: bool,
    /// The key of the pass it sets to a state (`ledger::pass_key`), when it
    /// is ordered and recorded: the newest delivery for that pass wins.
    pub pass: Option<String>,
    pub mode: Mode,
    pub request: HttpRequest,
    /// The webhook body as text (stored, for `resend`).
    pub input: String,
    /// Where the delivery key came from (the log line's `keySource`).
    pub key_source: &'static str,
    /// The result's write-back to Klaviyo, when the route has one.
    pub write_back: Option<crate::write_back::Job>,
}

/// What the Worker does with a webhook body.
pub enum Next {
    /// Answer now (the boundary marks it authenticated).
    Answer(Answer),
    /// Send, then answer what the provider said.
    Send(Box<Delivery>),
}

/// What the step needs from the Worker instance (each read on first use and
/// kept by the boundary).
pub struct Instance<'a> {
    /// The configured handler of a route (or its configuration error).
    pub configure: &'a dyn Fn(Route) -> Result<Rc<Configured>, Error>,
    /// The ledger settings (or their error).
    pub ledger: &'a dyn Fn() -> Result<Rc<Config>, Error>,
    /// Whether the D1 binding exists.
    pub has_binding: &'a dyn Fn() -> bool,
    pub env: &'a dyn Env,
}

/// The step, for `path` and the body's raw bytes (and an `Idempotency-Key` header).
pub fn step(path: &str, raw: Vec<u8>, idempotency_key: Option<&str>, at: &Instance) -> Next {
    let answer = Next::Answer;
    let Some(route) = worker::route(path) else {
        return answer(Answer::problem(
            WorkerCode::RouteNotFound,
            "Not Found",
            "no such route",
        ));
    };
    // Configuration first: a bad mapping fails every request loudly,
    // whatever its body.
    let configured = match (at.configure)(route) {
        Ok(c) => c,
        Err(e) => return answer(worker::failure(&e)),
    };
    let config = match (at.ledger)() {
        Ok(c) => c,
        Err(e) => return answer(worker::failure(&e)),
    };
    let recorded = config.mode.records(route.path);
    if recorded && !(at.has_binding)() {
        return answer(ledger::missing_binding(config.mode));
    }
    let body = match worker::body_text(raw) {
        Ok(b) => b,
        Err(a) => return answer(a),
    };
    let parsed = match worker::parse_body(&body) {
        Ok(v) => v,
        Err(a) => return answer(a),
    };
    let (profile, event) = match worker::person_and_event(&parsed) {
        Ok(pe) => pe,
        Err(a) => return answer(a),
    };
    // With PASSBRIDGE_LEDGER=off nothing is recorded and today's behaviour
    // stays: a key that cannot be chosen only costs the id its source (the
    // body hash names the delivery in the header and the log).
    let (key, source) = match (
        ledger::delivery_key(
            route.path,
            idempotency_key,
            config.key_template.as_ref(),
            profile,
            event,
            body.as_bytes(),
        ),
        config.mode,
    ) {
        (Ok(k), _) => k,
        (Err(_), ledger::Mode::Off) => (
            ledger::body_key(route.path, body.as_bytes()),
            ledger::KeySource::Body,
        ),
        (Err(a), _) => return answer(a),
    };
    let id = ledger::delivery_id(route.path, &key);
    let key_source = source.as_str();
    let mark = |a: Answer| {
        Next::Answer(
            ledger::unrecorded(a, &id, config.mode, route.path).with_key_source(key_source),
        )
    };
    let job = configured
        .write_back
        .as_ref()
        .map(|setup| crate::write_back::Job {
            setup: setup.clone(),
            target: crate::write_back::target(profile),
        });
    match configured.step(profile, event, at.env) {
        Ok(Step::Done(outcome)) => mark(worker::success(&outcome)),
        // A dry run shows both requests.
        Ok(Step::DryRun(dry)) => mark(match &job {
            Some(job) => crate::write_back::dry_run(&dry, job),
            None => worker::dry_run(&dry),
        }),
        Err(e) => mark(worker::failure(&e)),
        Ok(Step::Send(request)) => {
            // The pass comes from the planned request (the provider names it).
            let pass = configured
                .handler
                .pass(&request)
                .filter(|_| config.mode.orders() && (recorded || (at.has_binding)()))
                .map(|p| ledger::pass_key(&p));
            Next::Send(Box::new(Delivery {
                route,
                configured: configured.clone(),
                id: id.clone(),
                recorded: recorded || pass.is_some(),
                pass,
                mode: config.mode,
                request,
                input: body.clone(),
                key_source,
                write_back: job,
            }))
        }
    }
}

/// The configured handler of a route: provider and operation from the
/// route, everything else from the variables, the Worker's defaults.
pub fn configure(route: Route, env: &dyn Env) -> Result<Configured, Error> {
    let options = crate::options::Options {
        provider: Some(route.provider.to_string()),
        operation: Some(route.operation.to_string()),
        ..Default::default()
    };
    // PASSBRIDGE_WRITE_BACK is checked first, on every route, whatever it writes.
    let write_back = crate::write_back::setup(route, env)?;
    let mut configured = Configured::new(options, env, crate::handler::Door::WORKER)?;
    configured.write_back = write_back;
    Ok(configured)
}
