//! PassNinja (`https://api.passninja.com/v1`): update, create and delete passes.
//!
//! Contract: `docs/providers.md` (PassNinja). Fields are merged with `PATCH`
//! (never `PUT`, which clears omitted fields); every value is a string.

use super::Operation;
use super::{OperationSpec, Provider};
use crate::env::{self, Env};
use crate::error::Error;
use crate::http::Plan;
use crate::http::{encode_segment, Header, HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::mapping::Mapping;
use crate::options::{OptionKind, OptionSpec, Options};
use crate::outcome::{OutValue, Outcome};
use crate::profile::Resolve;
use crate::status::{check_status, json_message};

pub const PREFIX: &str = "PassNinja error: ";
/// Overrides [`DEFAULT_BASE_URL`] (local test servers).
pub const BASE_URL_VARIABLE: &str = "PASSNINJA_BASE_URL";
pub const DEFAULT_BASE_URL: &str = "https://api.passninja.com";

/// Seed 000's mapping: `String(loyalty_points ?? 0)`, `loyalty_tier ?? 'Standard'`.
pub const DEFAULT_FIELDS: [(&str, &str); 2] = [
    (
        "points-balance",
        "{{ person.properties.loyalty_points|default_if_none:0 }}",
    ),
    (
        "loyalty-tier",
        "{{ person.properties.loyalty_tier|default_if_none:'Standard' }}",
    ),
];

/// Serials are 18 hex characters or UUIDs; anything past this is not a serial.
const MAX_SERIAL_LEN: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    Update,
    Create { skip_if_pass_exists: bool },
    Delete,
}

struct PassNinja {
    action: Action,
    fields: Mapping,
}

/// PassNinja in the registry.
pub const PROVIDER: Provider = Provider {
    id: "passninja",
    name: "PassNinja",
    prefix: PREFIX,
    key_variable: "PASSNINJA_API_KEY",
    base_url: (BASE_URL_VARIABLE, DEFAULT_BASE_URL),
    variables: &[
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
    ],
    defaults: &[("fields", &DEFAULT_FIELDS)],
    operations: &[
        OperationSpec {
            name: "update",
            route: "/passninja/update",
            options: &["fields"],
            idempotent: true,
            result_fields: &["updated", "status"],
            write_back: &[],
        },
        OperationSpec {
            name: "create",
            route: "/passninja/create",
            options: &["fields", "skipIfPassExists"],
            idempotent: false,
            result_fields: &["created", "serial", "url", "status"],
            write_back: &[
                ("external_id", "serial"),
                ("properties.passbridge_pass_url", "url"),
            ],
        },
        OperationSpec {
            name: "delete",
            route: "/passninja/delete",
            options: &[],
            idempotent: true,
            result_fields: &["deleted", "status"],
            write_back: &[],
        },
    ],
    options: &[
        super::FIELDS_OPTION,
        OptionSpec {
            name: "skipIfPassExists",
            kind: OptionKind::Flag,
            variable: "PASSBRIDGE_SKIP_IF_PASS_EXISTS",
            what: "skipIfPassExists",
        },
    ],
    build,
};

fn build(operation: &OperationSpec, options: &Options) -> Result<Box<dyn Operation>, Error> {
    let action = match operation.name {
        "create" => Action::Create {
            skip_if_pass_exists: options.flag("skipIfPassExists").unwrap_or(true),
        },
        "delete" => Action::Delete,
        _ => Action::Update,
    };
    let fields = super::mapping_or("field", options.pairs("fields"), &DEFAULT_FIELDS)?;
    Ok(Box::new(PassNinja { action, fields }))
}

struct Credentials {
    base: String,
    api_key: String,
    account_id: String,
    template_id: String,
}

fn credentials(env: &dyn Env) -> Result<Credentials, Error> {
    Ok(Credentials {
        api_key: env::secret_header(env, "PASSNINJA_API_KEY")?,
        account_id: env::prefixed_hex_id(env, "PASSNINJA_ACCOUNT_ID", "aid_0x")?,
        template_id: env::prefixed_hex_id(env, "PASSNINJA_TEMPLATE_ID", "ptk_0x")?,
        base: env::base_url(env, BASE_URL_VARIABLE, DEFAULT_BASE_URL)?,
    })
}

/// The pass serial stored on the profile as `external_id`, trimmed; `None`
/// when missing, null, empty or only whitespace.
pub fn serial(input: &dyn Resolve) -> Result<Option<String>, Error> {
    let serial = super::person_text(input, "external_id", MAX_SERIAL_LEN)?;
    if serial.as_deref().is_some_and(crate::http::is_dot_segment) {
        return Err(Error::invalid_profile(
            "external_id '.' or '..' is not a pass serial (it would change the request path)",
        ));
    }
    Ok(serial)
}

impl PassNinja {
    fn request(
        &self,
        c: &Credentials,
        method: &'static str,
        url: String,
        body: Option<String>,
    ) -> HttpRequest {
        let account = Header {
            name: "X-ACCOUNT-ID",
            value: c.account_id.clone(),
            secret: false,
        };
        let headers = super::key_headers("X-API-KEY", &c.api_key, Some(account), body.is_some());
        HttpRequest {
            method,
            url,
            headers,
            body,
            // A retried create makes a second pass; updates and deletes repeat safely.
            idempotent: method != "POST",
            planned: Default::default(),
        }
    }

    fn push_pass_object(&self, input: &dyn Resolve, out: &mut String) -> Result<(), Error> {
        self.fields.render_json_object("field", input, out)
    }

    fn pass_url(c: &Credentials, serial: &str) -> String {
        let mut url = String::with_capacity(c.base.len() + c.template_id.len() + serial.len() + 16);
        url.push_str(&c.base);
        url.push_str("/v1/passes/");
        url.push_str(&encode_segment(&c.template_id));
        url.push('/');
        url.push_str(&encode_segment(serial));
        url
    }
}

impl Operation for PassNinja {
    /// Updates and deletes name the pass in their URL: `…/v1/passes/<template>/<serial>`.
    fn pass(&self, request: &HttpRequest) -> Option<String> {
        match self.action {
            Action::Update | Action::Delete => request
                .url
                .rsplit_once("/v1/passes/")
                .map(|(_, pass)| pass.to_string()),
            Action::Create { .. } => None,
        }
    }

    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error> {
        let serial = match (self.action, serial(input)?) {
            (Action::Update | Action::Delete, None) => return Ok(Plan::Skip("no active pass")),
            (
                Action::Create {
                    skip_if_pass_exists: true,
                },
                Some(_),
            ) => return Ok(Plan::Skip("pass already exists")),
            (_, serial) => serial.unwrap_or_default(),
        };
        let c = credentials(env)?;
        let request = match self.action {
            Action::Update => {
                let mut body = String::from("{\"pass\":");
                self.push_pass_object(input, &mut body)?;
                body.push('}');
                self.request(&c, "PATCH", Self::pass_url(&c, &serial), Some(body))
            }
            Action::Delete => self.request(&c, "DELETE", Self::pass_url(&c, &serial), None),
            Action::Create { .. } => {
                let mut body = String::from("{\"passTemplate\":");
                push_json_string(&mut body, &c.template_id);
                body.push_str(",\"pass\":");
                self.push_pass_object(input, &mut body)?;
                body.push('}');
                self.request(&c, "POST", format!("{}/v1/passes", c.base), Some(body))
            }
        };
        Ok(Plan::Send(request))
    }

    fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error> {
        let status = check_status(request, response, now_ms, provider_message)?;
        Ok(match self.action {
            Action::Update => Outcome::flag("updated").with_status(status),
            Action::Delete => Outcome::flag("deleted").with_status(status),
            Action::Create { .. } => {
                let body = crate::host::json(&response.body).unwrap_or_default();
                let serial = body
                    .get("serialNumber")
                    .and_then(|s| s.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .ok_or_else(|| {
                        let mut e = Error::new(
                            crate::error::Code::Rejected,
                            format!(
                                "{status}: the pass may have been created, but the answer has no serialNumber to store on the profile"
                            ),
                        );
                        e.status = Some(status);
                        e
                    })?;
                let url = body
                    .pointer("/urls/landing")
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        format!("https://passninja.com/p/{}", encode_segment(serial))
                    });
                Outcome::flag("created")
                    .with("serial", OutValue::Str(serial.to_string()))
                    .with("url", OutValue::Str(url))
                    .with_status(status)
            }
        })
    }
}

/// PassNinja's `{"error": …}` (most routes) or `{"msg": …}` (auth), with its
/// `code` when present (e.g. `ENTERPRISE_REQUIRED`).
fn provider_message(body: &str) -> Option<String> {
    let message = json_message(body, &["error", "msg", "message"])?;
    match json_message(body, &["code"]) {
        Some(code) if !message.contains(&code) => Some(format!("{message} ({code})")),
        _ => Some(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use crate::profile::Input;

    #[test]
    fn dot_serials_are_refused() {
        for s in [".", "..", " .. "] {
            let profile = serde_json::json!({ "external_id": s });
            let input = Input::new(Some(&profile), None).unwrap();
            assert_eq!(
                serial(&input).unwrap_err().code,
                Code::InvalidProfile,
                "{s:?}"
            );
        }
        let profile = serde_json::json!({ "external_id": "..." });
        let input = Input::new(Some(&profile), None).unwrap();
        assert_eq!(serial(&input).unwrap().as_deref(), Some("..."));
    }
}
