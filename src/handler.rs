//! A handler: one provider operation, configured once, run per profile.

use crate::env::Env;
use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
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
}

/// One provider operation: builds requests and classifies answers.
/// Implementations live one per provider file in `providers/`.
pub trait Operation {
    /// Decides to skip or which request to send. Never performs I/O.
    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error>;
    /// Turns the provider's answer into an outcome or a typed error.
    fn outcome(&self, request: &HttpRequest, response: &HttpResponse, now_ms: f64) -> Result<Outcome, Error>;
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
    pub fn plan<N: Node>(&self, profile: Option<N>, event: Option<N>, env: &dyn Env) -> Result<Plan, Error> {
        Input::new(profile, event)
            .and_then(|input| self.op.plan(&input, env))
            .map_err(|e| e.prefixed(self.prefix))
    }

    /// Classifies the answer to a request this handler planned.
    pub fn outcome(&self, request: &HttpRequest, response: &HttpResponse, now_ms: f64) -> Result<Outcome, Error> {
        self.op
            .outcome(request, response, now_ms)
            .map_err(|e| e.redacted(&request.secrets()).prefixed(self.prefix))
    }

    /// The error for a transport failure or timeout of `request`.
    pub fn network_error(&self, request: &HttpRequest, detail: &str) -> Error {
        Error::network(crate::http::excerpt(detail, 200))
            .redacted(&request.secrets())
            .prefixed(self.prefix)
    }
}
