//! Django's own template tests (filter_tests and syntax_tests of Django
//! 5.2.8's source distribution) whose context is plain JSON data, extracted by
//! `tests/django/own_tests.py` into `tests/django/own_cases.json` with the
//! Django oracle's output, and rendered here by passbridge. Every case either
//! matches Django, uses a filter or tag passbridge refuses by name
//! ([`UNSUPPORTED`]), or is a documented difference ([`DIFFERENCES`], by the
//! Django test's template name): a new mismatch fails the build, and so does a
//! listed difference that no longer differs.

use passbridge::{Input, Template};
use std::collections::BTreeMap;

/// Django tags and filters passbridge refuses at creation ("unsupported tag
/// 'x'", "unsupported filter 'x'"), each with why (the README lists them).
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "autoescape",
        "pass fields are plain text: nothing is ever escaped",
    ),
    ("block", "one template per field: no template inheritance"),
    ("extends", "one template per field: no template files"),
    ("include", "one template per field: no template files"),
    ("load", "no template tag libraries"),
    ("url", "no URLconf"),
    ("debug", "no Python context to dump"),
    (
        "cycle",
        "not needed on a pass field (use forloop.counter with divisibleby)",
    ),
    ("resetcycle", "goes with cycle"),
    ("firstof", "not needed: use default"),
    ("with", "not needed: use the path"),
    ("filter", "not needed: filters apply in {{ }}"),
    ("ifchanged", "not needed on a pass field"),
    ("regroup", "not needed on a pass field"),
    ("spaceless", "HTML whitespace: pass fields are plain text"),
    ("templatetag", "not needed: write the characters"),
    (
        "verbatim",
        "not needed: a {% %} spanning lines is refused instead",
    ),
    ("widthratio", "not needed: multiply"),
    ("lorem", "no placeholder text on a pass"),
    ("now", "a pure mapping does not read the clock"),
    ("time", "a pure mapping does not read the clock"),
    ("timesince", "a pure mapping does not read the clock"),
    ("timeuntil", "a pure mapping does not read the clock"),
    ("random", "a pass must not change on a retry"),
    ("safe", "nothing is escaped: safe has nothing to do"),
    ("safeseq", "nothing is escaped: safeseq has nothing to do"),
    (
        "force_escape",
        "HTML output: escape is there for the fields that render markup",
    ),
    ("escapeseq", "HTML output"),
    ("escapejs", "script output"),
    ("addslashes", "script output"),
    ("json_script", "script output"),
    ("iriencode", "use urlencode"),
    ("urlize", "HTML output"),
    ("urlizetrunc", "HTML output"),
    ("linebreaks", "HTML paragraphs: linebreaksbr is there"),
    ("linenumbers", "not pass data"),
    ("unordered_list", "HTML output"),
    ("phone2numeric", "not pass data"),
];

/// Django test cases (by template name) where passbridge differs on purpose,
/// each with the README's reason.
const DIFFERENCES: &[(&str, &str)] = &[
    (
        "basic-syntax21",
        "an unclosed {{ is an error (Django prints it)",
    ),
    (
        "basic-syntax22",
        "an unclosed {{ is an error (Django prints it)",
    ),
    (
        "basic-syntax27",
        "no translation: _() is refused like every name beginning with _",
    ),
    (
        "basic-syntax30",
        "paths start with person or event: '1.2.3' is no path",
    ),
    (
        "for-tag-empty03",
        "Python methods are not reachable: person.values is a missing key, not dict.values",
    ),
    (
        "escape03",
        "escape escapes what escape made (Django marks it safe and leaves it)",
    ),
    (
        "escape04",
        "escape escapes what escape made (Django marks it safe and leaves it)",
    ),
];

fn ours(case: &serde_json::Value) -> Result<String, String> {
    let tpl = case["template"].as_str().expect("template");
    let t = Template::parse(tpl).map_err(|e| format!("parse error: {}", e.message))?;
    let input = Input::new(Some(&case["profile"]), None).expect("profile");
    t.render(&input)
        .map_err(|e| format!("render error: {}", e.message))
}

fn unsupported_name(message: &str) -> Option<String> {
    ["unsupported tag '", "unsupported filter '"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(name, _)| name.to_string())
}

#[test]
fn django_own_template_tests() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/django/own_cases.json");
    let text = std::fs::read_to_string(path).expect("tests/django/own_cases.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("JSON cases");
    let documented: BTreeMap<&str, &str> = DIFFERENCES.iter().copied().collect();
    let (mut matched, mut differ) = (0, 0);
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut seen_differences = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let got = ours(case);
        if let Err(m) = &got {
            if let Some(what) = unsupported_name(m) {
                if !UNSUPPORTED.iter().any(|(n, _)| *n == what) {
                    failures.push(format!("{name}: refuses '{what}', not in UNSUPPORTED"));
                }
                *unsupported.entry(what).or_default() += 1;
                continue;
            }
        }
        let django = &case["django"];
        let agree = if let Some(want) = django["ok"].as_str() {
            got.as_deref() == Ok(want)
        } else if django.get("syntax").is_some() {
            matches!(&got, Err(m) if m.starts_with("parse error"))
        } else {
            matches!(&got, Err(m) if m.starts_with("render error"))
        };
        match (agree, documented.get(name)) {
            (true, None) => matched += 1,
            (false, Some(_)) => {
                differ += 1;
                seen_differences.push(name);
            }
            (true, Some(_)) => failures.push(format!(
                "{name}: listed in DIFFERENCES but now matches Django; remove it"
            )),
            (false, None) => failures.push(format!(
                "{name} ({}):\n  template: {}\n  profile: {}\n  django: {django}\n  ours: {got:?}",
                case["file"], case["template"], case["profile"]
            )),
        }
    }
    for (name, _) in DIFFERENCES {
        if !cases.iter().any(|c| c["name"] == *name) {
            failures.push(format!("{name}: listed in DIFFERENCES but not a case"));
        }
    }
    for (name, _) in UNSUPPORTED {
        let as_filter = Template::parse(&format!("{{{{ person.x|{name}:1 }}}}")).err();
        let as_tag = Template::parse(&format!("{{% {name} %}}")).err();
        let refused = [as_filter, as_tag]
            .into_iter()
            .flatten()
            .any(|e| unsupported_name(&e.message).as_deref() == Some(name));
        if !refused {
            failures.push(format!(
                "{name}: in UNSUPPORTED but passbridge does not refuse it by name"
            ));
        }
    }
    // How often the oracle (autoescape off, passbridge's normalisations) says
    // what the Django test itself asserts (autoescape on, Python's text).
    let asserted = cases
        .iter()
        .filter(|c| c["test_expects"].is_string())
        .count();
    let same = cases
        .iter()
        .filter(|c| c["test_expects"].is_string() && c["test_expects"] == c["django"]["ok"])
        .count();
    eprintln!("the oracle gives the Django test's own expected output in {same} of {asserted} rendered cases");
    let refused: usize = unsupported.values().sum();
    eprintln!(
        "django's own tests: {} cases run, {matched} match Django, {differ} documented differences, {refused} use an unsupported tag or filter ({unsupported:?})",
        cases.len()
    );
    assert!(cases.len() >= 500, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} cases differ from Django without a documented reason:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
