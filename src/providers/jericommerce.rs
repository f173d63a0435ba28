//! JeriCommerce: increase or decrease a loyalty balance.
//!
//! Contract: `docs/providers.md` (JeriCommerce). The body is an array
//! `[{ email, amount, reason }]`, `amount` always positive, the path picks the
//! direction. A balance change is NOT idempotent: the request is marked so,
//! and no driver retries it automatically.

use super::Operation;
use super::{OperationSpec, Provider};
use crate::env::Env;
use crate::error::Error;
use crate::http::Plan;
use crate::http::{encode_segment, HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::mapping::Mapping;
use crate::options::{OptionKind, OptionSpec, Options};
use crate::outcome::{OutValue, Outcome};
use crate::profile::Resolve;
use crate::status::{check_status, json_message};
use crate::value::Value;

pub const PREFIX: &str = "JeriCommerce error: ";
/// Overrides [`DEFAULT_BASE_URL`] (local test servers).
pub const BASE_URL_VARIABLE: &str = "JERICOMMERCE_BASE_URL";
pub const DEFAULT_BASE_URL: &str = "https://api.jericommerce.com";

const MAX_EMAIL_LEN: usize = 320;

struct Balance {
    /// One template each, under the names `delta` and `reason`.
    delta: Mapping,
    reason: Mapping,
}

/// JeriCommerce in the registry.
pub const PROVIDER: Provider = Provider {
    id: "jericommerce",
    name: "JeriCommerce",
    prefix: PREFIX,
    key_variable: "JERICOMMERCE_API_KEY",
    base_url: (BASE_URL_VARIABLE, DEFAULT_BASE_URL),
    variables: &[("JERICOMMERCE_PROGRAM_SLUG", "demo-program")],
    defaults: &[],
    operations: &[OperationSpec {
        name: "balance",
        route: "/jericommerce/balance",
        options: &["delta", "reason"],
        idempotent: false,
        result_fields: &["updated", "direction", "amount", "status"],
        write_back: &[],
    }],
    options: &[
        OptionSpec {
            name: "delta",
            kind: OptionKind::Template,
            variable: "PASSBRIDGE_DELTA",
            what: "delta",
        },
        OptionSpec {
            name: "reason",
            kind: OptionKind::Template,
            variable: "PASSBRIDGE_REASON",
            what: "reason",
        },
    ],
    build,
};

fn build(_operation: &OperationSpec, options: &Options) -> Result<Box<dyn Operation>, Error> {
    let delta = super::required_template("delta", "PASSBRIDGE_DELTA", options.text("delta"))?;
    let reason = super::required_template("reason", "PASSBRIDGE_REASON", options.text("reason"))?;
    Ok(Box::new(Balance { delta, reason }))
}

/// The signed change: a number, or text that is one. Anything else is an
/// error naming what it was — never a silent skip.
fn signed_delta(v: &Value) -> Result<f64, Error> {
    match v.to_number() {
        Some(n) if n.is_finite() => Ok(n),
        _ => {
            let shown = match v {
                Value::Str(s) => format!("{} '{}'", v.type_name(), crate::http::excerpt(s, 40)),
                Value::Number(n) => format!("the number {}", crate::value::js_number(*n)),
                other => other.type_name().to_string(),
            };
            Err(Error::invalid_profile(format!(
                "delta must be a number, got {shown}"
            )))
        }
    }
}

impl Operation for Balance {
    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error> {
        let Some(email) = super::person_text(input, "email", MAX_EMAIL_LEN)? else {
            return Ok(Plan::Skip("no email"));
        };
        let delta = match self.delta.evaluate("option", input)?.first() {
            Some((_, v)) => signed_delta(v)?,
            None => return Err(Error::missing_config("option delta is required")),
        };
        if delta == 0.0 {
            return Ok(Plan::Skip("zero delta"));
        }
        let reason = match self.reason.render("option", input)?.into_iter().next() {
            Some((_, r)) if !r.trim().is_empty() => r,
            _ => {
                return Err(Error::invalid_profile(
                    "reason rendered empty; JeriCommerce requires one",
                ))
            }
        };
        let ep = super::endpoint(
            env,
            "JERICOMMERCE_API_KEY",
            "JERICOMMERCE_PROGRAM_SLUG",
            BASE_URL_VARIABLE,
            DEFAULT_BASE_URL,
        )?;
        let direction = if delta > 0.0 { "increase" } else { "decrease" };
        let mut url = ep.base;
        url.push_str("/v1/programs/");
        url.push_str(&encode_segment(&ep.path_id));
        url.push_str("/balance/");
        url.push_str(direction);
        let mut body = String::from("[{\"email\":");
        push_json_string(&mut body, &email);
        body.push_str(",\"amount\":");
        body.push_str(&crate::value::js_number(delta.abs()));
        body.push_str(",\"reason\":");
        push_json_string(&mut body, &reason);
        body.push_str("}]");
        Ok(Plan::Send(HttpRequest {
            method: "POST",
            url,
            headers: super::json_headers("api-key", &ep.api_key),
            body: Some(body),
            idempotent: false,
            planned: Outcome(vec![
                ("direction", OutValue::Const(direction)),
                ("amount", OutValue::Num(delta.abs())),
            ]),
        }))
    }

    fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error> {
        let status = check_status(request, response, now_ms, |body| {
            json_message(body, &["message", "error", "detail", "msg"])
        })?;
        // Direction and amount are what the plan decided.
        let mut outcome = Outcome::flag("updated");
        outcome.0.extend(request.planned.0.iter().cloned());
        Ok(outcome.with_status(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas() {
        assert_eq!(signed_delta(&Value::Number(-5.0)).unwrap(), -5.0);
        assert_eq!(signed_delta(&Value::Str(" 12.5 ".into())).unwrap(), 12.5);
        for (v, want) in [
            (
                Value::Str("abc".into()),
                "delta must be a number, got a string 'abc'",
            ),
            (Value::Missing, "delta must be a number, got missing"),
            (Value::Null, "delta must be a number, got null"),
            (Value::Bool(true), "delta must be a number, got a boolean"),
            (Value::List(2), "delta must be a number, got a list"),
            (
                Value::Number(f64::NAN),
                "delta must be a number, got the number NaN",
            ),
        ] {
            assert_eq!(signed_delta(&v).unwrap_err().message, want);
        }
    }
}
