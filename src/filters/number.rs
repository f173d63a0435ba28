//! Number filters: Django's `add` and `floatformat`, Python's `int()` and `float()`.

use super::chars::{decimal_value, is_py_space};
use crate::value::{js_number, parse_decimal, Value};

/// Python's `int(x)` for the values a profile can hold.
pub fn to_int(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) if n.is_finite() => Some(n.trunc()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Str(s) => py_int_text(s),
        _ => None,
    }
}

/// Python's `int(text)`: surrounding whitespace, a sign, then decimal digits
/// of any script (`١٢`, `１２`) with single underscores between them (`1_000`).
pub fn py_int_text(s: &str) -> Option<f64> {
    let t = s.trim_matches(char::is_whitespace);
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let mut ascii = String::with_capacity(body.len() + 1);
    ascii.push_str(sign);
    let mut after_digit = false;
    for c in body.chars() {
        if c == '_' && after_digit {
            after_digit = false;
            continue;
        }
        ascii.push(char::from(b'0' + decimal_value(c)?));
        after_digit = true;
    }
    if !after_digit {
        return None;
    }
    crate::host::decimal(&ascii)
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

/// What Python's `Decimal(text)` makes of a text.
enum Parsed {
    Finite(Decimal),
    /// `inf`, `-Infinity`, `nan`, `sNaN`: floatformat returns the text unchanged.
    Special,
}

impl Decimal {
    /// Python's `Decimal(text)`, keeping the exact decimal digits (what Django
    /// rounds): surrounding whitespace and every `_` are ignored, digits may be
    /// of any script, and `inf`/`nan` are read. `None`: not a number.
    fn parse(text: &str) -> Option<Parsed> {
        let t = text.trim_matches(is_py_space);
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let mut ascii = String::with_capacity(body.len());
        for c in body.chars().filter(|c| *c != '_') {
            match decimal_value(c) {
                Some(d) => ascii.push(char::from(b'0' + d)),
                None if c.is_ascii() => ascii.push(c.to_ascii_lowercase()),
                None => return None,
            }
        }
        let nan = ascii
            .strip_prefix('s')
            .unwrap_or(&ascii)
            .strip_prefix("nan");
        if ascii == "inf"
            || ascii == "infinity"
            || nan.is_some_and(|payload| payload.bytes().all(|b| b.is_ascii_digit()))
        {
            return Some(Parsed::Special);
        }
        let (mantissa, exp) = match ascii.split_once('e') {
            Some((m, e)) => {
                let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                // Beyond i128 is beyond every limit below: the sign is what counts.
                let huge = if e.starts_with('-') {
                    i128::MIN / 4
                } else {
                    i128::MAX / 4
                };
                (m, e.parse::<i128>().unwrap_or(huge))
            }
            None => (ascii.as_str(), 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let digits: Vec<u8> = int
            .bytes()
            .chain(frac.bytes())
            .map(|b| b - b'0')
            .skip_while(|d| *d == 0)
            .collect();
        let exp = exp.saturating_sub(frac.len() as i128);
        // Beyond the exponents Python's Decimal holds, Django falls back to
        // `Decimal(str(float(text)))`: 0.0, or inf (returned unchanged).
        let adjusted = exp + digits.len().max(1) as i128 - 1;
        if adjusted > 999_999_999_999_999_999 || exp < -1_999_999_999_999_999_997 {
            if exp > 0 && !digits.is_empty() {
                return Some(Parsed::Special);
            }
            return Some(Parsed::Finite(Decimal {
                negative,
                digits: Vec::new(),
                exp: -1,
            }));
        }
        // Django returns a value of more than 200 digits and exponent "as is"
        // (a denial-of-service guard), as it does for inf and nan.
        if digits.len() as u128 + exp.unsigned_abs() > 200 {
            return Some(Parsed::Special);
        }
        let exp = exp as i64;
        Some(Parsed::Finite(Decimal {
            negative,
            digits,
            exp,
        }))
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
                carry_one(&mut self.digits);
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
/// a `g` suffix groups thousands, `u` (alone or with `g`) turns localisation
/// and so grouping off. Text that is not a number gives ""; an argument that
/// is not an integer, and a value that is not finite or has more than 200
/// digits and exponent, give the value's text unchanged.
pub fn floatformat(v: &Value, arg: Option<&Value>) -> String {
    let input_text = match v {
        Value::Number(n) => js_number(*n),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        _ => return String::new(),
    };
    let mut d = match Decimal::parse(&input_text) {
        Some(Parsed::Finite(d)) => d,
        Some(Parsed::Special) => return input_text,
        None => return String::new(),
    };
    let mut grouping = false;
    let places: i64 = match arg {
        None => -1,
        Some(Value::Number(n)) if n.is_finite() => n.trunc() as i64,
        Some(Value::Bool(b)) => i64::from(*b),
        Some(other) => {
            let mut text = other.to_text().unwrap_or_default();
            for suffix in ["gu", "ug", "g", "u"] {
                if let Some(rest) = text.strip_suffix(suffix) {
                    grouping = suffix == "g";
                    text = rest.to_string();
                    break;
                }
            }
            if text.is_empty() {
                -1
            } else {
                match py_int_text(&text) {
                    Some(p) => p.clamp(-1e6, 1e6) as i64,
                    None => return input_text,
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
        Value::Str(s) => parse_decimal(s.trim_matches(super::chars::is_py_space)),
        _ => None,
    }
}

/// Adds one to the last of decimal `digits` (most significant first), carrying:
/// `[9, 9]` becomes `[1, 0, 0]`.
pub(super) fn carry_one(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == 9 {
            *d = 0;
        } else {
            *d += 1;
            return;
        }
    }
    digits.insert(0, 1);
}
