//! The provider registry: the docs name exactly its providers, operations and
//! options, and a provider added to a registry (here a test-only fourth one,
//! declared in this file alone) gets everything derived from it.

use passbridge::Env;
use passbridge::Error;
use passbridge::Operation;
use passbridge::Value;
use passbridge::{Given, OptionKind, OptionSource, OptionSpec};
use passbridge::{Handler, OptionValue, Options};
use passbridge::{Header, HttpRequest, HttpResponse};
use passbridge::{OperationSpec, Provider, Registry, PROVIDERS, REGISTRY};
use passbridge::{OutValue, Outcome, Plan};
use passbridge::{Resolve, Root};
use std::collections::{BTreeSet, HashMap};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The backticked words of a text.
fn ticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_operations_table_names_exactly_the_registry() {
    // The README's reference moved to docs/: the operations table is in docs/operations.md.
    let readme = read("docs/operations.md");
    let section = readme
        .split("\n## Operations\n")
        .nth(1)
        .expect("an Operations section")
        .trim_start()
        .split("\n\n")
        .next()
        .expect("its table");
    let mut rows = BTreeSet::new();
    for line in section.lines().skip(2) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let names = ticked(cells[0]);
        // The options column, without its parenthesized remarks.
        let mut column = String::new();
        let mut depth = 0;
        for c in cells[2].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                c if depth == 0 => column.push(c),
                _ => {}
            }
        }
        let options: BTreeSet<String> = ticked(&column).into_iter().collect();
        rows.insert((names[0].clone(), names[1].clone(), options));
    }
    let mut want = BTreeSet::new();
    for p in REGISTRY.providers() {
        for op in p.operations {
            let options = op.options.iter().map(|o| o.to_string()).collect();
            want.insert((p.id.to_string(), op.name.to_string(), options));
        }
    }
    assert_eq!(rows, want);
}

#[test]
fn the_typescript_types_name_exactly_the_registry() {
    let dts = read("js/klaviyo.d.ts");
    let union = |name: &str| -> BTreeSet<String> {
        let start = dts.find(&format!("export type {name} =")).unwrap();
        let body = &dts[start..];
        let body = &body[..body.find(';').unwrap()];
        body.split('"')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let providers: BTreeSet<String> = REGISTRY.providers().map(|p| p.id.to_string()).collect();
    assert_eq!(union("Provider"), providers);
    let operations: BTreeSet<String> = REGISTRY
        .providers()
        .flat_map(|p| p.operations.iter().map(|o| o.name.to_string()))
        .collect();
    assert_eq!(union("Operation"), operations);
    let start = dts.find("export interface HandlerOptions {").unwrap();
    let body = &dts[start..];
    let body = &body[..body.find("\n}").unwrap()];
    let keys: BTreeSet<String> = body
        .lines()
        .filter_map(|l| l.trim().split_once("?:").map(|(k, _)| k.to_string()))
        .collect();
    let names: BTreeSet<String> = passbridge::option_names(&REGISTRY)
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(keys, names);
}

// ------------------------------------------------------------ a fourth provider

/// Echo: one operation that posts the person's email with a fixed greeting.
struct Ping {
    greeting: String,
}

impl Operation for Ping {
    fn plan(&self, input: &dyn Resolve, env: &dyn Env) -> Result<Plan, Error> {
        let email = match input.resolve_keys(Root::Person, &mut ["email"].into_iter()) {
            Value::Str(s) => s,
            _ => return Ok(Plan::Skip("no email")),
        };
        let key = passbridge::secret_header(env, "ECHO_API_KEY")?;
        Ok(Plan::Send(HttpRequest {
            method: "POST",
            url: "https://echo.example/ping".into(),
            headers: vec![
                Header {
                    name: "X-Echo-Key",
                    value: key,
                    secret: true,
                },
                Header {
                    name: "X-One",
                    value: "1".into(),
                    secret: false,
                },
                Header {
                    name: "X-Two",
                    value: "2".into(),
                    secret: false,
                },
                Header {
                    name: "X-Three",
                    value: "3".into(),
                    secret: false,
                },
            ],
            body: Some(format!("{} {email}", self.greeting)),
            idempotent: true,
            planned: Default::default(),
        }))
    }

    fn outcome(&self, _: &HttpRequest, r: &HttpResponse, _: f64) -> Result<Outcome, Error> {
        Ok(Outcome::flag("updated").with("status", OutValue::Num(f64::from(r.status))))
    }
}

fn build_echo(_: &OperationSpec, options: &Options) -> Result<Box<dyn Operation>, Error> {
    Ok(Box::new(Ping {
        greeting: options.text("greeting").unwrap_or("hello").to_string(),
    }))
}

static ECHO: Provider = Provider {
    id: "echo",
    name: "Echo",
    prefix: "Echo error: ",
    key_variable: "ECHO_API_KEY",
    base_url: ("ECHO_BASE_URL", "https://echo.example"),
    variables: &[],
    defaults: &[],
    operations: &[OperationSpec {
        name: "ping",
        route: "/echo/ping",
        options: &["greeting"],
        idempotent: true,
        result_fields: &["updated", "status"],
        write_back: &[],
    }],
    options: &[OptionSpec {
        name: "greeting",
        kind: OptionKind::Text,
        variable: "PASSBRIDGE_GREETING",
        what: "greeting",
    }],
    build: build_echo,
};

/// The one line: the registry with the fourth provider.
static ALL: [&Provider; 4] = [PROVIDERS[0], PROVIDERS[1], PROVIDERS[2], &ECHO];
static WITH_ECHO: Registry = Registry::new(&ALL);

struct Json(serde_json::Value);

impl OptionSource for Json {
    fn shape(&self) -> Given {
        Given::Object
    }
    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.as_object()?.keys().cloned().collect())
    }
    fn given(&self, name: &str) -> Given {
        match self.0.get(name) {
            Some(serde_json::Value::String(s)) => Given::Text(s.clone()),
            Some(serde_json::Value::Bool(b)) => Given::Bool(*b),
            Some(_) => Given::Other,
            None => Given::Absent,
        }
    }
    fn entries(&self, _: &str) -> Option<Vec<(String, Option<String>)>> {
        None
    }
}

#[test]
fn a_fourth_provider_gets_routes_options_secrets_and_messages() {
    let routes: Vec<&str> = WITH_ECHO.routes().map(|r| r.path).collect();
    assert_eq!(routes.last(), Some(&"/echo/ping"));
    assert!(WITH_ECHO.secret_variables().any(|v| v == "ECHO_API_KEY"));
    assert!(WITH_ECHO
        .base_url_variables()
        .any(|v| v == ("ECHO_BASE_URL", "https://echo.example")));
    assert!(passbridge::option_names(&WITH_ECHO).contains(&"greeting"));
    // The built-in registry does not know it.
    assert!(!passbridge::option_names(&REGISTRY).contains(&"greeting"));

    // Its option is read (in code and from its variable) by the shared reader.
    let json = serde_json::json!({"provider": "echo", "greeting": 5});
    let e = Options::read_in(&Json(json), &WITH_ECHO).unwrap_err();
    assert_eq!(e.message, "Echo error: option greeting must be a string");
    let json = serde_json::json!({"provider": "echo", "greting": "hi"});
    let e = Options::read_in(&Json(json), &WITH_ECHO).unwrap_err();
    assert!(
        e.message.starts_with(
            "Echo error: unknown option 'greting' (known: provider, operation, fields,"
        ),
        "{}",
        e.message
    );
    assert!(e.message.contains(", greeting, dryRun"), "{}", e.message);
    let code =
        Options::read_in(&Json(serde_json::json!({"provider": "echo"})), &WITH_ECHO).unwrap();
    let env: HashMap<&str, &str> = [
        ("ECHO_API_KEY", "echo-secret-key-123"),
        ("PASSBRIDGE_GREETING", "hi"),
    ]
    .into_iter()
    .collect();
    let options = code.with_env_in(&env, &WITH_ECHO).unwrap();
    assert_eq!(
        options.get("greeting"),
        Some(&OptionValue::Text("hi".into()))
    );

    // It plans, every header shown in a dry run, its key as ***.
    let handler = Handler::new_in(&options, &WITH_ECHO).unwrap();
    let profile = serde_json::json!({"email": "ada@example.com"});
    let Plan::Send(request) = handler.plan(Some(&profile), None, &env).unwrap() else {
        panic!("no request");
    };
    assert_eq!(
        passbridge::DryRun(request).to_json(),
        r#"{"dryRun":true,"request":{"method":"POST","url":"https://echo.example/ping","headers":{"X-Echo-Key":"***","X-One":"1","X-Two":"2","X-Three":"3"},"body":"hi ada@example.com"}}"#
    );

    // Unknown names list it; its key is redacted from errors.
    let e = Handler::new_in(
        &Options {
            provider: Some("acme".into()),
            ..Options::default()
        },
        &WITH_ECHO,
    )
    .err()
    .unwrap();
    assert_eq!(
        e.message,
        "passbridge error: unknown provider 'acme' (known: passninja, walletcrew, jericommerce, echo)"
    );
    let e = Handler::new_in(
        &Options {
            provider: Some("echo".into()),
            operation: Some("pong".into()),
            ..Options::default()
        },
        &WITH_ECHO,
    )
    .err()
    .unwrap();
    assert_eq!(
        e.message,
        "Echo error: unknown operation 'pong' (known: ping)"
    );
    let leaked = Error::invalid_profile("value echo-secret-key-123 is wrong");
    assert_eq!(
        WITH_ECHO.redact_secrets(leaked, &env).message,
        "value *** is wrong"
    );
}

/// Every table of the README and of its reference in docs/ renders as one
/// table: a row follows a row or a blank line, and a table starts with its
/// header and separator rows.
#[test]
fn readme_tables_are_whole() {
    let mut files = vec!["README.md".to_string()];
    let docs = std::fs::read_dir(format!("{}/docs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut names: Vec<String> = docs
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    files.extend(names.into_iter().map(|n| format!("docs/{n}")));
    let mut tables = 0;
    for file in &files {
        tables += whole_tables(file);
    }
    assert!(tables >= 5, "{tables} tables found");
}

/// The tables of one Markdown file, each checked whole.
fn whole_tables(file: &str) -> usize {
    let readme = read(file);
    let mut in_code = false;
    let mut previous = "";
    let mut tables = 0;
    for (n, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('|') && !previous.starts_with('|') {
            assert!(
                previous.trim().is_empty(),
                "{file} line {}: a table row after text (the table is cut): {line}",
                n + 1
            );
            let next = readme.lines().nth(n + 1).unwrap_or("");
            assert!(
                next.starts_with("|---") || next.starts_with("| ---") || next.starts_with("|:"),
                "{file} line {}: a table without a separator row: {line}",
                n + 1
            );
            tables += 1;
        }
        previous = line;
    }
    tables
}
