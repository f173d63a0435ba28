//! A handler: one provider operation, configured once, run per profile.

use crate::env::Env;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::mapping::Mapping;
use crate::outcome::{Outcome, Plan};
use crate::profile::{Input, Node, Resolve};

/// Options in code (or `PASSBRIDGE_*` variables); unset ones take defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub provider: Option<String>,
    pub operation: Option<String>,
    /// Pass field → template.
    pub fields: Option<Vec<(String, String)>>,
    /// Wallet Crew identifier name → template.
    pub identifiers: Option<Vec<(String, String)>>,
    pub pass_type: Option<String>,
    pub update_metadata: Option<bool>,
    /// JeriCommerce signed delta template.
    pub delta: Option<String>,
    /// JeriCommerce reason template.
    pub reason: Option<String>,
    pub skip_if_pass_exists: Option<bool>,
    /// Plan only: report the request instead of sending it.
    pub dry_run: Option<bool>,
    /// Total time for a run, retries included, in milliseconds.
    pub budget_ms: Option<u64>,
}

/// Longest allowed budget: Klaviyo stops a Code action after about 12 s, and
/// a Worker should answer a webhook well within a minute.
pub const MAX_BUDGET_MS: u64 = 60_000;

impl Options {
    /// Reads the `PASSBRIDGE_*` variables, so one pasted file serves every
    /// scenario without code changes.
    pub fn from_env(env: &dyn Env) -> Result<Options, Error> {
        let text = |name: &str| crate::env::optional(env, name);
        let flag = |name: &str| {
            text(name)
                .map(|v| crate::env::parse_bool(name, &v))
                .transpose()
        };
        let pairs = |name: &str, what: &str| {
            text(name)
                .map(|json| crate::mapping::pairs_from_json(what, name, &json))
                .transpose()
        };
        Ok(Options {
            provider: text("PASSBRIDGE_PROVIDER"),
            operation: text("PASSBRIDGE_OPERATION"),
            fields: pairs("PASSBRIDGE_FIELDS", "field")?,
            identifiers: pairs("PASSBRIDGE_IDENTIFIERS", "identifier")?,
            pass_type: text("PASSBRIDGE_PASS_TYPE"),
            update_metadata: flag("PASSBRIDGE_UPDATE_METADATA")?,
            delta: text("PASSBRIDGE_DELTA"),
            reason: text("PASSBRIDGE_REASON"),
            skip_if_pass_exists: flag("PASSBRIDGE_SKIP_IF_PASS_EXISTS")?,
            dry_run: flag("PASSBRIDGE_DRY_RUN")?,
            budget_ms: text("PASSBRIDGE_BUDGET_MS")
                .map(|v| {
                    parse_budget(
                        "PASSBRIDGE_BUDGET_MS",
                        v.trim().parse::<f64>().unwrap_or(f64::NAN),
                    )
                })
                .transpose()?,
        })
    }

    /// Parses every template option now (fields, identifiers, delta, reason),
    /// whatever provider ends up using them, so a mistake in code fails when the
    /// handler is created. Errors name the option, the field and the position.
    pub fn check_templates(&self) -> Result<(), Error> {
        let prefix = crate::providers::prefix(self.provider.as_deref());
        for (what, pairs) in [("field", &self.fields), ("identifier", &self.identifiers)] {
            if let Some(pairs) = pairs {
                Mapping::parse(what, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .map_err(|e| e.prefixed(prefix))?;
            }
        }
        for (what, source) in [("delta", &self.delta), ("reason", &self.reason)] {
            if let Some(src) = source {
                Mapping::parse("option", [(what, src.as_str())]).map_err(|e| e.prefixed(prefix))?;
            }
        }
        Ok(())
    }

    /// Each option set here, else the one in `fallback` (code wins over the environment).
    pub fn or(self, fallback: Options) -> Options {
        Options {
            provider: self.provider.or(fallback.provider),
            operation: self.operation.or(fallback.operation),
            fields: self.fields.or(fallback.fields),
            identifiers: self.identifiers.or(fallback.identifiers),
            pass_type: self.pass_type.or(fallback.pass_type),
            update_metadata: self.update_metadata.or(fallback.update_metadata),
            delta: self.delta.or(fallback.delta),
            reason: self.reason.or(fallback.reason),
            skip_if_pass_exists: self.skip_if_pass_exists.or(fallback.skip_if_pass_exists),
            dry_run: self.dry_run.or(fallback.dry_run),
            budget_ms: self.budget_ms.or(fallback.budget_ms),
        }
    }
}

/// A budget must be a whole number of milliseconds in 1..=60 000.
pub fn parse_budget(name: &str, ms: f64) -> Result<u64, Error> {
    if ms.is_finite() && ms >= 1.0 && ms <= MAX_BUDGET_MS as f64 {
        Ok(ms as u64)
    } else {
        Err(Error::invalid_config(format!(
            "{name} must be a number of milliseconds between 1 and {MAX_BUDGET_MS}"
        )))
    }
}

/// One provider operation: builds requests and classifies answers.
/// Implementations live one per provider file in `providers/`.
pub trait Operation {
    /// Decides to skip or which request to send. Never performs I/O.
    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error>;
    /// Turns the provider's answer into an outcome or a typed error.
    fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error>;
}

/// A configured operation with its provider's message prefix.
pub struct Handler {
    prefix: &'static str,
    op: Box<dyn Operation>,
}

impl Handler {
    /// Parses templates and checks options now, so a mistake surfaces when the
    /// handler is created, not when a profile arrives.
    pub fn new(options: &Options) -> Result<Handler, Error> {
        let (prefix, op) = crate::providers::build(options)?;
        Ok(Handler { prefix, op })
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
            .map_err(|e| e.prefixed(self.prefix))
    }

    /// Classifies the answer to a request this handler planned.
    pub fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error> {
        self.op
            .outcome(request, response, now_ms)
            .map_err(|e| e.redacted(&request.secrets()).prefixed(self.prefix))
    }

    /// The error for a transport failure or timeout of `request`.
    pub fn network_error(&self, request: &HttpRequest, detail: &str) -> Error {
        let secrets = request.secrets();
        Error::network(crate::http::excerpt(
            &crate::error::redact(detail, &secrets),
            200,
        ))
        .redacted(&secrets)
        .prefixed(self.prefix)
    }
}
