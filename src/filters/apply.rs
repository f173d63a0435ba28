//! Applying one filter to a value: the dispatch from [`Kind`] to each
//! filter's rule, with the work and size accounting every filter shares.

use super::choice::{pluralize, yesno};
use super::growth::{check_growth, checked, per_byte};
use super::table::name_of;
use super::{case, date, encode, layout, list, number, printf, text, Filter, Kind};
use crate::template::{cat, work, RenderError, Scope, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

impl Filter {
    pub fn apply(&self, v: Val, scope: &Scope) -> Result<Val, RenderError> {
        let arg = self.arg.as_ref().map(|a| a.eval(scope));
        let argv = arg.as_ref().map(|a| a.value().into_owned());
        let arg_text = || argv.as_ref().and_then(Value::to_text).unwrap_or_default();
        let value = v.value().into_owned();
        if let Some(Value::Str(a)) = &argv {
            scope.spend_bytes(a.len(), 1)?;
        }
        if let Value::Str(s) = &value {
            // What it scans counts, and what it could build is checked first.
            scope.spend_bytes(s.len(), per_byte(self.kind))?;
            check_growth(self.kind, s, argv.as_ref())?;
        } else if let Some(text) = value.to_text() {
            check_growth(self.kind, &text, argv.as_ref())?;
        }
        let num_pair = || Some((value.to_number()?, argv.as_ref()?.to_number()?));
        // Only an input over the limit is kept, to tell it from a built text.
        let big_input = match &value {
            Value::Str(t) if t.len() > MAX_VALUE_BYTES => Some(t.clone()),
            _ => None,
        };
        let built = match self.kind {
            Kind::Default if !v.is_truthy() => arg.unwrap_or(v),
            Kind::DefaultIfNone if value.is_none() => arg.unwrap_or(v),
            Kind::Default | Kind::DefaultIfNone => v,
            Kind::Lower => map_text(v, self.kind, &|s| crate::host::lower(&s))?,
            Kind::Upper => map_text(v, self.kind, &|s| crate::host::upper(&s))?,
            Kind::Title => map_text(v, self.kind, &|s| case::title(&s))?,
            Kind::Capfirst => map_text(v, self.kind, &|s| case::capfirst(&s))?,
            Kind::Slugify => map_text(v, self.kind, &|s| text::slugify(&s))?,
            Kind::StripTags => map_text(v, self.kind, &|s| text::striptags(&s))?,
            // Django raises for an empty, null or container argument.
            Kind::FloatFormat => match argv.as_ref() {
                Some(Value::Str(a)) if a.is_empty() => return Err(needs_arg("floatformat")),
                Some(Value::Missing | Value::Null | Value::List(_) | Value::Object(_)) => {
                    return Err(needs_arg("floatformat"))
                }
                a => Val::str(number::floatformat(&value, a)),
            },
            // Django's `add` of two lists is Python's `+`: one list.
            Kind::Add if v.is_list() && arg.as_ref().is_some_and(Val::is_list) => {
                list::concat(v, arg.unwrap_or(Val::V(Value::Missing)), scope)?
            }
            Kind::Add => checked(Val::V(number::add(value, argv.unwrap_or(Value::Missing))))?,
            Kind::Abs => number_or_empty(value.to_number().map(f64::abs)),
            Kind::Ceil => number_or_empty(value.to_number().map(f64::ceil)),
            Kind::AtLeast => number_or_empty(num_pair().map(|(a, b)| a.max(b))),
            Kind::AtMost => number_or_empty(num_pair().map(|(a, b)| a.min(b))),
            Kind::FloatAdd => {
                number_or_empty(float_pair(&value, argv.as_ref()).map(|(a, b)| a + b))
            }
            Kind::Multiply => {
                number_or_empty(float_pair(&value, argv.as_ref()).map(|(a, b)| a * b))
            }
            Kind::Append => match value.to_text() {
                Some(mut s) => {
                    s.push_str(&arg_text());
                    checked(Val::str(s))?
                }
                None => return Err(needs("append", "text", &value)),
            },
            Kind::Concat => list::concat(v, arg.unwrap_or(Val::V(Value::Missing)), scope)?,
            Kind::Compact => match &v {
                Val::Seq(_) | Val::At(_, _, Value::List(_)) => {
                    let items = scope.items(&v, "compact")?;
                    scope.spend(work::cost::COPY * items.len() as u64)?;
                    for item in items.iter() {
                        scope.spend_copy(item)?;
                    }
                    Val::Seq(
                        items
                            .iter()
                            .filter(|i| !i.value().is_none())
                            .cloned()
                            .collect(),
                    )
                }
                _ => v,
            },
            Kind::Base64Encode | Kind::Base64UrlEncode => map_text(v, self.kind, &|s| {
                encode::base64_encode(s.as_bytes(), self.kind == Kind::Base64UrlEncode)
            })?,
            Kind::Base64Decode | Kind::Base64UrlDecode => map_text(v, self.kind, &|s| {
                encode::base64_decode(&s, self.kind == Kind::Base64UrlDecode)
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default()
            })?,
            Kind::Count => match &value {
                Value::List(n) | Value::Object(n) => Val::num(*n as f64),
                other => Val::num(other.to_text().map_or(0, |s| s.chars().count()) as f64),
            },
            Kind::Length => Val::num(match &value {
                Value::Str(s) => s.chars().count(),
                Value::List(n) | Value::Object(n) => *n,
                _ => 0,
            } as f64),
            Kind::First | Kind::Last => {
                let first = self.kind == Kind::First;
                match &v {
                    Val::V(Value::Str(s)) => {
                        let c = if first {
                            s.chars().next()
                        } else {
                            s.chars().last()
                        };
                        Val::str(c.map(String::from).unwrap_or_default())
                    }
                    Val::Seq(_) | Val::At(_, _, Value::List(_)) => {
                        let n = match &value {
                            Value::List(n) => *n,
                            _ => 0,
                        };
                        if n == 0 {
                            Val::str("")
                        } else {
                            let i = if first { 0 } else { n - 1 };
                            scope.member(&v, &i.to_string())
                        }
                    }
                    _ => Val::str(""),
                }
            }
            Kind::Join => list::join(v, &arg_text(), scope)?,
            Kind::TruncateChars | Kind::TruncateWords => match py_int_arg(argv.as_ref()) {
                Some(n) => map_text(v, self.kind, &|s| {
                    if self.kind == Kind::TruncateChars {
                        text::truncatechars(&s, n)
                    } else {
                        text::truncatewords(&s, n)
                    }
                })?,
                None => map_text(v, self.kind, &|s| s)?,
            },
            Kind::Cut => {
                let cut = arg_text();
                map_text(v, self.kind, &|s| s.replace(&cut, ""))?
            }
            Kind::YesNo => yesno(v, argv.as_ref()),
            Kind::Pluralize => pluralize(&value, argv.as_ref()),
            Kind::DivisibleBy => {
                let a = number::to_int(&value)
                    .ok_or_else(|| needs("divisibleby", "an integer", &value))?;
                let b = argv
                    .as_ref()
                    .and_then(number::to_int)
                    .filter(|b| *b != 0.0)
                    .ok_or_else(|| {
                        RenderError::value("divisibleby needs a non-zero integer argument")
                    })?;
                Val::V(Value::Bool(a % b == 0.0))
            }
            Kind::UrlEncode => {
                let safe = argv
                    .as_ref()
                    .map_or_else(|| "/".to_string(), |_| arg_text());
                map_text(v, self.kind, &|s| encode::urlencode(&s, &safe))?
            }
            Kind::WordCount => match value.to_text() {
                Some(s) => Val::num(text::wordcount(&s) as f64),
                None => return Err(needs("wordcount", "text", &value)),
            },
            Kind::Slice => layout::slice(v, argv.as_ref(), scope)?,
            Kind::Escape => Val::str(layout::escape(&text_of(&value, self.kind)?)?),
            Kind::LineBreaksBr => Val::str(layout::linebreaksbr(&text_of(&value, self.kind)?)?),
            Kind::MakeList => layout::make_list(&text_of(&value, self.kind)?)?,
            Kind::Center | Kind::Ljust | Kind::Rjust => Val::str(layout::justify(
                name_of(self.kind),
                &text_of(&value, self.kind)?,
                argv.as_ref(),
            )?),
            Kind::GetDigit => layout::get_digit(v, argv.as_ref())?,
            Kind::StringFormat => Val::str(printf::stringformat(&value, &arg_text())?),
            Kind::WordWrap => Val::str(layout::wordwrap(
                &text_of(&value, self.kind)?,
                argv.as_ref(),
            )?),
            Kind::DictSort | Kind::DictSortReversed => {
                list::dictsort(v, argv.as_ref(), self.kind == Kind::DictSortReversed, scope)?
            }
            Kind::Date => {
                // Django: a falsy format (`''`, a missing variable) is DATE_FORMAT.
                let format = match &argv {
                    Some(a) if a.is_truthy() => arg_text(),
                    _ => "DATE_FORMAT".to_string(),
                };
                match &value {
                    Value::Str(s) => Val::str(
                        date::parse(s)
                            .map(|d| d.format(&format))
                            .unwrap_or_default(),
                    ),
                    _ => Val::str(""),
                }
            }
        };
        if let Val::V(Value::Str(s)) = &built {
            scope.spend_bytes(s.len(), per_byte(self.kind))?;
            // A text given back as it came (floatformat of a value Django
            // returns as is) was not built here: the limit is the renderer's.
            if s.len() > MAX_VALUE_BYTES && big_input.as_deref() == Some(s.as_str()) {
                return Ok(built);
            }
        }
        checked(built)
    }
}

/// Applies a text function to a scalar's text; a list or object is an error
/// (Django would print `['a', 'b']`), as is a number that is not finite.
fn map_text(v: Val, kind: Kind, f: &dyn Fn(String) -> String) -> Result<Val, RenderError> {
    let value = v.value();
    match value.to_text() {
        Some(t) => Ok(Val::str(f(t))),
        None => Err(needs(name_of(kind), "text", &value)),
    }
}

/// The text of a scalar for a text filter; a list or object is an error.
fn text_of(value: &Value, kind: Kind) -> Result<String, RenderError> {
    value
        .to_text()
        .ok_or_else(|| needs(name_of(kind), "text", value))
}

fn needs_arg(filter: &str) -> RenderError {
    RenderError::value(cat(&[filter, " needs a number or text argument"]))
}

fn needs(filter: &str, what: &str, got: &Value) -> RenderError {
    RenderError::value(cat(&[filter, " needs ", what, ", got ", got.type_name()]))
}

/// A number, or empty text when the input was not a number.
fn number_or_empty(n: Option<f64>) -> Val {
    match n {
        Some(n) => Val::num(n),
        None => Val::str(""),
    }
}

/// Python's `float(a)`, `float(b)` (booleans count as 0/1).
fn float_pair(a: &Value, b: Option<&Value>) -> Option<(f64, f64)> {
    Some((number::py_float(a)?, number::py_float(b?)?))
}

/// Python's `int(arg)` for `truncatechars`/`truncatewords` (None: Django
/// returns the value unchanged).
fn py_int_arg(arg: Option<&Value>) -> Option<i64> {
    number::to_int(arg?).map(|n| n.clamp(-1e15, 1e15) as i64)
}
