//! The option vocabulary of a registry: which names exist (`known: …`),
//! reading options given in code and from `PASSBRIDGE_*` variables, and
//! checking their templates. It lives with the registry because every rule
//! here depends on which providers declare which options.

use super::Registry;
use crate::env::Env;
use crate::error::Error;
use crate::mapping::Mapping;
use crate::options::{parse_budget, Given, OptionKind, OptionSource, OptionValue, Options};

/// The doors' own options before the providers' ones (`known: …` order).
const LEADING: [&str; 2] = ["provider", "operation"];
/// The doors' own options after the providers' ones.
const TRAILING: [&str; 4] = ["dryRun", "budgetMs", "env", "fetch"];

impl Options {
    /// Fills every option not given here (in code) from its `PASSBRIDGE_*`
    /// variable, so one pasted file serves every scenario without code changes.
    /// An option given in code wins, and its variable is then not even read.
    /// Errors carry the prefix of the provider that will run.
    pub fn with_env(self, env: &dyn Env) -> Result<Options, Error> {
        self.with_env_in(env, &super::REGISTRY)
    }

    /// [`Options::with_env`] with the providers of `registry`.
    pub fn with_env_in(self, env: &dyn Env, registry: &Registry) -> Result<Options, Error> {
        let text = |name: &str| crate::env::optional(env, name);
        let provider = self
            .provider
            .clone()
            .or_else(|| text("PASSBRIDGE_PROVIDER"));
        let prefix = registry.prefix(provider.as_deref());
        let run = || -> Result<Options, Error> {
            let flag = |given: Option<bool>, name: &str| match given {
                Some(v) => Ok(Some(v)),
                None => text(name)
                    .map(|v| crate::env::parse_bool(name, &v))
                    .transpose(),
            };
            let budget_ms = match self.budget_ms {
                Some(ms) => Some(ms),
                None => text("PASSBRIDGE_BUDGET_MS")
                    .map(|v| {
                        parse_budget(
                            "PASSBRIDGE_BUDGET_MS",
                            crate::value::parse_decimal(v.trim()).unwrap_or(f64::NAN),
                        )
                    })
                    .transpose()?,
            };
            let mut out = Options {
                provider: provider.clone(),
                operation: self
                    .operation
                    .clone()
                    .or_else(|| text("PASSBRIDGE_OPERATION")),
                dry_run: None,
                budget_ms,
                values: Vec::new(),
            };
            for spec in registry.option_specs() {
                let value = match self.get(spec.name) {
                    Some(v) => Some(v.clone()),
                    None => match (text(spec.variable), spec.kind) {
                        (None, _) => None,
                        (Some(v), OptionKind::Text | OptionKind::Template) => {
                            Some(OptionValue::Text(v))
                        }
                        (Some(v), OptionKind::Flag) => Some(OptionValue::Flag(
                            crate::env::parse_bool(spec.variable, &v)?,
                        )),
                        (Some(json), OptionKind::Pairs) => Some(OptionValue::Pairs(
                            crate::mapping::pairs_from_json(spec.what, spec.variable, &json)?,
                        )),
                    },
                };
                if let Some(v) = value {
                    out.values.push((spec.name, v));
                }
            }
            out.dry_run = flag(self.dry_run, "PASSBRIDGE_DRY_RUN")?;
            Ok(out)
        };
        run().map_err(|e| registry.redact_secrets(e, env).prefixed(prefix))
    }

    /// Parses every template option now (whatever provider ends up using
    /// them), so a mistake in code fails when the handler is created. Errors
    /// name the option, the field and the position.
    pub fn check_templates(&self) -> Result<(), Error> {
        self.check_templates_in(&super::REGISTRY)
    }

    pub fn check_templates_in(&self, registry: &Registry) -> Result<(), Error> {
        let prefix = registry.prefix(self.provider.as_deref());
        for spec in registry.option_specs() {
            let checked = match (spec.kind, self.get(spec.name)) {
                (OptionKind::Pairs, Some(OptionValue::Pairs(pairs))) => {
                    Mapping::parse_pairs(spec.what, pairs).map(drop)
                }
                (OptionKind::Template, Some(OptionValue::Text(src))) => {
                    Mapping::parse("option", [(spec.name, src.as_str())]).map(drop)
                }
                _ => Ok(()),
            };
            checked.map_err(|e| e.prefixed(prefix))?;
        }
        Ok(())
    }

    /// Reads an options object given in code (a JS object, or JSON in tests):
    /// unknown names are an error, so a typo (`feilds`) does not silently fall
    /// back to the defaults; each value must have its option's type. Errors
    /// carry the prefix of the provider the object names.
    pub fn read(source: &dyn OptionSource) -> Result<Options, Error> {
        Options::read_in(source, &super::REGISTRY)
    }

    pub fn read_in(source: &dyn OptionSource, registry: &Registry) -> Result<Options, Error> {
        let named = match source.given("provider") {
            Given::Text(t) => Some(t),
            _ => None,
        };
        read(source, registry).map_err(|e| e.prefixed(registry.prefix(named.as_deref())))
    }
}

/// The whole vocabulary of options given in code, in the order `known: …` lists it.
pub fn option_names(registry: &Registry) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = LEADING.to_vec();
    names.extend(registry.option_specs().map(|s| s.name));
    names.extend(TRAILING);
    names
}

fn read(source: &dyn OptionSource, registry: &Registry) -> Result<Options, Error> {
    match source.shape() {
        Given::Absent => return Ok(Options::default()),
        Given::Object => {}
        _ => return Err(Error::invalid_config("options must be an object")),
    }
    let names = source
        .names()
        .ok_or_else(|| Error::invalid_config("options could not be read"))?;
    let known = option_names(registry);
    for name in &names {
        if !known.contains(&name.as_str()) {
            return Err(Error::invalid_config(format!(
                "unknown option '{}' (known: {})",
                crate::http::excerpt(name, 40),
                known.join(", ")
            )));
        }
    }
    let text = |name: &str| -> Result<Option<String>, Error> {
        match source.given(name) {
            Given::Absent => Ok(None),
            Given::Text(t) => Ok(Some(t)),
            _ => Err(must_be(name, "a string")),
        }
    };
    let flag = |name: &str| -> Result<Option<bool>, Error> {
        match source.given(name) {
            Given::Absent => Ok(None),
            Given::Bool(b) => Ok(Some(b)),
            _ => Err(must_be(name, "true or false")),
        }
    };
    let pairs = |name: &str| -> Result<Option<Vec<(String, String)>>, Error> {
        let bad = || must_be(name, "an object of name → template string");
        match source.given(name) {
            Given::Absent => Ok(None),
            Given::Object => source
                .entries(name)
                .ok_or_else(bad)?
                .into_iter()
                .map(|(k, v)| v.map(|v| (k, v)).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            _ => Err(bad()),
        }
    };
    let mut options = Options {
        provider: text("provider")?,
        operation: text("operation")?,
        ..Options::default()
    };
    for spec in registry.option_specs() {
        let value = match spec.kind {
            OptionKind::Text => text(spec.name)?.map(OptionValue::Text),
            OptionKind::Template => match source.given(spec.name) {
                Given::Number(n) => Some(OptionValue::Text(crate::value::js_number(n))),
                _ => text(spec.name)?.map(OptionValue::Text),
            },
            OptionKind::Flag => flag(spec.name)?.map(OptionValue::Flag),
            OptionKind::Pairs => pairs(spec.name)?.map(OptionValue::Pairs),
        };
        if let Some(v) = value {
            options.values.push((spec.name, v));
        }
    }
    options.dry_run = flag("dryRun")?;
    options.budget_ms = match source.given("budgetMs") {
        Given::Absent => None,
        Given::Number(ms) => Some(parse_budget("option budgetMs", ms)?),
        _ => Some(parse_budget("option budgetMs", f64::NAN)?),
    };
    match source.given("fetch") {
        Given::Absent | Given::Function => {}
        _ => return Err(must_be("fetch", "a function")),
    }
    Ok(options)
}

/// `option {name} must be {what}`.
fn must_be(name: &str, what: &str) -> Error {
    Error::invalid_config(format!("option {name} must be {what}"))
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
        let mut code = Options::default();
        code.set("fields", OptionValue::Pairs(vec![("a".into(), "b".into())]));
        let o = code.with_env(&env).unwrap();
        assert_eq!(o.provider.as_deref(), Some("walletcrew"));
        assert_eq!(o.text("passType"), Some("premium"));
        assert_eq!(o.pairs("fields"), Some(&[("a".into(), "b".into())][..]));
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

    #[test]
    fn the_vocabulary_keeps_its_order() {
        assert_eq!(
            option_names(&crate::providers::REGISTRY).join(", "),
            "provider, operation, fields, skipIfPassExists, identifiers, passType, updateMetadata, delta, reason, dryRun, budgetMs, env, fetch"
        );
    }
}
