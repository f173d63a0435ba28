//! Write-back: an operation's result (a created pass's `serial` and `url`)
//! copied onto the customer's Klaviyo profile through Create or Update
//! Profile (`POST /api/profile-import`). Configured by `PASSBRIDGE_WRITE_BACK`.

use super::{check, Klaviyo, PREFIX};
use crate::env::{self, Env};
use crate::error::{Code, Error};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::outcome::{OutValue, Outcome};
use crate::profile::{Input, Node};
use crate::providers::OperationSpec;
use crate::value::Value;

/// The mapping's variable: `{"<attribute> | properties.<name>": "<result field>"}`.
pub const VARIABLE: &str = "PASSBRIDGE_WRITE_BACK";

/// The profile attributes a write-back may set. `email` and `phone_number`
/// are left out: they identify the profile, and a pass field is never one.
pub const ATTRIBUTES: &[&str] = &[
    "external_id",
    "first_name",
    "last_name",
    "organization",
    "locale",
    "title",
    "image",
];

/// The longest custom property name accepted.
const MAX_PROPERTY_NAME: usize = 200;

/// Where one result field goes on the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A profile attribute from [`ATTRIBUTES`].
    Attribute(&'static str),
    /// A custom property (`properties.<name>`).
    Property(String),
}

/// Profile target → result field, in a stable (sorted) order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteBack(pub Vec<(Target, String)>);

/// Which profile the write-back updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// Klaviyo's profile id (JSON:API `data.id`, or `id` of a flat person).
    Id(String),
    Email(String),
    Phone(String),
}

/// Why a write-back was skipped when the profile names no one.
pub const NO_IDENTITY: &str = "the profile has no Klaviyo id, email or phone_number";

impl WriteBack {
    /// `PASSBRIDGE_WRITE_BACK` when set, checked against the result fields
    /// of `operations` (the configured providers' operations); else, per
    /// operation, its default ([`WriteBack::default_for`]): `None`.
    pub fn from_env<'a>(
        env: &dyn Env,
        operations: impl IntoIterator<Item = &'a OperationSpec>,
    ) -> Result<Option<WriteBack>, Error> {
        match env::optional(env, VARIABLE) {
            None => Ok(None),
            Some(text) => WriteBack::parse(&text, operations).map(Some),
        }
    }

    /// The configured mapping if any, else `operation`'s default.
    pub fn or_default(custom: Option<&WriteBack>, operation: &OperationSpec) -> WriteBack {
        match custom {
            Some(w) => w.clone(),
            None => WriteBack::default_for(operation),
        }
    }

    /// What an operation writes back when `PASSBRIDGE_WRITE_BACK` is unset
    /// (PassNinja create: `external_id` ← `serial`,
    /// `properties.passbridge_pass_url` ← `url`).
    pub fn default_for(operation: &OperationSpec) -> WriteBack {
        let mut pairs = Vec::new();
        for (target, field) in operation.write_back {
            if let Ok(t) = target_of(target) {
                pairs.push((t, field.to_string()));
            }
        }
        WriteBack(pairs)
    }

    /// Parses the mapping; every error names [`VARIABLE`] and never quotes a value.
    pub fn parse<'a>(
        text: &str,
        operations: impl IntoIterator<Item = &'a OperationSpec>,
    ) -> Result<WriteBack, Error> {
        let bad = |why: String| Error::invalid_config(format!("{VARIABLE} {why}"));
        let value = crate::host::json(text).map_err(|e| bad(format!("is not valid JSON: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(bad(
                "must be a JSON object of profile attribute or properties.<name> → result field"
                    .into(),
            ));
        };
        let known: Vec<&str> = operations
            .into_iter()
            .flat_map(|o| o.result_fields.iter().copied())
            .fold(Vec::new(), |mut acc, f| {
                if !acc.contains(&f) {
                    acc.push(f);
                }
                acc
            });
        let mut pairs = Vec::with_capacity(map.len());
        for (name, field) in &map {
            let name_shown = crate::http::excerpt(name, 60);
            let target = target_of(name).map_err(|why| bad(format!("'{name_shown}': {why}")))?;
            let Some(field) = field.as_str() else {
                return Err(bad(format!(
                    "'{name_shown}' must name a result field as a string"
                )));
            };
            if !known.contains(&field) {
                return Err(bad(format!(
                    "'{name_shown}': no configured operation returns '{}' (known: {})",
                    crate::http::excerpt(field, 40),
                    known.join(", ")
                )));
            }
            pairs.push((target, field.to_string()));
        }
        Ok(WriteBack(pairs))
    }

    /// The values to write for `outcome`: the mapped fields it carries.
    fn values<'o>(&self, outcome: &'o Outcome) -> Vec<(&Target, &'o OutValue)> {
        self.0
            .iter()
            .filter_map(|(t, f)| outcome.get(f).map(|v| (t, v)))
            .collect()
    }

    /// The `POST /api/profile-import` that writes `outcome` onto the
    /// profile `identity` names; `None` when the outcome carries none of
    /// the mapped fields (nothing to write).
    pub fn request(
        &self,
        klaviyo: &Klaviyo,
        identity: &Identity,
        outcome: &Outcome,
    ) -> Option<HttpRequest> {
        let values = self.values(outcome);
        if values.is_empty() {
            return None;
        }
        let mut body = String::from(r#"{"data":{"type":"profile","#);
        let mut attrs: Vec<(&str, String)> = Vec::new();
        match identity {
            Identity::Id(id) => {
                body.push_str("\"id\":");
                push_json_string(&mut body, id);
                body.push(',');
            }
            Identity::Email(e) => attrs.push(("email", json_string(e))),
            Identity::Phone(p) => attrs.push(("phone_number", json_string(p))),
        }
        let mut props: Vec<(&str, String)> = Vec::new();
        for (target, value) in values {
            match target {
                Target::Attribute(a) => attrs.push((a, json_value(value))),
                Target::Property(p) => props.push((p, json_value(value))),
            }
        }
        body.push_str("\"attributes\":{");
        let mut first = true;
        for (name, json) in &attrs {
            push_member(&mut body, &mut first, name, json);
        }
        if !props.is_empty() {
            let mut inner = String::from("{");
            let mut inner_first = true;
            for (name, json) in &props {
                push_member(&mut inner, &mut inner_first, name, json);
            }
            inner.push('}');
            push_member(&mut body, &mut first, "properties", &inner);
        }
        body.push_str("}}}");
        Some(HttpRequest {
            method: "POST",
            url: format!("{}/api/profile-import", klaviyo.base),
            headers: klaviyo.headers(true),
            body: Some(body),
            idempotent: true,
            planned: Default::default(),
        })
    }
}

/// Classifies Klaviyo's answer to a write-back: 2xx (200 updated, 201
/// created) → the status; 429/5xx retryable; 401/403 configuration; other
/// 4xx → `write_back_rejected`.
pub fn outcome(response: &HttpResponse, now_ms: f64, klaviyo: &Klaviyo) -> Result<u16, Error> {
    check(
        response,
        now_ms,
        &klaviyo.secrets(),
        Code::WriteBackRejected,
    )
    .map_err(|e| {
        if e.code == Code::WriteBackRejected {
            let mut out = Error::new(
                e.code,
                format!(
                    "{PREFIX}the profile write-back was refused: {}",
                    e.message.trim_start_matches(PREFIX)
                ),
            );
            out.status = e.status;
            out
        } else {
            e
        }
    })
}

/// Which profile `profile` (JSON:API or flat) is: its Klaviyo id, else its
/// email, else its phone number; `Ok(None)` when it has none ([`NO_IDENTITY`]).
pub fn identity<N: Node>(profile: N) -> Result<Option<Identity>, Error> {
    let id = profile
        .member("data")
        .and_then(|d| d.member("id"))
        .or_else(|| profile.member("id"))
        .and_then(|n| match n.value() {
            Value::Str(s) => Some(s.trim().to_string()),
            _ => None,
        })
        .filter(|s| looks_like_id(s));
    if let Some(id) = id {
        return Ok(Some(Identity::Id(id)));
    }
    let input = Input::new(Some(profile), None)?;
    if let Some(email) = crate::providers::person_text(&input, "email", 320)? {
        return Ok(Some(Identity::Email(email)));
    }
    if let Some(phone) = crate::providers::person_text(&input, "phone_number", 40)? {
        return Ok(Some(Identity::Phone(phone)));
    }
    Ok(None)
}

/// Klaviyo profile ids are short alphanumeric strings (26-character ULIDs).
fn looks_like_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn target_of(name: &str) -> Result<Target, String> {
    if let Some(prop) = name.strip_prefix("properties.") {
        if prop.trim().is_empty() || prop.chars().count() > MAX_PROPERTY_NAME {
            return Err(format!(
                "a property name must be 1 to {MAX_PROPERTY_NAME} characters"
            ));
        }
        if prop.chars().any(char::is_control) {
            return Err("a property name must not contain control characters".into());
        }
        return Ok(Target::Property(prop.to_string()));
    }
    match ATTRIBUTES.iter().find(|a| **a == name) {
        Some(a) => Ok(Target::Attribute(a)),
        None => Err(format!(
            "is not a profile attribute a write-back may set (known: {}, or properties.<name>)",
            ATTRIBUTES.join(", ")
        )),
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::new();
    push_json_string(&mut out, s);
    out
}

fn json_value(v: &OutValue) -> String {
    match v {
        OutValue::Bool(b) => b.to_string(),
        OutValue::Num(n) if n.is_finite() => crate::value::js_number(*n),
        OutValue::Num(_) => "null".into(),
        OutValue::Str(s) => json_string(s),
        OutValue::Const(s) => json_string(s),
    }
}

fn push_member(out: &mut String, first: &mut bool, name: &str, json: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    push_json_string(out, name);
    out.push(':');
    out.push_str(json);
}

#[cfg(test)]
#[path = "write_back_tests.rs"]
mod tests;
