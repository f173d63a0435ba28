//! The native half of the host-primitives differential (docs/host-primitives.md).
//!
//! The wasm builds ask the JavaScript host for case mapping, number text and
//! number parsing (src/host.rs); the native build uses Rust's. This test
//! writes what the native build answers, over the fuzzers' values plus every
//! code point, to the file named by `PASSBRIDGE_HOST_DUMP` (when set), and
//! tests/js/host-primitives.test.mjs compares it with the host and with the
//! wasm build. Without the variable it only checks a few answers.

use passbridge::{js_number, Input, Template};
use serde_json::{json, Map, Value};

#[path = "support/rng.rs"]
#[allow(dead_code)]
mod rng;

/// The fuzzers' words (tests/django/gen.py) and final-sigma contexts.
const WORDS: &[&str] = &[
    "gold",
    "Silver",
    "vip",
    "rock'n'roll",
    "élan",
    "Ünïcode",
    "hello world",
    "  spaced  out ",
    "they're",
    "1st place",
    "a-b_c",
    "Ça va?",
    "x",
    "",
    "<b>Bold</b> move",
    "50%",
    "naïve café",
    "ΟΔΟΣ",
    "ß",
    "São Paulo",
    "a/b?c=d&e",
    "one two three four five six",
    "ada",
    "rock'n'roll star",
    "Crème Brûlée à la carte",
    "ΣΑΣ",
    "Σ",
    "aΣ",
    "aΣb",
    "aΣ.",
    "aΣ'b",
    "a.Σ",
    "ΌΣΟΣ ΣΟΦΟΣ",
    "İstanbul",
    "ǆemal ǈubav",
    "ﬁne ﬂow",
    "ŉ",
    "ᾳ ᾼ ῳ",
    "ԵՒ և",
    "ქართული",
    "Straße",
    "ΐ ΰ",
    "½ off ① ㎏ Ⅻ",
    "ﷺ ǅ ﬀ ℌ",
    "Ｆｕｌｌ ｗｉｄｔｈ",
    "DŽ",
    "ǅ",
    "ǲ",
    "Ⓐⓑ",
    "ʰ",
    "ɐ",
    "ꞵ",
    "𐐀𐐨",
    "x̧Σ",
    "1st 2nd 3rd",
    "ﬀ",
    "ﬃ",
    "ﬅ",
];

/// The fuzzers' numbers (gen.py `rand_number`) and the edges of `String(n)`.
const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.0,
    7.0,
    150.0,
    999.0,
    1000.0,
    1500.0,
    3000.0,
    -25.0,
    12.5,
    0.5,
    -3.25,
    2.675,
    1e21,
    1e20,
    1e-7,
    1e-6,
    0.000001234,
    123456789012345680000.0,
    0.1,
    0.2,
    0.3,
    5e-324,
    f64::MAX,
    f64::MIN_POSITIVE,
    9007199254740993.0,
    4.35,
    1234.5678,
    19.99,
];

/// JSON texts: answers as providers send them, and the edges of the grammar.
const JSON_TEXTS: &[&str] = &[
    r#"{"serialNumber":"S1","urls":{"landing":"https://x/p/S1"}}"#,
    r#"{"title":"Bad","detail":"d","errors":{"b":["x","y"],"a":"z"}}"#,
    r#"{"a":1,"a":2}"#,
    r#"{"__proto__":{"x":1},"constructor":"c"}"#,
    "[1,2.5,-0,1e3,-7]",
    "123456789012345678901234567890",
    "1e308",
    "1e400",
    "-1e400",
    "0.1",
    "5e-324",
    "2.5e-324",
    r#""\u00e9\n\t\"\\\/""#,
    r#""\ud83d\ude00""#,
    r#""\ud800""#,
    "\u{FEFF}{}",
    " {} ",
    "{} x",
    "{",
    "",
    "nul",
    "true",
    "false",
    "null",
    "01",
    "1.",
    ".5",
    "+1",
    "[1,]",
    r#"{"a":1,}"#,
    "'a'",
    "NaN",
    "Infinity",
    "\"\u{1}\"",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
];

/// Long texts (unit, times) whose case mapping is bounded before it is built:
/// past a third of the 65,536-byte limit the bound is counted per character
/// (the host's `caseLen` in the wasm builds).
const LONG: &[(&str, usize)] = &[
    ("ΐ", 11_000),
    ("ΐ", 10_930),
    ("ΐ", 10_920),
    ("ß", 11_000),
    ("İ", 11_000),
    ("aΐ", 7_300),
    ("ǆ", 16_000),
    ("ﬃ", 7_300),
];

/// Whether each case filter maps `unit` repeated, and the mapped text's
/// length in characters (a rendered pass is at most 8,192 bytes).
fn long_case(unit: &str, times: usize) -> Value {
    let text = unit.repeat(times);
    let mut out = Map::new();
    for f in ["upper", "lower", "title"] {
        let r = render(
            &format!("{{{{ person.properties.v|{f}|length }}}}"),
            &json!(text),
        );
        out.insert(f.to_string(), r);
    }
    json!({ "unit": unit, "times": times, "lengths": out })
}

fn render(tpl: &str, v: &Value) -> Value {
    let profile = json!({ "properties": { "v": v } });
    let Ok(input) = Input::new(Some(&profile), None) else {
        return Value::Null;
    };
    match Template::parse(tpl).map(|t| t.render(&input)) {
        Ok(Ok(s)) => Value::String(s),
        _ => Value::Null,
    }
}

fn dump() -> Value {
    // Every code point whose native upper or lower mapping is not itself.
    let mut upper = Map::new();
    let mut lower = Map::new();
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        let s = c.to_string();
        let (u, l) = (s.to_uppercase(), s.to_lowercase());
        if u != s {
            upper.insert(s.clone(), Value::String(u));
        }
        if l != s {
            lower.insert(s, Value::String(l));
        }
    }
    // The filters end to end over the words (what a template renders).
    let mut filters = Map::new();
    for f in ["upper", "lower", "title", "capfirst", "slugify"] {
        let out: Vec<Value> = WORDS
            .iter()
            .map(|w| render(&format!("{{{{ person.properties.v|{f} }}}}"), &json!(w)))
            .collect();
        filters.insert(f.to_string(), Value::Array(out));
    }
    // Numbers: the fuzzers' ones and random doubles of every magnitude.
    let mut rng = rng::Rng(0x5EED_0021);
    let mut numbers: Vec<f64> = NUMBERS.to_vec();
    while numbers.len() < 3000 {
        let n = f64::from_bits(rng.next());
        if n.is_finite() {
            numbers.push(n);
        }
        // Short decimals too, as profiles carry them.
        numbers
            .push((rng.below(2_000_000) as f64 - 1e6) / [1.0, 10.0, 100.0, 1000.0][rng.below(4)]);
    }
    let texts: Vec<Value> = numbers.iter().map(|n| json!(js_number(*n))).collect();
    // Numeric text, parsed back by the template (`floatadd:0` reads text as a number).
    let mut decimals = Map::new();
    for t in texts.iter().filter_map(Value::as_str).chain([
        "+.5",
        "5.",
        "-0",
        "007",
        "1e3",
        "1E-3",
        "-1.5e+2",
        "12.50",
        "0.1e1",
        "123456789012345678901234567890",
        "2.2250738585072011e-308",
        "1e400",
        "1e-400",
    ]) {
        decimals.insert(
            t.to_string(),
            render("{{ person.properties.v|floatadd:0 }}", &json!(t)),
        );
    }
    // JSON: what serde_json makes of each text (null when it refuses it).
    let json_values: Vec<Value> = JSON_TEXTS
        .iter()
        .map(|t| match serde_json::from_str::<Value>(t) {
            Ok(v) => json!({ "text": t, "ok": true, "value": v }),
            Err(_) => json!({ "text": t, "ok": false }),
        })
        .collect();
    let long: Vec<Value> = LONG.iter().map(|(u, n)| long_case(u, *n)).collect();
    json!({
        "json": json_values, "long": long,
        "words": WORDS, "upper": upper, "lower": lower, "filters": filters,
        "numbers": numbers, "texts": texts, "decimals": decimals,
    })
}

#[test]
fn native_primitives() {
    assert_eq!(js_number(1e21), "1e+21");
    assert_eq!(
        render("{{ person.properties.v|upper }}", &json!("ß")),
        json!("SS")
    );
    assert_eq!(
        render("{{ person.properties.v|lower }}", &json!("ΟΔΟΣ")),
        json!("οδος")
    );
    assert_eq!(
        render("{{ person.properties.v|title }}", &json!("ǆemal")),
        json!("ǅemal")
    );
    // ΐ upper-cases to three characters (6 bytes): over a third of the limit
    // the bound refuses it before building; just under, it is built.
    assert_eq!(
        long_case("ΐ", 11_000)["lengths"],
        json!({ "upper": null, "lower": "11000", "title": null })
    );
    assert_eq!(
        long_case("ΐ", 10_920)["lengths"],
        json!({ "upper": "32760", "lower": "10920", "title": "10922" })
    );
    if let Some(path) = std::env::var_os("PASSBRIDGE_HOST_DUMP") {
        let text = serde_json::to_string(&dump()).expect("dump serialises");
        std::fs::write(&path, text).expect("dump written");
    }
}
