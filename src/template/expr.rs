//! Parsing `operand|filter:arg|…` expressions, in `{{ }}` and in tag words.

use super::parse::err;
use super::{cat, Expr, LoopAttr, Operand, ParseError};
use crate::filters::Filter;
use crate::profile::{Path, Root};
use crate::value::Value;

/// Parses `operand|filter:arg|…` over `chars[pos..end]`.
pub(super) struct ExprParser<'a> {
    pub chars: &'a [char],
    pub pos: usize,
    pub end: usize,
    pub scope: &'a [String],
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<char> {
        if self.pos < self.end {
            self.chars.get(self.pos).copied()
        } else {
            None
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn at_close(&self) -> bool {
        self.peek() == Some('}') && self.pos + 1 < self.end && self.chars[self.pos + 1] == '}'
    }

    /// Parses after `{{` up to and including `}}`; returns the position after it.
    pub fn expr_tag(mut self, open: usize) -> Result<(Expr, usize), ParseError> {
        self.skip_ws();
        if self.peek().is_none() {
            return err(open, "unclosed tag: '{{' without a matching '}}'");
        }
        if self.at_close() {
            return err(
                self.pos,
                "empty tag: expected a variable such as person.email",
            );
        }
        let operand = self.operand(true)?;
        let expr = self.filters(operand, Some(open))?;
        Ok((expr, self.pos + 2))
    }

    /// A whole `{% if %}`/`{% for %}` word: operand and filters, nothing else.
    pub fn filter_expr(mut self) -> Result<Expr, ParseError> {
        let operand = self.operand(true)?;
        self.filters(operand, None)
    }

    /// Filters after the operand; `tag` is the `{{` position (a var tag ends
    /// at `}}`), else the expression ends at `self.end`.
    fn filters(&mut self, mut operand: Operand, tag: Option<usize>) -> Result<Expr, ParseError> {
        let mut filters = Vec::new();
        loop {
            if tag.is_some() {
                self.skip_ws();
            }
            match self.peek() {
                None => match tag {
                    Some(open) => return err(open, "unclosed tag: '{{' without a matching '}}'"),
                    None => return Ok(Expr { operand, filters }),
                },
                Some('}') if tag.is_some() && self.at_close() => {
                    return Ok(Expr { operand, filters });
                }
                Some('|') => {
                    self.pos += 1;
                    if tag.is_some() {
                        self.skip_ws();
                    }
                    let name_at = self.pos;
                    let name = self.ident();
                    if name.is_empty() {
                        return err(name_at, "expected a filter name after '|'");
                    }
                    if tag.is_some() {
                        self.skip_ws();
                    }
                    let arg = if self.peek() == Some(':') {
                        self.pos += 1;
                        if tag.is_some() {
                            self.skip_ws();
                        }
                        Some((self.pos, self.operand(false)?))
                    } else {
                        None
                    };
                    if name == "lookup" {
                        // Klaviyo's `person|lookup:'Name with spaces'` reaches a key
                        // a dotted path cannot spell; fold it into the path.
                        let keys = match &mut operand {
                            Operand::Path(path) => Some(&mut path.keys),
                            Operand::Local { keys, .. } => Some(keys),
                            _ => None,
                        };
                        match (keys, arg, filters.is_empty()) {
                            (Some(keys), Some((_, Operand::Literal(key))), true) => {
                                keys.push(match key {
                                    Value::Str(s) => s,
                                    other => other.to_text().unwrap_or_default(),
                                });
                            }
                            (_, None, _) => {
                                return err(name_at, "filter 'lookup' needs an argument, e.g. lookup:'Loyalty Points'")
                            }
                            (_, Some((at, Operand::Path(_) | Operand::Local { .. } | Operand::Loop { .. })), _) => {
                                return err(at, "filter 'lookup' takes a quoted key, e.g. lookup:'Loyalty Points'")
                            }
                            _ => {
                                return err(name_at, "filter 'lookup' must directly follow a variable, e.g. person|lookup:'Loyalty Points'")
                            }
                        }
                        continue;
                    }
                    match Filter::new(&name, arg.map(|(_, a)| a)) {
                        Ok(f) => filters.push(f),
                        Err(msg) => return err(name_at, msg),
                    }
                }
                Some(c) => {
                    return err(
                        self.pos,
                        if tag.is_some() {
                            cat(&["unexpected '", &String::from(c), "': expected '|' or '}}'"])
                        } else {
                            cat(&[
                                "unexpected '",
                                &String::from(c),
                                "': expected '|' or a space (operators need spaces around them)",
                            ])
                        },
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

    /// A variable path, a quoted string, a number, or True/False/None.
    fn operand(&mut self, first: bool) -> Result<Operand, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(q @ ('\'' | '"')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return err(start, "unclosed string literal"),
                        // Django's unescaping: \<quote> and \\ only.
                        Some('\\') => {
                            self.pos += 1;
                            match self.peek() {
                                Some(c) if c == q || c == '\\' => {
                                    s.push(c);
                                    self.pos += 1;
                                }
                                Some(_) => s.push('\\'),
                                None => return err(start, "unclosed string literal"),
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
                    Some(n) if !s.ends_with('.') => Ok(Operand::Literal(Value::Number(n))),
                    _ => err(start, cat(&["'", &s, "' is not a number"])),
                }
            }
            Some(c) if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut segments = Vec::new();
                loop {
                    let seg_at = self.pos;
                    let seg = self.ident();
                    if seg.is_empty() {
                        return err(seg_at, "empty path segment: expected a name after '.'");
                    }
                    if seg.starts_with('_') {
                        // Django: "Variables and attributes may not begin with underscores".
                        return err(
                            seg_at,
                            cat(&["'", &seg, "': names may not begin with an underscore (as in Django); use lookup:'", &seg, "' for such a key"]),
                        );
                    }
                    segments.push(seg);
                    if self.peek() == Some('.') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                if let Some(c) = self.peek() {
                    if !c.is_whitespace() && c != '|' && c != '}' {
                        return err(
                            self.pos,
                            cat(&[
                                "unexpected '",
                                &String::from(c),
                                "' in a path; use lookup:'…' for names with spaces, dots or dashes",
                            ]),
                        );
                    }
                }
                self.path(start, segments)
            }
            Some(c) => err(
                start,
                if first {
                    cat(&[
                        "unexpected '",
                        &String::from(c),
                        "': expected a variable such as person.email",
                    ])
                } else {
                    cat(&[
                        "unexpected '",
                        &String::from(c),
                        "': expected a quoted string, a number or a variable",
                    ])
                },
            ),
            None => err(start, "unclosed tag: '{{' without a matching '}}'"),
        }
    }

    fn path(&self, start: usize, segments: Vec<String>) -> Result<Operand, ParseError> {
        let mut segments = segments.into_iter();
        let first = segments.next().unwrap_or_default();
        let rest: Vec<String> = segments.collect();
        if let Some(frame) = self.scope.iter().rposition(|n| *n == first) {
            return Ok(Operand::Local {
                frame,
                name: first,
                keys: rest,
            });
        }
        let literal = match first.as_str() {
            "True" => Some(Value::Bool(true)),
            "False" => Some(Value::Bool(false)),
            "None" => Some(Value::Null),
            _ => None,
        };
        if let Some(v) = literal {
            if !rest.is_empty() {
                return err(start, cat(&[&first, " has no attributes"]));
            }
            return Ok(Operand::Literal(v));
        }
        let root = match first.as_str() {
            "person" => Root::Person,
            "event" => Root::Event,
            "forloop" if !self.scope.is_empty() => return self.forloop(start, &rest),
            other => return err(
                start,
                cat(&[
                    "unknown variable '",
                    other,
                    "': paths start with person or event (e.g. person.properties.loyalty_points)",
                ]),
            ),
        };
        Ok(Operand::Path(Path { root, keys: rest }))
    }

    /// `forloop.counter`, `forloop.parentloop.first`, …
    fn forloop(&self, start: usize, rest: &[String]) -> Result<Operand, ParseError> {
        let mut frame = self.scope.len() - 1;
        let mut keys = rest.iter();
        let mut key = keys.next();
        while key.map(String::as_str) == Some("parentloop") {
            if frame == 0 {
                return err(start, "forloop.parentloop outside a nested {% for %}");
            }
            frame -= 1;
            key = keys.next();
        }
        let attr = match key.map(String::as_str) {
            Some("counter") => LoopAttr::Counter,
            Some("counter0") => LoopAttr::Counter0,
            Some("revcounter") => LoopAttr::RevCounter,
            Some("revcounter0") => LoopAttr::RevCounter0,
            Some("first") => LoopAttr::First,
            Some("last") => LoopAttr::Last,
            _ => return err(start, "forloop has counter, counter0, revcounter, revcounter0, first, last and parentloop"),
        };
        if keys.next().is_some() {
            return err(start, "forloop attributes have no members");
        }
        Ok(Operand::Loop { frame, attr })
    }
}
