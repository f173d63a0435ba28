//! The work a call may do (issue 20, items 1 and 2): a call reads each value
//! of the profile once, one work budget bounds every field of a call
//! together, and no filter builds a text past 65,536 bytes. Nothing here is
//! timed (BENCHMARKS.md has the timings: `make bench`).

mod common;

use passbridge::{Code, Value};
use passbridge::{Configured, Door, Input, Node, Options, Step, Template};
use serde_json::{json, Value as Json};
use std::cell::RefCell;
use std::collections::HashMap;

#[path = "support/json_options.rs"]
mod json_options;
use json_options::Json as Opts;

/// Plans one PassNinja update (dry run) with `fields` for `properties`:
/// the request body, or the error's code and message.
fn plan(fields: &[(&str, &str)], properties: Json) -> Result<String, (Code, String)> {
    let env: HashMap<String, String> = serde_json::from_str(common::ENV).unwrap();
    let mut map = serde_json::Map::new();
    for (name, tpl) in fields {
        map.insert(name.to_string(), json!(tpl));
    }
    let options = Options::read(&Opts(json!({"fields": map, "dryRun": true}))).unwrap();
    let configured = Configured::new(options, &env, Door::CODE_ACTION).unwrap();
    let profile = json!({"external_id": "C-42", "properties": properties});
    match configured.step(Some(&profile), None, &env) {
        Ok(Step::DryRun(dry)) => Ok(dry.0.body.unwrap_or_default()),
        Ok(_) => panic!("expected a dry run"),
        Err(e) => Err((e.code, e.message)),
    }
}

fn budget_error(result: Result<String, (Code, String)>) -> String {
    let (code, message) = result.expect_err("the work budget should be spent");
    assert_eq!(code, Code::InvalidProfile, "{message}");
    assert!(
        message.contains("the call's work budget is spent (4000000 units"),
        "{message}"
    );
    message
}

const VIEWED_NOT_BOUGHT: &str = "{% for x in person.properties.viewed %}{% if x in person.properties.purchased %}{{ x }},{% endif %}{% endfor %}";

fn skus(range: impl Iterator<Item = usize>) -> Json {
    Json::Array(range.map(|i| json!(format!("SKU-{i:04}"))).collect())
}

#[test]
fn viewed_but_not_bought_with_two_1000_item_lists_succeeds() {
    assert_eq!(VIEWED_NOT_BOUGHT.len(), 111);
    // Every other item bought, listed backwards: each `in` scans far.
    let purchased = skus((0..1000).rev().filter(|i| i % 2 == 0));
    let mut viewed: Vec<Json> = (0..1000).map(|i| json!(format!("SKU-{i:04}"))).collect();
    viewed.truncate(1000);
    let body = plan(
        &[("bought", VIEWED_NOT_BOUGHT)],
        json!({"viewed": viewed, "purchased": purchased.clone()}),
    )
    .unwrap();
    let want: String = (0..1000)
        .filter(|i| i % 2 == 0)
        .map(|i| format!("SKU-{i:04},"))
        .collect();
    assert_eq!(body, format!(r#"{{"pass":{{"bought":"{want}"}}}}"#));
    // Nothing bought: every `in` compares all 1,000 items (a million compares).
    let body = plan(
        &[("bought", VIEWED_NOT_BOUGHT)],
        json!({"viewed": skus(0..1000), "purchased": skus(1000..2000)}),
    )
    .unwrap();
    assert_eq!(body, r#"{"pass":{"bought":""}}"#);
}

/// 1,000 items that are lists (`[n, "x"]`): `in` compares them one by one.
fn pairs(from: usize) -> Json {
    Json::Array((from..from + 1000).map(|i| json!([i, "x"])).collect())
}

#[test]
fn the_budget_is_per_call_and_names_the_field() {
    // The 111-byte mapping over lists of lists: a million list compares.
    let message = budget_error(plan(
        &[("bought", VIEWED_NOT_BOUGHT)],
        json!({"viewed": pairs(0), "purchased": pairs(1000)}),
    ));
    assert!(message.starts_with("PassNinja error: field 'bought': "));
    // 200 copies of it over texts: each fits, together they do not, and the
    // error names the first field that finds the budget spent.
    let names: Vec<String> = (1..=200).map(|i| format!("f{i:03}")).collect();
    let fields: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (n.as_str(), VIEWED_NOT_BOUGHT))
        .collect();
    let props = json!({"viewed": skus(0..1000), "purchased": skus(1000..2000)});
    let message = budget_error(plan(&fields, props.clone()));
    let field: usize = message
        .strip_prefix("PassNinja error: field 'f")
        .and_then(|rest| rest.split('\'').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    assert!((10..200).contains(&field), "{message}");
    assert!(plan(&fields[..field - 1], props).is_ok());
}

#[test]
fn a_128_byte_nested_loop_spends_the_budget() {
    let tpl = "{% for a in person.t %}{% for b in person.properties.l %}{% if b in person.m %}{{ b }}{% endif %}{% endfor %}{% endfor %}";
    assert!(tpl.len() <= 128);
    let props = json!({"t": skus(0..10), "l": pairs(0), "m": pairs(1000)});
    let message = budget_error(plan(&[("nested", tpl)], props));
    assert!(message.starts_with("PassNinja error: field 'nested': "));
}

#[test]
fn two_hundred_fields_of_a_25_word_condition_spend_the_budget() {
    let a = "person.properties.l";
    let clause = format!("{a} == {a}");
    let cond = vec![clause; 6].join(" and ") + " and " + a;
    assert_eq!(cond.split(' ').count(), 25);
    let tpl = format!("{{% if {cond} %}}y{{% endif %}}");
    let names: Vec<String> = (0..200).map(|i| format!("f{i}")).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), tpl.as_str())).collect();
    // 1,000 texts of 640 bytes: equal lists compare every byte.
    let long: Vec<Json> = (0..1000).map(|i| json!(format!("{i:0>640}"))).collect();
    let message = budget_error(plan(&fields, json!({ "l": long })));
    assert!(
        message.starts_with("PassNinja error: field 'f"),
        "{message}"
    );
    // The same 200 fields over short lists fit.
    let body = plan(&fields, json!({"l": skus(0..100)})).unwrap();
    assert!(body.contains(r#""f199":"y""#));
}

#[test]
fn copying_long_texts_counts() {
    // 9,000 reads of a 64 KB text would copy 590 MB.
    let tpl = "{% for a in person.properties.t %}{% for b in person.properties.l %}{% if person.properties.big %}{% endif %}{% endfor %}{% endfor %}";
    let props = json!({"t": skus(0..9), "l": skus(0..1000), "big": "x".repeat(65_536)});
    let message = budget_error(plan(&[("copy", tpl)], props));
    assert!(message.starts_with("PassNinja error: field 'copy': "));
}

#[test]
fn filters_refuse_long_text_before_building_it() {
    let chain = |n: usize| format!("{{{{ 'x'{}|length }}}}", "|base64_encode".repeat(n));
    assert_eq!(chain(65).len(), 926);
    for n in [65, 70] {
        let (code, message) = plan(&[("b", &chain(n))], json!({})).unwrap_err();
        assert_eq!(code, Code::InvalidProfile);
        assert_eq!(
            message,
            "PassNinja error: field 'b': base64_encode would build a text longer than 65536 bytes"
        );
    }
    // 32 rounds build 62,008 bytes: within the limit.
    assert_eq!(
        plan(&[("b", &chain(32))], json!({})).unwrap(),
        r#"{"pass":{"b":"62008"}}"#
    );
    let date = format!(
        "{{{{ person.properties.d|date:'{}'|length }}}}",
        "r".repeat(3950)
    );
    let (code, message) = plan(&[("d", &date)], json!({"d": "2024-03-01T10:00:00Z"})).unwrap_err();
    assert_eq!(code, Code::InvalidProfile);
    assert_eq!(
        message,
        "PassNinja error: field 'd': a filter built a text longer than 65536 bytes"
    );
    let cases = [
        // Case mapping that grows threefold: 24 KB of `ΐ` is 72 KB upper-cased.
        (
            "{{ person.properties.t|upper|length }}",
            json!("ΐ".repeat(12_000)),
            "upper",
        ),
        (
            "{{ person.properties.t|title|length }}",
            json!("ΐ".repeat(12_000)),
            "title",
        ),
        (
            "{{ person.properties.t|urlencode:''|length }}",
            json!("/".repeat(30_000)),
            "urlencode",
        ),
        (
            "{{ person.properties.t|append:person.properties.t|length }}",
            json!("a".repeat(40_000)),
            "append",
        ),
        (
            "{{ person.properties.t|add:person.properties.t|length }}",
            json!("a".repeat(40_000)),
            "add",
        ),
        // floatformat cannot grow text past the limit: a number of more than
        // 200 digits and exponent is returned as is, as Django does
        // (tests/template_fidelity.rs, item 5).
    ];
    for (tpl, t, filter) in cases {
        let (code, message) = plan(&[("t", tpl)], json!({ "t": t })).unwrap_err();
        assert_eq!(code, Code::InvalidProfile, "{tpl}");
        assert_eq!(
            message,
            format!(
                "PassNinja error: field 't': {filter} would build a text longer than 65536 bytes"
            ),
            "{tpl}"
        );
    }
    let (_, message) = plan(
        &[(
            "j",
            "{{ person.properties.l|join:person.properties.sep|length }}",
        )],
        json!({"l": [1, 2], "sep": "-".repeat(70_000)}),
    )
    .unwrap_err();
    assert_eq!(
        message,
        "PassNinja error: field 'j': join would build a text longer than 65536 bytes"
    );
    // A number's text grows as well as a string's.
    let (_, message) = plan(
        &[("n", "{{ 5|append:person.properties.t|length }}")],
        json!({"t": "x".repeat(70_000)}),
    )
    .unwrap_err();
    assert_eq!(
        message,
        "PassNinja error: field 'n': append would build a text longer than 65536 bytes"
    );
    // Scans stay linear in what they read: a long `safe` set, markup with no
    // tag end (each `<` used to search the whole rest again).
    let body = plan(
        &[(
            "u",
            "{{ person.properties.t|urlencode:person.properties.safe }}",
        )],
        json!({"t": "a/b c~", "safe": format!("{}/", "x".repeat(100_000))}),
    )
    .unwrap();
    assert_eq!(body, r#"{"pass":{"u":"a/b%20c~"}}"#);
    let body = plan(
        &[(
            "s",
            "{{ person.properties.t|striptags|length }}{{ '<b>a</b><i'|striptags }}",
        )],
        json!({"t": "<a".repeat(30_000)}),
    )
    .unwrap();
    assert_eq!(body, r#"{"pass":{"s":"60000a<i"}}"#);
    // What fits is built as before.
    let fits = [
        (
            "{{ person.properties.t|upper|length }}",
            json!("x".repeat(40_000)),
            "40000",
        ),
        (
            "{{ person.properties.t|lower|length }}",
            json!("ΐ".repeat(30_000)),
            "30000",
        ),
        (
            "{{ person.properties.t|truncatechars:5 }}",
            json!("x".repeat(100_000)),
            "xxxx…",
        ),
    ];
    for (tpl, t, want) in fits {
        let body = plan(&[("t", tpl)], json!({ "t": t })).unwrap();
        assert_eq!(body, format!(r#"{{"pass":{{"t":"{want}"}}}}"#), "{tpl}");
    }
}

/// A JSON value that logs every member read, by path.
#[derive(Clone, Copy)]
struct Counted<'a> {
    v: &'a Json,
    path: &'a str,
    log: &'a RefCell<Vec<String>>,
}

impl<'a> Node for Counted<'a> {
    fn member(&self, key: &str) -> Option<Self> {
        // Paths live as long as the test: a leaked string is simplest.
        let path: &'a str = Box::leak(format!("{}.{key}", self.path).into_boxed_str());
        self.log.borrow_mut().push(path.to_string());
        let child = match self.v {
            Json::Object(map) => map.get(key),
            Json::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }?;
        Some(Counted {
            v: child,
            path,
            log: self.log,
        })
    }
    fn is_object(&self) -> bool {
        self.v.is_object()
    }
    fn value(&self) -> Value {
        (&self.v).value()
    }
}

#[test]
fn a_call_reads_each_value_of_the_profile_once() {
    let profile = json!({"properties": {
        "viewed": skus(0..300), "purchased": skus((0..300).filter(|i| i % 3 == 0)),
        "orders": [{"sku": "a", "total": 3}, {"sku": "b", "total": 4}], "tier": "gold"}});
    let log = RefCell::new(Vec::new());
    let root = Counted {
        v: &profile,
        path: "profile",
        log: &log,
    };
    let input = Input::new(Some(root), None).unwrap();
    let templates = [
        VIEWED_NOT_BOUGHT,
        "{% for o in person.properties.orders %}{% if o.sku in person.properties.viewed %}{{ o.total }}{% endif %}{{ o.sku }}{{ person.tier }}{% endfor %}",
        "{{ person.properties.viewed|join:',' }}{{ person.properties.viewed|length }}{{ person.properties.purchased|first }}",
        "{% if person.properties.viewed == person.properties.viewed %}{{ person.properties.tier }}{% endif %}",
    ];
    for tpl in templates {
        Template::parse(tpl).unwrap().render(&input).unwrap();
    }
    let log = log.into_inner();
    let mut seen = std::collections::HashSet::new();
    for path in &log {
        assert!(seen.insert(path.as_str()), "{path} was read twice");
    }
    assert!(log.contains(&"profile.properties.viewed.299".to_string()));
    assert!(log.contains(&"profile.properties.orders.1.sku".to_string()));
}
