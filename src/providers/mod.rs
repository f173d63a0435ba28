//! Providers, one file each. Adding one means a new file and one line in
//! [`build`]; nothing else changes.

pub mod passninja;

use crate::error::Error;
use crate::handler::{Operation, Options};

/// The operation named by `options.provider` / `options.operation`.
/// Defaults: PassNinja `update`.
pub fn build(options: &Options) -> Result<(&'static str, Box<dyn Operation>), Error> {
    let provider = options.provider.as_deref().unwrap_or("passninja");
    match provider {
        "passninja" => passninja::build(options).map(|op| (passninja::PREFIX, op)),
        other => Err(Error::invalid_config(format!(
            "unknown provider '{}' (known: passninja)",
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
