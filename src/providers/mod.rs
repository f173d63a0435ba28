//! Providers, one file each. Adding one means a new file and one line in
//! [`build`]; nothing else changes.

pub mod jericommerce;
pub mod passninja;
pub mod walletcrew;

use crate::env::{self, Env};
use crate::error::Error;
use crate::handler::{Operation, Options};
use crate::http::Header;
use crate::mapping::Mapping;
use crate::profile::{Resolve, Root};
use crate::value::Value;

/// The operation named by `options.provider` / `options.operation`.
/// Defaults: PassNinja `update`.
pub fn build(options: &Options) -> Result<(&'static str, Box<dyn Operation>), Error> {
    let provider = options.provider.as_deref().unwrap_or("passninja");
    match provider {
        "passninja" => passninja::build(options).map(|op| (passninja::PREFIX, op)),
        "walletcrew" => walletcrew::build(options).map(|op| (walletcrew::PREFIX, op)),
        "jericommerce" => jericommerce::build(options).map(|op| (jericommerce::PREFIX, op)),
        other => Err(Error::invalid_config(format!(
            "unknown provider '{}' (known: passninja, walletcrew, jericommerce)",
            crate::http::excerpt(other, 40)
        ))
        .prefixed(GENERIC_PREFIX)),
    }
}

/// The message prefix of a provider's errors (`PassNinja error: `); unknown
/// providers get `passbridge error: `.
pub fn prefix(provider: Option<&str>) -> &'static str {
    match provider.unwrap_or("passninja") {
        "passninja" => passninja::PREFIX,
        "walletcrew" => walletcrew::PREFIX,
        "jericommerce" => jericommerce::PREFIX,
        _ => GENERIC_PREFIX,
    }
}

pub const GENERIC_PREFIX: &str = "passbridge error: ";

/// The error for an operation a provider does not have.
pub fn unknown_operation(prefix: &str, operation: &str, known: &str) -> Error {
    Error::invalid_config(format!(
        "unknown operation '{}' (known: {known})",
        crate::http::excerpt(operation, 40)
    ))
    .prefixed(prefix)
}

/// A person attribute as trimmed text (`external_id`, `email`…); `None` when
/// missing, null, empty or only whitespace. Numbers are accepted as their text;
/// anything else, or text longer than `max_chars`, is `invalid_profile`.
pub fn person_text(
    input: &dyn Resolve,
    key: &str,
    max_chars: usize,
) -> Result<Option<String>, Error> {
    let text = match input.resolve_keys(Root::Person, &mut [key].into_iter()) {
        Value::Missing | Value::Null => return Ok(None),
        Value::Str(s) => s,
        Value::Number(n) if n.is_finite() => crate::value::js_number(n),
        other => {
            return Err(Error::invalid_profile(format!(
                "{key} must be text, got {}",
                other.type_name()
            )))
        }
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > max_chars {
        return Err(Error::invalid_profile(format!(
            "{key} is longer than {max_chars} characters"
        )));
    }
    Ok(Some(trimmed.to_string()))
}

/// What every provider needs from the environment: where to send, with
/// which key, for which account segment of the path.
pub struct Endpoint {
    pub base: String,
    pub api_key: String,
    /// The path identifier (tenant id, program slug), already validated.
    pub path_id: String,
}

/// Reads `{P}_API_KEY`, `{P}_{id_name}` and optional `{P}_BASE_URL`.
pub fn endpoint(
    env: &dyn Env,
    api_key: &str,
    path_id: &str,
    base_url: &str,
    default_base: &str,
) -> Result<Endpoint, Error> {
    Ok(Endpoint {
        api_key: env::secret_header(env, api_key)?,
        path_id: env::path_id(env, path_id)?,
        base: env::base_url(env, base_url, default_base)?,
    })
}

/// The API key header (shown as `***` in dry runs) and a JSON content type.
pub fn json_headers(key_header: &'static str, api_key: &str) -> Vec<Header> {
    vec![
        Header {
            name: key_header,
            value: api_key.to_string(),
            secret: true,
        },
        Header {
            name: "Content-Type",
            value: "application/json".into(),
            secret: false,
        },
    ]
}

/// Parses an optional name → template option, else the given defaults.
pub fn mapping_or(
    what: &str,
    pairs: &Option<Vec<(String, String)>>,
    defaults: &[(&str, &str)],
) -> Result<Mapping, Error> {
    match pairs {
        Some(p) => Mapping::parse_pairs(what, p),
        None => Mapping::parse(what, defaults.iter().copied()),
    }
}

/// A required template option (the error names the option and its variable).
pub fn required_template(
    name: &str,
    env_name: &str,
    source: &Option<String>,
) -> Result<Mapping, Error> {
    match source {
        Some(src) => Mapping::parse("option", [(name, src.as_str())]),
        None => Err(Error::missing_config(format!(
            "option {name} is required (or set {env_name})"
        ))),
    }
}
