//! Django's `stringformat`: Python's `("%" + arg) % value` with one value.
//! Conversions `d i u o x X e E f F g G s %`; `c`, `r` and `a` (Python's
//! `repr`) are refused. Where Python raises ValueError or TypeError (text for
//! `%d`, a second conversion, no conversion at all), the result is "", as
//! Django gives.

use super::exact::Exact;
use super::number::to_int;
use crate::template::{cat, RenderError, MAX_VALUE_BYTES};
use crate::value::Value;

/// One `%[flags][width][.precision]conversion`.
#[derive(Default)]
struct Spec {
    alt: bool,
    zero: bool,
    left: bool,
    space: bool,
    plus: bool,
    width: usize,
    precision: Option<usize>,
}

/// Python raised ValueError or TypeError: Django's `stringformat` gives "".
struct PyError;

fn digits_at(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut n: usize = 0;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        *i += 1;
    }
    (*i > start).then_some(n)
}

/// Pads `body` (after its sign and prefix `head`) to the spec's width.
fn pad(spec: &Spec, head: &str, body: &str, numeric: bool) -> String {
    let len = head.chars().count() + body.chars().count();
    let fill = spec.width.saturating_sub(len);
    let mut out = String::with_capacity(head.len() + body.len() + fill);
    if spec.left {
        out.push_str(head);
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && numeric {
        out.push_str(head);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(head);
        out.push_str(body);
    }
    out
}

fn sign(spec: &Spec, negative: bool) -> &'static str {
    match (negative, spec.plus, spec.space) {
        (true, _, _) => "-",
        (false, true, _) => "+",
        (false, false, true) => " ",
        _ => "",
    }
}

/// Python's `%f` of `|x|`.
fn fixed(x: f64, precision: usize) -> String {
    let mut e = Exact::of(x);
    e.round_at(-(precision as i64));
    e.fixed(precision)
}

/// Python's `%e` of `|x|`: mantissa and a signed exponent of two digits or more.
fn exp_form(x: f64, precision: usize, upper: bool, alt: bool) -> String {
    let (mut out, exp) = Exact::scientific(x, precision);
    if alt && precision == 0 {
        out.push('.');
    }
    out.push(if upper { 'E' } else { 'e' });
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// Python's `%g`: `%e` or `%f` by the exponent, trailing zeros dropped (kept with `#`).
fn general(x: f64, precision: usize, upper: bool, alt: bool) -> String {
    let p = precision.max(1);
    let (_, exp) = Exact::scientific(x, p - 1);
    let mut out = if -4 <= exp && exp < p as i64 {
        fixed(x, (p as i64 - 1 - exp) as usize)
    } else {
        exp_form(x, p - 1, upper, false)
    };
    if !alt {
        let (mantissa, tail) = match out.find(['e', 'E']) {
            Some(i) => out.split_at(i),
            None => (out.as_str(), ""),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        out = cat(&[mantissa, tail]);
    } else if !out.contains('.') {
        let i = out.find(['e', 'E']).unwrap_or(out.len());
        out.insert(i, '.');
    }
    out
}

/// Python's `int(x)` for `%d`/`%x` (numbers and booleans only; text is a TypeError).
fn int_of(v: &Value, integral_only: bool) -> Result<f64, PyError> {
    match v {
        // JSON has one number type: an integral number below 2^53 is Python's
        // int, anything else its float (which `%x` and `%o` refuse).
        Value::Number(n)
            if integral_only && (n.fract() != 0.0 || n.abs() >= 9_007_199_254_740_992.0) =>
        {
            Err(PyError)
        }
        Value::Number(_) | Value::Bool(_) => to_int(v).ok_or(PyError),
        _ => Err(PyError),
    }
}

fn float_of(v: &Value) -> Result<f64, PyError> {
    match v {
        // -0 is JSON's 0 (an integer to Python).
        Value::Number(n) if *n == 0.0 => Ok(0.0),
        Value::Number(n) => Ok(*n),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        _ => Err(PyError),
    }
}

fn convert(spec: &Spec, conv: char, v: &Value) -> Result<Result<String, PyError>, RenderError> {
    // The widest number Python writes is ~330 characters plus the precision.
    let big = spec.width.max(spec.precision.unwrap_or(0)) + 400;
    if big > MAX_VALUE_BYTES {
        return Err(RenderError::limit(
            "stringformat would build a text longer than 65536 bytes".to_string(),
        ));
    }
    Ok((|| {
        Ok(match conv {
            'd' | 'i' | 'u' => {
                let n = int_of(v, false)?;
                let mut digits = fixed(n, 0);
                if let Some(p) = spec.precision {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                pad(spec, sign(spec, n < 0.0), &digits, true)
            }
            'x' | 'X' | 'o' => {
                let n = int_of(v, true)?;
                if n.abs() >= 1.8e19 {
                    return Err(PyError);
                }
                let m = n.abs() as u64;
                let (mut digits, prefix) = match conv {
                    'x' => (format!("{m:x}"), "0x"),
                    'X' => (format!("{m:X}"), "0X"),
                    _ => (format!("{m:o}"), "0o"),
                };
                if let Some(p) = spec.precision {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                }
                let head = cat(&[sign(spec, n < 0.0), if spec.alt { prefix } else { "" }]);
                pad(spec, &head, &digits, true)
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let x = float_of(v)?;
                let p = spec.precision.unwrap_or(6);
                let body = match conv {
                    'e' | 'E' => exp_form(x.abs(), p, conv == 'E', spec.alt),
                    'f' | 'F' => {
                        let mut s = fixed(x, p);
                        if spec.alt && p == 0 {
                            s.push('.');
                        }
                        s
                    }
                    _ => general(x.abs(), p, conv == 'G', spec.alt),
                };
                pad(spec, sign(spec, x.is_sign_negative()), &body, true)
            }
            _ => {
                let text = v.to_text().ok_or(PyError)?;
                let text: String = match spec.precision {
                    Some(p) => text.chars().take(p).collect(),
                    None => text,
                };
                pad(spec, "", &text, false)
            }
        })
    })())
}

/// `("%" + arg) % value`; `Ok("")` where Python raises ValueError or TypeError.
pub fn stringformat(v: &Value, arg: &str) -> Result<String, RenderError> {
    if matches!(v, Value::List(_) | Value::Object(_) | Value::Foreign) {
        return Err(RenderError::value(cat(&[
            "stringformat needs text or a number, got ",
            v.type_name(),
        ])));
    }
    let format: Vec<char> = std::iter::once('%').chain(arg.chars()).collect();
    let mut out = String::new();
    let mut used = false;
    let mut i = 0;
    while let Some(&c) = format.get(i) {
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = format.get(i) {
            match f {
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                '-' => spec.left = true,
                ' ' => spec.space = true,
                '+' => spec.plus = true,
                _ => break,
            }
            i += 1;
        }
        if format.get(i) == Some(&'(') || format.get(i) == Some(&'*') {
            return Ok(String::new()); // a mapping key or `*` needs what one value is not
        }
        spec.width = digits_at(&format, &mut i).unwrap_or(0);
        if format.get(i) == Some(&'.') {
            i += 1;
            if format.get(i) == Some(&'*') {
                return Ok(String::new());
            }
            spec.precision = Some(digits_at(&format, &mut i).unwrap_or(0));
        }
        while matches!(format.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conv) = format.get(i) else {
            return Ok(String::new()); // "incomplete format"
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        if !"diuoxXeEfFgGs".contains(conv) {
            if "cra".contains(conv) {
                return Err(RenderError::value(cat(&[
                    "stringformat does not support %",
                    &conv.to_string(),
                    " (Python's repr and chr)",
                ])));
            }
            return Ok(String::new()); // "unsupported format character"
        }
        if used {
            return Ok(String::new()); // "not enough arguments for format string"
        }
        used = true;
        match convert(&spec, conv, v)? {
            Ok(s) => out.push_str(&s),
            Err(PyError) => return Ok(String::new()),
        }
        if out.len() > MAX_VALUE_BYTES {
            return Err(RenderError::limit(
                "stringformat would build a text longer than 65536 bytes".to_string(),
            ));
        }
    }
    // "not all arguments converted during string formatting"
    Ok(if used { out } else { String::new() })
}
