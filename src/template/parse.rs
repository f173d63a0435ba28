//! Parsing: the block structure (`{% … %}`), and `operand|filter:arg` expressions.

use super::cond::parse_cond;
use super::expr::ExprParser;
use super::{cat, Block, ForBlock, ParseError, MAX_NESTING};

/// Django's built-in tags that passbridge does not implement, space-separated.
const DJANGO_TAGS: &str = "autoescape block csrf_token cycle debug extends filter firstof ifchanged include load lorem now querystring regroup resetcycle spaceless templatetag url verbatim widthratio with";

pub(super) fn err<T>(at: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        position: at + 1,
        message: message.into(),
    })
}

/// A `{% name args %}` tag: where it starts, its name, and where its arguments are.
pub(super) struct Tag {
    pub at: usize,
    pub name: String,
    pub args: (usize, usize),
}

pub(super) struct Builder<'a> {
    pub chars: &'a [char],
    pos: usize,
    /// Loop variable names in scope, outermost first.
    pub scope: Vec<String>,
    /// Open tags, innermost last (for messages).
    open: Vec<&'static str>,
}

impl<'a> Builder<'a> {
    pub fn new(chars: &'a [char]) -> Builder<'a> {
        Builder {
            chars,
            pos: 0,
            scope: Vec::new(),
            open: Vec::new(),
        }
    }

    pub fn template(mut self) -> Result<Vec<Block>, ParseError> {
        let (body, end) = self.body(&[])?;
        match end {
            None => Ok(body),
            Some(tag) => err(tag.at, cat(&["unexpected '{% ", &tag.name, " %}'"])),
        }
    }

    fn starts(&self, at: usize, a: char, b: char) -> bool {
        self.chars.get(at) == Some(&a) && self.chars.get(at + 1) == Some(&b)
    }

    /// Finds `a b` from `from`, on the same line; returns its index.
    fn find_close(&self, from: usize, a: char, b: char) -> Option<usize> {
        let mut i = from;
        while i + 1 < self.chars.len() {
            if self.chars[i] == '\n' {
                return None;
            }
            if self.chars[i] == a && self.chars[i + 1] == b {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// Reads the `{% … %}` at `self.pos`.
    fn tag(&mut self) -> Result<Tag, ParseError> {
        let at = self.pos;
        let Some(close) = self.find_close(at + 2, '%', '}') else {
            return err(
                at,
                "unclosed tag: '{%' without a matching '%}' on the same line",
            );
        };
        self.pos = close + 2;
        let mut s = at + 2;
        while s < close && self.chars[s].is_whitespace() {
            s += 1;
        }
        let mut e = s;
        while e < close && !self.chars[e].is_whitespace() {
            e += 1;
        }
        let name: String = self.chars[s..e].iter().collect();
        if name.is_empty() {
            return err(at, "empty tag: expected a tag name such as if or for");
        }
        let mut end = close;
        while end > e && self.chars[end - 1].is_whitespace() {
            end -= 1;
        }
        Ok(Tag {
            at,
            name,
            args: (e, end),
        })
    }

    /// Parses blocks until one of `ends` (returned) or the end of input (None).
    fn body(&mut self, ends: &[&str]) -> Result<(Vec<Block>, Option<Tag>), ParseError> {
        let mut blocks = Vec::new();
        let mut text = String::new();
        while self.pos < self.chars.len() {
            let i = self.pos;
            if self.starts(i, '{', '{')
                && self.find_close(i + 2, '}', '}').is_none()
                && self.chars[i + 2..].windows(2).any(|w| w == ['}', '}'])
            {
                // Django: a `{{ … }}` spanning lines is no tag; it is printed
                // verbatim (an unclosed `{{` stays an error below).
                text.push('{');
                self.pos += 1;
            } else if self.starts(i, '{', '{') {
                flush(&mut text, &mut blocks);
                let (expr, end) = ExprParser {
                    chars: self.chars,
                    pos: i + 2,
                    end: self.chars.len(),
                    scope: &self.scope,
                }
                .expr_tag(i)?;
                blocks.push(Block::Var(expr));
                self.pos = end;
            } else if self.starts(i, '{', '#') {
                // Django: a comment closes on its own line, else it is text.
                match self.find_close(i + 2, '#', '}') {
                    Some(close) => self.pos = close + 2,
                    None => {
                        text.push('{');
                        self.pos += 1;
                    }
                }
            } else if self.starts(i, '{', '%') {
                let tag = self.tag()?;
                if ends.contains(&tag.name.as_str()) {
                    flush(&mut text, &mut blocks);
                    return Ok((blocks, Some(tag)));
                }
                flush(&mut text, &mut blocks);
                if self.open.len() >= MAX_NESTING {
                    return err(tag.at, "tags nest more than 32 deep");
                }
                match tag.name.as_str() {
                    "if" => blocks.push(self.if_block(tag)?),
                    "for" => blocks.push(self.for_block(tag)?),
                    "comment" => self.skip_comment(&tag)?,
                    _ => return self.misplaced(&tag),
                }
            } else {
                text.push(self.chars[i]);
                self.pos += 1;
            }
        }
        flush(&mut text, &mut blocks);
        Ok((blocks, None))
    }

    fn misplaced<T>(&self, tag: &Tag) -> Result<T, ParseError> {
        let name = tag.name.as_str();
        let inner = self.open.last().copied();
        let msg = match name {
            "elif" | "else" if inner == Some("else") => cat(&[
                "'{% ",
                name,
                " %}' after '{% else %}': an if has at most one else, and it comes last",
            ]),
            "elif" | "else" | "endif" => cat(&["'{% ", name, " %}' without a matching '{% if %}'"]),
            "empty" | "endfor" => cat(&["'{% ", name, " %}' without a matching '{% for %}'"]),
            "endcomment" => "'{% endcomment %}' without a matching '{% comment %}'".to_string(),
            _ => cat(&[
                if DJANGO_TAGS.split(' ').any(|t| t == name) {
                    "unsupported tag '"
                } else {
                    "unknown tag '"
                },
                name,
                "' (supported: if, elif, else, endif, for, empty, endfor, comment)",
            ]),
        };
        err(tag.at, msg)
    }

    fn unclosed<T>(&self, open: &Tag, end: &str) -> Result<T, ParseError> {
        err(
            open.at,
            cat(&[
                "unclosed tag: '{% ",
                &open.name,
                " %}' without a matching '{% ",
                end,
                " %}'",
            ]),
        )
    }

    fn if_block(&mut self, open: Tag) -> Result<Block, ParseError> {
        let mut branches = Vec::new();
        let mut tag_args = open.args;
        self.open.push("if");
        loop {
            let cond = parse_cond(self.chars, tag_args, &self.scope)?;
            let (body, end) = self.body(&["elif", "else", "endif"])?;
            branches.push((cond, body));
            let Some(end) = end else {
                return self.unclosed(&open, "endif");
            };
            match end.name.as_str() {
                "elif" => tag_args = end.args,
                "else" => {
                    self.bare(&end)?;
                    self.open.pop();
                    self.open.push("else");
                    let (otherwise, end) = self.body(&["endif"])?;
                    self.open.pop();
                    return match end {
                        Some(end) => {
                            self.bare(&end)?;
                            Ok(Block::If(branches, otherwise))
                        }
                        None => self.unclosed(&open, "endif"),
                    };
                }
                _ => {
                    self.bare(&end)?;
                    self.open.pop();
                    return Ok(Block::If(branches, Vec::new()));
                }
            }
        }
    }

    fn for_block(&mut self, open: Tag) -> Result<Block, ParseError> {
        let words = split_words(self.chars, open.args);
        let format = "'for' statements use the format 'for x in person.properties.items' (optionally followed by 'reversed')";
        let reversed = words.len() == 4 && self.word(words[3]) == "reversed";
        if words.len() != 3 + usize::from(reversed) || self.word(words[1]) != "in" {
            if words.iter().any(|w| self.word(*w).contains(',')) {
                return err(
                    open.at,
                    "unpacking several loop variables ('for a, b in …') is not supported",
                );
            }
            return err(open.at, format);
        }
        let name = self.word(words[0]);
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid || matches!(name.as_str(), "forloop" | "True" | "False" | "None") {
            return err(
                words[0].0,
                cat(&[
                    "'",
                    &name,
                    "' cannot be a loop variable; use a plain name such as item",
                ]),
            );
        }
        let (s, e) = words[2];
        let iter = ExprParser {
            chars: self.chars,
            pos: s,
            end: e,
            scope: &self.scope,
        }
        .filter_expr()?;
        self.scope.push(name);
        self.open.push("for");
        let (body, end) = self.body(&["empty", "endfor"])?;
        // The loop variable and forloop do not exist in {% empty %} (Django).
        self.scope.pop();
        let (body, empty) = match end {
            None => return self.unclosed(&open, "endfor"),
            Some(end) if end.name == "empty" => {
                match self.bare(&end).and(self.body(&["endfor"]))? {
                    (empty, Some(_)) => (body, empty),
                    (_, None) => return self.unclosed(&open, "endfor"),
                }
            }
            Some(_) => (body, Vec::new()),
        };
        self.open.pop();
        Ok(Block::For(Box::new(ForBlock {
            iter,
            reversed,
            body,
            empty,
        })))
    }

    /// Django refuses `{% else if x %}`, `{% endif x %}` and `{% empty x %}`:
    /// these tags take nothing after their name (`{% endfor x %}` is allowed).
    fn bare(&self, tag: &Tag) -> Result<(), ParseError> {
        if tag.args.0 == tag.args.1 {
            return Ok(());
        }
        let hint = if tag.name == "else" && self.word(tag.args).trim_start().starts_with("if") {
            "; write '{% elif … %}' for another condition"
        } else {
            ""
        };
        err(
            tag.at,
            cat(&[
                "malformed tag: '{% ",
                &tag.name,
                " %}' takes nothing after its name",
                hint,
            ]),
        )
    }

    fn word(&self, (s, e): (usize, usize)) -> String {
        self.chars[s..e].iter().collect()
    }

    /// Skips to the next `{% endcomment %}` (Django does not parse inside).
    fn skip_comment(&mut self, open: &Tag) -> Result<(), ParseError> {
        while self.pos < self.chars.len() {
            if self.starts(self.pos, '{', '%') {
                if let Some(close) = self.find_close(self.pos + 2, '%', '}') {
                    let inner: String = self.chars[self.pos + 2..close].iter().collect();
                    self.pos = close + 2;
                    if inner.trim() == "endcomment" {
                        return Ok(());
                    }
                    continue;
                }
            }
            self.pos += 1;
        }
        self.unclosed(open, "endcomment")
    }
}

fn flush(text: &mut String, blocks: &mut Vec<Block>) {
    if !text.is_empty() {
        blocks.push(Block::Text(std::mem::take(text)));
    }
}

/// Django's `smart_split` of a tag's arguments: words separated by whitespace,
/// where a quoted part (with its spaces) stays inside its word. Returns spans.
pub(super) fn split_words(chars: &[char], (start, end): (usize, usize)) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut i = start;
    while i < end {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let s = i;
        while i < end && !chars[i].is_whitespace() {
            if let q @ ('\'' | '"') = chars[i] {
                i += 1;
                while i < end && chars[i] != q {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            i += 1;
        }
        words.push((s, i.min(end)));
    }
    words
}
