//! The values a template sees, with Django's truthiness and JavaScript's number text.

/// One value read from a profile or event, or produced by a filter.
///
/// Lists and objects carry only their length: a template can test them for
/// truthiness (`default`) but never print them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The path does not exist (JavaScript `undefined`).
    Missing,
    /// An explicit `null`.
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    /// A list, with its length.
    List(usize),
    /// An object, with its number of keys.
    Object(usize),
    /// A JavaScript value that is not JSON data (a `Date`, `Map`, `Set`, typed
    /// array, class instance…). Reaching one is always an error: counting it
    /// as an empty object would let `|default` silently replace it.
    Foreign,
}

impl Value {
    /// Django's truthiness: missing, null, `""`, `0`, `false` and empty
    /// collections are false; everything else (including `NaN`) is true.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Missing | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(n) | Value::Object(n) => *n > 0,
            Value::Foreign => true,
        }
    }

    /// True for a missing value or `null` (what `default_if_none` replaces).
    pub fn is_none(&self) -> bool {
        matches!(self, Value::Missing | Value::Null)
    }

    /// What a value that cannot be printed is, for error messages:
    /// `NaN`, `Infinity`, `a list`, `an object`.
    pub fn unprintable_name(&self) -> String {
        match self {
            Value::Number(n) => format!("{} (not a finite number)", js_number(*n)),
            other => other.type_name().to_string(),
        }
    }

    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Missing => "missing",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Object(_) => "an object",
            Value::Foreign => "not JSON data (a Date, Map, Set, typed array or class instance)",
        }
    }

    /// The text of a scalar; `None` for a list or an object, which have no
    /// honest text form (this is what keeps "[object Object]" out of passes).
    ///
    /// Missing and null render as "" (Klaviyo shows nothing for an unset
    /// property); booleans as `true`/`false`; numbers as JavaScript's `String(n)`.
    pub fn to_text(&self) -> Option<String> {
        let mut out = String::new();
        self.write_text(&mut out).then_some(out)
    }

    /// Appends the text of a scalar to `out` (see [`Value::to_text`]);
    /// returns false, writing nothing, for a list, an object, or a number that
    /// is not finite (`NaN` and `Infinity` never reach a pass).
    pub fn write_text(&self, out: &mut String) -> bool {
        match self {
            Value::Missing | Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if !n.is_finite() => return false,
            Value::Number(n) => crate::host::push_number(out, *n),
            Value::Str(s) => out.push_str(s),
            Value::List(_) | Value::Object(_) | Value::Foreign => return false,
        }
        true
    }

    /// The value as a number the way a loyalty integration expects: numbers
    /// as they are, numeric strings parsed (surrounding whitespace allowed).
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) if n.is_finite() => Some(*n),
            Value::Str(s) => parse_decimal(s.trim()),
            _ => None,
        }
    }
}

/// Where a template path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Person,
    Event,
}

/// A value during template evaluation: a [`Value`], plus where a container
/// read from the profile lives (so its members are read lazily), or a list
/// built by a filter (`compact`, `concat`).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A scalar (or a container with no known location, which only reports its length).
    V(Value),
    /// A list or object read from the input at this location.
    At(Root, Vec<String>, Value),
    /// A list built during evaluation.
    Seq(std::rc::Rc<[Val]>),
}

impl Val {
    /// The plain value: scalars as they are, containers as their length.
    pub fn value(&self) -> std::borrow::Cow<'_, Value> {
        match self {
            Val::V(v) | Val::At(_, _, v) => std::borrow::Cow::Borrowed(v),
            Val::Seq(items) => std::borrow::Cow::Owned(Value::List(items.len())),
        }
    }

    /// Consumes the value into a plain [`Value`].
    pub fn into_value(self) -> Value {
        match self {
            Val::V(v) | Val::At(_, _, v) => v,
            Val::Seq(items) => Value::List(items.len()),
        }
    }

    pub fn is_truthy(&self) -> bool {
        self.value().is_truthy()
    }

    /// True for a list (read or built).
    pub fn is_list(&self) -> bool {
        matches!(self.value().as_ref(), Value::List(_))
    }

    /// A value read at `root.keys`: a list or an object keeps its location,
    /// so its members are read when needed.
    pub fn located(root: crate::profile::Root, keys: Vec<String>, v: Value) -> Val {
        match v {
            Value::List(_) | Value::Object(_) => Val::At(root, keys, v),
            other => Val::V(other),
        }
    }

    pub fn str(s: impl Into<String>) -> Val {
        Val::V(Value::Str(s.into()))
    }

    pub fn num(n: f64) -> Val {
        Val::V(Value::Number(n))
    }
}

/// Formats a number exactly as JavaScript's `String(n)` does.
///
/// ```
/// assert_eq!(passbridge::js_number(1500.0), "1500");
/// assert_eq!(passbridge::js_number(12.5), "12.5");
/// assert_eq!(passbridge::js_number(1e21), "1e+21");
/// assert_eq!(passbridge::js_number(-0.0), "0");
/// ```
pub fn js_number(n: f64) -> String {
    let mut out = String::new();
    crate::host::push_number(&mut out, n);
    out
}

/// Parses a plain decimal number (`12`, `-3.5`, `1e3`, `.5`); rejects
/// everything else, including `NaN`, `Infinity`, hex and empty text.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut chars = body.chars().peekable();
    let mut digits = 0;
    while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
        chars.next();
        digits += 1;
    }
    if chars.peek() == Some(&'.') {
        chars.next();
        while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
            chars.next();
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(chars.peek(), Some('e' | 'E')) {
        chars.next();
        if matches!(chars.peek(), Some('+' | '-')) {
            chars.next();
        }
        let mut exp_digits = 0;
        while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
            chars.next();
            exp_digits += 1;
        }
        if exp_digits == 0 {
            return None;
        }
    }
    if chars.next().is_some() {
        return None;
    }
    crate::host::decimal(s).filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_like_javascript_string() {
        let cases = [
            (1500.0, "1500"),
            (12.5, "12.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (-0.0, "0"),
            (-42.0, "-42"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (123456789012345680000.0, "123456789012345680000"),
        ];
        for (n, want) in cases {
            assert_eq!(js_number(n), want, "String({n:?})");
        }
    }

    #[test]
    fn django_truthiness() {
        for falsy in [
            Value::Missing,
            Value::Null,
            Value::Str(String::new()),
            Value::Number(0.0),
            Value::Number(-0.0),
            Value::Bool(false),
            Value::List(0),
            Value::Object(0),
        ] {
            assert!(!falsy.is_truthy(), "{falsy:?} must be falsy");
        }
        for truthy in [
            Value::Str("0".into()),
            Value::Str(" ".into()),
            Value::Number(f64::NAN),
            Value::Number(-1.0),
            Value::Bool(true),
            Value::List(1),
            Value::Object(2),
        ] {
            assert!(truthy.is_truthy(), "{truthy:?} must be truthy");
        }
    }

    #[test]
    fn non_finite_numbers_have_no_text() {
        for n in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(Value::Number(n).to_text(), None);
        }
        assert_eq!(
            Value::Number(f64::NAN).unprintable_name(),
            "NaN (not a finite number)"
        );
    }

    #[test]
    fn containers_have_no_text() {
        assert_eq!(Value::Object(3).to_text(), None);
        assert_eq!(Value::List(0).to_text(), None);
        assert_eq!(Value::Null.to_text().as_deref(), Some(""));
        assert_eq!(Value::Bool(true).to_text().as_deref(), Some("true"));
    }

    #[test]
    fn decimal_parsing_is_strict() {
        assert_eq!(parse_decimal("12"), Some(12.0));
        assert_eq!(parse_decimal("-3.5"), Some(-3.5));
        assert_eq!(parse_decimal("+.5"), Some(0.5));
        assert_eq!(parse_decimal("1e3"), Some(1000.0));
        for bad in [
            "", "-", ".", "abc", "NaN", "Infinity", "0x10", "1e", "1 2", "1e999",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
