//! The delivery ledger at the boundary: runs the SQL statements the core
//! (`crate::ledger`) asks for through the entry's D1 runner, sends when the
//! core says so, and hands every result back to the core. Nothing is decided
//! here: which row, which state, which answer all come from `crate::ledger`.

use super::fetch::{drive, drive_with};
use super::js::get;
use super::read::{JsEnv, ValueKind};
use crate::env::Env;
use crate::error::Error;
use crate::handler::{Configured, Step};
use crate::ledger::admin::{self, AdminRoute};
use crate::ledger::{self, Config, Decision, NewDelivery, Statement, StmtResult};
use crate::outcome::Outcome;
use crate::retry::RetryPolicy;
use crate::webhook::Delivery;
use crate::worker::{self, Answer, Route};
use crate::write_back::{self, Done, Job};
use js_sys::{Function, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The entry's runner: `(statementsJson) => Promise<resultsJson>` (one D1 batch).
pub(super) struct Runner(pub Function);

impl Runner {
    pub(super) fn from_js(v: &JsValue) -> Option<Runner> {
        v.dyn_ref::<Function>().cloned().map(Runner)
    }

    /// Runs the statements as one batch; `Err` when D1 failed or answered nonsense.
    async fn run(&self, stmts: &[Statement]) -> Result<Vec<StmtResult>, ()> {
        let json = ledger::statements_json(stmts);
        let p = self
            .0
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(&json))
            .map_err(|_| ())?;
        let v = JsFuture::from(Promise::resolve(&p)).await.map_err(|_| ())?;
        let text = v.as_string().ok_or(())?;
        ledger::parse_results(&text, stmts.len()).map_err(|_| ())
    }
}

/// Whether the Worker has the D1 binding.
pub(super) fn has_binding(env: &JsValue) -> bool {
    // A binding is a class instance (D1Database), not plain data.
    matches!(
        ValueKind::of(&get(env, ledger::BINDING)),
        ValueKind::Object | ValueKind::Foreign
    )
}

/// The ledger settings from the Worker's variables.
pub(super) fn config(env: &JsValue) -> Result<Config, Error> {
    let e = JsEnv(env.clone());
    Config::from_vars(
        e.var("PASSBRIDGE_LEDGER").as_deref(),
        e.var("PASSBRIDGE_LEDGER_DAYS").as_deref(),
        e.var("PASSBRIDGE_DELIVERY_KEY").as_deref(),
    )
}

/// `"ledger"` for `GET /health`.
pub(super) fn health(env: &JsValue) -> &'static str {
    let mode = JsEnv(env.clone()).var("PASSBRIDGE_LEDGER");
    ledger::health_status(mode.as_deref(), has_binding(env))
}

/// The configured handler of a route (the route picks provider and operation).
pub(super) fn configure(env: &JsValue, route: Route) -> Result<Rc<Configured>, Error> {
    crate::webhook::configure(route, &JsEnv(env.clone())).map(Rc::new)
}

fn now() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// A delivery: when recorded (a runner is given), claim, then send once if
/// the core says so, then record; otherwise send as without a ledger.
pub(super) async fn deliver(runner: Option<Runner>, delivery: Delivery, fetch: Function) -> Answer {
    let Delivery {
        route,
        configured,
        id,
        mode,
        request,
        pass,
        input,
        write_back: job,
        ..
    } = delivery;
    let job = job.as_ref();
    let Some(runner) = runner else {
        let answer = match drive(&configured, &request, &fetch).await {
            Ok(outcome) => match job.filter(|j| j.applies(&outcome)) {
                // No ledger keeps the result for a resend, and a resend
                // would create twice: 200, the write-back reported.
                Some(job) => {
                    let done = send_write_back(job, &configured.policy, &outcome, &fetch).await;
                    write_back::answer_unrecorded(&outcome, &done)
                }
                None => worker::success(&outcome),
            },
            Err((e, _)) => worker::failure(&e),
        };
        return ledger::unrecorded(answer, &id, mode, route.path);
    };
    // The claim is dated when it is made: a body uploaded slowly must not
    // make a live delivery look stale to its redelivery.
    let claimed_at = now();
    let new = NewDelivery {
        id: &id,
        route,
        request: &request,
        input: &input,
    };
    let claim = match pass.as_deref() {
        Some(pass) => ledger::claim_ordered(&new, pass, claimed_at),
        None => ledger::claim(&new, claimed_at),
    };
    let Ok(results) = runner.run(&claim).await else {
        return ledger::ledger_unavailable(Some(&id));
    };
    // The create is done and only its write-back is owed: replay the
    // create, send the write-back again (never the create).
    if let Some(kept) = ledger::write_back::kept_result(route.path, &results) {
        let done = match job {
            Some(job) => send_write_back(job, &configured.policy, &kept, &fetch).await,
            None => Done::Skipped(format!("{} is not set", crate::klaviyo::KEY_VARIABLE)),
        };
        let (answer, stmts) = ledger::write_back::finish(&id, &kept, &done, now(), true);
        return record(&runner, &stmts, answer, &id).await;
    }
    let mut decision = ledger::after_claim(&id, route.path, claimed_at, &results);
    loop {
        match decision {
            Decision::Send => break,
            Decision::Answer(a) => return a,
            Decision::RunThenAnswer(stmts, a) => {
                return match runner.run(&stmts).await {
                    Ok(_) => a,
                    Err(()) => ledger::ledger_unavailable(Some(&id)),
                };
            }
            Decision::TakeOver(stmts) => {
                let Ok(results) = runner.run(&stmts).await else {
                    return ledger::ledger_unavailable(Some(&id));
                };
                decision = ledger::after_takeover(&id, &results);
            }
        }
    }
    let result = drive(&configured, &request, &fetch)
        .await
        .map_err(|(e, _)| e);
    if let (Ok(outcome), Some(job)) = (&result, job) {
        if job.applies(outcome) {
            // Two effects, recorded together: the create stays done whatever
            // happens to its write-back.
            let done = send_write_back(job, &configured.policy, outcome, &fetch).await;
            let at = now();
            let (answer, mut stmts) = ledger::write_back::finish(&id, outcome, &done, at, false);
            if pass.is_some() {
                // An ordered delivery applied: its pass's mark moves (forward only).
                stmts.push(ledger::mark(&id, at));
            }
            return record(&runner, &stmts, answer, &id).await;
        }
    }
    let (answer, stmts) = match pass {
        Some(_) => ledger::finish_ordered(&id, route.path, &result, now()),
        None => ledger::finish(&id, route.path, &result, now(), None),
    };
    // If this write fails the row stays pending: never answer what the
    // ledger does not hold (503; after 120 s a redelivery finds the row stale
    // and a person finds it in the review list).
    match runner.run(&stmts).await {
        Ok(_) => answer,
        Err(()) => ledger::unrecorded_answer(&id),
    }
}

/// Runs the statements that record an answer, and gives that answer only
/// when the ledger holds it (else 503, as for every final write).
async fn record(runner: &Runner, stmts: &[Statement], answer: Answer, id: &str) -> Answer {
    match runner.run(stmts).await {
        Ok(_) => answer,
        Err(()) => ledger::unrecorded_answer(id),
    }
}

/// Sends the write-back of `outcome` (an idempotent upsert: retried within
/// the budget like any idempotent request).
async fn send_write_back(
    job: &Job,
    policy: &RetryPolicy,
    outcome: &Outcome,
    fetch: &Function,
) -> Done {
    let request = match job.request(outcome) {
        Ok(r) => r,
        Err(done) => return done,
    };
    let sent = drive_with(
        policy,
        &request,
        fetch,
        js_sys::Date::now(),
        |response, now| job.outcome(response, now),
        |detail| job.network_error(detail),
    )
    .await;
    match sent {
        Ok(status) => Done::Written(status),
        Err((e, _)) => Done::Failed(e),
    }
}

/// A review request that passed `admin::gate`.
pub(super) async fn review(
    env: JsValue,
    runner: Option<Runner>,
    route: AdminRoute,
    query: String,
    body: String,
    fetch: JsValue,
    started_ms: u64,
) -> Answer {
    let Some(runner) = runner.filter(|_| has_binding(&env)) else {
        let mode = config(&env).map(|c| c.mode).unwrap_or(ledger::Mode::Auto);
        return ledger::missing_binding(mode);
    };
    match route {
        AdminRoute::List => {
            let q = match admin::parse_list_query(&query) {
                Ok(q) => q,
                Err(a) => return a,
            };
            match runner.run(&admin::list(&q)).await {
                Ok(r) => admin::list_answer(&q, started_ms, &r),
                Err(()) => ledger::ledger_unavailable(None),
            }
        }
        AdminRoute::Summary => {
            let mode = config(&env).map(|c| c.mode).unwrap_or(ledger::Mode::Auto);
            match runner.run(&ledger::summary::summary(started_ms)).await {
                Ok(r) => ledger::summary::summary_answer(mode, started_ms, &r),
                Err(()) => ledger::ledger_unavailable(None),
            }
        }
        AdminRoute::Get(id) => match runner.run(&admin::get(&id)).await {
            Ok(r) => admin::get_answer(&id, started_ms, &r),
            Err(()) => ledger::ledger_unavailable(Some(&id)),
        },
        AdminRoute::Resolve(id) => {
            let to = match admin::parse_resolve(&body) {
                Ok(s) => s,
                Err(a) => return a,
            };
            match runner.run(&admin::resolve(&id, to, started_ms)).await {
                Ok(r) => admin::resolve_answer(&id, to, started_ms, &r),
                Err(()) => ledger::ledger_unavailable(Some(&id)),
            }
        }
        AdminRoute::Resend(id) => resend(env, runner, id, fetch, started_ms).await,
    }
}

/// Sends a stored delivery exactly once more: the stored request (method,
/// URL, body) with the credentials of today, planned again from the stored
/// webhook body.
async fn resend(env: JsValue, runner: Runner, id: String, fetch: JsValue, now_ms: u64) -> Answer {
    let Ok(results) = runner.run(&admin::resend(&id, now_ms)).await else {
        return ledger::ledger_unavailable(Some(&id));
    };
    let claimed = match admin::after_resend(&id, &results) {
        Ok(c) => c,
        Err(a) => return a,
    };
    let undo = |a: Answer| {
        let stmts = admin::undo_resend(&claimed, now());
        let runner = &runner;
        async move {
            let _ = runner.run(&stmts).await;
            a
        }
    };
    let Some(route) = ledger::route_of(&claimed.row.route) else {
        return undo(admin::nothing_to_resend(&claimed)).await;
    };
    let configured = match configure(&env, route) {
        Ok(c) => c,
        Err(e) => return undo(worker::failure(&e)).await,
    };
    let planned = worker::parse_body(&claimed.input).and_then(|parsed| {
        let (profile, event) = worker::person_and_event(&parsed)?;
        configured
            .step(profile, event, &JsEnv(env.clone()))
            .map_err(|e| worker::failure(&e))
    });
    let mut request = match planned {
        Ok(Step::Send(request)) => request,
        Ok(Step::DryRun(dry)) => return undo(worker::dry_run(&dry)).await,
        Ok(Step::Done(_)) => return undo(admin::nothing_to_resend(&claimed)).await,
        Err(a) => return undo(a).await,
    };
    // Exactly what was sent the first time; only the headers are new. A
    // person asked for exactly one more send: never retried automatically.
    request.url = claimed.row.request_url.clone();
    request.body = claimed.row.request_body.clone();
    request.idempotent = false;
    let Some(fetch) = fetch.dyn_ref::<Function>().cloned() else {
        return undo(worker::failure(&Error::invalid_config("no fetch function"))).await;
    };
    let result = drive(&configured, &request, &fetch)
        .await
        .map_err(|(e, _)| e);
    // A create a person resent writes back like a first one.
    let job = configured.write_back.as_ref().and_then(|setup| {
        let parsed = worker::parse_body(&claimed.input).ok()?;
        let (profile, _) = worker::person_and_event(&parsed).ok()?;
        Some(Job {
            setup: setup.clone(),
            target: write_back::target(profile),
        })
    });
    let at = now();
    if let (Ok(outcome), Some(job)) = (&result, &job) {
        if job.applies(outcome) {
            let done = send_write_back(job, &configured.policy, outcome, &fetch).await;
            let (answer, mut stmts) = ledger::write_back::finish(&id, outcome, &done, at, false);
            // A pass's mark moves only forward; a row without a pass has none.
            stmts.push(ledger::mark(&id, at));
            return record(&runner, &stmts, answer, &id).await;
        }
    }
    let (answer, mut stmts) = ledger::finish(&id, route.path, &result, at, Some(claimed.row.state));
    if result.is_ok() {
        // A pass's mark moves only forward; a row without a pass has none.
        stmts.push(ledger::mark(&id, at));
    }
    match runner.run(&stmts).await {
        Ok(_) => answer,
        Err(()) => ledger::unrecorded_answer(&id),
    }
}

/// The `scheduled` clean-up; resolves to its log line.
pub(super) async fn retention(env: JsValue, runner: Option<Runner>, now_ms: u64) -> String {
    let days = match config(&env) {
        Ok(c) => c.days,
        Err(e) => return ledger::retention_log(None, ledger::DEFAULT_DAYS, Some(&e.message)),
    };
    let Some(runner) = runner.filter(|_| has_binding(&env)) else {
        return ledger::retention_log(None, days, Some("no LEDGER binding"));
    };
    match runner.run(&ledger::retention(now_ms, days)).await {
        Ok(r) => ledger::retention_log(r.first().map(|r| r.changes), days, None),
        Err(()) => ledger::retention_log(None, days, Some("the ledger could not be written")),
    }
}
