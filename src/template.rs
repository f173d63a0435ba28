//! Klaviyo's template language (Django's, as used in webhook bodies), parsed
//! once and rendered per call.
//!
//! ```
//! use passbridge::template::Template;
//! use passbridge::profile::Input;
//! let t = Template::parse("{{ person.properties.loyalty_points|default:0 }} pts").unwrap();
//! let profile = serde_json::json!({"properties": {"loyalty_points": 1500}});
//! let input = Input::new(Some(&profile), None).unwrap();
//! assert_eq!(t.render(&input).unwrap(), "1500 pts");
//! ```

use crate::filters::Filter;
use crate::profile::{Path, Resolve, Root};
use crate::value::Value;

/// A parse error: what is wrong and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

/// A render error: a list or an object where text is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub message: String,
}

/// An operand: a path into the person or event, or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Literal(Value),
}

impl Operand {
    pub fn eval(&self, ctx: &dyn Resolve) -> Value {
        match self {
            Operand::Path(p) => ctx.resolve(p),
            Operand::Literal(v) => v.clone(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Operand::Path(p) => {
                let root = match p.root {
                    Root::Person => "person",
                    Root::Event => "event",
                };
                let mut s = root.to_string();
                for k in &p.keys {
                    s.push('.');
                    s.push_str(k);
                }
                s
            }
            Operand::Literal(_) => "a literal".to_string(),
        }
    }
}

/// `{{ operand|filter:arg|… }}`
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub operand: Operand,
    pub filters: Vec<Filter>,
}

impl Expr {
    pub fn eval(&self, ctx: &dyn Resolve) -> Value {
        self.filters
            .iter()
            .fold(self.operand.eval(ctx), |v, f| f.apply(v, ctx))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Expr(Expr),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Templates longer than this are refused: a pass field is short text.
pub const MAX_TEMPLATE_LEN: usize = 4096;

impl Template {
    /// Parses a template; errors name the 1-based character position.
    pub fn parse(src: &str) -> Result<Template, ParseError> {
        if src.len() > MAX_TEMPLATE_LEN {
            return Err(ParseError {
                position: 1,
                message: format!("template is longer than {MAX_TEMPLATE_LEN} bytes"),
            });
        }
        let chars: Vec<char> = src.chars().collect();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '{' && next == Some('{') {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                let (expr, end) = Parser {
                    chars: &chars,
                    pos: i + 2,
                }
                .expr_tag(i)?;
                parts.push(Part::Expr(expr));
                i = end;
            } else if c == '{' && (next == Some('%') || next == Some('#')) {
                return Err(ParseError {
                    position: i + 1,
                    message: "block tags ({% … %}) and comments ({# … #}) are not supported; use {{ … }} with filters"
                        .to_string(),
                });
            } else {
                text.push(c);
                i += 1;
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// Renders to text. A list or object where text is needed is an error.
    pub fn render(&self, ctx: &dyn Resolve) -> Result<String, RenderError> {
        let mut out = String::new();
        self.render_into(ctx, &mut out)?;
        Ok(out)
    }

    /// Renders, appending to `out`.
    pub fn render_into(&self, ctx: &dyn Resolve, out: &mut String) -> Result<(), RenderError> {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => {
                    let v = e.eval(ctx);
                    if !v.write_text(out) {
                        return Err(RenderError {
                            message: format!(
                                "{} is {}; a pass field needs text, a number or a boolean",
                                e.operand.describe(),
                                v.unprintable_name()
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The typed value of a template that is a single `{{ … }}` (so a number
    /// stays a number); any other template renders to a string.
    pub fn evaluate(&self, ctx: &dyn Resolve) -> Result<Value, RenderError> {
        match self.parts.as_slice() {
            [Part::Expr(e)] => Ok(e.eval(ctx)),
            _ => self.render(ctx).map(Value::Str),
        }
    }
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Parser<'_> {
    fn err<T>(&self, at: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            position: at + 1,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn at_close(&self) -> bool {
        self.peek() == Some('}') && self.chars.get(self.pos + 1) == Some(&'}')
    }

    /// Parses after `{{` up to and including `}}`; returns the position after it.
    fn expr_tag(mut self, open: usize) -> Result<(Expr, usize), ParseError> {
        self.skip_ws();
        if self.peek().is_none() {
            return self.err(open, "unclosed tag: '{{' without a matching '}}'");
        }
        if self.at_close() {
            return self.err(
                self.pos,
                "empty tag: expected a variable such as person.email",
            );
        }
        let mut operand = self.operand(true)?;
        let mut filters = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return self.err(open, "unclosed tag: '{{' without a matching '}}'"),
                Some('}') if self.at_close() => {
                    return Ok((Expr { operand, filters }, self.pos + 2));
                }
                Some('|') => {
                    self.pos += 1;
                    self.skip_ws();
                    let name_at = self.pos;
                    let name = self.ident();
                    if name.is_empty() {
                        return self.err(name_at, "expected a filter name after '|'");
                    }
                    self.skip_ws();
                    let arg = if self.peek() == Some(':') {
                        self.pos += 1;
                        self.skip_ws();
                        Some((self.pos, self.operand(false)?))
                    } else {
                        None
                    };
                    if name == "lookup" {
                        // Klaviyo's `person|lookup:'Name with spaces'` reaches a key
                        // a dotted path cannot spell; fold it into the path.
                        match (&mut operand, arg, filters.is_empty()) {
                            (Operand::Path(path), Some((_, Operand::Literal(key))), true) => {
                                let key = match key {
                                    Value::Str(s) => s,
                                    other => other.to_text().unwrap_or_default(),
                                };
                                path.keys.push(key);
                            }
                            (_, None, _) => {
                                return self.err(name_at, "filter 'lookup' needs an argument, e.g. lookup:'Loyalty Points'")
                            }
                            (_, Some((at, Operand::Path(_))), _) => {
                                return self.err(at, "filter 'lookup' takes a quoted key, e.g. lookup:'Loyalty Points'")
                            }
                            _ => {
                                return self.err(name_at, "filter 'lookup' must directly follow a variable, e.g. person|lookup:'Loyalty Points'")
                            }
                        }
                        continue;
                    }
                    match Filter::new(&name, arg.as_ref().map(|(_, a)| a.clone())) {
                        Ok(f) => filters.push(f),
                        Err(msg) => return self.err(name_at, msg),
                    }
                }
                Some(c) => {
                    return self.err(
                        self.pos,
                        format!("unexpected '{c}': expected '|' or '}}}}'"),
                    )
                }
            }
        }
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '$' {
                s.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        s
    }

    /// A variable path, a quoted string or a number.
    fn operand(&mut self, first: bool) -> Result<Operand, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return self.err(start, "unclosed string literal"),
                        Some('\\') => {
                            self.pos += 1;
                            match self.peek() {
                                Some(c) => {
                                    s.push(c);
                                    self.pos += 1;
                                }
                                None => return self.err(start, "unclosed string literal"),
                            }
                        }
                        Some(c) if c == q => {
                            self.pos += 1;
                            return Ok(Operand::Literal(Value::Str(s)));
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let mut s = String::new();
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.') {
                        s.push(c);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match crate::value::parse_decimal(&s) {
                    Some(n) => Ok(Operand::Literal(Value::Number(n))),
                    None => self.err(start, format!("'{s}' is not a number")),
                }
            }
            Some(c) if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut segments = Vec::new();
                loop {
                    let seg_at = self.pos;
                    let seg = self.ident();
                    if seg.is_empty() {
                        return self.err(seg_at, "empty path segment: expected a name after '.'");
                    }
                    segments.push(seg);
                    if self.peek() == Some('.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let mut segments = segments.into_iter();
                let root = match segments.next().as_deref() {
                    Some("person") => Root::Person,
                    Some("event") => Root::Event,
                    Some(other) => {
                        return self.err(
                            start,
                            format!("unknown variable '{other}': paths start with person or event (e.g. person.properties.loyalty_points)"),
                        )
                    }
                    None => return self.err(start, "expected a variable"),
                };
                if let Some(c) = self.peek() {
                    if !c.is_whitespace() && c != '|' && c != '}' {
                        return self.err(
                            self.pos,
                            format!("unexpected '{c}' in a path; use lookup:'…' for names with spaces, dots or dashes"),
                        );
                    }
                }
                Ok(Operand::Path(Path {
                    root,
                    keys: segments.collect(),
                }))
            }
            Some(c) => self.err(
                start,
                if first {
                    format!("unexpected '{c}': expected a variable such as person.email")
                } else {
                    format!("unexpected '{c}': expected a quoted string, a number or a variable")
                },
            ),
            None => self.err(start, "unclosed tag: '{{' without a matching '}}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Input;
    use serde_json::json;

    fn render(tpl: &str, profile: serde_json::Value, event: serde_json::Value) -> String {
        let t = Template::parse(tpl).unwrap_or_else(|e| panic!("{tpl}: {e:?}"));
        let input = Input::new(Some(&profile), Some(&event)).unwrap();
        t.render(&input).unwrap()
    }

    /// A profile `{ properties: { n: NaN } }`, which JSON cannot express.
    struct NanNode;
    impl crate::profile::Node for &NanNode {
        fn member(&self, key: &str) -> Option<Self> {
            matches!(key, "properties" | "n").then_some(*self)
        }
        fn is_object(&self) -> bool {
            true
        }
        fn value(&self) -> Value {
            Value::Number(f64::NAN)
        }
    }

    fn r(tpl: &str, props: serde_json::Value) -> String {
        render(tpl, json!({ "properties": props }), json!(null))
    }

    #[test]
    fn literal_text_and_paths() {
        let profile = json!({"data": {"attributes": {"first_name": "Ada", "email": "ada@example.com",
            "properties": {"loyalty_points": 1500, "tier": "gold"}}}});
        let event = json!({"data": {"attributes": {"event_properties": {"Points": 25}}}});
        assert_eq!(
            render("Hi {{ person.first_name }}, {{person.properties.loyalty_points}} pts (+{{ event.Points }})", profile.clone(), event.clone()),
            "Hi Ada, 1500 pts (+25)"
        );
        assert_eq!(
            render("no tags at all", profile.clone(), event.clone()),
            "no tags at all"
        );
        // Django prints a stray '}}' as text.
        assert_eq!(
            render("Level }} {{ person.tier }}", profile.clone(), event.clone()),
            "Level }} gold"
        );
        assert_eq!(render("{{ person.tier|upper }}", profile, event), "GOLD");
    }

    #[test]
    fn missing_renders_empty_and_containers_are_errors() {
        assert_eq!(r("[{{ person.properties.nope }}]", json!({})), "[]");
        assert_eq!(r("[{{ person.properties.nope.deeper }}]", json!({})), "[]");
        assert_eq!(r("[{{ person.properties.n }}]", json!({"n": null})), "[]");
        let t = Template::parse("{{ person.properties.obj }}").unwrap();
        let profile = json!({"properties": {"obj": {"a": 1}, "list": [1]}});
        let input = Input::new(Some(&profile), None).unwrap();
        let err = t.render(&input).unwrap_err();
        assert_eq!(
            err.message,
            "person.properties.obj is an object; a pass field needs text, a number or a boolean"
        );
        let t = Template::parse("{{ person.properties.list|default:'x' }}").unwrap();
        assert!(t.render(&input).unwrap_err().message.contains("is a list"));
        // NaN and Infinity never reach a pass (a JS profile can hold them).
        let nan = Input::new(Some(&NanNode), None).unwrap();
        let t = Template::parse("{{ person.properties.n|default:0 }}").unwrap();
        assert_eq!(
            t.render(&nan).unwrap_err().message,
            "person.properties.n is NaN (not a finite number); a pass field needs text, a number or a boolean"
        );
    }

    #[test]
    fn default_replaces_every_falsy_value() {
        for falsy in [
            json!(null),
            json!(""),
            json!(0),
            json!(0.0),
            json!(false),
            json!([]),
            json!({}),
        ] {
            assert_eq!(
                r(
                    "{{ person.properties.v|default:'none' }}",
                    json!({"v": falsy})
                ),
                "none",
                "{falsy}"
            );
        }
        assert_eq!(
            r("{{ person.properties.v|default:'none' }}", json!({})),
            "none"
        );
        for (truthy, want) in [
            (json!("0"), "0"),
            (json!(7), "7"),
            (json!(true), "true"),
            (json!(" "), " "),
        ] {
            assert_eq!(
                r(
                    "{{ person.properties.v|default:'none' }}",
                    json!({"v": truthy})
                ),
                want
            );
        }
        assert_eq!(r("{{ person.properties.v|default:0 }}", json!({})), "0");
        assert_eq!(
            r(
                "{{ person.properties.v|default:person.properties.w }}",
                json!({"w": "fallback"})
            ),
            "fallback"
        );
    }

    #[test]
    fn default_if_none_replaces_only_missing_and_null() {
        assert_eq!(
            r("{{ person.properties.v|default_if_none:'x' }}", json!({})),
            "x"
        );
        assert_eq!(
            r(
                "{{ person.properties.v|default_if_none:'x' }}",
                json!({"v": null})
            ),
            "x"
        );
        for (v, want) in [(json!(""), ""), (json!(0), "0"), (json!(false), "false")] {
            assert_eq!(
                r(
                    "{{ person.properties.v|default_if_none:'x' }}",
                    json!({"v": v})
                ),
                want
            );
        }
    }

    #[test]
    fn lookup_reaches_awkward_names() {
        let props = json!({"Loyalty Points": 12, "a.b": "dotted", "points-balance": 3});
        assert_eq!(
            r("{{ person|lookup:'Loyalty Points' }}", props.clone()),
            "12"
        );
        assert_eq!(
            r("{{ person.properties|lookup:\"a.b\" }}", props.clone()),
            "dotted"
        );
        assert_eq!(
            r("{{ person|lookup:'points-balance'|add:1 }}", props.clone()),
            "4"
        );
        assert_eq!(r("{{ person|lookup:'missing'|default:'d' }}", props), "d");
    }

    #[test]
    fn case_filters() {
        let p = json!({"s": "hello wORLD they're 1st", "n": 1e21});
        assert_eq!(
            r("{{ person.properties.s|lower }}", p.clone()),
            "hello world they're 1st"
        );
        assert_eq!(
            r("{{ person.properties.s|upper }}", p.clone()),
            "HELLO WORLD THEY'RE 1ST"
        );
        assert_eq!(
            r("{{ person.properties.s|title }}", p.clone()),
            "Hello World They're 1st"
        );
        assert_eq!(r("{{ person.properties.n|upper }}", p.clone()), "1E+21");
        assert_eq!(r("{{ person.properties.x|title }}", p), "");
        assert_eq!(
            r("{{ 'élan vital-o\\'neil'|title }}", json!({})),
            "Élan Vital-O'Neil"
        );
    }

    #[test]
    fn floatformat_follows_django() {
        let cases: &[(serde_json::Value, &str, &str)] = &[
            (json!(34.23234), "", "34.2"),
            (json!(34.0), "", "34"),
            (json!(34.26), "", "34.3"),
            (json!(34.23234), ":3", "34.232"),
            (json!(34.0), ":3", "34.000"),
            (json!(34.26), ":3", "34.260"),
            (json!(34.23234), ":'-3'", "34.232"),
            (json!(34.0), ":'-3'", "34"),
            (json!(34.26), ":'-3'", "34.260"),
            (json!(39.56), ":0", "40"),
            (json!(2.675), ":2", "2.68"),
            (json!(-0.04), "", "0.0"),
            (json!(-0.4), ":0", "0"),
            (json!(-1.25), ":1", "-1.3"),
            (json!(1234567.891), ":'2g'", "1,234,567.89"),
            (json!(1234567), ":'g'", "1,234,567"),
            (json!(1000), ":'2u'", "1000.00"),
            (json!("12.5"), "", "12.5"),
            (json!(" 7 "), ":2", "7.00"),
            (json!("abc"), "", ""),
            (json!(null), "", ""),
            (json!(true), "", "1"),
            (json!(12.5), ":'x'", "12.5"),
            (json!(1e21), ":2", "1000000000000000000000.00"),
            (json!(0.000001), ":'-8'", "0.00000100"),
            (json!(9.995), ":2", "10.00"),
            (json!("0.5e-9223372036854775808"), "", "0.0"),
            (json!("1e-9223372036854775808"), ":2", "0.00"),
            (json!("-0.5e-999999"), "", "0.0"),
            (json!("0e999999"), ":1", "0.0"),
        ];
        for (v, arg, want) in cases {
            let tpl = format!("{{{{ person.properties.v|floatformat{arg} }}}}");
            assert_eq!(r(&tpl, json!({ "v": v })), *want, "{v}|floatformat{arg}");
        }
        assert_eq!(r("{{ person.properties.v|floatformat }}", json!({})), "");
    }

    #[test]
    fn title_follows_django_exactly() {
        // Expected values are Python's str.title() plus Django's two re.sub passes.
        let cases = [
            ("rock'n'roll", "Rock'n'Roll"),
            ("4o'clock", "4o'Clock"),
            ("they're bill's friends", "They're Bill's Friends"),
            ("1st place", "1st Place"),
            ("ßtraße", "Sstraße"),
            ("ǆemal", "ǅemal"),
            ("ﬁne", "Fine"),
            ("٣ab", "٣ab"),
            ("ΟΔΟΣ ΟΔΟΣΑ", "Οδος Οδοσα"),
            ("hello-world_foo bar", "Hello-World_Foo Bar"),
            ("ᾳ", "ᾼ"),
            ("σǄΣ''xZﬂB", "Σǆσ''Xzﬂb"),
            ("éΣ.αıcxX", "Éσ.Αıcxx"),
            ("", ""),
        ];
        for (input, want) in cases {
            let tpl = "{{ person.properties.s|title }}";
            assert_eq!(r(tpl, json!({ "s": input })), want, "{input}");
        }
    }

    #[test]
    fn add_follows_django() {
        let cases: &[(serde_json::Value, &str, &str)] = &[
            (json!(4), "2", "6"),
            (json!("4"), "'2'", "6"),
            (json!(1.5), "1", "2"),
            (json!(" 10 "), "-3", "7"),
            (json!("ab"), "'cd'", "abcd"),
            (json!("ab"), "3", ""),
            (json!(null), "3", ""),
            (json!(true), "1", "2"),
            (json!([1]), "1", ""),
        ];
        for (v, arg, want) in cases {
            let tpl = format!("{{{{ person.properties.v|add:{arg} }}}}");
            assert_eq!(r(&tpl, json!({ "v": v })), *want, "{v}|add:{arg}");
        }
        assert_eq!(r("{{ person.properties.v|add:'x' }}", json!({})), "x");
        assert_eq!(
            r(
                "{{ person.properties.v|add:person.properties.w }}",
                json!({"v": 1, "w": 2})
            ),
            "3"
        );
    }

    #[test]
    fn filters_chain_left_to_right() {
        assert_eq!(
            r(
                "{{ person.properties.v|default:'silver'|title }}",
                json!({})
            ),
            "Silver"
        );
        assert_eq!(
            r(
                "{{ person.properties.v|add:0.5|floatformat:1 }}",
                json!({"v": "2"})
            ),
            "2.0"
        );
    }

    #[test]
    fn parse_errors_name_the_position() {
        let cases = [
            ("{{ person.email", 1, "unclosed tag"),
            ("ab {{ person.email|nope }}", 20, "unknown filter 'nope'"),
            ("{{ }}", 4, "empty tag"),
            ("{{ user.email }}", 4, "unknown variable 'user'"),
            ("{{ person..email }}", 11, "empty path segment"),
            ("{{ person.email| }}", 18, "expected a filter name"),
            ("{{ person.email|default }}", 17, "needs an argument"),
            ("{{ person.email|upper:'x' }}", 17, "takes no argument"),
            (
                "{{ person.email|default:'x }}",
                25,
                "unclosed string literal",
            ),
            ("{% if x %}", 1, "not supported"),
            ("{{ person.points-balance }}", 17, "use lookup"),
            (
                "{{ person.email|lower|lookup:'x' }}",
                23,
                "must directly follow",
            ),
            ("{{ person|lookup:person.x }}", 18, "quoted key"),
            ("{{ person.email person.x }}", 17, "expected '|'"),
            ("{{ 12abc }}", 4, "not a number"),
        ];
        for (tpl, pos, want) in cases {
            let err = Template::parse(tpl).unwrap_err();
            assert!(
                err.message.contains(want),
                "{tpl}: {} should contain {want}",
                err.message
            );
            assert_eq!(err.position, pos, "{tpl}: {}", err.message);
        }
        assert!(Template::parse(&"x".repeat(MAX_TEMPLATE_LEN + 1)).is_err());
    }

    #[test]
    fn evaluate_keeps_types_of_single_expressions() {
        let profile = json!({"properties": {"n": 12}});
        let input = Input::new(Some(&profile), None).unwrap();
        let t = Template::parse("{{ person.properties.n }}").unwrap();
        assert_eq!(t.evaluate(&input).unwrap(), Value::Number(12.0));
        let t = Template::parse(" {{ person.properties.n }}").unwrap();
        assert_eq!(t.evaluate(&input).unwrap(), Value::Str(" 12".into()));
    }
}
