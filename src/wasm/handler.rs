//! The Code action's class, `Handler` in JavaScript: `new Handler(options)`
//! checks the options given in code now (templates included); `run` and
//! `plan` merge them with the `PASSBRIDGE_*` variables on first use.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::calls::spawn;

use super::convert::{dry_run_to_js, outcome_to_js};
use super::fetch::drive_from;
use super::read::{present, JsEnv, JsOptions, ValueKind};
use crate::error::Error;
use crate::handler::{Configured, Door, Step};
use crate::options::Options;

/// A configured Code action handler.
#[wasm_bindgen(js_name = Handler)]
pub struct JsHandler {
    code_options: Options,
    configured: RefCell<Option<Rc<Configured>>>,
}

#[wasm_bindgen(js_class = Handler)]
impl JsHandler {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsHandler, JsValue> {
        ValueKind::share();
        // Option errors carry the prefix of the provider the options name
        // (PassNinja when none is named, as for every default handler).
        let code_options = Options::read(&JsOptions(&options)).map_err(|e| e.to_js(None))?;
        // Parse what was given in code now: a bad template fails at creation.
        code_options.check_templates().map_err(|e| e.to_js(None))?;
        Ok(JsHandler {
            code_options,
            configured: RefCell::new(None),
        })
    }

    /// Plans without sending: the skip result, or `{ dryRun: true, request }`.
    pub fn plan(&self, event: JsValue, profile: JsValue, env: JsValue) -> Result<JsValue, JsValue> {
        let step = self
            .configured(&env)
            .and_then(|run| step(&run, event, profile, &env))
            .map_err(|e| e.to_js(None))?;
        Ok(match step {
            Step::Done(outcome) => outcome_to_js(&outcome),
            Step::DryRun(dry) => dry_run_to_js(&dry),
            Step::Send(request) => dry_run_to_js(&crate::dry_run::DryRun(request)),
        })
    }

    /// Plans, then (unless dry run) sends with retries through `fetch`.
    /// Resolves to the flat outcome; rejects with a coded `Error`.
    /// `budgetMs` counts from here: reading the profile and rendering too.
    pub fn run(&self, event: JsValue, profile: JsValue, env: JsValue, fetch: JsValue) -> Promise {
        let start = js_sys::Date::now();
        let run = match self.configured(&env) {
            Ok(run) => run,
            Err(e) => return Promise::reject(&e.to_js(None)),
        };
        let request = match step(&run, event, profile, &env) {
            Ok(Step::Done(outcome)) => return Promise::resolve(&outcome_to_js(&outcome)),
            Ok(Step::DryRun(dry)) => return Promise::resolve(&dry_run_to_js(&dry)),
            Ok(Step::Send(request)) => request,
            Err(e) => return Promise::reject(&e.to_js(None)),
        };
        let Some(fetch) = fetch.dyn_ref::<Function>().cloned() else {
            let e = run.handler.own(Error::invalid_config(
                "no fetch function: pass options.fetch or run where globalThis.fetch exists",
            ));
            return Promise::reject(&e.to_js(None));
        };
        spawn(async move {
            drive_from(&run, &request, &fetch, start)
                .await
                .map(|o| outcome_to_js(&o))
                .map_err(|(e, attempts)| e.to_js(Some(attempts)))
        })
    }
}

/// The error a door reports after a trap replaced the wasm instance.
#[wasm_bindgen(js_name = internalError)]
pub fn internal_error() -> JsValue {
    super::convert::internal_to_js()
}

impl JsHandler {
    /// The configured handler, built on first use (the variables are read once).
    fn configured(&self, env: &JsValue) -> Result<Rc<Configured>, Error> {
        if let Some(run) = self.configured.borrow().as_ref() {
            return Ok(run.clone());
        }
        let run = Rc::new(Configured::new(
            self.code_options.clone(),
            &JsEnv(env.clone()),
            Door::CODE_ACTION,
        )?);
        *self.configured.borrow_mut() = Some(run.clone());
        Ok(run)
    }
}

fn step(run: &Configured, event: JsValue, profile: JsValue, env: &JsValue) -> Result<Step, Error> {
    // `present` maps undefined to None; a null event is handled by the core.
    run.step(present(profile), present(event), &JsEnv(env.clone()))
}
