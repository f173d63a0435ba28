//! Filters over whole lists: `concat` and `join`.

use super::checked;
use crate::template::work::cost;
use crate::template::{cat, RenderError, Scope, MAX_LIST_ITEMS, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

/// `concat`: two lists give one list, two texts one text.
pub fn concat(v: Val, arg: Val, scope: &Scope) -> Result<Val, RenderError> {
    if v.is_list() && arg.is_list() {
        let (a, b) = (scope.items(&v, "concat")?, scope.items(&arg, "concat")?);
        if a.len() + b.len() > MAX_LIST_ITEMS {
            return Err(RenderError::limit(
                "concat built a list of more than 1000 items".to_string(),
            ));
        }
        scope.spend(cost::COPY * (a.len() + b.len()) as u64)?;
        for item in a.iter().chain(b.iter()) {
            scope.spend_copy(item)?;
        }
        return Ok(Val::Seq(a.iter().chain(b.iter()).cloned().collect()));
    }
    match (v.value().to_text(), arg.value().to_text()) {
        (Some(mut a), Some(b)) => {
            a.push_str(&b);
            checked(Val::str(a))
        }
        _ => Err(RenderError::value("concat needs two lists or two texts")),
    }
}

/// `join`: the items' text between copies of `sep`; text joins its characters.
/// Each piece is checked against [`MAX_VALUE_BYTES`] before it is added.
pub fn join(v: Val, sep: &str, scope: &Scope) -> Result<Val, RenderError> {
    let mut out = String::new();
    let fits = |out: &String, more: usize| {
        if out.len() + more > MAX_VALUE_BYTES {
            Err(RenderError::limit(
                "join would build a text longer than 65536 bytes".to_string(),
            ))
        } else {
            Ok(())
        }
    };
    match &v {
        Val::V(Value::Str(s)) => {
            for (i, c) in s.chars().enumerate() {
                if i > 0 {
                    fits(&out, sep.len())?;
                    out.push_str(sep);
                }
                out.push(c);
                if out.len() > MAX_VALUE_BYTES {
                    break;
                }
            }
        }
        Val::Seq(_) | Val::At(_, _, Value::List(_)) => {
            let items = scope.items(&v, "join")?;
            scope.spend(cost::ITEM * items.len() as u64)?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    fits(&out, sep.len())?;
                    out.push_str(sep);
                }
                let value = item.value();
                if let Value::Str(s) = value.as_ref() {
                    fits(&out, s.len())?;
                }
                if !value.write_text(&mut out) {
                    return Err(RenderError::value(cat(&[
                        "join reads an item that is ",
                        &value.unprintable_name(),
                        "; items must be text, numbers or booleans",
                    ])));
                }
                if out.len() > MAX_VALUE_BYTES {
                    break;
                }
            }
        }
        Val::V(Value::Missing) => {}
        _ => return Ok(v),
    }
    checked(Val::str(out))
}

/// How `dictsort` reads each item's key (Django's `_property_resolver`).
enum SortKey {
    /// A number: `item[n]` (a list's element, a text's character).
    Index(i64),
    /// Numeric text: `item["1"]`, a key of an object.
    Key(String),
    /// A dotted path of object keys.
    Path(Vec<String>),
}

/// Django's `dictsort` / `dictsortreversed`: the list sorted (stably) by each
/// item's key under Python's ordering; "" when a key is missing or two keys
/// cannot be compared, as Django gives. A key Python raises on outside
/// Django's `try` (an object read by a number, an index out of range) is an
/// error.
pub fn dictsort(
    v: Val,
    arg: Option<&Value>,
    reverse: bool,
    scope: &Scope,
) -> Result<Val, RenderError> {
    let fails = || RenderError::value("dictsort cannot read that key from an item");
    let key = match arg {
        Some(Value::Number(n)) if n.fract() == 0.0 => SortKey::Index(n.clamp(-1e15, 1e15) as i64),
        Some(Value::Bool(b)) => SortKey::Index(i64::from(*b)),
        Some(Value::Str(s)) if super::number::py_float(&Value::Str(s.clone())).is_some() => {
            SortKey::Key(s.clone())
        }
        Some(Value::Str(s)) if !s.is_empty() && !s.starts_with('_') && !s.contains("._") => {
            SortKey::Path(s.split('.').map(str::to_string).collect())
        }
        Some(Value::Str(s)) if s.is_empty() => return Err(fails()),
        _ => return Ok(Val::str("")),
    };
    if !v.is_list() {
        return Ok(Val::str(""));
    }
    let items = scope.items(&v, "dictsort")?;
    let mut keyed = Vec::with_capacity(items.len());
    for item in items.iter() {
        let value = item.value().into_owned();
        let k = match (&key, &value) {
            (SortKey::Index(i), Value::List(n)) => {
                let at = if *i < 0 { *i + *n as i64 } else { *i };
                if at < 0 || at >= *n as i64 {
                    return Err(fails());
                }
                scope.member(item, &at.to_string())
            }
            (SortKey::Index(i), Value::Str(s)) => {
                let n = s.chars().count() as i64;
                let at = if *i < 0 { *i + n } else { *i };
                match usize::try_from(at).ok().and_then(|a| s.chars().nth(a)) {
                    Some(c) => Val::str(c.to_string()),
                    None => return Err(fails()),
                }
            }
            (SortKey::Index(_), Value::Object(_)) => return Err(fails()),
            (SortKey::Key(k), Value::Object(_)) => match scope.member(item, k) {
                Val::V(Value::Missing) => return Err(fails()),
                found => found,
            },
            (SortKey::Path(parts), _) => {
                let mut cur = item.clone();
                for part in parts {
                    cur = match cur.value().as_ref() {
                        Value::Object(_) => scope.member(&cur, part),
                        _ => Val::V(Value::Missing),
                    };
                    if matches!(cur, Val::V(Value::Missing)) {
                        return Ok(Val::str(""));
                    }
                }
                cur
            }
            _ => return Ok(Val::str("")),
        };
        keyed.push((k, item));
    }
    // Any comparison sort compares every pair that ends up adjacent, so keys
    // Python cannot order fail here as they fail in Python's sort.
    let mut failed = None;
    keyed.sort_by(|(a, _), (b, _)| {
        let (x, y) = if reverse { (b, a) } else { (a, b) };
        match crate::template::pycompare::py_cmp(x, y, scope, 0) {
            Ok(Some(o)) => o,
            Ok(None) => std::cmp::Ordering::Equal,
            Err(e) => {
                failed.get_or_insert(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    match failed {
        Some(e) if e.failure == crate::template::Failure::Value => Ok(Val::str("")),
        Some(e) => Err(e),
        None => Ok(Val::Seq(
            keyed.into_iter().map(|(_, item)| item.clone()).collect(),
        )),
    }
}
