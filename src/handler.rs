//! A handler: one provider operation, configured once, run per profile.

use crate::dry_run::DryRun;
use crate::env::Env;
use crate::error::Error;
use crate::http::Plan;
use crate::http::{HttpRequest, HttpResponse};
use crate::options::Options;
use crate::outcome::Outcome;
use crate::profile::{Input, Node};
use crate::providers::{Operation, Registry, REGISTRY};
use crate::retry::RetryPolicy;

/// A configured operation with its provider's message prefix.
pub struct Handler {
    provider: &'static str,
    prefix: &'static str,
    op: Box<dyn Operation>,
    registry: &'static Registry,
}

impl Handler {
    /// Parses templates and checks options now, so a mistake surfaces when the
    /// handler is created, not when a profile arrives.
    pub fn new(options: &Options) -> Result<Handler, Error> {
        Handler::new_in(options, &REGISTRY)
    }

    /// [`Handler::new`] with the providers of `registry`.
    pub fn new_in(options: &Options, registry: &'static Registry) -> Result<Handler, Error> {
        let (provider, op) = registry.build(options)?;
        Ok(Handler {
            provider: provider.id,
            prefix: provider.prefix,
            op,
            registry,
        })
    }

    /// The prefix of every message of this handler, such as `PassNinja error: `.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// Plans one run for a profile and an optional event.
    pub fn plan<N: Node>(
        &self,
        profile: Option<N>,
        event: Option<N>,
        env: &dyn Env,
    ) -> Result<Plan, Error> {
        Input::new(profile, event)
            .and_then(|input| self.op.plan(&input, env))
            .and_then(check_body_size)
            .map_err(|e| self.own(self.registry.redact_secrets(e, env)))
    }

    /// Classifies the answer to a request this handler planned.
    pub fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error> {
        // Provider text in these errors was scrubbed where it was quoted
        // (`check_status`); the rest of each message is our own words.
        self.op
            .outcome(request, response, now_ms)
            .map_err(|e| self.own(e))
    }

    /// The pass `request` sets to a state, named with its provider
    /// (`passninja` + newline + identity), or `None` when the operation is
    /// not ordered (see [`Operation::pass`]).
    pub fn pass(&self, request: &HttpRequest) -> Option<String> {
        self.op
            .pass(request)
            .map(|identity| format!("{}\n{identity}", self.provider))
    }

    /// The error for a transport failure or timeout of `request`.
    pub fn network_error(&self, request: &HttpRequest, detail: &str) -> Error {
        let secrets = request.secrets();
        self.own(Error::network(crate::http::excerpt(
            &crate::error::scrub_foreign(detail, &secrets),
            200,
        )))
    }

    /// An error of this handler's run, with its provider's prefix: the one
    /// place a handler's errors get it (providers and the doors never add it).
    pub fn own(&self, e: Error) -> Error {
        e.prefixed(self.prefix)
    }
}

/// A door's defaults for what the options leave unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Door {
    /// The run's total time, retries included, when `budgetMs` is unset.
    pub budget_ms: u64,
}

impl Door {
    /// The Klaviyo Code action: 8 s of the action's ~12 s.
    pub const CODE_ACTION: Door = Door { budget_ms: 8_000 };
    /// The Worker: 3 s, short, because Klaviyo retries a 503 later.
    pub const WORKER: Door = Door { budget_ms: 3_000 };
}

/// A handler with what its options say about running it: dry run or not,
/// and the retry policy (the door's default budget unless `budgetMs` is set).
pub struct Configured {
    pub handler: Handler,
    pub dry_run: bool,
    pub policy: RetryPolicy,
    /// The Worker's write-back of this route's result to Klaviyo
    /// (`crate::write_back::setup`); `None` in the other doors.
    pub write_back: Option<crate::write_back::Setup>,
}

/// What one run does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing to send: this is the result (a skip).
    Done(Outcome),
    /// Dry run: report the request instead of sending it.
    DryRun(DryRun),
    /// Send this request.
    Send(HttpRequest),
}

impl Configured {
    /// Merges the options given in code with the `PASSBRIDGE_*` variables
    /// and builds the handler.
    pub fn new(code: Options, env: &dyn Env, door: Door) -> Result<Configured, Error> {
        let options = code.with_env(env)?;
        Ok(Configured {
            handler: Handler::new(&options)?,
            dry_run: options.dry_run.unwrap_or(false),
            policy: RetryPolicy::with_budget(options.budget_ms.unwrap_or(door.budget_ms)),
            write_back: None,
        })
    }

    /// Plans one run: skip, dry run or send.
    pub fn step<N: Node>(
        &self,
        profile: Option<N>,
        event: Option<N>,
        env: &dyn Env,
    ) -> Result<Step, Error> {
        Ok(match self.handler.plan(profile, event, env)? {
            Plan::Skip(reason) => Step::Done(Outcome::skipped(reason)),
            Plan::Send(request) if self.dry_run => Step::DryRun(DryRun(request)),
            Plan::Send(request) => Step::Send(request),
        })
    }
}

/// The largest request body passbridge sends. Each rendered value is bounded
/// too (`template::MAX_RENDERED_BYTES`), so the body is never built far past this.
pub const MAX_REQUEST_BODY_BYTES: usize = 64 * 1024;

fn check_body_size(plan: Plan) -> Result<Plan, Error> {
    match &plan {
        Plan::Send(r) if r.body.as_ref().is_some_and(|b| b.len() > MAX_REQUEST_BODY_BYTES) => {
            Err(Error::invalid_profile(format!(
                "the request body would be larger than {MAX_REQUEST_BODY_BYTES} bytes; a pass needs no such values"
            )))
        }
        _ => Ok(plan),
    }
}
