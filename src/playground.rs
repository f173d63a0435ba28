//! The mapping playground (`dist/playground.html`, and the Worker's `GET /`).
//!
//! The page runs the doors' own dry run (`Handler.plan`); everything else it
//! shows or offers to paste that needs knowledge of options, variables or
//! routes comes from here, so the page holds no rule of its own and cannot
//! drift from what the doors accept:
//!
//! - [`Shown`]: the text of a dry-run result (`make demo` prints the same);
//! - [`json_problem`]: where a textarea's JSON is broken (line, column);
//! - [`template_problem`]: which option, field and position a bad template has;
//! - [`catalog_json`]: providers, operations, routes and sample inputs;
//! - [`snippets`]: the `PASSBRIDGE_*` variables, the webhook body and the
//!   `createHandler` call that make each door do what the page shows.

use crate::env::Env;
use crate::error::{Code, Error};
use crate::handler::Handler;
use crate::http::HttpRequest;
use crate::json::push_json_string;
use crate::options::{OptionKind, OptionValue, Options};
use crate::outcome::Plan;
use crate::profile::{Resolve, Root};
use crate::providers::REGISTRY;
use crate::template::Template;
use crate::value::Value;

/// The page's Content-Security-Policy (its `<meta>` tag and the Worker's
/// header): nothing may be loaded or sent; only the inline script and style
/// run, and the inlined wasm may be compiled.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// The API key the page plans with. It never shows: dry runs print `***`.
pub const PLACEHOLDER_API_KEY: &str = "playground-placeholder-key";

/// The profile the page starts with: the one `make demo` plans first.
pub const SAMPLE_PROFILE: &str = include_str!("../examples/profile-with-pass.json");

/// Variables as ordered pairs (the page's `#env`), read as an [`Env`].
/// (A `HashMap` would pull its hashing code into the wasm every door ships.)
pub struct Vars<'a>(pub &'a [(String, String)]);

impl Env for Vars<'_> {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

// ---------------------------------------------------------------- the result text

/// A dry-run result as the page and `make demo` print it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown<'a> {
    /// `METHOD URL`, one `Name: value` line per header (the key as `***`),
    /// an empty line, then the body (no empty line when there is no body).
    Request {
        method: &'a str,
        url: &'a str,
        headers: Vec<(&'a str, &'a str)>,
        body: Option<&'a str>,
    },
    /// `skipped: <reason>`
    Skipped(&'a str),
    /// `error <code>: <message>`
    Error { code: &'a str, message: &'a str },
}

impl<'a> Shown<'a> {
    /// A planned request, secrets as `***`.
    pub fn request(request: &'a HttpRequest) -> Shown<'a> {
        Shown::Request {
            method: request.method,
            url: &request.url,
            headers: request.redacted_headers().collect(),
            body: request.body.as_deref(),
        }
    }

    /// The outcome of a plan.
    pub fn plan(plan: &'a Result<Plan, Error>) -> Shown<'a> {
        match plan {
            Ok(Plan::Send(r)) => Shown::request(r),
            Ok(Plan::Skip(reason)) => Shown::Skipped(reason),
            Err(e) => Shown::Error {
                code: e.code.as_str(),
                message: &e.message,
            },
        }
    }

    pub fn text(&self) -> String {
        match self {
            Shown::Request {
                method,
                url,
                headers,
                body,
            } => {
                let mut out = format!("{method} {url}");
                for (name, value) in headers {
                    out.push('\n');
                    out.push_str(name);
                    out.push_str(": ");
                    out.push_str(value);
                }
                if let Some(body) = body {
                    out.push_str("\n\n");
                    out.push_str(body);
                }
                out
            }
            Shown::Skipped(reason) => format!("skipped: {reason}"),
            Shown::Error { code, message } => format!("error {code}: {message}"),
        }
    }
}

// ---------------------------------------------------------------- input problems

/// Where a JSON text is broken: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// `None` when `text` is valid JSON, else what is wrong and where.
pub fn json_problem(text: &str) -> Option<JsonProblem> {
    let err = serde_json::from_str::<serde_json::Value>(text).err()?;
    let line = err.line().max(1);
    // serde_json counts bytes; people count characters.
    let line_text = text.split('\n').nth(line - 1).unwrap_or("");
    let mut bytes = err.column().min(line_text.len());
    while bytes > 0 && !line_text.is_char_boundary(bytes) {
        bytes -= 1;
    }
    let column = line_text.get(..bytes).unwrap_or("").chars().count().max(1);
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full.get(..i).unwrap_or(&full).to_string(),
        None => full,
    };
    Some(JsonProblem {
        line,
        column,
        message,
    })
}

/// The `#error` text for broken JSON in the textarea `label`: the place, the
/// message, the line and a caret under the column.
pub fn json_problem_text(label: &str, text: &str) -> Option<String> {
    let p = json_problem(text)?;
    let line_text = text.split('\n').nth(p.line - 1).unwrap_or("");
    Some(format!(
        "invalid_json: {label} at line {}, column {}: {}\n{}",
        p.line,
        p.column,
        p.message,
        caret_block(line_text, p.column)
    ))
}

/// `line` and, under it, a caret at the 1-based character `column` (tabs kept,
/// so the caret lines up).
fn caret_block(line: &str, column: usize) -> String {
    let line = line.trim_end_matches('\r');
    let pad: String = line
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!("  {line}\n  {pad}^")
}

/// Where a template option does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// The option (`fields`, `delta`…) or, when it came from the
    /// environment, its variable (`PASSBRIDGE_FIELDS`…).
    pub option: String,
    /// The field (or identifier) name; the option name for `delta`/`reason`.
    pub field: String,
    /// 1-based character position in `template`.
    pub position: usize,
    pub template: String,
    pub message: String,
}

impl TemplateProblem {
    /// `option …, field '…'` and the template's line with a caret under the position.
    fn location(&self) -> (String, String) {
        let mut line_start = 0;
        let mut line_no = 0;
        for (i, c) in self.template.chars().enumerate() {
            if i + 1 >= self.position {
                break;
            }
            if c == '\n' {
                line_start = i + 1;
                line_no += 1;
            }
        }
        let line = self.template.split('\n').nth(line_no).unwrap_or("");
        let column = self.position.saturating_sub(line_start).max(1);
        let what = if self.option == self.field {
            format!("option {}", self.option)
        } else {
            format!("option {}, field '{}'", self.option, self.field)
        };
        (what, caret_block(line, column))
    }

    /// The option, the field, the position and what is wrong, then the
    /// template's line with a caret under the position.
    pub fn text(&self) -> String {
        let (what, caret) = self.location();
        format!(
            "{what}, position {}: {}\n{caret}",
            self.position, self.message
        )
    }

    /// [`TemplateProblem::text`] without the message (for under an error that has it).
    pub fn place(&self) -> String {
        let (what, caret) = self.location();
        format!("{what}, position {}:\n{caret}", self.position)
    }
}

/// The first template that does not parse, in the order the doors check them
/// (fields, identifiers, delta, reason; each from code, else its variable).
pub fn template_problem(code: &Options, env: &dyn Env) -> Option<TemplateProblem> {
    let from_env = |name: &str| crate::env::optional(env, name);
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    for spec in REGISTRY.option_specs() {
        match spec.kind {
            OptionKind::Pairs => {
                let (label, pairs) = match code.pairs(spec.name) {
                    Some(p) => (spec.name, p.to_vec()),
                    None => match from_env(spec.variable).and_then(|json| {
                        crate::mapping::pairs_from_json(spec.what, spec.variable, &json).ok()
                    }) {
                        Some(p) => (spec.variable, p),
                        None => continue,
                    },
                };
                for (name, src) in pairs {
                    candidates.push((label.to_string(), name, src));
                }
            }
            OptionKind::Template => match (code.text(spec.name), from_env(spec.variable)) {
                (Some(src), _) => {
                    candidates.push((spec.name.into(), spec.name.into(), src.to_string()))
                }
                (None, Some(src)) => candidates.push((spec.variable.into(), spec.name.into(), src)),
                (None, None) => {}
            },
            OptionKind::Text | OptionKind::Flag => {}
        }
    }
    candidates
        .into_iter()
        .find_map(|(option, field, template)| {
            let e = Template::parse(&template).err()?;
            Some(TemplateProblem {
                option,
                field,
                position: e.position,
                template,
                message: e.message,
            })
        })
}

/// The `#error` text for an error of the boundary: its code and message, and
/// for `invalid_template` the option, the field and a caret under the position.
pub fn error_text(code: &str, message: &str, options: &Options, env: &dyn Env) -> String {
    let mut out = format!("{code}: {message}");
    if code == Code::InvalidTemplate.as_str() {
        if let Some(p) = template_problem(options, env) {
            out.push('\n');
            out.push_str(&p.place());
        }
    }
    out
}

/// The page never needs a secret, and its state goes into the URL: a secret
/// variable typed into `#env` is refused (its value is never quoted).
pub fn env_problem(env: &[(String, String)]) -> Option<Error> {
    let name = env
        .iter()
        .map(|(n, _)| n.as_str())
        .find(|n| REGISTRY.secret_variables().any(|s| s == *n))?;
    Some(Error::invalid_config(format!(
        "{name} is a secret: leave it out. The playground plans with a placeholder key (shown as ***) and keeps its state in the URL"
    )))
}

// ---------------------------------------------------------------- the catalog

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
fn sample_options(provider: &str, operation: &str) -> Options {
    let pairs = |p: &[(&str, &str)]| {
        OptionValue::Pairs(
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    let mut o = Options::default();
    match (provider, operation) {
        ("passninja", "update") => o.set(
            "fields",
            pairs(&crate::providers::passninja::DEFAULT_FIELDS),
        ),
        ("passninja", "create") => {
            o.set(
                "fields",
                pairs(&crate::providers::passninja::DEFAULT_FIELDS),
            );
            // The sample profile has a pass: show the request, not the guard.
            o.set("skipIfPassExists", OptionValue::Flag(false));
        }
        ("walletcrew", "pushUpdate") => {
            o.set(
                "identifiers",
                pairs(&crate::providers::walletcrew::DEFAULT_IDENTIFIERS),
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
fn sample_event(provider: &str) -> &'static str {
    match provider {
        "jericommerce" => "{\n  \"points\": 50,\n  \"reason\": \"order #1042\"\n}",
        _ => "",
    }
}

/// `{"A": "x", …}` over several lines, as the page shows JSON.
fn pretty_object(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return "{}".into();
    }
    let mut out = String::from("{\n");
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push_str("  ");
        push_json_string(&mut out, k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str(if i + 1 < pairs.len() { ",\n" } else { "\n" });
    }
    out.push('}');
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::new();
    push_json_string(&mut out, s);
    out
}

/// `{ "a": "…", … }` for pairs nested one level deeper.
fn pretty_pairs(pairs: &[(String, String)], indent: &str) -> String {
    let mut out = String::from("{\n");
    for (i, (k, v)) in pairs.iter().enumerate() {
        out.push_str(indent);
        out.push_str("  ");
        push_json_string(&mut out, k);
        out.push_str(": ");
        push_json_string(&mut out, v);
        out.push_str(if i + 1 < pairs.len() { ",\n" } else { "\n" });
    }
    out.push_str(indent);
    out.push('}');
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
    out.push_str(",\"providers\":[");
    for (i, p) in providers().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_json_string(&mut out, p.id);
        out.push_str(",\"name\":");
        push_json_string(&mut out, p.name);
        out.push_str(",\"keyVariable\":");
        push_json_string(&mut out, p.key_variable);
        out.push_str(",\"sampleEnv\":");
        push_json_string(&mut out, &sample_env(p));
        out.push_str(",\"operations\":[");
        let routes = crate::worker::routes().filter(|r| r.provider == p.id);
        for (j, r) in routes.enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str("{\"id\":");
            push_json_string(&mut out, r.operation);
            out.push_str(",\"route\":");
            push_json_string(&mut out, r.path);
            out.push_str(",\"options\":[");
            for (k, name) in operation_options(p.id, r.operation).iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                push_json_string(&mut out, name);
            }
            out.push_str("],\"sampleOptions\":");
            push_json_string(&mut out, &options_json(&sample_options(p.id, r.operation)));
            out.push_str(",\"sampleEvent\":");
            push_json_string(&mut out, sample_event(p.id));
            out.push('}');
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out
}

// ---------------------------------------------------------------- snippets

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
}

/// The snippets for options given in code (provider and operation included)
/// and the page's `#env` (non-secret variables, in order). Fails as the doors
/// would for these options.
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
    let route = crate::worker::routes()
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
    env_lines.extend(provider_vars.iter().map(|(n, v)| format!("{n}={v}")));
    env_lines.push(format!("PASSBRIDGE_PROVIDER={}", provider.id));
    env_lines.push(format!("PASSBRIDGE_OPERATION={operation}"));
    for (_, variable, v) in &used {
        env_lines.push(format!("{variable}={}", variable_text(v)));
    }

    // createHandler({...}) for code.
    let mut credentials = vec![provider.key_variable];
    credentials.extend(provider_vars.iter().map(|(n, _)| n.as_str()));
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
        webhook.push_str(&format!("{n} = {}\n", toml_string(v)));
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

    Ok(Snippets {
        env: env_lines.join("\n"),
        webhook,
        webhook_body: body,
        code: code_text,
    })
}

/// A TOML string: literal (`'…'`) when it can be, else basic with escapes.
fn toml_string(s: &str) -> String {
    if !s.contains('\'') && !s.chars().any(char::is_control) {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Records every path an operation reads, answering each with one value.
struct Recorder {
    answer: Value,
    seen: std::cell::RefCell<Vec<(Root, Vec<String>)>>,
}

impl Resolve for Recorder {
    fn resolve_keys(&self, root: Root, keys: &mut dyn Iterator<Item = &str>) -> Value {
        let keys: Vec<String> = keys.map(str::to_string).collect();
        let mut seen = self.seen.borrow_mut();
        if !seen.iter().any(|(r, k)| *r == root && *k == keys) {
            seen.push((root, keys));
        }
        self.answer.clone()
    }
}

/// The paths of the person and event an operation reads (its guards and its
/// templates), found by planning it once with every value present and once
/// with every value missing.
fn paths_read(
    options: &Options,
    provider: &ProviderInfo,
) -> Result<Vec<(Root, Vec<String>)>, Error> {
    let (_, op) = REGISTRY.build(options)?;
    let mut env: Vec<(String, String)> = provider
        .variables
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push((provider.key_variable.into(), PLACEHOLDER_API_KEY.into()));
    let env = Vars(&env);
    let mut all: Vec<(Root, Vec<String>)> = Vec::new();
    for answer in [Value::Str("1".into()), Value::Missing] {
        let recorder = Recorder {
            answer,
            seen: Default::default(),
        };
        // Errors only end the walk early: what was read so far still counts.
        let _ = op.plan(&recorder, &env);
        for p in recorder.seen.into_inner() {
            if !all.contains(&p) {
                all.push(p);
            }
        }
    }
    Ok(all)
}

/// A JSON body tree: a template string, a template written unquoted (it
/// renders a number), or an object of members in order.
enum Body {
    Leaf(String),
    Raw(String),
    Object(Vec<(String, Body)>),
}

fn insert(members: &mut Vec<(String, Body)>, keys: &[String], leaf: Body) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    let existing = members.iter().position(|(k, _)| k == first);
    if rest.is_empty() {
        // A value that is also an object elsewhere: the object wins.
        if existing.is_none() {
            members.push((first.clone(), leaf));
        }
        return;
    }
    let i = match existing {
        Some(i) => i,
        None => {
            members.push((first.clone(), Body::Object(Vec::new())));
            members.len() - 1
        }
    };
    if let Some((_, node)) = members.get_mut(i) {
        if !matches!(node, Body::Object(_)) {
            *node = Body::Object(Vec::new());
        }
        if let Body::Object(inner) = node {
            insert(inner, rest, leaf);
        }
    }
}

fn write_body(members: &[(String, Body)], indent: usize, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in members.iter().enumerate() {
        out.push_str(if i > 0 { ",\n" } else { "\n" });
        out.push_str(&"  ".repeat(indent + 1));
        push_json_string(out, k);
        out.push_str(": ");
        match v {
            Body::Leaf(t) => push_json_string(out, t),
            Body::Raw(t) => out.push_str(t),
            Body::Object(m) => write_body(m, indent + 1, out),
        }
    }
    if !members.is_empty() {
        out.push('\n');
        out.push_str(&"  ".repeat(indent));
    }
    out.push('}');
}

/// A key Klaviyo's template language can write after a dot.
fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        Some(c) if c.is_ascii_digit() => crate::profile::canonical_index(k).is_some(),
        _ => false,
    }
}

/// `person.a.b`, or with `lookup` once a key needs quoting.
fn klaviyo_path(root: &str, keys: &[&String]) -> String {
    let mut expr = root.to_string();
    let mut looked_up = false;
    for k in keys {
        if !looked_up && is_plain_key(k) {
            expr.push('.');
            expr.push_str(k);
        } else {
            looked_up = true;
            expr.push_str("|lookup:'");
            expr.push_str(k);
            expr.push('\'');
        }
    }
    expr
}

/// The body's template for one value: a JSON number (unquoted, `0` when
/// missing) where the sample holds a number, else a JSON string.
fn leaf(root: &str, walk: &[&String], numeric: bool) -> Body {
    let path = klaviyo_path(root, walk);
    if numeric {
        Body::Raw(format!("{{{{ {path}|default:0 }}}}"))
    } else {
        Body::Leaf(format!("{{{{ {path}|default:'' }}}}"))
    }
}

/// The Klaviyo webhook body that hands the Worker every value the operation
/// reads, each filled in by Klaviyo from the profile or event.
fn webhook_body(
    options: &Options,
    provider: &ProviderInfo,
    sample: Option<&dyn Resolve>,
) -> Result<String, Error> {
    let mut person: Vec<(String, Body)> = Vec::new();
    let mut event: Vec<(String, Body)> = Vec::new();
    for (root, keys) in paths_read(options, provider)? {
        let numeric = sample.is_some_and(|s| {
            matches!(
                s.resolve_keys(root, &mut keys.iter().map(String::as_str)),
                Value::Number(n) if n.is_finite()
            )
        });
        match root {
            Root::Person => {
                // `person.properties.x` and `person.x` are both `person.x` to Klaviyo.
                let walk: Vec<&String> = match keys.first().map(String::as_str) {
                    Some("properties") => keys.iter().skip(1).collect(),
                    _ => keys.iter().collect(),
                };
                if walk.is_empty() {
                    continue;
                }
                insert(&mut person, &keys, leaf("person", &walk, numeric));
            }
            Root::Event => {
                if keys.is_empty() {
                    continue;
                }
                let walk: Vec<&String> = keys.iter().collect();
                insert(&mut event, &keys, leaf("event", &walk, numeric));
            }
        }
    }
    let mut top: Vec<(String, Body)> = vec![("person".into(), Body::Object(person))];
    if !event.is_empty() {
        top.push(("event".into(), Body::Object(event)));
    }
    let mut out = String::new();
    write_body(&top, 0, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn with_key(provider: &ProviderInfo, env: &[(String, String)]) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = env.iter().cloned().collect();
        m.insert(provider.key_variable.into(), PLACEHOLDER_API_KEY.into());
        m
    }

    fn sample_env_pairs(p: &ProviderInfo) -> Vec<(String, String)> {
        env_of(p.variables)
    }

    fn event_for(provider: &str) -> Option<serde_json::Value> {
        let text = sample_event(provider);
        (!text.is_empty()).then(|| serde_json::from_str(text).unwrap())
    }

    fn plan_text(options: &Options, provider: &ProviderInfo, env: &[(String, String)]) -> String {
        let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
        let event = event_for(provider.id);
        let env = with_key(provider, env);
        let result = Handler::new(&options.clone().with_env(&env).unwrap())
            .and_then(|h| h.plan(Some(&profile), event.as_ref(), &env));
        Shown::plan(&result).text()
    }

    fn op_options(provider: &str, operation: &str) -> Options {
        Options {
            provider: Some(provider.into()),
            operation: Some(operation.into()),
            ..sample_options(provider, operation)
        }
    }

    #[test]
    fn the_sample_prints_what_make_demo_prints() {
        let p = providers().next().unwrap();
        let text = plan_text(&op_options("passninja", "update"), p, &sample_env_pairs(p));
        assert_eq!(
            text,
            "PATCH https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b\n\
             X-API-KEY: ***\nX-ACCOUNT-ID: aid_0x3f2a\nContent-Type: application/json\n\n\
             {\"pass\":{\"points-balance\":\"1500\",\"loyalty-tier\":\"Gold\"}}"
        );
        assert!(!text.contains(PLACEHOLDER_API_KEY));
        assert_eq!(
            Shown::Skipped("no active pass").text(),
            "skipped: no active pass"
        );
        let delete = plan_text(&op_options("passninja", "delete"), p, &sample_env_pairs(p));
        assert!(delete.ends_with("X-ACCOUNT-ID: aid_0x3f2a"), "{delete}");
    }

    #[test]
    fn every_route_has_a_sample_that_sends_its_contract() {
        let want = [
            ("update", "PATCH https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b"),
            ("create", "POST https://api.passninja.com/v1/passes"),
            ("delete", "DELETE https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b"),
            ("pushUpdate", "POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/passes/pushUpdate"),
            ("profileSync", "POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/profiles/sync"),
            ("balance", "POST https://api.jericommerce.com/v1/programs/demo-program/balance/increase"),
        ];
        for r in crate::worker::routes() {
            let p = providers().find(|p| p.id == r.provider).unwrap();
            let text = plan_text(
                &op_options(r.provider, r.operation),
                p,
                &sample_env_pairs(p),
            );
            let (_, first) = want.iter().find(|(o, _)| *o == r.operation).unwrap();
            assert_eq!(text.lines().next().unwrap(), *first, "{text}");
        }
    }

    #[test]
    fn each_required_variable_is_needed() {
        for r in crate::worker::routes() {
            let p = providers().find(|p| p.id == r.provider).unwrap();
            for (name, _) in p.variables {
                let env: Vec<(String, String)> = sample_env_pairs(p)
                    .into_iter()
                    .filter(|(n, _)| n != name)
                    .collect();
                let text = plan_text(&op_options(r.provider, r.operation), p, &env);
                assert!(
                    text.starts_with("error missing_config") && text.contains(name),
                    "{}: {text}",
                    r.path
                );
            }
        }
    }

    /// The options table is true: an operation's request changes with each
    /// option it lists, and with no other.
    #[test]
    fn operation_options_are_exactly_what_each_operation_reads() {
        type Probe = (&'static str, fn(&mut Options));
        let probes: [Probe; 7] = [
            ("fields", |o| {
                o.set(
                    "fields",
                    OptionValue::Pairs(vec![("probe".into(), "{{ person.first_name }}".into())]),
                )
            }),
            ("identifiers", |o| {
                o.set(
                    "identifiers",
                    OptionValue::Pairs(vec![("email".into(), "{{ person.first_name }}".into())]),
                )
            }),
            ("passType", |o| {
                o.set("passType", OptionValue::Text("probe".into()))
            }),
            ("updateMetadata", |o| {
                o.set("updateMetadata", OptionValue::Flag(true))
            }),
            ("delta", |o| {
                o.set(
                    "delta",
                    OptionValue::Text("{{ event.points|add:1 }}".into()),
                )
            }),
            ("reason", |o| {
                o.set(
                    "reason",
                    OptionValue::Text("probe {{ event.reason }}".into()),
                )
            }),
            ("skipIfPassExists", |o| {
                let v = !o.flag("skipIfPassExists").unwrap_or(true);
                o.set("skipIfPassExists", OptionValue::Flag(v))
            }),
        ];
        assert_eq!(probes.len(), REGISTRY.option_specs().count());
        for r in crate::worker::routes() {
            let p = providers().find(|p| p.id == r.provider).unwrap();
            let base = op_options(r.provider, r.operation);
            let before = plan_text(&base, p, &sample_env_pairs(p));
            for (name, probe) in probes {
                let mut changed = base.clone();
                probe(&mut changed);
                let after = plan_text(&changed, p, &sample_env_pairs(p));
                let listed = operation_options(r.provider, r.operation).contains(&name);
                assert_eq!(before != after, listed, "{} with {name}: {after}", r.path);
            }
        }
    }

    /// Read back through the doors' own variable parsing, the env snippet
    /// gives the same options and the same request.
    #[test]
    fn the_env_snippet_configures_the_same_request() {
        for r in crate::worker::routes() {
            let p = providers().find(|p| p.id == r.provider).unwrap();
            let code = op_options(r.provider, r.operation);
            let env = sample_env_pairs(p);
            let s = snippets(&code, &env).unwrap();
            let vars: Vec<(String, String)> = s
                .env
                .lines()
                .map(|l| {
                    let (k, v) = l.split_once('=').unwrap();
                    (k.to_string(), v.to_string())
                })
                .filter(|(k, _)| k != p.key_variable)
                .collect();
            assert!(s.env.starts_with(&format!("{}=<your ", p.key_variable)));
            assert_eq!(
                plan_text(&Options::default(), p, &vars),
                plan_text(&code, p, &env),
                "{}\n{}",
                r.path,
                s.env
            );
            assert!(s.webhook.contains(r.path));
            assert!(s.code.contains(&format!("operation: \"{}\"", r.operation)));
        }
    }

    #[test]
    fn snippets_for_the_passninja_sample() {
        let p = providers().next().unwrap();
        let s = snippets(&op_options("passninja", "update"), &sample_env_pairs(p)).unwrap();
        assert_eq!(
            s.env,
            "PASSNINJA_API_KEY=<your PassNinja API key>\nPASSNINJA_ACCOUNT_ID=aid_0x3f2a\nPASSNINJA_TEMPLATE_ID=ptk_0x1b7e\n\
             PASSBRIDGE_PROVIDER=passninja\nPASSBRIDGE_OPERATION=update\n\
             PASSBRIDGE_FIELDS={\"points-balance\":\"{{ person.properties.loyalty_points|default_if_none:0 }}\",\"loyalty-tier\":\"{{ person.properties.loyalty_tier|default_if_none:'Standard' }}\"}"
        );
        assert_eq!(
            s.webhook_body,
            "{\n  \"person\": {\n    \"external_id\": \"{{ person.external_id|default:'' }}\",\n    \"properties\": {\n      \"loyalty_points\": \"{{ person.loyalty_points|default:'' }}\",\n      \"loyalty_tier\": \"{{ person.loyalty_tier|default:'' }}\"\n    }\n  }\n}"
        );
        assert!(s.webhook.starts_with(
            "POST https://passbridge.<your-subdomain>.workers.dev/passninja/update\nAuthorization: Bearer <PASSBRIDGE_WEBHOOK_SECRET>\n\n{"
        ));
        assert!(s.webhook.contains("PASSNINJA_ACCOUNT_ID = 'aid_0x3f2a'\n"));
        assert!(s
            .webhook
            .contains("PASSBRIDGE_FIELDS = \"{\\\"points-balance\\\""));
        assert_eq!(
            s.code,
            "import { createHandler } from \"./klaviyo-code-action.mjs\";\n\n\
             // PASSNINJA_API_KEY, PASSNINJA_ACCOUNT_ID, PASSNINJA_TEMPLATE_ID: the action's Environment Variables tab\n\
             export const handler = createHandler({\n  provider: \"passninja\",\n  operation: \"update\",\n  fields: {\n    \
             \"points-balance\": \"{{ person.properties.loyalty_points|default_if_none:0 }}\",\n    \
             \"loyalty-tier\": \"{{ person.properties.loyalty_tier|default_if_none:'Standard' }}\",\n  },\n});\nexport default handler;\n"
        );
    }

    #[test]
    fn the_webhook_body_carries_what_the_worker_reads() {
        let p = providers().nth(2).unwrap();
        let s = snippets(&op_options("jericommerce", "balance"), &sample_env_pairs(p)).unwrap();
        assert_eq!(
            s.webhook_body,
            "{\n  \"person\": {\n    \"email\": \"{{ person.email|default:'' }}\"\n  },\n  \"event\": {\n    \"points\": \"{{ event.points|default:'' }}\",\n    \"reason\": \"{{ event.reason|default:'' }}\"\n  }\n}"
        );
        // Keys a dot cannot write are looked up.
        let code = op_options("passninja", "update").with(
            "fields",
            OptionValue::Pairs(vec![(
                "t".into(),
                "{{ person|lookup:'Loyalty Tier' }}".into(),
            )]),
        );
        let s = snippets(&code, &sample_env_pairs(providers().next().unwrap())).unwrap();
        assert!(
            s.webhook_body
                .contains("\"Loyalty Tier\": \"{{ person|lookup:'Loyalty Tier'|default:'' }}\""),
            "{}",
            s.webhook_body
        );
        // The body parses as JSON once Klaviyo filled it in.
        let _: serde_json::Value = serde_json::from_str(&s.webhook_body).unwrap();
    }

    /// Klaviyo fills in the webhook body (rendered here with our own template
    /// engine, which speaks Klaviyo's language); the Worker then plans the
    /// same request as the Code action does for the profile itself.
    #[test]
    fn the_webhook_body_gives_the_worker_what_the_code_action_sees() {
        let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
        for r in crate::worker::routes() {
            let p = providers().find(|p| p.id == r.provider).unwrap();
            let code = op_options(r.provider, r.operation);
            let event = event_for(p.id);
            let input = crate::profile::Input::new(Some(&profile), event.as_ref()).unwrap();
            let s = snippets_for(&code, &sample_env_pairs(p), Some(&input)).unwrap();
            // Klaviyo renders the whole body text (numbers are unquoted in it).
            let body = Template::parse(&s.webhook_body)
                .unwrap()
                .render(&input)
                .unwrap();
            let sent = crate::worker::parse_body(&body).unwrap();
            let (person, event) = crate::worker::person_and_event(&sent).unwrap();
            let env = with_key(p, &sample_env_pairs(p));
            let worker = Handler::new(&code.clone().with_env(&env).unwrap())
                .and_then(|h| h.plan(person, event, &env));
            assert_eq!(
                Shown::plan(&worker).text(),
                plan_text(&code, p, &sample_env_pairs(p)),
                "{}: {body}",
                r.path
            );
        }
    }

    /// The README's tier example through the Worker: the sample's points are a
    /// number, so the body carries a number and `>=` compares numbers.
    #[test]
    fn a_numeric_sample_value_is_a_number_in_the_webhook_body() {
        let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
        let input = crate::profile::Input::new(Some(&profile), None).unwrap();
        let p = providers().next().unwrap();
        let tier = "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}";
        let code = op_options("passninja", "update").with(
            "fields",
            OptionValue::Pairs(vec![("loyalty-tier".into(), tier.into())]),
        );
        let s = snippets_for(&code, &sample_env_pairs(p), Some(&input)).unwrap();
        assert!(
            s.webhook_body
                .contains("\"loyalty_points\": {{ person.loyalty_points|default:0 }}"),
            "{}",
            s.webhook_body
        );
        let body = Template::parse(&s.webhook_body)
            .unwrap()
            .render(&input)
            .unwrap();
        let sent = crate::worker::parse_body(&body).unwrap();
        let (person, event) = crate::worker::person_and_event(&sent).unwrap();
        let env = with_key(p, &sample_env_pairs(p));
        let plan = Handler::new(&code.clone().with_env(&env).unwrap())
            .and_then(|h| h.plan(person, event, &env))
            .unwrap();
        let Plan::Send(request) = plan else {
            panic!("expected a request")
        };
        assert!(
            request
                .body
                .as_deref()
                .unwrap_or("")
                .contains("\"loyalty-tier\":\"Gold\""),
            "{body}"
        );
    }

    #[test]
    fn secrets_in_env_are_refused_without_their_value() {
        let env = env_of(&[("PASSNINJA_API_KEY", "sk_live_very_secret")]);
        let e = snippets(&op_options("passninja", "update"), &env).unwrap_err();
        assert_eq!(e.code, Code::InvalidConfig);
        assert!(e.message.starts_with("PASSNINJA_API_KEY is a secret"));
        assert!(!e.message.contains("sk_live"));
    }

    #[test]
    fn json_problems_name_line_and_column() {
        let p = json_problem("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap();
        assert_eq!((p.line, p.column), (3, 7));
        assert_eq!(p.message, "expected `:`");
        assert_eq!(json_problem("{\"a\": [1, 2]}"), None);
        // Columns count characters, not bytes.
        let p = json_problem("{\"é\": x}").unwrap();
        assert_eq!((p.line, p.column), (1, 7));
        assert_eq!(
            json_problem_text("#profile", "{\"é\": x}").unwrap(),
            "invalid_json: #profile at line 1, column 7: expected value\n  {\"é\": x}\n        ^"
        );
        let p = json_problem("").unwrap();
        assert_eq!((p.line, p.column), (1, 1));
    }

    #[test]
    fn template_problems_name_option_field_and_position() {
        let code = Options::default().with(
            "fields",
            OptionValue::Pairs(vec![
                ("ok".into(), "{{ person.email }}".into()),
                ("tier".into(), "Tier: {{ person.tier|shout }}".into()),
            ]),
        );
        let env: HashMap<String, String> = HashMap::new();
        let p = template_problem(&code, &env).unwrap();
        assert_eq!(
            (p.option.as_str(), p.field.as_str(), p.position),
            ("fields", "tier", 22)
        );
        let text = error_text(
            "invalid_template",
            "PassNinja error: invalid template for field 'tier' at position 22: unknown filter 'shout'",
            &code,
            &env,
        );
        assert!(text.starts_with(
            "invalid_template: PassNinja error: invalid template for field 'tier' at position 22"
        ));
        assert!(text.ends_with(
            "unknown filter 'shout'\noption fields, field 'tier', position 22:\n  Tier: {{ person.tier|shout }}\n                       ^"
        ), "{text}");
        // From the environment, the variable is named; delta is its own field.
        let env: HashMap<String, String> = [(
            "PASSBRIDGE_DELTA".to_string(),
            "{{ event.points|".to_string(),
        )]
        .into();
        let p = template_problem(&Options::default(), &env).unwrap();
        assert_eq!(
            (p.option.as_str(), p.field.as_str()),
            ("PASSBRIDGE_DELTA", "delta")
        );
        assert!(p
            .text()
            .starts_with("option PASSBRIDGE_DELTA, field 'delta', position"));
        let code = Options::default().with("reason", OptionValue::Text("a\n{{ x }}".into()));
        let p = template_problem(&code, &HashMap::<String, String>::new()).unwrap();
        assert_eq!(
            p.text().lines().next().unwrap().split(',').next(),
            Some("option reason")
        );
        assert!(p.text().ends_with("  {{ x }}\n     ^"), "{}", p.text());
    }

    #[test]
    fn the_catalog_is_json_with_every_route() {
        let v: serde_json::Value = serde_json::from_str(&catalog_json()).unwrap();
        let routes: Vec<&str> = v["providers"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["operations"].as_array().unwrap().iter())
            .map(|o| o["route"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = crate::worker::routes().map(|r| r.path).collect();
        assert_eq!(routes, want);
        // Every sample options text is what the page may pass to the Handler.
        for p in v["providers"].as_array().unwrap() {
            for o in p["operations"].as_array().unwrap() {
                let text = o["sampleOptions"].as_str().unwrap();
                assert_eq!(json_problem(text), None, "{text}");
            }
            assert_eq!(json_problem(p["sampleEnv"].as_str().unwrap()), None);
        }
        assert_eq!(json_problem(v["sampleProfile"].as_str().unwrap()), None);
    }

    #[test]
    fn toml_strings() {
        assert_eq!(toml_string("aid_0x1"), "'aid_0x1'");
        assert_eq!(
            toml_string("{\"a\":\"b'c\\\\\"}"),
            "\"{\\\"a\\\":\\\"b'c\\\\\\\\\\\"}\""
        );
        assert_eq!(toml_string("a\nb"), "\"a\\nb\"");
    }
}
