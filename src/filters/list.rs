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
