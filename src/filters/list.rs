//! Filters over whole lists: `concat` and `join`.

use super::checked;
use crate::template::{cat, RenderError, Scope, MAX_LIST_ITEMS, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

/// `concat`: two lists give one list, two texts one text.
pub fn concat(v: Val, arg: Val, scope: &Scope) -> Result<Val, RenderError> {
    if v.is_list() && arg.is_list() {
        let mut items = scope.items(&v, "concat")?;
        items.extend(scope.items(&arg, "concat")?);
        if items.len() > MAX_LIST_ITEMS {
            return Err(RenderError::limit(
                "concat built a list of more than 1000 items".to_string(),
            ));
        }
        return Ok(Val::Seq(items));
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
pub fn join(v: Val, sep: &str, scope: &Scope) -> Result<Val, RenderError> {
    let mut out = String::new();
    match &v {
        Val::V(Value::Str(s)) => {
            for (i, c) in s.chars().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push(c);
                if out.len() > MAX_VALUE_BYTES {
                    break;
                }
            }
        }
        Val::Seq(_) | Val::At(_, _, Value::List(_)) => {
            for (i, item) in scope.items(&v, "join")?.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                let value = item.value();
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
