//! Differential run against Django 5.2: reads the cases `tests/django/gen.py`
//! rendered with Django (one JSON line each) and renders them with passbridge.
//! `make test-django` / `make fuzz` set `PASSBRIDGE_DJANGO_CASES` (and the
//! minimum count); without it this test has nothing to compare and says so.

use passbridge::Input;
use passbridge::Template;
use std::io::BufRead;

#[test]
fn passbridge_renders_what_django_renders() {
    let Ok(path) = std::env::var("PASSBRIDGE_DJANGO_CASES") else {
        eprintln!("PASSBRIDGE_DJANGO_CASES not set: run `make test-django`");
        return;
    };
    let min: usize = std::env::var("PASSBRIDGE_DJANGO_MIN")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (mut total, mut rendered, mut errors, mut syntax) = (0usize, 0usize, 0usize, 0usize);
    let mut mismatches = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.expect("read a case");
        let case: serde_json::Value = serde_json::from_str(&line).expect("a JSON case");
        total += 1;
        let tpl = case["t"].as_str().expect("template");
        let event = (!case["e"].is_null()).then_some(&case["e"]);
        let django = &case["django"];
        let ours = match Template::parse(tpl) {
            Err(e) => Err(format!("parse error at {}: {}", e.position, e.message)),
            Ok(t) => {
                let input = Input::new(Some(&case["p"]), event).expect("profile");
                t.render(&input)
                    .map_err(|e| format!("render error: {}", e.message))
            }
        };
        let agree = if let Some(want) = django["ok"].as_str() {
            rendered += 1;
            ours.as_deref() == Ok(want)
        } else if django.get("syntax").is_some() {
            syntax += 1;
            matches!(&ours, Err(m) if m.starts_with("parse error"))
        } else {
            errors += 1;
            matches!(&ours, Err(m) if m.starts_with("render error"))
        };
        if !agree && mismatches.len() < 25 {
            let cut = |s: String| s.chars().take(600).collect::<String>();
            mismatches.push(format!(
                "template: {tpl}\n profile: {}\n   event: {}\n  django: {}\n    ours: {}\n",
                case["p"],
                case["e"],
                cut(django.to_string()),
                cut(format!("{ours:?}"))
            ));
        } else if !agree {
            mismatches.push(String::new());
        }
    }
    eprintln!(
        "django differential: {total} cases ({rendered} rendered, {errors} render errors, {syntax} syntax errors), {} mismatches",
        mismatches.len()
    );
    assert!(
        total >= min,
        "only {total} cases in {path}, expected at least {min}"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {total} cases differ from Django:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
