//! The template filters, with Django's semantics.

use crate::profile::{Path, Resolve};
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

    /// The path an argument reads, if it is a variable.
    pub fn arg_path(&self) -> Option<&Path> {
        match self {
            Filter::Default(Operand::Path(p))
            | Filter::DefaultIfNone(Operand::Path(p))
            | Filter::Add(Operand::Path(p))
            | Filter::FloatFormat(Some(Operand::Path(p))) => Some(p),
            _ => None,
        }
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

/// Python's `str.title()` followed by Django's two fix-ups (`they're`, `1st`).
fn title(s: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        let cased = c.is_lowercase() || c.is_uppercase();
        if cased {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
        } else {
            out.push(c);
        }
        prev_cased = cased;
    }
    for i in 1..out.len() {
        let prev = out[i - 1];
        let lower_after_apostrophe = i >= 2 && prev == '\'' && out[i - 2].is_ascii_lowercase();
        if out[i].is_ascii_uppercase() && (prev.is_ascii_digit() || lower_after_apostrophe) {
            out[i] = out[i].to_ascii_lowercase();
        }
    }
    out.into_iter().collect()
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
