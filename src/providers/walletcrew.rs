//! The Wallet Crew (Neostore): push a pass update, or sync a profile.
//!
//! Contract: `docs/providers.md` (The Wallet Crew). The
//! push-update body allows exactly `identifiers`, `passType`, `additionalData`
//! and `updateMetadata` (`additionalProperties: false`): nothing else is sent.

use super::Operation;
use super::{OperationSpec, Provider};
use crate::env::Env;
use crate::error::Error;
use crate::http::Plan;
use crate::http::{encode_segment, HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::mapping::Mapping;
use crate::options::{OptionKind, OptionSpec, Options};
use crate::outcome::Outcome;
use crate::profile::Resolve;
use crate::status::check_status;

pub const PREFIX: &str = "The Wallet Crew error: ";
/// Overrides [`DEFAULT_BASE_URL`] (local test servers).
pub const BASE_URL_VARIABLE: &str = "WALLETCREW_BASE_URL";
pub const DEFAULT_BASE_URL: &str = "https://app.neostore.cloud";

/// Identifiers used to find the pass; empty ones are left out.
pub const DEFAULT_IDENTIFIERS: [(&str, &str); 3] = [
    ("email", "{{ person.email }}"),
    ("phone", "{{ person.phone_number }}"),
    ("customerId", "{{ person.external_id }}"),
];

/// Emails and phone numbers are short; anything longer is not one.
const MAX_CONTACT_LEN: usize = 320;

enum Action {
    PushUpdate {
        identifiers: Mapping,
        additional_data: Option<Mapping>,
        pass_type: Option<String>,
        update_metadata: bool,
    },
    ProfileSync,
}

struct WalletCrew {
    action: Action,
}

/// The Wallet Crew in the registry.
pub const PROVIDER: Provider = Provider {
    id: "walletcrew",
    name: "The Wallet Crew",
    prefix: PREFIX,
    key_variable: "WALLETCREW_API_KEY",
    base_url: (BASE_URL_VARIABLE, DEFAULT_BASE_URL),
    variables: &[("WALLETCREW_TENANT_ID", "demo-tenant")],
    defaults: &[("identifiers", &DEFAULT_IDENTIFIERS)],
    operations: &[
        OperationSpec {
            name: "pushUpdate",
            route: "/walletcrew/push-update",
            options: &["identifiers", "fields", "passType", "updateMetadata"],
            idempotent: true,
            result_fields: &["updated", "status"],
            write_back: &[],
        },
        OperationSpec {
            name: "profileSync",
            route: "/walletcrew/profile-sync",
            options: &[],
            idempotent: true,
            result_fields: &["synced", "status"],
            write_back: &[],
        },
    ],
    options: &[
        OptionSpec {
            name: "identifiers",
            kind: OptionKind::Pairs,
            variable: "PASSBRIDGE_IDENTIFIERS",
            what: "identifier",
        },
        super::FIELDS_OPTION,
        OptionSpec {
            name: "passType",
            kind: OptionKind::Text,
            variable: "PASSBRIDGE_PASS_TYPE",
            what: "passType",
        },
        OptionSpec {
            name: "updateMetadata",
            kind: OptionKind::Flag,
            variable: "PASSBRIDGE_UPDATE_METADATA",
            what: "updateMetadata",
        },
    ],
    build,
};

fn build(operation: &OperationSpec, options: &Options) -> Result<Box<dyn Operation>, Error> {
    let action = match operation.name {
        "profileSync" => Action::ProfileSync,
        _ => Action::PushUpdate {
            identifiers: super::mapping_or(
                "identifier",
                options.pairs("identifiers"),
                &DEFAULT_IDENTIFIERS,
            )?,
            additional_data: match options.pairs("fields") {
                Some(p) => Some(super::mapping_or("field", Some(p), &[])?),
                None => None,
            },
            pass_type: options
                .text("passType")
                .filter(|p| !p.trim().is_empty())
                .map(str::to_string),
            update_metadata: options.flag("updateMetadata").unwrap_or(false),
        },
    };
    Ok(Box::new(WalletCrew { action }))
}

impl WalletCrew {
    fn request(&self, env: &dyn Env, route: &str, body: String) -> Result<HttpRequest, Error> {
        let ep = super::endpoint(
            env,
            "WALLETCREW_API_KEY",
            "WALLETCREW_TENANT_ID",
            BASE_URL_VARIABLE,
            DEFAULT_BASE_URL,
        )?;
        let mut url = ep.base;
        url.push_str("/api/");
        url.push_str(&encode_segment(&ep.path_id));
        url.push_str("/webhooks/listeners/klaviyo/");
        url.push_str(route);
        Ok(HttpRequest {
            method: "POST",
            url,
            headers: super::json_headers("X-API-KEY", &ep.api_key),
            body: Some(body),
            // Both calls set state; sending one twice changes nothing more.
            idempotent: true,
            planned: Default::default(),
        })
    }
}

impl Operation for WalletCrew {
    /// The URL names the tenant and the call; the body names the pass: a push
    /// update by its identifiers (all of them, in name order), a profile sync
    /// by the customer's e-mail, else phone number.
    fn pass(&self, request: &HttpRequest) -> Option<String> {
        let body = crate::host::json(request.body.as_deref()?).ok()?;
        let identity = match self.action {
            Action::PushUpdate { .. } => {
                // `[["email","…"],["phone","…"]]`, in name order (a JSON
                // object's keys iterate sorted: serde_json's map is a BTreeMap).
                let mut identity = String::from("[");
                let identifiers = body.get("identifiers")?.as_object()?.iter();
                for (k, v) in identifiers.filter_map(|(k, v)| Some((k, v.as_str()?))) {
                    if identity.len() > 1 {
                        identity.push(',');
                    }
                    identity.push('[');
                    push_json_string(&mut identity, k);
                    identity.push(',');
                    push_json_string(&mut identity, v);
                    identity.push(']');
                }
                identity.push(']');
                identity
            }
            Action::ProfileSync => {
                let text = |k: &str| body.get(k).and_then(|v| v.as_str());
                match (text("email"), text("phone_number")) {
                    (Some(email), _) => format!("email {email}"),
                    (None, Some(phone)) => format!("phone_number {phone}"),
                    (None, None) => return None,
                }
            }
        };
        let path = request.url.split_once("/api/").map_or("", |(_, p)| p);
        Some(format!("{path}\n{identity}"))
    }

    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error> {
        match &self.action {
            Action::PushUpdate {
                identifiers,
                additional_data,
                pass_type,
                update_metadata,
            } => {
                let rendered = identifiers.render("identifier", input)?;
                let present: Vec<(&str, &str)> = rendered
                    .iter()
                    .map(|(k, v)| (*k, v.trim()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                if present.is_empty() {
                    return Ok(Plan::Skip("no identifiers"));
                }
                let mut body = String::from("{\"identifiers\":");
                crate::json::json_object_of_strings(&mut body, present);
                if let Some(pt) = pass_type {
                    body.push_str(",\"passType\":");
                    push_json_string(&mut body, pt);
                }
                if let Some(fields) = additional_data {
                    body.push_str(",\"additionalData\":");
                    fields.render_json_object("field", input, &mut body)?;
                }
                body.push_str(",\"updateMetadata\":");
                body.push_str(if *update_metadata { "true" } else { "false" });
                body.push('}');
                self.request(env, "passes/pushUpdate", body).map(Plan::Send)
            }
            Action::ProfileSync => {
                let email = super::person_text(input, "email", MAX_CONTACT_LEN)?;
                let phone = super::person_text(input, "phone_number", MAX_CONTACT_LEN)?;
                if email.is_none() && phone.is_none() {
                    return Ok(Plan::Skip("no email or phone"));
                }
                let mut body = String::from("{\"email\":");
                push_optional(&mut body, email.as_deref());
                body.push_str(",\"phone_number\":");
                push_optional(&mut body, phone.as_deref());
                body.push('}');
                self.request(env, "profiles/sync", body).map(Plan::Send)
            }
        }
    }

    fn outcome(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        now_ms: f64,
    ) -> Result<Outcome, Error> {
        let status = check_status(request, response, now_ms, problem_message)?;
        Ok(match self.action {
            Action::PushUpdate { .. } => Outcome::flag("updated").with_status(status),
            Action::ProfileSync => Outcome::flag("synced").with_status(status),
        })
    }
}

fn push_optional(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => push_json_string(out, v),
        None => out.push_str("null"),
    }
}

/// RFC 7807 problem details: `title`, `detail`, and validation
/// `errors: { field: [messages] }`, as one line.
fn problem_message(body: &str) -> Option<String> {
    let v = crate::host::json(body).ok()?;
    let text = |k: &str| v.get(k).and_then(|t| t.as_str()).filter(|t| !t.is_empty());
    let mut message = match (text("title"), text("detail")) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (Some(t), None) => t.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => String::new(),
    };
    if let Some(errors) = v.get("errors").and_then(|e| e.as_object()) {
        let parts: Vec<String> = errors
            .iter()
            .map(|(field, msgs)| {
                let msgs: Vec<&str> = match msgs {
                    serde_json::Value::Array(a) => a.iter().filter_map(|m| m.as_str()).collect(),
                    serde_json::Value::String(s) => vec![s.as_str()],
                    _ => Vec::new(),
                };
                format!("{field}: {}", msgs.join(", "))
            })
            .collect();
        if !parts.is_empty() {
            if !message.is_empty() {
                message.push_str(" — ");
            }
            message.push_str(&parts.join("; "));
        }
    }
    (!message.is_empty()).then_some(message)
}

#[cfg(test)]
mod tests {
    use super::problem_message;

    #[test]
    fn problem_details_become_one_line() {
        let body = r#"{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"identifiers":["At least one identifier is required."],"passType":["Unknown pass type.","Second."]}}"#;
        assert_eq!(
            problem_message(body).unwrap(),
            "One or more validation errors occurred. — identifiers: At least one identifier is required.; passType: Unknown pass type., Second."
        );
        assert_eq!(
            problem_message(
                r#"{"title":"Unauthorized","detail":"Missing scope KlaviyoListener.Write"}"#
            )
            .unwrap(),
            "Unauthorized: Missing scope KlaviyoListener.Write"
        );
        assert_eq!(problem_message("not json"), None);
        assert_eq!(problem_message("{}"), None);
    }
}
