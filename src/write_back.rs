//! The Worker's write-back, sans-IO: after an operation whose result has
//! fields (PassNinja create: `serial`, `url`) succeeded, the result goes onto
//! the customer's Klaviyo profile (`POST /api/profile-import`). This file
//! decides whether a route writes back, which profile, what the dry run
//! shows, and how the two effects of one delivery are answered. The request
//! itself and Klaviyo's answer are `crate::klaviyo`'s; what the ledger keeps
//! is `crate::ledger::write_back`'s. See docs/write-back.md.

use crate::answer::{failure, success, Answer};
use crate::dry_run::DryRun;
use crate::env::Env;
use crate::error::{Code, Error};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::klaviyo::write_back::{self as wb, Identity, WriteBack};
use crate::klaviyo::{Klaviyo, KEY_VARIABLE};
use crate::outcome::{OutValue, Outcome};
use crate::profile::Node;
use crate::providers::{Route, REGISTRY};

/// A route's write-back: where Klaviyo is and what is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    pub klaviyo: Klaviyo,
    /// Only the pairs whose result field this route's operation returns.
    pub mapping: WriteBack,
}

/// A route's write-back settings. `PASSBRIDGE_WRITE_BACK` is checked on
/// every route (malformed JSON, or a result field that no operation of the
/// Worker's providers returns, is a configuration error naming it), and
/// `KLAVIYO_BASE_URL` whenever the key is set. `Ok(None)`: this route
/// writes nothing back (no key, or no mapped field in its result).
pub fn setup(route: Route, env: &dyn Env) -> Result<Option<Setup>, Error> {
    let operations = REGISTRY.providers().flat_map(|p| p.operations.iter());
    let custom = WriteBack::from_env(env, operations)?;
    let Some(klaviyo) = Klaviyo::optional(env)? else {
        return Ok(None);
    };
    let Some(operation) = REGISTRY.operation(route.path) else {
        return Ok(None);
    };
    let mut mapping = WriteBack::or_default(custom.as_ref(), operation);
    mapping
        .0
        .retain(|(_, field)| operation.result_fields.contains(&field.as_str()));
    Ok((!mapping.0.is_empty()).then_some(Setup { klaviyo, mapping }))
}

/// Whether the key is set (`/health`'s `"writeBack"`; never the key itself).
pub fn enabled(env: &dyn Env) -> bool {
    crate::env::optional(env, KEY_VARIABLE).is_some()
}

/// `GET /health` with `"writeBack": true|false`.
pub fn with_health(answer: Answer, env: &dyn Env) -> Answer {
    answer.with_member("writeBack", if enabled(env) { "true" } else { "false" })
}

/// Which profile a delivery writes back to, or why it writes nothing.
pub type Target = Result<Identity, String>;

/// The profile the webhook body names: Klaviyo id, else email, else phone.
pub fn target<N: Node>(profile: Option<N>) -> Target {
    match profile.map(wb::identity) {
        Some(Ok(Some(identity))) => Ok(identity),
        Some(Err(e)) => Err(format!("the profile cannot be written back: {}", e.message)),
        _ => Err(wb::NO_IDENTITY.to_string()),
    }
}

/// The write-back of one delivery: its settings and its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub setup: Setup,
    pub target: Target,
}

/// What happened to the write-back.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    /// Klaviyo accepted it (200 updated, 201 created).
    Written(u16),
    /// Nothing was sent, for this reason.
    Skipped(String),
    /// Klaviyo's refusal, or a failure that remained after the retries.
    Failed(Error),
}

impl Done {
    /// The column value the ledger keeps: `done`, `skipped`, `pending`
    /// (retried by Klaviyo's resend) or `rejected` (final, for review).
    pub fn state(&self) -> &'static str {
        match self {
            Done::Written(_) => "done",
            Done::Skipped(_) => "skipped",
            Done::Failed(e) if e.code == Code::WriteBackRejected => "rejected",
            Done::Failed(_) => "pending",
        }
    }
}

impl Job {
    /// Whether `outcome` carries a field to write (a skip or a result
    /// without them is answered as before, with no write-back).
    pub fn applies(&self, outcome: &Outcome) -> bool {
        self.setup
            .mapping
            .0
            .iter()
            .any(|(_, f)| outcome.get(f).is_some())
    }

    /// The request for `outcome`, or why none is sent.
    pub fn request(&self, outcome: &Outcome) -> Result<HttpRequest, Done> {
        let identity = self.target.as_ref().map_err(|r| Done::Skipped(r.clone()))?;
        self.setup
            .mapping
            .request(&self.setup.klaviyo, identity, outcome)
            .ok_or_else(|| Done::Skipped("the result has none of the mapped fields".into()))
    }

    /// Klaviyo's answer classified.
    pub fn outcome(&self, response: &HttpResponse, now_ms: f64) -> Result<u16, Error> {
        wb::outcome(response, now_ms, &self.setup.klaviyo)
    }

    /// The error for a transport failure or timeout (the key scrubbed).
    pub fn network_error(&self, detail: &str) -> Error {
        crate::klaviyo::network_error(detail, &self.setup.klaviyo.secrets())
    }
}

/// The write-back request a dry run shows, with `<field>` for each result
/// value the operation would return.
pub fn dry_run(dry: &DryRun, job: &Job) -> Answer {
    let placeholder = Outcome(
        job.setup
            .mapping
            .0
            .iter()
            .filter_map(|(_, f)| static_field(f))
            .map(|f| (f, OutValue::Str(format!("<{f}>"))))
            .collect(),
    );
    let shown = match job.request(&placeholder) {
        Ok(request) => DryRun(request).request_json(),
        Err(done) => write_back_json(&done),
    };
    crate::answer::dry_run(dry).with_member("writeBack", &shown)
}

/// The registry's `&'static` name of a result field (the mapping holds owned copies).
fn static_field(field: &str) -> Option<&'static str> {
    REGISTRY
        .providers()
        .flat_map(|p| p.operations.iter())
        .flat_map(|o| o.result_fields.iter().copied())
        .find(|f| *f == field)
}

/// `"writeBack"`'s value in an answer: `{"status":201}`,
/// `{"skipped":"<reason>"}` or `{"failed":"<code>","detail":"…"}`.
pub fn write_back_json(done: &Done) -> String {
    let mut out = String::from("{");
    match done {
        Done::Written(status) => {
            out.push_str("\"status\":");
            out.push_str(&status.to_string());
        }
        Done::Skipped(reason) => {
            out.push_str("\"skipped\":");
            push_json_string(&mut out, reason);
        }
        Done::Failed(e) => {
            out.push_str("\"failed\":");
            push_json_string(&mut out, e.code.as_str());
            out.push_str(",\"detail\":");
            push_json_string(&mut out, &e.message);
        }
    }
    out.push('}');
    out
}

/// The answer when the ledger keeps the two effects apart: written or
/// skipped → 200 with the result and `writeBack`; a failure → its problem
/// (503 + `Retry-After`, 500 for the key, 422 `write_back_rejected`) with
/// the result's fields as members, so the `serial` and `url` are never lost.
pub fn answer(outcome: &Outcome, done: &Done) -> Answer {
    match done {
        Done::Written(_) | Done::Skipped(_) => with_write_back(success(outcome), done),
        Done::Failed(e) => {
            let mut a = failure(e);
            for (name, value) in &outcome.0 {
                // The problem's own `status` stays the answer's status.
                if *name != "status" {
                    a = a.with_member(name, &value_json(value));
                }
            }
            a
        }
    }
}

/// The answer without a ledger (`PASSBRIDGE_LEDGER=off`): nothing keeps
/// the result for a resend, and a resend would create a second pass, so
/// the create is answered 200 whatever happened to the write-back, which
/// the answer reports.
pub fn answer_unrecorded(outcome: &Outcome, done: &Done) -> Answer {
    with_write_back(success(outcome), done)
}

fn with_write_back(a: Answer, done: &Done) -> Answer {
    a.with_member("writeBack", &write_back_json(done))
}

fn value_json(v: &OutValue) -> String {
    Outcome(vec![("v", v.clone())])
        .to_json()
        .strip_prefix("{\"v\":")
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or("null")
        .to_string()
}

#[cfg(test)]
#[path = "write_back_tests.rs"]
mod tests;
