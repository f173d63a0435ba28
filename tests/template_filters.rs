//! Klaviyo's own filters (Django has none of them), checked against the
//! examples and rules of Klaviyo's "Django filter glossary". Where Klaviyo
//! prints a float (`5.0`, `6.0`), passbridge prints the number as JavaScript
//! does (`5`, `6`): the README lists this difference.

use passbridge::Input;
use passbridge::Template;
use serde_json::json;

fn render(tpl: &str) -> String {
    let profile = json!({"properties": {
        "tags": ["gold", null, "vip", null], "more": ["new"], "email": "ada@example.com",
        "points": 1500, "price": "19.99", "none": null, "text": "hello"}});
    let input = Input::new(Some(&profile), None).unwrap();
    Template::parse(tpl)
        .unwrap_or_else(|e| panic!("{tpl}: {e:?}"))
        .render(&input)
        .unwrap_or_else(|e| panic!("{tpl}: {e:?}"))
}

#[test]
fn glossary_examples() {
    let cases = [
        // abs: "{{ -1.2|abs }} => 1.2"
        ("{{ -1.2|abs }}", "1.2"),
        // append: "{{ "hello"|append:" world" }} => "hello world""
        ("{{ \"hello\"|append:\" world\" }}", "hello world"),
        // at_least: "{{ 1|at_least:5.0 }} => 5.0" (JavaScript writes 5)
        ("{{ 1|at_least:5.0 }}", "5"),
        // at_most: "{{ 1|at_most:-1.0 }} => -1.0"
        ("{{ 1|at_most:-1.0 }}", "-1"),
        // ceil: "{{ 5.01|ceil }} => "6.0""
        ("{{ 5.01|ceil }}", "6"),
        // count: the number of characters of a string
        ("{{ 'hello'|count }}", "5"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn glossary_rules() {
    let cases = [
        // abs, at_least, at_most, ceil, floatadd, multiply: numbers (numeric text too).
        ("{{ 3|abs }}|{{ person.properties.price|abs }}|{{ 'x'|abs }}", "3|19.99|"),
        ("{{ 7|at_least:5 }}|{{ 7|at_most:5 }}|{{ 'x'|at_most:5 }}", "7|5|"),
        ("{{ -5.5|ceil }}|{{ 5|ceil }}|{{ '2.1'|ceil }}|{{ person.properties.none|ceil }}", "-5|5|3|"),
        ("{{ 1.5|floatadd:2.25 }}|{{ person.properties.price|floatadd:1 }}|{{ 'x'|floatadd:1 }}", "3.75|20.99|"),
        ("{{ 4|multiply:2.5 }}|{{ person.properties.price|multiply:2 }}|{{ 2|multiply:'x' }}", "10|39.98|"),
        // add keeps Django's integer addition; floatadd keeps the decimals.
        ("{{ 5|add:2 }}|{{ 5.5|add:2 }}|{{ 5.5|floatadd:2 }}", "7|7|7.5"),
        // append: text; missing and null are empty text.
        ("{{ person.properties.points|append:' pts' }}|{{ person.properties.none|append:'x' }}", "1500 pts|x"),
        // base64: standard and URL-safe alphabets (+ → -, / → _), padding kept.
        ("{{ person.properties.email|base64_encode }}", "YWRhQGV4YW1wbGUuY29t"),
        ("{{ '??>'|base64_encode }}|{{ '??>'|base64_url_safe_encode }}", "Pz8+|Pz8-"),
        ("{{ 'YWRhQGV4YW1wbGUuY29t'|base64_decode }}|{{ 'Pz8-'|base64_url_safe_decode }}", "ada@example.com|??>"),
        ("{{ 'w6k='|base64_decode }}|{{ 'w6k'|base64_decode }}|{{ '***'|base64_decode }}", "é|é|"),
        // capitalize (alias capfirst): the first character upper-cased, the rest kept.
        ("{{ 'hello World'|capitalize }}|{{ 'ßig'|capfirst }}", "Hello World|SSig"),
        // compact drops None items; concat joins two lists (or two texts).
        ("{{ person.properties.tags|compact|join:',' }}|{{ person.properties.tags|compact|length }}", "gold,vip|2"),
        ("{{ person.properties.tags|compact|concat:person.properties.more|join:' ' }}", "gold vip new"),
        ("{{ 'ab'|concat:'cd' }}", "abcd"),
        ("{% for t in person.properties.tags|compact reversed %}{{ forloop.counter }}{{ t }}{% endfor %}", "1vip2gold"),
        // count: characters (not bytes) of text, items of a list.
        ("{{ 'héllo😀'|count }}|{{ person.properties.tags|count }}|{{ person.properties.none|count }}", "6|4|0"),
    ];
    for (tpl, want) in cases {
        assert_eq!(render(tpl), want, "{tpl}");
    }
}

#[test]
fn mistakes_are_errors_not_silent_text() {
    let profile = json!({"properties": {"tags": ["a"], "points": 3}});
    let input = Input::new(Some(&profile), None).unwrap();
    for tpl in [
        "{{ person.properties.tags|append:'x' }}",
        "{{ person.properties.tags|concat:'x' }}",
        "{{ person.properties.points|divisibleby:0 }}",
        "{% for x in person.properties.points %}{% endfor %}",
    ] {
        let err = Template::parse(tpl).unwrap().render(&input).unwrap_err();
        assert!(!err.message.is_empty(), "{tpl}");
    }
    for (tpl, want) in [
        (
            "{{ person.email|escapejs }}",
            "unsupported filter 'escapejs'",
        ),
        ("{{ person.email|shout }}", "unknown filter 'shout'"),
        ("{{ person.email|abs:1 }}", "filter 'abs' takes no argument"),
        (
            "{{ person.email|append }}",
            "filter 'append' needs an argument",
        ),
    ] {
        let err = Template::parse(tpl).unwrap_err();
        assert!(err.message.contains(want), "{tpl}: {}", err.message);
    }
}

/// Every "example → result" row of the filter table (docs/mapping.md, the
/// README's reference), as written there.
#[test]
fn readme_filter_examples_are_true() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mapping.md")).unwrap();
    let mut checked = 0;
    for line in readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("` → `"))
    {
        let example = line.rsplit(" | ").next().unwrap().trim_end_matches(" |");
        let (tpl, want) = example.split_once(" → ").unwrap();
        let unquote = |s: &str| s.trim().trim_matches('`').replace("\\|", "|");
        assert_eq!(render(&unquote(tpl)), unquote(want), "README: {line}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} README examples found");
}

/// The filter table (docs/mapping.md) names every filter passbridge implements, and
/// Django's built-ins are each either implemented or refused by name.
#[test]
fn every_filter_is_documented_and_every_django_filter_accounted_for() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mapping.md")).unwrap();
    for name in passbridge::filter_names() {
        assert!(
            readme.contains(&format!("| `{name}")) || readme.contains(&format!("`{name}`")),
            "README lacks {name}"
        );
    }
    // Django 5.2.8's `django.template.defaultfilters.register.filters`.
    let django = "add addslashes capfirst center cut date default default_if_none dictsort dictsortreversed divisibleby escape escapejs escapeseq filesizeformat first floatformat force_escape get_digit iriencode join json_script last length linebreaks linebreaksbr linenumbers ljust lower make_list phone2numeric pluralize pprint random rjust safe safeseq slice slugify stringformat striptags time timesince timeuntil title truncatechars truncatechars_html truncatewords truncatewords_html unordered_list upper urlencode urlize urlizetrunc wordcount wordwrap yesno";
    for name in django.split(' ') {
        let ours = passbridge::filter_names().any(|n| n == name);
        let err = Template::parse(&format!("{{{{ person.x|{name}:1 }}}}")).err();
        let refused = err
            .as_ref()
            .is_some_and(|e| e.message.contains(&format!("unsupported filter '{name}'")));
        assert!(
            ours ^ refused,
            "{name}: implemented {ours}, refused {refused} ({err:?})"
        );
    }
}
