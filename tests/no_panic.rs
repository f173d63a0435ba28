//! "No panic on any input" (a panic traps the wasm instance): random templates,
//! option JSON, profiles and provider answers, thousands of each, through the
//! public API. A bounded, seeded generator, so every run checks the same inputs.

use passbridge::pairs_from_json;
use passbridge::Env;
use passbridge::HttpResponse;
use passbridge::Input;
use passbridge::Template;
use passbridge::{Handler, OptionValue, Options, Plan};
use std::collections::HashMap;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "|",
    ":",
    "'",
    "\"",
    "\\",
    ".",
    " ",
    "person",
    "event",
    "properties",
    "loyalty_points",
    "external_id",
    "email",
    "0",
    "1",
    "-3",
    "1e999",
    "2g",
    "default",
    "default_if_none",
    "lookup",
    "lower",
    "upper",
    "title",
    "floatformat",
    "add",
    "x",
    "é",
    "ß",
    "Σ",
    "ǆ",
    "\u{0}",
    "\n",
    "😀",
    "..",
    "%2F",
    "$",
    "_",
];

fn random_template(rng: &mut Rng) -> String {
    (0..rng.below(14)).map(|_| rng.pick(PIECES)).collect()
}

fn random_value(rng: &mut Rng, depth: usize) -> serde_json::Value {
    match rng.below(if depth > 2 { 6 } else { 8 }) {
        0 => serde_json::Value::Null,
        1 => serde_json::Value::Bool(rng.below(2) == 0),
        2 => serde_json::json!(rng.next() as i64),
        3 => serde_json::json!(f64::from_bits(rng.next()).clamp(-1e300, 1e300)),
        4 => serde_json::json!(
            [
                "0.5e-9223372036854775808",
                "1e308",
                " 12 ",
                "-0",
                "abc",
                "",
                "1_000"
            ][rng.below(7)]
        ),
        5 => serde_json::Value::String(random_template(rng)),
        6 => serde_json::Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "loyalty_points",
                "external_id",
                "email",
                "properties",
                "data",
                "attributes",
                "event_properties",
                "0",
            ];
            let mut map = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                map.insert(
                    keys[rng.below(keys.len())].to_string(),
                    random_value(rng, depth + 1),
                );
            }
            serde_json::Value::Object(map)
        }
    }
}

#[test]
fn random_templates_and_profiles_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let src = random_template(&mut rng);
        let profile = random_value(&mut rng, 0);
        let event = random_value(&mut rng, 0);
        if let Ok(t) = Template::parse(&src) {
            parsed += 1;
            if let Ok(input) = Input::new(Some(&profile), Some(&event)) {
                let _ = t.render(&input);
                let _ = t.evaluate(&input);
            }
        }
    }
    assert!(
        parsed > 1_000,
        "the generator must reach the renderer ({parsed} templates parsed)"
    );
}

#[test]
fn random_option_json_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let text: String = (0..rng.below(20))
            .map(|_| {
                rng.pick(&[
                    "{", "}", "[", "]", "\"", "a", ":", ",", "\\u00e9", "\\\"", "\\ud83d", "1",
                    " ", "null",
                ])
            })
            .collect();
        let _ = pairs_from_json("field", "PASSBRIDGE_FIELDS", &text);
    }
}

#[test]
fn random_profiles_through_every_operation_never_panic() {
    let env: HashMap<&str, &str> = [
        ("PASSNINJA_API_KEY", "k_123"),
        ("PASSNINJA_ACCOUNT_ID", "aid_0x1"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x2"),
        ("WALLETCREW_API_KEY", "k_123"),
        ("WALLETCREW_TENANT_ID", "t"),
        ("JERICOMMERCE_API_KEY", "k_123"),
        ("JERICOMMERCE_PROGRAM_SLUG", "s"),
    ]
    .into_iter()
    .collect();
    let ops = [
        ("passninja", "update"),
        ("passninja", "create"),
        ("passninja", "delete"),
        ("walletcrew", "pushUpdate"),
        ("walletcrew", "profileSync"),
        ("jericommerce", "balance"),
    ];
    let handlers: Vec<Handler> = ops
        .iter()
        .map(|(p, o)| {
            Handler::new(
                &Options {
                    provider: Some(p.to_string()),
                    operation: Some(o.to_string()),
                    ..Options::default()
                }
                .with(
                    "fields",
                    OptionValue::Pairs(vec![(
                        "f".into(),
                        "{{ person.properties.loyalty_points|floatformat:2 }}".into(),
                    )]),
                )
                .with("delta", OptionValue::Text("{{ event.0 }}".into()))
                .with(
                    "reason",
                    OptionValue::Text("{{ person.email|title }}".into()),
                )
                .with("skipIfPassExists", OptionValue::Flag(false)),
            )
            .expect("valid options")
        })
        .collect();
    let mut rng = Rng(7);
    let bodies = [
        "",
        "{}",
        "not json",
        "{\"error\":5}",
        "{\"serialNumber\":\"a\"}",
        "[{\"x\":1}]",
        "{\"errors\":{\"a\":[1,\"b\"]}}",
    ];
    for _ in 0..5_000 {
        let profile = random_value(&mut rng, 0);
        let event = random_value(&mut rng, 0);
        for h in &handlers {
            if let Ok(Plan::Send(req)) = h.plan(Some(&profile), Some(&event), &env as &dyn Env) {
                let response = HttpResponse {
                    status: [0u16, 200, 201, 302, 400, 404, 429, 500, 999][rng.below(9)],
                    retry_after: Some(
                        ["1", "Sun, 06 Nov 99999 08:49:37 GMT", "x", ""][rng.below(4)].to_string(),
                    ),
                    body: bodies[rng.below(bodies.len())].to_string(),
                };
                let _ = h.outcome(&req, &response, 1e12);
            }
        }
    }
}
