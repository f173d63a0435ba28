//! The sample catalogue: providers, operations, routes, sample options,
//! events and variables, as the page builds its selects from them.

use super::{PLACEHOLDER_API_KEY, SAMPLE_PROFILE};
use crate::json::{push_json_array, push_json_string, push_json_strings, push_pretty_object};
use crate::options::{OptionValue, Options};
use crate::providers::REGISTRY;

/// A provider as the page offers it: the registry's.
pub type ProviderInfo = crate::providers::Provider;

/// Every provider the page offers.
pub fn providers() -> impl Iterator<Item = &'static ProviderInfo> {
    REGISTRY.providers()
}

/// The options `provider`/`operation` reads (empty for an unknown one).
pub fn operation_options(provider: &str, operation: &str) -> &'static [&'static str] {
    REGISTRY
        .find(Some(provider))
        .and_then(|p| p.operations.iter().find(|o| o.name == operation))
        .map(|o| o.options)
        .unwrap_or(&[])
}

/// The operation a provider runs when none is named (its first).
pub fn default_operation(provider: &str) -> Option<&'static str> {
    REGISTRY
        .find(Some(provider))
        .and_then(|p| p.operations.first())
        .map(|o| o.name)
}

/// The options the page starts with for an operation (compact pairs).
pub(super) fn sample_options(provider: &str, operation: &str) -> Options {
    let pairs = |p: &[(&str, &str)]| {
        OptionValue::Pairs(
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let mut o = Options::default();
    match (provider, operation) {
        ("passninja", "update") => {
            o.set("fields", pairs(REGISTRY.default_pairs(provider, "fields")))
        }
        ("passninja", "create") => {
            o.set("fields", pairs(REGISTRY.default_pairs(provider, "fields")));
            // The sample profile has a pass: show the request, not the guard.
            o.set("skipIfPassExists", OptionValue::Flag(false));
        }
        ("walletcrew", "pushUpdate") => {
            o.set(
                "identifiers",
                pairs(REGISTRY.default_pairs(provider, "identifiers")),
            );
            o.set(
                "fields",
                pairs(&[("points", "{{ person.properties.loyalty_points|default:0 }}")]),
            );
        }
        ("jericommerce", "balance") => {
            o.set("delta", OptionValue::Text("{{ event.points }}".into()));
            o.set(
                "reason",
                OptionValue::Text("Points for {{ event.reason }}".into()),
            );
        }
        _ => {}
    }
    o
}

/// The event the page starts with for an operation ("" for none).
pub(super) fn sample_event(provider: &str) -> &'static str {
    match provider {
        "jericommerce" => "{\n  \"points\": 50,\n  \"reason\": \"order #1042\"\n}",
        _ => "",
    }
}

/// `{"A": "x", …}` over several lines, as the page shows JSON.
fn pretty_object(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    push_pretty_object(&mut out, "", pairs.iter().map(|(k, v)| (k, v)), |o, v| {
        o.push_str(v)
    });
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::new();
    push_json_string(&mut out, s);
    out
}

/// `{ "a": "…", … }` for pairs nested one level deeper.
fn pretty_pairs(pairs: &[(String, String)], indent: &str) -> String {
    let mut out = String::new();
    push_pretty_object(
        &mut out,
        indent,
        pairs.iter().map(|(k, v)| (k, v)),
        |o, v| push_json_string(o, v),
    );
    out
}

/// The `#options` JSON of a set of options (only those the page accepts).
pub fn options_json(o: &Options) -> String {
    let mut members: Vec<(&str, String)> = Vec::new();
    for spec in REGISTRY.option_specs() {
        let name = spec.name;
        if let Some(v) = o.get(name) {
            let json = match v {
                OptionValue::Pairs(p) => pretty_pairs(p, "  "),
                OptionValue::Text(t) => json_string(t),
                OptionValue::Flag(b) => b.to_string(),
            };
            members.push((name, json));
        }
    }
    pretty_object(&members)
}

/// The sample `#env` of a provider: its variables with placeholders.
pub fn sample_env(provider: &ProviderInfo) -> String {
    let members: Vec<(&str, String)> = provider
        .variables
        .iter()
        .map(|(k, v)| (*k, json_string(v)))
        .collect();
    pretty_object(&members)
}

/// Everything the page needs to build its selects and samples, as JSON:
/// `{ csp, placeholderKey, sampleProfile, providers: [{ id, name, keyVariable,
/// sampleEnv, operations: [{ id, route, options, sampleOptions, sampleEvent }] }] }`.
pub fn catalog_json() -> String {
    let mut out = String::from("{\"placeholderKey\":");
    push_json_string(&mut out, PLACEHOLDER_API_KEY);
    out.push_str(",\"sampleProfile\":");
    push_json_string(&mut out, SAMPLE_PROFILE.trim_end());
    out.push_str(",\"providers\":");
    push_json_array(&mut out, providers(), |out, p| {
        out.push_str("{\"id\":");
        push_json_string(out, p.id);
        out.push_str(",\"name\":");
        push_json_string(out, p.name);
        out.push_str(",\"keyVariable\":");
        push_json_string(out, p.key_variable);
        out.push_str(",\"sampleEnv\":");
        push_json_string(out, &sample_env(p));
        out.push_str(",\"operations\":");
        let routes = REGISTRY.routes().filter(|r| r.provider == p.id);
        push_json_array(out, routes, |out, r| {
            out.push_str("{\"id\":");
            push_json_string(out, r.operation);
            out.push_str(",\"route\":");
            push_json_string(out, r.path);
            out.push_str(",\"options\":");
            push_json_strings(out, operation_options(p.id, r.operation).iter().copied());
            out.push_str(",\"sampleOptions\":");
            push_json_string(out, &options_json(&sample_options(p.id, r.operation)));
            out.push_str(",\"sampleEvent\":");
            push_json_string(out, sample_event(p.id));
            out.push('}');
        });
        out.push('}');
    });
    out.push('}');
    out
}
