//! Filters that choose a word by the value: `yesno` and `pluralize`.

use super::number;
use crate::value::{Val, Value};

/// Django's `yesno`: "yes,no,maybe" by default; `None` gives the third word
/// (the second when there are two).
pub(super) fn yesno(v: Val, arg: Option<&Value>) -> Val {
    let words = arg
        .and_then(Value::to_text)
        .unwrap_or_else(|| "yes,no,maybe".to_string());
    let bits: Vec<&str> = words.split(',').collect();
    if bits.len() < 2 {
        return v;
    }
    let maybe = if bits.len() == 3 { bits[2] } else { bits[1] };
    let value = v.value();
    Val::str(if matches!(value.as_ref(), Value::Null) {
        maybe
    } else if value.is_truthy() {
        bits[0]
    } else {
        bits[1]
    })
}

/// Django's `pluralize`: the plural suffix unless the value is 1 (or a list
/// of one item).
pub(super) fn pluralize(value: &Value, arg: Option<&Value>) -> Val {
    let mut suffixes = arg
        .and_then(Value::to_text)
        .unwrap_or_else(|| "s".to_string());
    if !suffixes.contains(',') {
        suffixes.insert(0, ',');
    }
    let bits: Vec<&str> = suffixes.split(',').collect();
    if bits.len() > 2 {
        return Val::str("");
    }
    let (one, many) = (bits[0], bits[1]);
    let is_one = match value {
        Value::List(n) | Value::Object(n) => Some(*n == 1),
        Value::Missing | Value::Null => None,
        other => number::py_float(other).map(|n| n == 1.0),
    };
    Val::str(match is_one {
        Some(true) => one,
        Some(false) => many,
        None => "",
    })
}
