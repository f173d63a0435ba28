//! Number filters: Django's `add` and `floatformat`, Python's `int()` and `float()`.

use crate::value::{js_number, parse_decimal, Value};

/// Python's `int(x)` for the values a profile can hold.
pub fn to_int(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_finite() => Some(n.trunc()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            crate::host::decimal(t)
        }
        _ => None,
    }
}

/// Django's `add`: `int(a) + int(b)`, else `a + b` for two texts, else "".
/// A missing value is Django's "" (the empty string), null is `None`.
pub fn add(v: Value, arg: Value) -> Value {
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
pub fn floatformat(v: &Value, arg: Option<&Value>) -> String {
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

/// Python's `float(x)` for the values a profile holds (text may carry
/// surrounding whitespace; `inf`, `nan` and `_` separators are not read).
pub fn py_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_finite() => Some(*n),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Str(s) => parse_decimal(s.trim_matches(super::text::is_py_space)),
        _ => None,
    }
}
