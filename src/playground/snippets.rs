//! Snippet writing: what to paste into each door (variables, the Klaviyo
//! webhook and `worker.toml`, the `createHandler` call).

use super::body::webhook_body;
use super::catalog::{default_operation, operation_options, providers};
use super::overrides::{escape_rest, name_line, one_line};
use super::secrets::{env_problem, invisible};
use super::Vars;
use crate::error::Error;
use crate::handler::Handler;
use crate::json::push_json_string;
use crate::options::{OptionValue, Options};
use crate::profile::Resolve;
use crate::providers::REGISTRY;

/// An option's value as its variable holds it (compact JSON for pairs).
fn variable_text(v: &OptionValue) -> String {
    match v {
        OptionValue::Pairs(p) => {
            let mut out = String::new();
            crate::json::json_object_of_strings(
                &mut out,
                p.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            out
        }
        OptionValue::Text(t) => t.to_string(),
        OptionValue::Flag(b) => b.to_string(),
    }
}

/// What to paste into each door to make it do what the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippets {
    /// `NAME=value` lines for the Code action's Environment Variables tab.
    pub env: String,
    /// The Worker route, the header, the Klaviyo webhook body, and the
    /// `worker.toml` variables.
    pub webhook: String,
    /// Only the webhook body (for its own copy button).
    pub webhook_body: String,
    /// The equivalent `createHandler({...})` call.
    pub code: String,
    /// The Worker's write-back request after this operation (key as `***`,
    /// the result's values as `<serial>`…), or empty when it writes none.
    pub write_back: String,
}

/// The snippets for options given in code (provider and operation included)
/// and the page's `#env` (non-secret variables, in order). Fails as the doors
/// would for these options.
#[cfg(test)]
pub fn snippets(code: &Options, env: &[(String, String)]) -> Result<Snippets, Error> {
    snippets_for(code, env, None)
}

/// [`snippets`], with the sample profile and event the page shows: a value
/// that is a number there goes into the webhook body as a JSON number
/// (`{{ person.points|default:0 }}`, unquoted), so that the Worker compares
/// and computes with a number, as the Code action does.
pub fn snippets_for(
    code: &Options,
    env: &[(String, String)],
    sample: Option<&dyn Resolve>,
) -> Result<Snippets, Error> {
    if let Some(e) = env_problem(env) {
        return Err(e);
    }
    let effective = code.clone().with_env(&Vars(env))?;
    Handler::new(&effective)?;
    let provider_id = effective.provider.as_deref().unwrap_or("passninja");
    let provider = providers()
        .find(|p| p.id == provider_id)
        .ok_or_else(|| Error::invalid_config(format!("unknown provider '{provider_id}'")))?;
    let operation = match effective.operation.as_deref() {
        Some(o) => o,
        None => default_operation(provider.id).unwrap_or(""),
    };
    let route = REGISTRY
        .routes()
        .find(|r| r.provider == provider.id && r.operation == operation)
        .ok_or_else(|| Error::invalid_config(format!("unknown operation '{operation}'")))?;
    let used: Vec<(&str, &str, &OptionValue)> = REGISTRY
        .option_specs()
        .filter(|spec| operation_options(provider.id, operation).contains(&spec.name))
        .filter_map(|spec| {
            effective
                .get(spec.name)
                .map(|v| (spec.name, spec.variable, v))
        })
        .collect();
    // The provider's own variables from #env (PASSBRIDGE_* are the options).
    let prefix = format!("{}_", provider.id.to_ascii_uppercase());
    let provider_vars: Vec<&(String, String)> =
        env.iter().filter(|(n, _)| n.starts_with(&prefix)).collect();

    // The Code action's Environment Variables tab.
    let mut env_lines = vec![format!(
        "{}=<your {} API key>",
        provider.key_variable, provider.name
    )];
    // One value, one line: a line break in a name or value cannot add a variable.
    env_lines.extend(
        provider_vars
            .iter()
            .map(|(n, v)| format!("{}={}", name_line(n), one_line(v))),
    );
    env_lines.push(format!("PASSBRIDGE_PROVIDER={}", provider.id));
    env_lines.push(format!("PASSBRIDGE_OPERATION={operation}"));
    for (_, variable, v) in &used {
        env_lines.push(format!("{variable}={}", one_line(&variable_text(v))));
    }

    // createHandler({...}) for code.
    let credentials = vec![provider.key_variable];
    let mut credentials: Vec<String> = credentials.into_iter().map(str::to_string).collect();
    credentials.extend(provider_vars.iter().map(|(n, _)| name_line(n)));
    let mut code_text =
        String::from("import { createHandler } from \"./klaviyo-code-action.mjs\";\n\n// ");
    code_text.push_str(&credentials.join(", "));
    code_text.push_str(": the action's Environment Variables tab\n");
    code_text.push_str("export const handler = createHandler({\n  provider: ");
    push_json_string(&mut code_text, provider.id);
    code_text.push_str(",\n  operation: ");
    push_json_string(&mut code_text, operation);
    code_text.push_str(",\n");
    for (name, _, v) in &used {
        code_text.push_str("  ");
        code_text.push_str(name);
        code_text.push_str(": ");
        match v {
            OptionValue::Pairs(p) => {
                code_text.push_str("{\n");
                for (k, t) in p.iter() {
                    code_text.push_str("    ");
                    push_json_string(&mut code_text, k);
                    code_text.push_str(": ");
                    push_json_string(&mut code_text, t);
                    code_text.push_str(",\n");
                }
                code_text.push_str("  }");
            }
            OptionValue::Text(t) => push_json_string(&mut code_text, t),
            OptionValue::Flag(b) => code_text.push_str(if *b { "true" } else { "false" }),
        }
        code_text.push_str(",\n");
    }
    code_text.push_str("});\nexport default handler;\n");

    // The Klaviyo Webhook action and the Worker's variables.
    let body = webhook_body(&effective, provider, sample)?;
    let mut webhook = format!(
        "POST https://passbridge.<your-subdomain>.workers.dev{}\nAuthorization: Bearer <PASSBRIDGE_WEBHOOK_SECRET>\n\n{body}\n\n# worker.toml\n[vars]\n",
        route.path
    );
    for (n, v) in &provider_vars {
        webhook.push_str(&format!("{} = {}\n", toml_key(n), toml_string(v)));
    }
    for (_, variable, v) in &used {
        webhook.push_str(&format!(
            "{variable} = {}\n",
            toml_string(&variable_text(v))
        ));
    }
    webhook.push_str(&format!(
        "# secrets: npx wrangler secret put {} --config worker.toml\n#          npx wrangler secret put PASSBRIDGE_WEBHOOK_SECRET --config worker.toml",
        provider.key_variable
    ));
    let write_back = write_back_text(route, sample);
    if !write_back.is_empty() {
        webhook.push_str(&format!(
            "\n#          npx wrangler secret put {} --config worker.toml   # writes the result back to the profile (docs/write-back.md)",
            crate::klaviyo::KEY_VARIABLE
        ));
    }

    // JSON strings keep U+0085 and bidi controls as they are: escape them too.
    Ok(Snippets {
        env: env_lines.join("\n"),
        webhook: escape_rest(&webhook),
        webhook_body: escape_rest(&body),
        code: escape_rest(&code_text),
        write_back: escape_rest(&write_back),
    })
}

/// The write-back request the Worker sends after `route`'s operation
/// succeeds (its default mapping), for the sample profile; empty when the
/// operation writes nothing back.
fn write_back_text(route: crate::providers::Route, sample: Option<&dyn Resolve>) -> String {
    use crate::klaviyo::write_back::{Identity, NO_IDENTITY};
    use crate::outcome::{OutValue, Outcome};
    let Some(operation) = REGISTRY.operation(route.path) else {
        return String::new();
    };
    let mapping = crate::klaviyo::write_back::WriteBack::default_for(operation);
    let vars = [(
        crate::klaviyo::KEY_VARIABLE.to_string(),
        super::PLACEHOLDER_API_KEY.to_string(),
    )];
    let Ok(klaviyo) = crate::klaviyo::Klaviyo::from_env(&Vars(&vars)) else {
        return String::new();
    };
    let text = |key: &str| match sample
        .map(|s| s.resolve_keys(crate::profile::Root::Person, &mut [key].into_iter()))
    {
        Some(crate::value::Value::Str(v)) if !v.trim().is_empty() => Some(v.trim().to_string()),
        _ => None,
    };
    let identity = text("id")
        .map(Identity::Id)
        .or_else(|| text("email").map(Identity::Email))
        .or_else(|| text("phone_number").map(Identity::Phone));
    let placeholder = Outcome(
        operation
            .result_fields
            .iter()
            .map(|f| (*f, OutValue::Str(format!("<{f}>"))))
            .collect(),
    );
    let Some(identity) = identity else {
        return if mapping.0.is_empty() {
            String::new()
        } else {
            super::Shown::Skipped(NO_IDENTITY).text()
        };
    };
    match mapping.request(&klaviyo, &identity, &placeholder) {
        Some(r) => super::Shown::Request {
            method: r.method,
            url: &r.url,
            headers: r.redacted_headers().collect(),
            body: r.body.as_deref(),
        }
        .text(),
        None => String::new(),
    }
}

/// A TOML key: bare when it can be, else quoted.
fn toml_key(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// A TOML string: literal (`'…'`) when it can be, else basic with escapes
/// (every control, line-breaking or invisible character escaped: one value
/// stays on one line).
pub(super) fn toml_string(s: &str) -> String {
    if !s.contains('\'') && !s.chars().any(invisible) {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if invisible(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
