use super::*;
use crate::profile::Input;
use serde_json::json;

fn render(tpl: &str, profile: serde_json::Value, event: serde_json::Value) -> String {
    let t = Template::parse(tpl).unwrap_or_else(|e| panic!("{tpl}: {e:?}"));
    let input = Input::new(Some(&profile), Some(&event)).unwrap();
    t.render(&input).unwrap()
}

/// A profile `{ properties: { n: NaN } }`, which JSON cannot express.
struct NanNode;
impl crate::profile::Node for &NanNode {
    fn member(&self, key: &str) -> Option<Self> {
        matches!(key, "properties" | "n").then_some(*self)
    }
    fn is_object(&self) -> bool {
        true
    }
    fn value(&self) -> Value {
        Value::Number(f64::NAN)
    }
}

fn r(tpl: &str, props: serde_json::Value) -> String {
    render(tpl, json!({ "properties": props }), json!(null))
}

#[test]
fn literal_text_and_paths() {
    let profile = json!({"data": {"attributes": {"first_name": "Ada", "email": "ada@example.com",
        "properties": {"loyalty_points": 1500, "tier": "gold"}}}});
    let event = json!({"data": {"attributes": {"event_properties": {"Points": 25}}}});
    assert_eq!(
        render("Hi {{ person.first_name }}, {{person.properties.loyalty_points}} pts (+{{ event.Points }})", profile.clone(), event.clone()),
        "Hi Ada, 1500 pts (+25)"
    );
    assert_eq!(
        render("no tags at all", profile.clone(), event.clone()),
        "no tags at all"
    );
    // Django prints a stray '}}' as text.
    assert_eq!(
        render("Level }} {{ person.tier }}", profile.clone(), event.clone()),
        "Level }} gold"
    );
    assert_eq!(render("{{ person.tier|upper }}", profile, event), "GOLD");
}

#[test]
fn missing_renders_empty_and_containers_are_errors() {
    assert_eq!(r("[{{ person.properties.nope }}]", json!({})), "[]");
    assert_eq!(r("[{{ person.properties.nope.deeper }}]", json!({})), "[]");
    assert_eq!(r("[{{ person.properties.n }}]", json!({"n": null})), "[]");
    let t = Template::parse("{{ person.properties.obj }}").unwrap();
    let profile = json!({"properties": {"obj": {"a": 1}, "list": [1]}});
    let input = Input::new(Some(&profile), None).unwrap();
    let err = t.render(&input).unwrap_err();
    assert_eq!(
        err.message,
        "person.properties.obj is an object; a pass field needs text, a number or a boolean"
    );
    let t = Template::parse("{{ person.properties.list|default:'x' }}").unwrap();
    assert!(t.render(&input).unwrap_err().message.contains("is a list"));
    // NaN and Infinity never reach a pass (a JS profile can hold them).
    let nan = Input::new(Some(&NanNode), None).unwrap();
    let t = Template::parse("{{ person.properties.n|default:0 }}").unwrap();
    assert_eq!(
        t.render(&nan).unwrap_err().message,
        "person.properties.n is NaN (not a finite number); a pass field needs text, a number or a boolean"
    );
}

#[test]
fn default_replaces_every_falsy_value() {
    for falsy in [
        json!(null),
        json!(""),
        json!(0),
        json!(0.0),
        json!(false),
        json!([]),
        json!({}),
    ] {
        assert_eq!(
            r(
                "{{ person.properties.v|default:'none' }}",
                json!({"v": falsy})
            ),
            "none",
            "{falsy}"
        );
    }
    assert_eq!(
        r("{{ person.properties.v|default:'none' }}", json!({})),
        "none"
    );
    for (truthy, want) in [
        (json!("0"), "0"),
        (json!(7), "7"),
        (json!(true), "true"),
        (json!(" "), " "),
    ] {
        assert_eq!(
            r(
                "{{ person.properties.v|default:'none' }}",
                json!({"v": truthy})
            ),
            want
        );
    }
    assert_eq!(r("{{ person.properties.v|default:0 }}", json!({})), "0");
    assert_eq!(
        r(
            "{{ person.properties.v|default:person.properties.w }}",
            json!({"w": "fallback"})
        ),
        "fallback"
    );
}

#[test]
fn default_if_none_replaces_only_missing_and_null() {
    assert_eq!(
        r("{{ person.properties.v|default_if_none:'x' }}", json!({})),
        "x"
    );
    assert_eq!(
        r(
            "{{ person.properties.v|default_if_none:'x' }}",
            json!({"v": null})
        ),
        "x"
    );
    for (v, want) in [(json!(""), ""), (json!(0), "0"), (json!(false), "false")] {
        assert_eq!(
            r(
                "{{ person.properties.v|default_if_none:'x' }}",
                json!({"v": v})
            ),
            want
        );
    }
}

#[test]
fn lookup_reaches_awkward_names() {
    let props = json!({"Loyalty Points": 12, "a.b": "dotted", "points-balance": 3});
    assert_eq!(
        r("{{ person|lookup:'Loyalty Points' }}", props.clone()),
        "12"
    );
    assert_eq!(
        r("{{ person.properties|lookup:\"a.b\" }}", props.clone()),
        "dotted"
    );
    assert_eq!(
        r("{{ person|lookup:'points-balance'|add:1 }}", props.clone()),
        "4"
    );
    assert_eq!(r("{{ person|lookup:'missing'|default:'d' }}", props), "d");
}

#[test]
fn case_filters() {
    let p = json!({"s": "hello wORLD they're 1st", "n": 1e21});
    assert_eq!(
        r("{{ person.properties.s|lower }}", p.clone()),
        "hello world they're 1st"
    );
    assert_eq!(
        r("{{ person.properties.s|upper }}", p.clone()),
        "HELLO WORLD THEY'RE 1ST"
    );
    assert_eq!(
        r("{{ person.properties.s|title }}", p.clone()),
        "Hello World They're 1st"
    );
    assert_eq!(r("{{ person.properties.n|upper }}", p.clone()), "1E+21");
    assert_eq!(r("{{ person.properties.x|title }}", p), "");
    assert_eq!(
        r("{{ 'élan vital-o\\'neil'|title }}", json!({})),
        "Élan Vital-O'Neil"
    );
}

#[test]
fn floatformat_follows_django() {
    let cases: &[(serde_json::Value, &str, &str)] = &[
        (json!(34.23234), "", "34.2"),
        (json!(34.0), "", "34"),
        (json!(34.26), "", "34.3"),
        (json!(34.23234), ":3", "34.232"),
        (json!(34.0), ":3", "34.000"),
        (json!(34.26), ":3", "34.260"),
        (json!(34.23234), ":'-3'", "34.232"),
        (json!(34.0), ":'-3'", "34"),
        (json!(34.26), ":'-3'", "34.260"),
        (json!(39.56), ":0", "40"),
        (json!(2.675), ":2", "2.68"),
        (json!(-0.04), "", "0.0"),
        (json!(-0.4), ":0", "0"),
        (json!(-1.25), ":1", "-1.3"),
        (json!(1234567.891), ":'2g'", "1,234,567.89"),
        (json!(1234567), ":'g'", "1,234,567"),
        (json!(1000), ":'2u'", "1000.00"),
        (json!("12.5"), "", "12.5"),
        (json!(" 7 "), ":2", "7.00"),
        (json!("abc"), "", ""),
        (json!(null), "", ""),
        (json!(true), "", "1"),
        (json!(12.5), ":'x'", "12.5"),
        (json!(1e21), ":2", "1000000000000000000000.00"),
        (json!(0.000001), ":'-8'", "0.00000100"),
        (json!(9.995), ":2", "10.00"),
        // Django 5.2.8: beyond Decimal's exponents, float() reads 0.0; more
        // than 200 digits and exponent, the text is returned unchanged.
        (json!("0.5e-9223372036854775808"), "", "0"),
        (json!("1e-9223372036854775808"), ":2", "0.00"),
        (json!("-0.5e-999999"), "", "-0.5e-999999"),
        (json!("0e999999"), ":1", "0e999999"),
    ];
    for (v, arg, want) in cases {
        let tpl = format!("{{{{ person.properties.v|floatformat{arg} }}}}");
        assert_eq!(r(&tpl, json!({ "v": v })), *want, "{v}|floatformat{arg}");
    }
    assert_eq!(r("{{ person.properties.v|floatformat }}", json!({})), "");
}

#[test]
fn title_follows_django_exactly() {
    // Expected values are Python's str.title() plus Django's two re.sub passes.
    let cases = [
        ("rock'n'roll", "Rock'n'Roll"),
        ("4o'clock", "4o'Clock"),
        ("they're bill's friends", "They're Bill's Friends"),
        ("1st place", "1st Place"),
        ("ßtraße", "Sstraße"),
        ("ǆemal", "ǅemal"),
        ("ﬁne", "Fine"),
        ("٣ab", "٣ab"),
        ("ΟΔΟΣ ΟΔΟΣΑ", "Οδος Οδοσα"),
        ("hello-world_foo bar", "Hello-World_Foo Bar"),
        ("ᾳ", "ᾼ"),
        ("σǄΣ''xZﬂB", "Σǆσ''Xzﬂb"),
        ("éΣ.αıcxX", "Éσ.Αıcxx"),
        ("", ""),
    ];
    for (input, want) in cases {
        let tpl = "{{ person.properties.s|title }}";
        assert_eq!(r(tpl, json!({ "s": input })), want, "{input}");
    }
}

#[test]
fn add_follows_django() {
    let cases: &[(serde_json::Value, &str, &str)] = &[
        (json!(4), "2", "6"),
        (json!("4"), "'2'", "6"),
        (json!(1.5), "1", "2"),
        (json!(" 10 "), "-3", "7"),
        (json!("ab"), "'cd'", "abcd"),
        (json!("ab"), "3", ""),
        (json!(null), "3", ""),
        (json!(true), "1", "2"),
        (json!([1]), "1", ""),
    ];
    for (v, arg, want) in cases {
        let tpl = format!("{{{{ person.properties.v|add:{arg} }}}}");
        assert_eq!(r(&tpl, json!({ "v": v })), *want, "{v}|add:{arg}");
    }
    assert_eq!(r("{{ person.properties.v|add:'x' }}", json!({})), "x");
    assert_eq!(
        r(
            "{{ person.properties.v|add:person.properties.w }}",
            json!({"v": 1, "w": 2})
        ),
        "3"
    );
}

#[test]
fn filters_chain_left_to_right() {
    assert_eq!(
        r(
            "{{ person.properties.v|default:'silver'|title }}",
            json!({})
        ),
        "Silver"
    );
    assert_eq!(
        r(
            "{{ person.properties.v|add:0.5|floatformat:1 }}",
            json!({"v": "2"})
        ),
        "2.0"
    );
}

#[test]
fn parse_errors_name_the_position() {
    let cases = [
        ("{{ person.email", 1, "unclosed tag"),
        ("ab {{ person.email|nope }}", 20, "unknown filter 'nope'"),
        ("{{ }}", 4, "empty tag"),
        ("{{ user.email }}", 4, "unknown variable 'user'"),
        ("{{ person..email }}", 11, "empty path segment"),
        ("{{ person.email| }}", 18, "expected a filter name"),
        ("{{ person.email|default }}", 17, "needs an argument"),
        ("{{ person.email|upper:'x' }}", 17, "takes no argument"),
        (
            "{{ person.email|default:'x }}",
            25,
            "unclosed string literal",
        ),
        ("{% if person.x %}", 1, "unclosed tag: '{% if %}' without"),
        ("{{ person.points-balance }}", 17, "use lookup"),
        (
            "{{ person.email|lower|lookup:'x' }}",
            23,
            "must directly follow",
        ),
        ("{{ person|lookup:person.x }}", 18, "quoted key"),
        ("{{ person.email person.x }}", 17, "expected '|'"),
        ("{{ 12abc }}", 4, "not a number"),
    ];
    for (tpl, pos, want) in cases {
        let err = Template::parse(tpl).unwrap_err();
        assert!(
            err.message.contains(want),
            "{tpl}: {} should contain {want}",
            err.message
        );
        assert_eq!(err.position, pos, "{tpl}: {}", err.message);
    }
    assert!(Template::parse(&"x".repeat(MAX_TEMPLATE_LEN + 1)).is_err());
}

#[test]
fn evaluate_keeps_types_of_single_expressions() {
    let profile = json!({"properties": {"n": 12}});
    let input = Input::new(Some(&profile), None).unwrap();
    let t = Template::parse("{{ person.properties.n }}").unwrap();
    assert_eq!(t.evaluate(&input).unwrap(), Value::Number(12.0));
    let t = Template::parse(" {{ person.properties.n }}").unwrap();
    assert_eq!(t.evaluate(&input).unwrap(), Value::Str(" 12".into()));
}

#[test]
fn if_elif_else_with_django_precedence() {
    let tier = "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}";
    for (points, want) in [
        (json!(1500), "Gold"),
        (json!(500), "Silver"),
        (json!(12), "Bronze"),
        (json!("2000"), "Bronze"),
        (json!(null), "Bronze"),
    ] {
        assert_eq!(
            r(tier, json!({ "points": 0, "loyalty_points": points })),
            want,
            "{points}"
        );
    }
    let cases: &[(&str, &str)] = &[
        ("{% if person.properties.a or person.properties.b and person.properties.c %}y{% else %}n{% endif %}", "y"),
        ("{% if not person.properties.a == 1 %}y{% else %}n{% endif %}", "n"),
        ("{% if 'go' in person.properties.s %}y{% else %}n{% endif %}", "y"),
        ("{% if 'x' not in person.properties.s %}y{% else %}n{% endif %}", "y"),
        ("{% if 2 in person.properties.list %}y{% else %}n{% endif %}", "y"),
        ("{% if 'k' in person.properties.obj %}y{% else %}n{% endif %}", "y"),
        ("{% if person.properties.missing is None %}y{% else %}n{% endif %}", "y"),
        ("{% if person.properties.t is not True %}y{% else %}n{% endif %}", "n"),
        ("{% if person.properties.a < 'x' %}y{% else %}n{% endif %}", "n"),
        ("{% if not person.properties.a < 'x' %}y{% else %}n{% endif %}", "y"),
        ("{% if 1 in person.properties.missing %}y{% else %}n{% endif %}", "n"),
        ("{% if 1 not in person.properties.missing %}y{% else %}n{% endif %}", "n"),
        ("{% if person.properties.a == 1.0 %}y{% else %}n{% endif %}", "y"),
        ("{% if person.properties.t == 1 %}y{% else %}n{% endif %}", "y"),
        ("{% if person|lookup:'Loyalty Points' > 150 %}VIP{% endif %}", "VIP"),
        ("{% if person.properties.s|length > 3 %}long{% endif %}", "long"),
    ];
    let p = json!({"a": 1, "b": 0, "c": 1, "s": "going", "list": [1, 2], "obj": {"k": null}, "t": true, "Loyalty Points": 151});
    for (tpl, want) in cases {
        assert_eq!(r(tpl, p.clone()), *want, "{tpl}");
    }
}

#[test]
fn for_loops_with_forloop_and_empty() {
    let p = json!({"items": [{"n": "a"}, {"n": "b"}, {"n": "c"}], "none": [], "s": "hey"});
    assert_eq!(
        r("{% for i in person.properties.items %}{{ forloop.counter }}{{ i.n }}{% if not forloop.last %},{% endif %}{% endfor %}", p.clone()),
        "1a,2b,3c"
    );
    assert_eq!(
        r("{% for i in person.properties.items reversed %}{{ i|lookup:'n' }}{{ forloop.revcounter0 }}{% endfor %}", p.clone()),
        "c2b1a0"
    );
    assert_eq!(
        r(
            "{% for i in person.properties.none %}x{% empty %}none{% endfor %}",
            p.clone()
        ),
        "none"
    );
    assert_eq!(
        r(
            "{% for i in person.properties.missing %}x{% empty %}none{% endfor %}",
            p.clone()
        ),
        "none"
    );
    assert_eq!(
        r(
            "{% for c in person.properties.s %}{{ c|upper }}{% endfor %}",
            p.clone()
        ),
        "HEY"
    );
    assert_eq!(
        r("{% for i in person.properties.items %}{% for c in i.n %}{{ forloop.parentloop.counter0 }}{{ c }}{% endfor %}{% endfor %}", p.clone()),
        "0a1b2c"
    );
    assert_eq!(
        r(
            "a{# note #}b{% comment %}{{ nonsense|x }}{% endcomment %}c",
            p
        ),
        "abc"
    );
}

#[test]
fn structural_mistakes_fail_at_parse_with_positions() {
    let cases = [
        (
            "ab{% endif %}",
            3,
            "'{% endif %}' without a matching '{% if %}'",
        ),
        (
            "{% if person.a %}x{% else %}y{% else %}z{% endif %}",
            30,
            "after '{% else %}'",
        ),
        (
            "{% if person.a %}x{% else %}y{% elif person.b %}z{% endif %}",
            30,
            "after '{% else %}'",
        ),
        (
            "{% for x in person.items %}x",
            1,
            "without a matching '{% endfor %}'",
        ),
        ("{% if person.a == %}x{% endif %}", 18, "unexpected end"),
        (
            "{% if person.a person.b %}x{% endif %}",
            16,
            "unused 'person.b'",
        ),
        (
            "{% if and person.a %}x{% endif %}",
            7,
            "'and' is not expected",
        ),
        (
            "{% if person.a not person.b %}x{% endif %}",
            16,
            "'not' is not expected as an infix",
        ),
        (
            "{% if person.a>1 %}x{% endif %}",
            15,
            "unexpected '>' in a path",
        ),
        ("{% with a=1 %}{% endwith %}", 1, "unsupported tag 'with'"),
        ("{% shout %}", 1, "unknown tag 'shout'"),
        (
            "{% for x y %}{% endfor %}",
            1,
            "'for' statements use the format",
        ),
        ("{% for a, b in person.items %}{% endfor %}", 1, "unpacking"),
        (
            "{% comment %}never closed",
            1,
            "without a matching '{% endcomment %}'",
        ),
        ("{% if person.a %}\n%}", 1, "unclosed tag"),
        (
            "{{ person.a|escapejs }}",
            13,
            "unsupported filter 'escapejs'",
        ),
        ("{{ forloop.counter }}", 4, "unknown variable 'forloop'"),
        (
            "{% for x in person.l %}{{ forloop.parentloop.counter }}{% endfor %}",
            27,
            "parentloop outside",
        ),
    ];
    for (tpl, pos, want) in cases {
        let err = Template::parse(tpl).unwrap_err();
        assert!(
            err.message.contains(want),
            "{tpl}: {} should contain {want}",
            err.message
        );
        assert_eq!(err.position, pos, "{tpl}: {}", err.message);
    }
}

#[test]
fn rendering_is_bounded() {
    let big = "x".repeat(MAX_RENDERED_BYTES);
    let t = Template::parse("{{ person.properties.s }}{{ person.properties.s }}").unwrap();
    let profile = json!({"properties": {"s": big, "l": (0..=MAX_LIST_ITEMS).collect::<Vec<_>>(), "m": (0..200).collect::<Vec<_>>()}});
    let input = Input::new(Some(&profile), None).unwrap();
    let err = t.render(&input).unwrap_err();
    assert_eq!(err.failure, Failure::TooLong);
    assert_eq!(err.message, "renders more than 8192 bytes");
    let t = Template::parse("{% for i in person.properties.l %}{% endfor %}").unwrap();
    assert_eq!(t.render(&input).unwrap_err().failure, Failure::Limit);
    // 341 references to a 6 MB property fail at the first, before appending it.
    let huge = json!({"properties": {"s": "y".repeat(6 << 20)}});
    let huge_input = Input::new(Some(&huge), None).unwrap();
    let t = Template::parse(&"{{person.s}}".repeat(341)).unwrap();
    let mut out = String::new();
    assert_eq!(
        t.render_into(&huge_input, &mut out).unwrap_err().failure,
        Failure::TooLong
    );
    assert!(out.is_empty() && out.capacity() < 8192);
    let t = Template::parse("{% for i in person.properties.m %}{% for j in person.properties.m %}{% endfor %}{% endfor %}").unwrap();
    let err = t.render(&input).unwrap_err();
    assert!(
        err.message.contains("more than 10000 times"),
        "{}",
        err.message
    );
    let t = Template::parse("{% for i in person.properties.m %}{% for j in person.properties.m %}ab{% endfor %}{% endfor %}").unwrap();
    assert_eq!(t.render(&input).unwrap_err().failure, Failure::TooLong);
}
