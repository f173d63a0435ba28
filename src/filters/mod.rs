//! The template filters: Django's built-ins that mappings need, with Django's
//! semantics, and Klaviyo's own, per its filter glossary.

mod date;
mod exact;
mod layout;
mod list;
mod number;
mod printf;
mod text;
#[rustfmt::skip]
mod unicode_data;

use crate::template::{cat, work, Operand, RenderError, Scope, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

/// Every filter passbridge implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Default,
    DefaultIfNone,
    Lower,
    Upper,
    Title,
    FloatFormat,
    Add,
    Abs,
    Append,
    Concat,
    AtLeast,
    AtMost,
    Base64Encode,
    Base64Decode,
    Base64UrlEncode,
    Base64UrlDecode,
    Capfirst,
    Ceil,
    Compact,
    Count,
    FloatAdd,
    Multiply,
    Length,
    First,
    Last,
    Join,
    TruncateChars,
    TruncateWords,
    Cut,
    YesNo,
    Pluralize,
    DivisibleBy,
    Slugify,
    UrlEncode,
    StripTags,
    WordCount,
    Date,
    Slice,
    Escape,
    LineBreaksBr,
    MakeList,
    Center,
    Ljust,
    Rjust,
    GetDigit,
    DictSort,
    DictSortReversed,
    WordWrap,
    StringFormat,
}

/// Whether a filter takes an argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// Name, kind and argument rule of every filter (`lookup` is folded into paths
/// by the parser).
const FILTERS: [(&str, Kind, Arg); 50] = [
    ("default", Kind::Default, Arg::Required),
    ("default_if_none", Kind::DefaultIfNone, Arg::Required),
    ("lower", Kind::Lower, Arg::None),
    ("upper", Kind::Upper, Arg::None),
    ("title", Kind::Title, Arg::None),
    ("floatformat", Kind::FloatFormat, Arg::Optional),
    ("add", Kind::Add, Arg::Required),
    ("abs", Kind::Abs, Arg::None),
    ("append", Kind::Append, Arg::Required),
    ("concat", Kind::Concat, Arg::Required),
    ("at_least", Kind::AtLeast, Arg::Required),
    ("at_most", Kind::AtMost, Arg::Required),
    ("base64_encode", Kind::Base64Encode, Arg::None),
    ("base64_decode", Kind::Base64Decode, Arg::None),
    ("base64_url_safe_encode", Kind::Base64UrlEncode, Arg::None),
    ("base64_url_safe_decode", Kind::Base64UrlDecode, Arg::None),
    ("capitalize", Kind::Capfirst, Arg::None),
    ("capfirst", Kind::Capfirst, Arg::None),
    ("ceil", Kind::Ceil, Arg::None),
    ("compact", Kind::Compact, Arg::None),
    ("count", Kind::Count, Arg::None),
    ("floatadd", Kind::FloatAdd, Arg::Required),
    ("multiply", Kind::Multiply, Arg::Required),
    ("length", Kind::Length, Arg::None),
    ("first", Kind::First, Arg::None),
    ("last", Kind::Last, Arg::None),
    ("join", Kind::Join, Arg::Required),
    ("truncatechars", Kind::TruncateChars, Arg::Required),
    ("truncatewords", Kind::TruncateWords, Arg::Required),
    ("cut", Kind::Cut, Arg::Required),
    ("yesno", Kind::YesNo, Arg::Optional),
    ("pluralize", Kind::Pluralize, Arg::Optional),
    ("divisibleby", Kind::DivisibleBy, Arg::Required),
    ("slugify", Kind::Slugify, Arg::None),
    ("urlencode", Kind::UrlEncode, Arg::Optional),
    ("striptags", Kind::StripTags, Arg::None),
    ("wordcount", Kind::WordCount, Arg::None),
    ("date", Kind::Date, Arg::Optional),
    ("slice", Kind::Slice, Arg::Required),
    ("escape", Kind::Escape, Arg::None),
    ("linebreaksbr", Kind::LineBreaksBr, Arg::None),
    ("make_list", Kind::MakeList, Arg::None),
    ("center", Kind::Center, Arg::Required),
    ("ljust", Kind::Ljust, Arg::Required),
    ("rjust", Kind::Rjust, Arg::Required),
    ("get_digit", Kind::GetDigit, Arg::Required),
    ("dictsort", Kind::DictSort, Arg::Required),
    ("dictsortreversed", Kind::DictSortReversed, Arg::Required),
    ("wordwrap", Kind::WordWrap, Arg::Required),
    ("stringformat", Kind::StringFormat, Arg::Required),
];

/// Django's built-in filters that passbridge does not implement (Django 5.2),
/// space-separated.
pub const DJANGO_ONLY: &str = "addslashes escapejs escapeseq filesizeformat force_escape iriencode json_script linebreaks linenumbers phone2numeric pprint random safe safeseq time timesince timeuntil truncatechars_html truncatewords_html unordered_list urlize urlizetrunc";

/// The names passbridge implements, for messages and the README.
pub fn names() -> impl Iterator<Item = &'static str> {
    FILTERS.iter().map(|(n, _, _)| *n).chain(["lookup"])
}

/// One `|filter:arg` step.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub kind: Kind,
    pub arg: Option<Operand>,
}

impl Filter {
    /// Builds a filter from its name and argument; the error says what is wrong.
    pub fn new(name: &str, arg: Option<Operand>) -> Result<Filter, String> {
        let Some((_, kind, rule)) = FILTERS.iter().find(|(n, _, _)| *n == name) else {
            if DJANGO_ONLY.split(' ').any(|n| n == name) {
                return Err(cat(&["unsupported filter '", name, "' (a Django filter passbridge does not implement; see the README for the supported ones)"]));
            }
            return Err(cat(&[
                "unknown filter '",
                name,
                "' (the README lists the supported filters)",
            ]));
        };
        match (rule, &arg) {
            (Arg::Required, None) => Err(cat(&[
                "filter '",
                name,
                "' needs an argument, e.g. ",
                name,
                ":0",
            ])),
            (Arg::None, Some(_)) => Err(cat(&["filter '", name, "' takes no argument"])),
            _ => Ok(Filter { kind: *kind, arg }),
        }
    }

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
            Kind::Title => map_text(v, self.kind, &|s| text::title(&s))?,
            Kind::Capfirst => map_text(v, self.kind, &|s| text::capfirst(&s))?,
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
                text::base64_encode(s.as_bytes(), self.kind == Kind::Base64UrlEncode)
            })?,
            Kind::Base64Decode | Kind::Base64UrlDecode => map_text(v, self.kind, &|s| {
                text::base64_decode(&s, self.kind == Kind::Base64UrlDecode)
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
                map_text(v, self.kind, &|s| text::urlencode(&s, &safe))?
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

/// Units per byte a filter reads or builds: character by character with
/// Unicode tables costs more than copying (BENCHMARKS.md).
fn per_byte(kind: Kind) -> u64 {
    match kind {
        Kind::Title => 4,
        Kind::Lower
        | Kind::Upper
        | Kind::Capfirst
        | Kind::Slugify
        | Kind::TruncateChars
        | Kind::TruncateWords
        | Kind::WordCount => 2,
        _ => 1,
    }
}

/// Refuses, before anything is built, a text filter whose result could be
/// longer than [`MAX_VALUE_BYTES`]: `s` is the value's text, `arg` the argument.
fn check_growth(kind: Kind, s: &str, arg: Option<&Value>) -> Result<(), RenderError> {
    let arg_len = || match arg {
        Some(Value::Str(a)) => a.len(),
        _ => 32,
    };
    let most = match kind {
        // Case mapping grows a character at most threefold (`ΐ` → `Ϊ́`): count
        // exactly only when that could matter.
        Kind::Lower | Kind::Upper | Kind::Title if s.len() > MAX_VALUE_BYTES / 3 => s
            .chars()
            .map(|c| {
                let lower: usize = c.to_lowercase().map(char::len_utf8).sum();
                let upper: usize = c.to_uppercase().map(char::len_utf8).sum();
                if kind == Kind::Lower {
                    lower
                } else {
                    lower.max(upper)
                }
            })
            .sum(),
        Kind::Capfirst => s.len() + 8,
        Kind::Base64Encode | Kind::Base64UrlEncode => s.len().div_ceil(3) * 4,
        Kind::UrlEncode if s.len() > MAX_VALUE_BYTES / 3 => text::urlencoded_len(s, arg),
        Kind::Append | Kind::Add | Kind::Concat => s.len() + arg_len(),
        // A number of more than 200 digits and exponent is returned as is
        // (Django), so floatformat builds at most 200 digits, the places
        // asked for (at most 1,000) and a comma per three digits: no growth
        // past the limit is possible, whatever the input's length.
        Kind::FloatFormat => 0,
        _ => 0,
    };
    if most > MAX_VALUE_BYTES {
        return Err(too_big(name_of(kind)));
    }
    Ok(())
}

fn too_big(filter: &str) -> RenderError {
    RenderError::limit(cat(&[
        filter,
        " would build a text longer than 65536 bytes",
    ]))
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

/// The name of a filter, for messages.
fn name_of(kind: Kind) -> &'static str {
    FILTERS
        .iter()
        .find(|(_, k, _)| *k == kind)
        .map_or("a filter", |(n, _, _)| *n)
}

fn needs_arg(filter: &str) -> RenderError {
    RenderError::value(cat(&[filter, " needs a number or text argument"]))
}

fn needs(filter: &str, what: &str, got: &Value) -> RenderError {
    RenderError::value(cat(&[filter, " needs ", what, ", got ", got.type_name()]))
}

/// A built text is bounded by [`MAX_VALUE_BYTES`].
pub(crate) fn checked(v: Val) -> Result<Val, RenderError> {
    match &v {
        Val::V(Value::Str(s)) if s.len() > MAX_VALUE_BYTES => Err(RenderError::limit(
            "a filter built a text longer than 65536 bytes".to_string(),
        )),
        _ => Ok(v),
    }
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

/// Django's `yesno`: "yes,no,maybe" by default; `None` gives the third word
/// (the second when there are two).
fn yesno(v: Val, arg: Option<&Value>) -> Val {
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
fn pluralize(value: &Value, arg: Option<&Value>) -> Val {
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
