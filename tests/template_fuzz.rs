//! No panic on any template: random token soups and mutations of valid
//! templates through `Template::parse`, and every template that parses is
//! rendered against a profile. `PASSBRIDGE_FUZZ_INPUTS` sets the count
//! (`make fuzz` runs 10,000,000); plain `cargo test` runs 20,000.

use passbridge::Input;
use passbridge::Template;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "|",
    ":",
    "'",
    "\"",
    "\\",
    ".",
    " ",
    "\n",
    ",",
    "person",
    "event",
    "properties",
    "items",
    "tags",
    "x",
    "forloop",
    "counter",
    "parentloop",
    "0",
    "1",
    "-3",
    "1.5",
    "1e999",
    "True",
    "None",
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "in",
    "empty",
    "endfor",
    "reversed",
    "comment",
    "endcomment",
    "and",
    "or",
    "not",
    "is",
    "==",
    "!=",
    "<",
    ">=",
    "default",
    "lookup",
    "length",
    "first",
    "last",
    "join",
    "truncatechars",
    "truncatewords",
    "cut",
    "yesno",
    "pluralize",
    "divisibleby",
    "slugify",
    "urlencode",
    "striptags",
    "wordcount",
    "date",
    "'Y-m-d r c'",
    "append",
    "concat",
    "compact",
    "count",
    "abs",
    "ceil",
    "at_least",
    "floatadd",
    "multiply",
    "base64_decode",
    "capitalize",
    "floatformat",
    "add",
    "title",
    "é",
    "ß",
    "😀",
    "\u{0301}",
];

const SEEDS: &[&str] = &[
    "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}",
    "{% for x in person.properties.items reversed %}{{ forloop.counter }}{{ x.name|default:'-'|upper }}{% empty %}none{% endfor %}",
    "{{ person.properties.tags|compact|concat:person.properties.items|join:', ' }}",
    "{% if 'a' in person.properties.tags and not person.properties.n < 3 or person.x is None %}y{% endif %}",
    "{{ person.properties.when|date:'D, d M Y H:i' }}{# c #}{% comment %}{{ x }}{% endcomment %}",
    "{{ person.properties.s|truncatechars:5|slugify|base64_encode|base64_decode|append:'!'|count }}",
];

fn soup(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(24) {
        s.push_str(rng.pick(PIECES));
    }
    s
}

fn mutate(rng: &mut Rng) -> String {
    let mut chars: Vec<char> = rng.pick(SEEDS).chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 => {
                let piece = rng.pick(PIECES);
                for (k, c) in piece.chars().enumerate() {
                    chars.insert((at + k).min(chars.len()), c);
                }
            }
            _ => {
                let end = (at + rng.below(8)).min(chars.len());
                chars.truncate(end.max(at.min(chars.len())));
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn random_templates_never_panic() {
    let count: u64 = std::env::var("PASSBRIDGE_FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let profile = serde_json::json!({"properties": {
        "loyalty_points": 1200, "tags": ["a", null, "b"], "items": [{"name": "x"}, {"name": null}],
        "s": "Crème brûlée 😀", "n": 2.5, "when": "2024-03-05T10:00:00Z", "x": "ok"}});
    let event = serde_json::json!({"points": 5});
    let input = Input::new(Some(&profile), Some(&event)).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut parsed, mut rendered) = (0u64, 0u64);
    for i in 0..count {
        let src = if i % 2 == 0 {
            soup(&mut rng)
        } else {
            mutate(&mut rng)
        };
        if let Ok(t) = Template::parse(&src) {
            parsed += 1;
            if t.render(&input).is_ok() {
                rendered += 1;
            }
            let _ = t.evaluate(&input);
        }
    }
    eprintln!("template fuzz: {count} inputs, {parsed} parsed, {rendered} rendered, no panic");
    assert!(
        parsed > count / 20,
        "the generator should produce valid templates too"
    );
}
