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
    /// Fills every option not given here (in code) from its `PASSBRIDGE_*`
    /// variable, so one pasted file serves every scenario without code changes.
    /// An option given in code wins, and its variable is then not even read.
    /// Errors carry the prefix of the provider that will run.
    pub fn with_env(self, env: &dyn Env) -> Result<Options, Error> {
        let text = |name: &str| crate::env::optional(env, name);
        let provider = self.provider.or_else(|| text("PASSBRIDGE_PROVIDER"));
        let prefix = crate::providers::prefix(provider.as_deref());
        let run = || -> Result<Options, Error> {
            let flag = |given: Option<bool>, name: &str| match given {
                Some(v) => Ok(Some(v)),
                None => text(name)
                    .map(|v| crate::env::parse_bool(name, &v))
                    .transpose(),
            };
            let pairs = |given: Option<Vec<(String, String)>>, name: &str, what: &str| match given {
                Some(v) => Ok(Some(v)),
                None => text(name)
                    .map(|json| crate::mapping::pairs_from_json(what, name, &json))
                    .transpose(),
            };
            let budget_ms = match self.budget_ms {
                Some(ms) => Some(ms),
                None => text("PASSBRIDGE_BUDGET_MS")
                    .map(|v| {
                        parse_budget(
                            "PASSBRIDGE_BUDGET_MS",
                            v.trim().parse::<f64>().unwrap_or(f64::NAN),
                        )
                    })
                    .transpose()?,
            };
            Ok(Options {
                provider: provider.clone(),
                operation: self
                    .operation
                    .clone()
                    .or_else(|| text("PASSBRIDGE_OPERATION")),
                fields: pairs(self.fields.clone(), "PASSBRIDGE_FIELDS", "field")?,
                identifiers: pairs(
                    self.identifiers.clone(),
                    "PASSBRIDGE_IDENTIFIERS",
                    "identifier",
                )?,
                pass_type: self
                    .pass_type
                    .clone()
                    .or_else(|| text("PASSBRIDGE_PASS_TYPE")),
                update_metadata: flag(self.update_metadata, "PASSBRIDGE_UPDATE_METADATA")?,
                delta: self.delta.clone().or_else(|| text("PASSBRIDGE_DELTA")),
                reason: self.reason.clone().or_else(|| text("PASSBRIDGE_REASON")),
                skip_if_pass_exists: flag(
                    self.skip_if_pass_exists,
                    "PASSBRIDGE_SKIP_IF_PASS_EXISTS",
                )?,
                dry_run: flag(self.dry_run, "PASSBRIDGE_DRY_RUN")?,
                budget_ms,
            })
        };
        run().map_err(|e| crate::env::redact_secrets(e, env).prefixed(prefix))
    }

    /// Parses every template option now (fields, identifiers, delta, reason),
    /// whatever provider ends up using them, so a mistake in code fails when the
    /// handler is created. Errors name the option, the field and the position.
    pub fn check_templates(&self) -> Result<(), Error> {
        let prefix = crate::providers::prefix(self.provider.as_deref());
        for (what, pairs) in [("field", &self.fields), ("identifier", &self.identifiers)] {
            if let Some(pairs) = pairs {
                Mapping::parse_pairs(what, pairs).map_err(|e| e.prefixed(prefix))?;
            }
        }
        for (what, source) in [("delta", &self.delta), ("reason", &self.reason)] {
            if let Some(src) = source {
                Mapping::parse("option", [(what, src.as_str())]).map_err(|e| e.prefixed(prefix))?;
            }
        }
        Ok(())
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
            .and_then(check_body_size)
            .map_err(|e| crate::env::redact_secrets(e, env).prefixed(self.prefix))
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
            .map_err(|e| e.prefixed(self.prefix))
    }

    /// The error for a transport failure or timeout of `request`.
    pub fn network_error(&self, request: &HttpRequest, detail: &str) -> Error {
        let secrets = request.secrets();
        Error::network(crate::http::excerpt(
            &crate::error::scrub_foreign(detail, &secrets),
            200,
        ))
        .prefixed(self.prefix)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn code_wins_and_a_shadowed_variable_is_not_read() {
        let env: HashMap<&str, &str> = [
            ("PASSBRIDGE_PROVIDER", "walletcrew"),
            ("PASSBRIDGE_FIELDS", "not json"),
            ("PASSBRIDGE_PASS_TYPE", "premium"),
        ]
        .into_iter()
        .collect();
        let code = Options {
            fields: Some(vec![("a".into(), "b".into())]),
            ..Options::default()
        };
        let o = code.with_env(&env).unwrap();
        assert_eq!(o.provider.as_deref(), Some("walletcrew"));
        assert_eq!(o.pass_type.as_deref(), Some("premium"));
        assert_eq!(o.fields, Some(vec![("a".into(), "b".into())]));
    }

    #[test]
    fn variable_errors_carry_the_prefix_of_the_provider_that_runs() {
        let env: HashMap<&str, &str> = [
            ("PASSBRIDGE_PROVIDER", "walletcrew"),
            ("PASSBRIDGE_UPDATE_METADATA", "maybe"),
        ]
        .into_iter()
        .collect();
        let err = Options::default().with_env(&env).unwrap_err();
        assert_eq!(
            err.message,
            "The Wallet Crew error: PASSBRIDGE_UPDATE_METADATA must be true or false (or 1/0, yes/no, on/off)"
        );
        let err = Options {
            provider: Some("jericommerce".into()),
            ..Options::default()
        }
        .with_env(&env)
        .unwrap_err();
        assert!(err.message.starts_with("JeriCommerce error: "));
    }
}
