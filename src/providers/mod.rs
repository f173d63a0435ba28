//! Providers, one file each, each declaring one [`Provider`] value. Adding
//! one means a new file and one line in [`REGISTRY`]; routes, secret
//! variables, the option vocabulary and every "known: …" message follow.

pub mod jericommerce;
pub mod passninja;
mod vocabulary;
pub mod walletcrew;

pub use vocabulary::option_names;

use crate::env::{self, Env};
use crate::error::Error;
use crate::http::Plan;
use crate::http::{Header, HttpRequest, HttpResponse};
use crate::mapping::Mapping;
use crate::options::{OptionSpec, Options};
use crate::outcome::Outcome;
use crate::profile::{Resolve, Root};
use crate::value::Value;

/// Every provider the doors know, in the order messages list them; the first
/// is the default. Adding a provider: its file, and one line here.
pub const PROVIDERS: &[&Provider] = &[
    &passninja::PROVIDER,
    &walletcrew::PROVIDER,
    &jericommerce::PROVIDER,
];

/// The doors' registry: [`PROVIDERS`].
pub const REGISTRY: Registry = Registry::new(PROVIDERS);

/// The Worker's bearer secret for Klaviyo's webhooks.
pub const WEBHOOK_SECRET_VARIABLE: &str = "PASSBRIDGE_WEBHOOK_SECRET";
/// The Worker's bearer secret for its ledger admin routes.
pub const ADMIN_SECRET_VARIABLE: &str = "PASSBRIDGE_ADMIN_SECRET";

/// The message prefix of errors that belong to no provider.
pub const GENERIC_PREFIX: &str = "passbridge error: ";

/// `fields` (pass field → template, `PASSBRIDGE_FIELDS`): the same option for
/// every provider that sends pass fields.
pub const FIELDS_OPTION: OptionSpec = OptionSpec {
    name: "fields",
    kind: crate::options::OptionKind::Pairs,
    variable: "PASSBRIDGE_FIELDS",
    what: "field",
};

/// A provider, declared once in its file: everything the doors, the Worker,
/// the playground and the docs need to know about it.
pub struct Provider {
    /// The `provider` option and the first path segment of its routes.
    pub id: &'static str,
    /// The display name (`The Wallet Crew`).
    pub name: &'static str,
    /// The prefix of every message of its handlers (`PassNinja error: `).
    pub prefix: &'static str,
    /// The secret API key's variable (redacted from every error).
    pub key_variable: &'static str,
    /// The optional variable that overrides where requests go (tests), and
    /// the base it overrides.
    pub base_url: (&'static str, &'static str),
    /// The required non-secret variables (account ids), each with the
    /// placeholder the playground starts with.
    pub variables: &'static [(&'static str, &'static str)],
    /// What a pairs option stands for when it is unset, by option name
    /// (PassNinja's `fields`): the provider's own default, which the
    /// playground shows as its sample.
    pub defaults: &'static [(&'static str, Pairs)],
    /// Its operations; the first is the default.
    pub operations: &'static [OperationSpec],
    /// The options its operations read (names, kinds, variables).
    pub options: &'static [OptionSpec],
    /// Builds the configured operation, reading its own options; `Err` for
    /// an option that does not parse (without prefix: the registry adds it).
    pub build: BuildFn,
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
    /// The pass a planned request sets to a state, as the request names it
    /// (PassNinja's template and serial), when its effect is "set this pass
    /// to this state": the ledger then applies only the newest delivery per
    /// pass. `None` (the default) for deltas and creations, which are not ordered.
    fn pass(&self, _request: &HttpRequest) -> Option<String> {
        None
    }
}

/// A fixed list of name → template pairs.
pub type Pairs = &'static [(&'static str, &'static str)];

/// How a provider builds a configured operation from its options.
pub type BuildFn = fn(&OperationSpec, &Options) -> Result<Box<dyn Operation>, Error>;

/// One operation of a provider.
pub struct OperationSpec {
    /// The `operation` option (`pushUpdate`).
    pub name: &'static str,
    /// The Worker route that runs it (`/walletcrew/push-update`).
    pub route: &'static str,
    /// The options it reads (names from the provider's `options`).
    pub options: &'static [&'static str],
    /// False when sending it twice applies it twice (a balance change, a
    /// creation): the ledger never resends such a delivery on its own.
    pub idempotent: bool,
    /// The fields its success outcome carries (`serial`, `url`…): what a
    /// `PASSBRIDGE_WRITE_BACK` mapping may copy onto the Klaviyo profile.
    pub result_fields: &'static [&'static str],
    /// The write-back when `PASSBRIDGE_WRITE_BACK` is unset (profile
    /// attribute or `properties.<name>` → result field); empty: none.
    pub write_back: &'static [(&'static str, &'static str)],
}

/// One Worker webhook route: a provider operation at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub path: &'static str,
    pub provider: &'static str,
    pub operation: &'static str,
}

/// A list of providers and everything derived from it: routes, secret
/// variables, the option vocabulary and the "known: …" messages.
pub struct Registry {
    providers: &'static [&'static Provider],
}

impl Registry {
    pub const fn new(providers: &'static [&'static Provider]) -> Registry {
        Registry { providers }
    }

    pub fn providers(&self) -> impl Iterator<Item = &'static Provider> + '_ {
        self.providers.iter().copied()
    }

    /// The provider named `id`, or the default (the first) when `None`.
    pub fn find(&self, id: Option<&str>) -> Option<&'static Provider> {
        match id {
            None => self.providers.first().copied(),
            Some(id) => self.providers().find(|p| p.id == id),
        }
    }

    /// The pairs `option` of `provider` stands for when unset (empty when
    /// there is no such default).
    pub fn default_pairs(&self, provider: &str, option: &str) -> Pairs {
        self.find(Some(provider))
            .and_then(|p| p.defaults.iter().find(|(name, _)| *name == option))
            .map_or(&[], |(_, pairs)| *pairs)
    }

    /// The message prefix of a provider's errors; unknown providers get
    /// `passbridge error: `.
    pub fn prefix(&self, provider: Option<&str>) -> &'static str {
        self.find(provider).map_or(GENERIC_PREFIX, |p| p.prefix)
    }

    /// The operation named by `options.provider` / `options.operation`, with
    /// its provider (errors carry their prefix, added here once).
    pub fn build(
        &self,
        options: &Options,
    ) -> Result<(&'static Provider, Box<dyn Operation>), Error> {
        self.build_unprefixed(options)
            .map_err(|e| e.prefixed(self.prefix(options.provider.as_deref())))
    }

    fn build_unprefixed(
        &self,
        options: &Options,
    ) -> Result<(&'static Provider, Box<dyn Operation>), Error> {
        let Some(provider) = self.find(options.provider.as_deref()) else {
            let known: Vec<&str> = self.providers().map(|p| p.id).collect();
            return Err(Error::invalid_config(format!(
                "unknown provider '{}' (known: {})",
                crate::http::excerpt(options.provider.as_deref().unwrap_or(""), 40),
                known.join(", ")
            )));
        };
        let operation = match options.operation.as_deref() {
            None => provider.operations.first(),
            Some(name) => provider.operations.iter().find(|o| o.name == name),
        };
        let Some(operation) = operation else {
            let known: Vec<&str> = provider.operations.iter().map(|o| o.name).collect();
            return Err(Error::invalid_config(format!(
                "unknown operation '{}' (known: {})",
                crate::http::excerpt(options.operation.as_deref().unwrap_or(""), 40),
                known.join(", ")
            )));
        };
        (provider.build)(operation, options).map(|op| (provider, op))
    }

    /// The Worker route at `path`, if any.
    pub fn route(&self, path: &str) -> Option<Route> {
        self.routes().find(|r| r.path == path)
    }

    /// Every Worker route, provider by provider.
    pub fn routes(&self) -> std::vec::IntoIter<Route> {
        let mut routes = Vec::new();
        for p in self.providers {
            for o in p.operations {
                routes.push(Route {
                    path: o.route,
                    provider: p.id,
                    operation: o.name,
                });
            }
        }
        routes.into_iter()
    }

    /// The operation a route runs.
    pub fn operation(&self, route: &str) -> Option<&'static OperationSpec> {
        for p in self.providers {
            for o in p.operations {
                if o.route == route {
                    return Some(o);
                }
            }
        }
        None
    }

    /// The variables that hold secrets: every provider's key, the webhook
    /// and admin secrets and the Klaviyo private key. Their values are
    /// redacted from every error; the playground refuses them.
    pub fn secret_variables(&self) -> std::vec::IntoIter<&'static str> {
        let mut names: Vec<&'static str> = self.providers.iter().map(|p| p.key_variable).collect();
        names.push(WEBHOOK_SECRET_VARIABLE);
        names.push(ADMIN_SECRET_VARIABLE);
        names.push(crate::klaviyo::KEY_VARIABLE);
        names.into_iter()
    }

    /// The variables that override where requests go, each with the base it
    /// overrides: every provider's and Klaviyo's. (A shared playground link
    /// holding one is shown as such before its snippets can be copied.)
    pub fn base_url_variables(&self) -> std::vec::IntoIter<(&'static str, &'static str)> {
        let mut names: Vec<(&'static str, &'static str)> =
            self.providers.iter().map(|p| p.base_url).collect();
        names.push((
            crate::klaviyo::BASE_URL_VARIABLE,
            crate::klaviyo::DEFAULT_BASE,
        ));
        names.into_iter()
    }

    /// Replaces the value of every secret variable found in `err`'s message by `***`.
    pub fn redact_secrets(&self, err: Error, env: &dyn Env) -> Error {
        let mut values: Vec<String> = Vec::new();
        for name in self.secret_variables() {
            values.extend(env.var(name));
        }
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        err.redacted(&refs)
    }

    /// Every provider option once (the first declaration of a name wins;
    /// providers sharing a name declare it alike).
    pub fn option_specs(&self) -> std::vec::IntoIter<&'static OptionSpec> {
        let mut specs: Vec<&'static OptionSpec> = Vec::new();
        for p in self.providers {
            for spec in p.options {
                if !specs.iter().any(|s| s.name == spec.name) {
                    specs.push(spec);
                }
            }
        }
        specs.into_iter()
    }
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
    key_headers(key_header, api_key, None, true)
}

/// The API key header (shown as `***` in dry runs), then `extra` (an
/// account header), then a JSON content type when a body is sent.
pub fn key_headers(
    key_header: &'static str,
    api_key: &str,
    extra: Option<Header>,
    json_body: bool,
) -> Vec<Header> {
    let mut headers = vec![Header {
        name: key_header,
        value: api_key.to_string(),
        secret: true,
    }];
    headers.extend(extra);
    if json_body {
        headers.push(Header {
            name: "Content-Type",
            value: "application/json".into(),
            secret: false,
        });
    }
    headers
}

/// Parses an optional name → template option, else the given defaults.
pub fn mapping_or(
    what: &str,
    pairs: Option<&[(String, String)]>,
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
    source: Option<&str>,
) -> Result<Mapping, Error> {
    match source {
        Some(src) => Mapping::parse("option", [(name, src)]),
        None => Err(Error::missing_config(format!(
            "option {name} is required (or set {env_name})"
        ))),
    }
}
