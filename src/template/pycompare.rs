//! Python's comparisons as `{% if %}` and `dictsort` see them: `==`,
//! ordering, `in` and `is` over the values a profile holds.

use super::work::cost;
use super::{RenderError, Scope};
use crate::value::{Val, Value};
use std::cmp::Ordering;

/// A Python number: ints, floats and booleans (`True == 1`).
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn type_error() -> RenderError {
    RenderError::value("the operands cannot be compared")
}

/// Python's `==` for the values a profile holds.
pub fn py_eq(a: &Val, b: &Val, scope: &Scope, depth: usize) -> Result<bool, RenderError> {
    scope.spend(cost::ITEM)?;
    let (va, vb) = (a.value(), b.value());
    Ok(match (va.as_ref(), vb.as_ref()) {
        (Value::Missing | Value::Null, Value::Missing | Value::Null) => true,
        (Value::Str(x), Value::Str(y)) => {
            if x.len() == y.len() {
                compare_bytes(scope, x.len())?;
            }
            x == y
        }
        (Value::List(n), Value::List(m)) => {
            if n != m || depth > 8 {
                return Ok(n == m && *n == 0);
            }
            let (xs, ys) = (scope.items(a, "==")?, scope.items(b, "==")?);
            for (x, y) in xs.iter().zip(ys.iter()) {
                if !py_eq(x, y, scope, depth + 1)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Object(0), Value::Object(0)) => true,
        // Python's dict equality: the same keys, each with equal values.
        (Value::Object(n), Value::Object(m)) => {
            if n != m || depth > 8 {
                return Ok(false);
            }
            let (Some(ka), Some(kb)) = (scope.object_keys(a, "==")?, scope.object_keys(b, "==")?)
            else {
                return Ok(false);
            };
            if ka.len() != *n || kb.len() != *m {
                return Ok(false);
            }
            for k in &ka {
                let (x, y) = (scope.member(a, k), scope.member(b, k));
                if matches!(y, Val::V(Value::Missing)) || !py_eq(&x, &y, scope, depth + 1)? {
                    return Ok(false);
                }
            }
            true
        }
        (x, y) => match (num(x), num(y)) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        },
    })
}

/// Python's ordering; `None` when Python raises TypeError (or for NaN).
pub(crate) fn py_cmp(
    a: &Val,
    b: &Val,
    scope: &Scope,
    depth: usize,
) -> Result<Option<Ordering>, RenderError> {
    scope.spend(cost::ITEM)?;
    let (va, vb) = (a.value(), b.value());
    Ok(match (va.as_ref(), vb.as_ref()) {
        (Value::Str(x), Value::Str(y)) => {
            compare_bytes(scope, x.len().min(y.len()))?;
            Some(x.cmp(y))
        }
        (Value::List(_), Value::List(_)) if depth <= 8 => {
            let (xs, ys) = (scope.items(a, "<")?, scope.items(b, "<")?);
            for (x, y) in xs.iter().zip(ys.iter()) {
                if !py_eq(x, y, scope, depth + 1)? {
                    return py_cmp(x, y, scope, depth + 1);
                }
            }
            Some(xs.len().cmp(&ys.len()))
        }
        (x, y) => match (num(x), num(y)) {
            (Some(p), Some(q)) => p.partial_cmp(&q),
            _ => return Err(type_error()),
        },
    })
}

/// Python's `in`: a substring of text, an item of a list, a key of an object.
pub(super) fn py_in(a: &Val, b: &Val, scope: &Scope) -> Result<bool, RenderError> {
    match (a.value().as_ref(), b.value().as_ref()) {
        (Value::Str(x), Value::Str(y)) => {
            scope.spend_bytes(y.len(), 1)?;
            Ok(y.contains(x.as_str()))
        }
        (_, Value::List(_)) => {
            let items = scope.items(b, "in")?;
            if let Val::At(root, keys, _) = b {
                let needle = a.value();
                if let Value::Str(s) = needle.as_ref() {
                    scope.spend_bytes(s.len(), 1)?;
                }
                scope.spend(cost::LOOKUP)?;
                if let Some(found) = scope.ctx.list_contains(*root, keys, &needle)? {
                    return Ok(found);
                }
            }
            for item in items.iter() {
                if py_eq(a, item, scope, 0)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        (Value::Str(key), Value::Object(_)) => {
            Ok(!matches!(scope.member(b, key), Val::V(Value::Missing)))
        }
        (Value::List(_) | Value::Object(_), Value::Object(_)) => Err(type_error()),
        (_, Value::Object(_)) => Ok(false),
        _ => Err(type_error()),
    }
}

/// Texts of equal length compared byte by byte (a block compare is many
/// times faster than the per-byte work of a filter).
fn compare_bytes(scope: &Scope, len: usize) -> Result<(), RenderError> {
    if len >= cost::COMPARED_BYTES_PER_UNIT {
        scope.spend((len / cost::COMPARED_BYTES_PER_UNIT) as u64)?;
    }
    Ok(())
}

/// Python's `is` as it behaves for these values: None, True and False are
/// singletons, and CPython caches the integers -5 to 256.
pub(super) fn py_is(a: &Val, b: &Val) -> bool {
    match (a.value().as_ref(), b.value().as_ref()) {
        (Value::Missing | Value::Null, Value::Missing | Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => {
            x == y && x.fract() == 0.0 && (-5.0..=256.0).contains(x)
        }
        _ => false,
    }
}
