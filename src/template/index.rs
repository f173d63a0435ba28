//! An index of a list's texts and numbers, so that `x in list` inside a loop
//! is one lookup instead of a scan: built once per list per call, it answers
//! exactly as comparing `x` with every item by Python's `==` would.

use std::collections::HashSet;

use crate::value::{Val, Value};

/// The texts and numbers of one list (booleans count as 0 and 1, as
/// `True == 1` in Python).
#[derive(Debug, Default)]
pub struct ListIndex {
    texts: HashSet<String>,
    /// Bits of each number, `-0.0` as `0.0`; NaN equals nothing and is left out.
    numbers: HashSet<u64>,
    /// True when the list holds a missing value or `null` (`None == None`).
    none: bool,
}

fn key(n: f64) -> Option<u64> {
    if n.is_nan() {
        None
    } else if n == 0.0 {
        Some(0.0f64.to_bits())
    } else {
        Some(n.to_bits())
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

impl ListIndex {
    pub fn new(items: &[Val]) -> ListIndex {
        let mut index = ListIndex::default();
        for item in items {
            let v = item.value();
            match v.as_ref() {
                Value::Str(s) => {
                    index.texts.insert(s.clone());
                }
                Value::Missing | Value::Null => index.none = true,
                other => {
                    if let Some(k) = number(other).and_then(key) {
                        index.numbers.insert(k);
                    }
                }
            }
        }
        index
    }

    /// Whether `needle` equals an item; `None` when the index cannot tell
    /// (a list or an object: compare item by item).
    pub fn contains(&self, needle: &Value) -> Option<bool> {
        match needle {
            Value::Str(s) => Some(self.texts.contains(s.as_str())),
            Value::Missing | Value::Null => Some(self.none),
            Value::Number(_) | Value::Bool(_) => Some(
                number(needle)
                    .and_then(key)
                    .is_some_and(|k| self.numbers.contains(&k)),
            ),
            Value::List(_) | Value::Object(_) | Value::Foreign => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_python_equality_does() {
        let items: Vec<Val> = [
            Value::Str("a".into()),
            Value::Number(1.0),
            Value::Number(-0.0),
            Value::Bool(true),
            Value::Number(f64::NAN),
        ]
        .into_iter()
        .map(Val::V)
        .collect();
        let index = ListIndex::new(&items);
        let has = |v: Value| index.contains(&v);
        assert_eq!(has(Value::Str("a".into())), Some(true));
        assert_eq!(has(Value::Str("1".into())), Some(false));
        assert_eq!(has(Value::Bool(true)), Some(true));
        assert_eq!(has(Value::Bool(false)), Some(true));
        assert_eq!(has(Value::Number(0.0)), Some(true));
        assert_eq!(has(Value::Number(f64::NAN)), Some(false));
        assert_eq!(has(Value::Number(2.0)), Some(false));
        assert_eq!(has(Value::Null), Some(false));
        assert_eq!(has(Value::List(0)), None);
        let with_null = ListIndex::new(&[Val::V(Value::Null)]);
        assert_eq!(with_null.contains(&Value::Missing), Some(true));
    }
}
