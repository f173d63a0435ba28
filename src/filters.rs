//! The template filters, with Django's semantics.

use crate::profile::Resolve;
use crate::template::Operand;
use crate::value::{js_number, parse_decimal, Value};

/// One `|filter:arg` step.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `default:x` — replaces every falsy value.
    Default(Operand),
    /// `default_if_none:x` — replaces only missing and null.
    DefaultIfNone(Operand),
    Lower,
    Upper,
    Title,
    /// `floatformat[:arg]` — Django's rounding and argument rules.
    FloatFormat(Option<Operand>),
    /// `add:x` — integer addition, else concatenation, else "".
    Add(Operand),
}

/// The filter names, for the "unknown filter" message.
const NAMES: &str = "default, default_if_none, lookup, lower, upper, title, floatformat, add";

impl Filter {
    /// Builds a filter from its name and argument; the error says what is wrong.
    pub fn new(name: &str, arg: Option<Operand>) -> Result<Filter, String> {
        let needs = |arg: Option<Operand>| {
            arg.ok_or_else(|| format!("filter '{name}' needs an argument, e.g. {name}:0"))
        };
        let none = |arg: &Option<Operand>| match arg {
            Some(_) => Err(format!("filter '{name}' takes no argument")),
            None => Ok(()),
        };
        Ok(match name {
            "default" => Filter::Default(needs(arg)?),
            "default_if_none" => Filter::DefaultIfNone(needs(arg)?),
            "add" => Filter::Add(needs(arg)?),
            "floatformat" => Filter::FloatFormat(arg),
            "lower" => none(&arg).map(|_| Filter::Lower)?,
            "upper" => none(&arg).map(|_| Filter::Upper)?,
            "title" => none(&arg).map(|_| Filter::Title)?,
            _ => return Err(format!("unknown filter '{name}' (known: {NAMES})")),
        })
    }

    pub fn apply(&self, v: Value, ctx: &dyn Resolve) -> Value {
        match self {
            Filter::Default(arg) if !v.is_truthy() => arg.eval(ctx),
            Filter::DefaultIfNone(arg) if v.is_none() => arg.eval(ctx),
            Filter::Default(_) | Filter::DefaultIfNone(_) => v,
            Filter::Lower => map_text(v, |s| s.to_lowercase()),
            Filter::Upper => map_text(v, |s| s.to_uppercase()),
            Filter::Title => map_text(v, |s| title(&s)),
            Filter::FloatFormat(arg) => {
                let arg = arg.as_ref().map(|a| a.eval(ctx));
                Value::Str(floatformat(&v, arg.as_ref()))
            }
            Filter::Add(arg) => add(v, arg.eval(ctx)),
        }
    }
}

/// Applies a text function to a scalar; a list or object passes through so
/// that rendering reports it instead of printing a made-up text.
fn map_text(v: Value, f: impl Fn(String) -> String) -> Value {
    match v.to_text() {
        Some(t) => Value::Str(f(t)),
        None => v,
    }
}

/// Django's `title`: Python's `str.title()`, then its two regex fix-ups in
/// order — `([a-z])'([A-Z])` (so `they're`, `rock'n'roll`) and `\d([A-Z])`
/// (so `1st`) lower the capital they matched.
fn title(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut titled: Vec<char> = Vec::with_capacity(chars.len());
    let mut prev_cased = false;
    for (i, &c) in chars.iter().enumerate() {
        if prev_cased {
            if c == 'Σ' {
                // Python's final-sigma rule: ς unless a cased letter follows
                // (case-ignorable characters in between do not count).
                let next_cased = chars
                    .iter()
                    .skip(i + 1)
                    .find(|n| !is_case_ignorable(**n))
                    .is_some_and(|n| is_cased(*n));
                titled.push(if next_cased { 'σ' } else { 'ς' });
            } else {
                titled.extend(c.to_lowercase());
            }
        } else {
            push_titlecase(c, &mut titled);
        }
        prev_cased = is_cased(c);
    }
    // Each pass is non-overlapping, left to right, as `re.sub` is.
    let mut i = 0;
    while i + 2 < titled.len() {
        let (a, q, b) = (titled[i], titled[i + 1], titled[i + 2]);
        if a.is_ascii_lowercase() && q == '\'' && b.is_ascii_uppercase() {
            titled[i + 2] = b.to_ascii_lowercase();
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i + 1 < titled.len() {
        if is_decimal_digit(titled[i]) && titled[i + 1].is_ascii_uppercase() {
            titled[i + 1] = titled[i + 1].to_ascii_lowercase();
            i += 2;
        } else {
            i += 1;
        }
    }
    titled.into_iter().collect()
}

/// Unicode's Case_Ignorable characters that matter between letters:
/// apostrophes, periods, colons, middle dots, soft hyphen, combining marks.
fn is_case_ignorable(c: char) -> bool {
    matches!(c,
        '\'' | '.' | ':' | '^' | '`' | '\u{00AD}' | '\u{00B7}' | '\u{2018}' | '\u{2019}' | '\u{2024}'
        | '\u{2027}' | '\u{FE13}' | '\u{FE52}' | '\u{FE55}' | '\u{FF07}' | '\u{FF0E}' | '\u{FF1A}'
        | '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}')
}

/// Unicode's Cased property: lowercase, uppercase or titlecase letters.
fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase_letter(c)
}

/// The titlecase letters (category Lt): digraphs and Greek with prosgegrammeni.
fn is_titlecase_letter(c: char) -> bool {
    matches!(c as u32,
        0x01C5 | 0x01C8 | 0x01CB | 0x01F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
        | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Pushes the titlecase form of `c`, which differs from its uppercase for
/// digraphs, ligatures, ß, Greek with ypogegrammeni and Georgian.
fn push_titlecase(c: char, out: &mut Vec<char>) {
    let special: Option<&str> = match c {
        '\u{01C4}'..='\u{01C6}' => Some("\u{01C5}"),
        '\u{01C7}'..='\u{01C9}' => Some("\u{01C8}"),
        '\u{01CA}'..='\u{01CC}' => Some("\u{01CB}"),
        '\u{01F1}'..='\u{01F3}' => Some("\u{01F2}"),
        'ß' => Some("Ss"),
        '\u{0149}' => Some("\u{02BC}N"),
        '\u{FB00}' => Some("Ff"),
        '\u{FB01}' => Some("Fi"),
        '\u{FB02}' => Some("Fl"),
        '\u{FB03}' => Some("Ffi"),
        '\u{FB04}' => Some("Ffl"),
        '\u{FB05}' | '\u{FB06}' => Some("St"),
        '\u{0587}' => Some("\u{0535}\u{0582}"),
        '\u{FB13}' => Some("\u{0544}\u{0576}"),
        '\u{FB14}' => Some("\u{0544}\u{0565}"),
        '\u{FB15}' => Some("\u{0544}\u{056B}"),
        '\u{FB16}' => Some("\u{054E}\u{0576}"),
        '\u{FB17}' => Some("\u{0544}\u{056D}"),
        _ => None,
    };
    if let Some(t) = special {
        out.extend(t.chars());
        return;
    }
    let code = c as u32;
    let mapped = match code {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => char::from_u32(code + 8),
        0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC => Some(c),
        0x1FB3 => Some('\u{1FBC}'),
        0x1FC3 => Some('\u{1FCC}'),
        0x1FF3 => Some('\u{1FFC}'),
        // Georgian Mkhedruli letters are their own titlecase.
        0x10D0..=0x10FA | 0x10FD..=0x10FF => Some(c),
        _ => None,
    };
    match mapped {
        Some(m) => out.push(m),
        None => out.extend(c.to_uppercase()),
    }
}

/// Python's `\d` in a `str` pattern: Unicode decimal digits (the common blocks).
fn is_decimal_digit(c: char) -> bool {
    const ZEROS: [u32; 37] = [
        0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
        0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
        0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
        0xFF10,
    ];
    let code = c as u32;
    ZEROS.iter().any(|z| (*z..*z + 10).contains(&code))
}

/// Python's `int(x)` for the values a profile can hold.
fn to_int(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_finite() => Some(n.trunc()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<f64>().ok()
        }
        _ => None,
    }
}

/// Django's `add`: `int(a) + int(b)`, else `a + b` for two texts, else "".
/// A missing value is Django's "" (the empty string), null is `None`.
fn add(v: Value, arg: Value) -> Value {
    let v = if v == Value::Missing {
        Value::Str(String::new())
    } else {
        v
    };
    let arg = if arg == Value::Missing {
        Value::Str(String::new())
    } else {
        arg
    };
    if let (Some(a), Some(b)) = (to_int(&v), to_int(&arg)) {
        return Value::Number(a + b);
    }
    match (v, arg) {
        (Value::Str(mut a), Value::Str(b)) => {
            a.push_str(&b);
            Value::Str(a)
        }
        _ => Value::Str(String::new()),
    }
}

/// A decimal number as digits and a power of ten: `digits × 10^exp`.
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// Parses `[-+]int[.frac][e[+-]n]`, keeping the exact decimal digits
    /// (Python's `Decimal(str(x))`, which is what Django rounds).
    fn parse(text: &str) -> Option<Decimal> {
        parse_decimal(text)?;
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match body.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i64>().ok()?),
            None => (body, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes())
            .map(|b| b.wrapping_sub(b'0'))
            .collect();
        // The text parsed as a finite f64, so a huge positive exponent means a
        // zero mantissa, and a huge negative one a value too small for any
        // precision floatformat shows (kept non-zero: Django prints "0.0").
        if !(-100_000..=100_000).contains(&exp) {
            let tiny = exp < 0 && digits.iter().any(|d| *d != 0);
            return Some(Decimal {
                negative,
                digits: vec![u8::from(tiny)],
                exp: if tiny { -100_000 } else { 0 },
            });
        }
        Some(Decimal {
            negative,
            digits,
            exp: exp - frac.len() as i64,
        })
    }

    fn is_integer(&self) -> bool {
        if self.exp >= 0 {
            return true;
        }
        let frac_len = self.exp.unsigned_abs() as usize;
        self.digits.iter().rev().take(frac_len).all(|d| *d == 0)
    }

    /// Rounds half away from zero to `places` decimals (Python's ROUND_HALF_UP).
    fn round_to(&mut self, places: i64) {
        let target = -places;
        if self.exp > target {
            let pad = (self.exp - target).min(4096) as usize;
            self.digits.extend(std::iter::repeat_n(0, pad));
        } else if self.exp < target {
            let cut = (target - self.exp) as usize;
            let keep = self.digits.len().saturating_sub(cut);
            let round_up = cut <= self.digits.len() && self.digits[keep] >= 5;
            self.digits.truncate(keep);
            if round_up {
                let mut i = self.digits.len();
                loop {
                    if i == 0 {
                        self.digits.insert(0, 1);
                        break;
                    }
                    i -= 1;
                    if self.digits[i] == 9 {
                        self.digits[i] = 0;
                    } else {
                        self.digits[i] += 1;
                        break;
                    }
                }
            }
        }
        self.exp = target;
    }

    /// Formats with `places` decimals (after `round_to(places)`).
    fn format(&self, places: usize, grouping: bool) -> String {
        let mut digits = self.digits.clone();
        while digits.len() < places + 1 {
            digits.insert(0, 0);
        }
        let split = digits.len() - places;
        let int: String = digits[..split]
            .iter()
            .map(|d| char::from(b'0' + d))
            .collect::<String>()
            .trim_start_matches('0')
            .to_string();
        let int = if int.is_empty() { "0".to_string() } else { int };
        let int = if grouping { group(&int) } else { int };
        let mut out = String::new();
        if self.negative && digits.iter().any(|d| *d != 0) {
            out.push('-');
        }
        out.push_str(&int);
        if places > 0 {
            out.push('.');
            out.extend(digits[split..].iter().map(|d| char::from(b'0' + d)));
        }
        out
    }
}

/// Inserts a comma every three digits from the right.
fn group(int: &str) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Django's `floatformat`: no argument rounds to one decimal only when there
/// is a fraction; `N` always shows N decimals; `-N` shows N only when needed;
/// a `g` suffix groups thousands, `u` is accepted (no localisation here).
/// Text that is not a number gives ""; an argument that is not an integer
/// gives the value's text unchanged.
fn floatformat(v: &Value, arg: Option<&Value>) -> String {
    let input_text = match v {
        Value::Number(n) => js_number(*n),
        Value::Str(s) => s.trim().to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        _ => return String::new(),
    };
    let Some(mut d) = Decimal::parse(&input_text) else {
        return String::new();
    };
    let mut grouping = false;
    let places: i64 = match arg {
        None => -1,
        Some(Value::Number(n)) if n.is_finite() => n.trunc() as i64,
        Some(other) => {
            let mut text = other.to_text().unwrap_or_default();
            for suffix in ["gu", "ug", "g", "u"] {
                if let Some(rest) = text.strip_suffix(suffix) {
                    grouping = suffix.contains('g');
                    text = rest.to_string();
                    break;
                }
            }
            if text.is_empty() {
                -1
            } else {
                match text.trim().parse::<i64>() {
                    Ok(p) => p,
                    Err(_) => return input_text,
                }
            }
        }
    };
    let places = places.clamp(-1000, 1000);
    if places <= 0 && d.is_integer() {
        d.round_to(0);
        return d.format(0, grouping);
    }
    let abs = places.unsigned_abs();
    d.round_to(abs as i64);
    d.format(abs as usize, grouping)
}
