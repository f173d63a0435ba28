//! Klaviyo's template language (Django's, as used in webhook bodies), parsed
//! once and rendered per call: `{{ … }}` with filters, `{% if %}`/`{% elif %}`/
//! `{% else %}`, `{% for %}`/`{% empty %}`, `{% comment %}` and `{# … #}`.
//!
//! ```
//! use passbridge::{Input, Template};
//! let t = Template::parse("{% if person.properties.loyalty_points >= 1000 %}Gold{% else %}Silver{% endif %}").unwrap();
//! let profile = serde_json::json!({"properties": {"loyalty_points": 1500}});
//! let input = Input::new(Some(&profile), None).unwrap();
//! assert_eq!(t.render(&input).unwrap(), "Gold");
//! ```

pub mod cond;
mod expr;
pub mod index;
mod parse;
pub mod pycompare;
#[cfg(test)]
mod tests;
pub mod work;

use crate::filters::Filter;
use crate::profile::{canonical_index, Path, Resolve, Root};
use crate::value::{Val, Value};
use cond::Cond;
use std::rc::Rc;
use work::{cost, Work};

/// Templates longer than this are refused: a pass field is short text.
pub const MAX_TEMPLATE_LEN: usize = 4096;
/// A rendered field (or one JeriCommerce option) is at most this many bytes of
/// UTF-8; the check runs before each append, so a huge property or a loop that
/// multiplies output fails before megabytes are allocated.
pub const MAX_RENDERED_BYTES: usize = 8192;
/// A `{% for %}` loop, or a filter that reads a whole list (`join`, `compact`,
/// `concat`, `in`), reads at most this many items.
pub const MAX_LIST_ITEMS: usize = 1000;
/// All `{% for %}` iterations of one rendered field together, nested loops included.
pub const MAX_LOOP_STEPS: usize = 10_000;
/// A text built by a filter (`append`, `join`, `add`…) is at most this many bytes.
pub const MAX_VALUE_BYTES: usize = 65_536;
/// An `{% if %}` condition has at most this many operands and operators
/// (evaluation recurses over them).
pub const MAX_CONDITION_WORDS: usize = 100;
/// Tags nest at most this deep (`{% if %}` in `{% for %}` in …).
pub const MAX_NESTING: usize = 32;
/// The work one call may do, in units of about 10 ns ([`work::cost`]): every
/// value read, filter applied, loop step, list item compared and byte a
/// filter builds or scans, over all the fields rendered for the call.
pub const MAX_WORK: u64 = 4_000_000;

/// Joins message parts: cheaper in the wasm than a `format!` per message.
pub(crate) fn cat(parts: &[&str]) -> String {
    parts.concat()
}

/// A parse error: what is wrong and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

/// Why rendering failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A value cannot be used there (a list where text is needed, a loop over a
    /// number…). Inside an `{% if %}` comparison this makes the comparison
    /// false, as Django's own exceptions do.
    Value,
    /// A documented bound was exceeded (list length, loop steps, text size).
    Limit,
    /// The rendered text would exceed [`MAX_RENDERED_BYTES`].
    TooLong,
}

/// A render error: a list or an object where text is needed, or a bound exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub message: String,
    pub failure: Failure,
}

impl RenderError {
    pub fn value(message: impl Into<String>) -> RenderError {
        RenderError {
            message: message.into(),
            failure: Failure::Value,
        }
    }

    pub fn limit(message: impl Into<String>) -> RenderError {
        RenderError {
            message: message.into(),
            failure: Failure::Limit,
        }
    }
}

/// `forloop.…` attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopAttr {
    Counter,
    Counter0,
    RevCounter,
    RevCounter0,
    First,
    Last,
}

/// An operand: a path into the person or event, a loop variable, or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    /// A `{% for %}` variable (`frame` counts loops from the outermost), then keys.
    Local {
        frame: usize,
        name: String,
        keys: Vec<String>,
    },
    /// `forloop.counter` etc. of the loop at `frame`.
    Loop {
        frame: usize,
        attr: LoopAttr,
    },
    Literal(Value),
}

impl Operand {
    /// The operand's value. `in_if` follows Django's `{% if %}`/`{% for %}`
    /// reading, where a missing variable is `None`.
    pub fn eval(&self, scope: &Scope) -> Val {
        match self {
            Operand::Path(p) => scope.lookup(p.root, &p.keys),
            Operand::Local { frame, keys, .. } => match scope.frames.get(*frame) {
                // An item of a profile list: one read of the whole path.
                Some(Frame {
                    item: Val::At(root, base, _),
                    ..
                }) if !keys.is_empty() => {
                    let path: Vec<String> = base.iter().chain(keys).cloned().collect();
                    let v = scope.ctx.lookup(*root, &path);
                    Val::located(*root, path, v)
                }
                Some(f) => keys.iter().fold(f.item.clone(), |v, k| scope.member(&v, k)),
                None => Val::V(Value::Missing),
            },
            Operand::Loop { frame, attr } => match scope.frames.get(*frame) {
                Some(f) => {
                    let (i, n) = (f.index as f64, f.len as f64);
                    match attr {
                        LoopAttr::Counter => Val::num(i + 1.0),
                        LoopAttr::Counter0 => Val::num(i),
                        LoopAttr::RevCounter => Val::num(n - i),
                        LoopAttr::RevCounter0 => Val::num(n - i - 1.0),
                        LoopAttr::First => Val::V(Value::Bool(f.index == 0)),
                        LoopAttr::Last => Val::V(Value::Bool(f.index + 1 == f.len)),
                    }
                }
                None => Val::V(Value::Missing),
            },
            Operand::Literal(v) => Val::V(v.clone()),
        }
    }

    /// What reading the operand costs: a read, and each key of its path.
    fn work(&self) -> u64 {
        match self {
            Operand::Path(Path { keys, .. }) | Operand::Local { keys, .. } => {
                cost::READ + cost::KEY * keys.len() as u64
            }
            // Evaluating still costs a copy and a dispatch.
            Operand::Loop { .. } | Operand::Literal(_) => cost::READ / 2,
        }
    }

    fn describe(&self) -> String {
        let (mut s, keys): (String, &[String]) = match self {
            Operand::Path(p) => (
                match p.root {
                    Root::Person => "person",
                    Root::Event => "event",
                }
                .to_string(),
                &p.keys,
            ),
            Operand::Local { name, keys, .. } => (name.clone(), keys),
            Operand::Loop { .. } => ("forloop".to_string(), &[]),
            Operand::Literal(_) => return "a literal".to_string(),
        };
        for k in keys {
            s.push('.');
            s.push_str(k);
        }
        s
    }
}

/// `{{ operand|filter:arg|… }}`
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub operand: Operand,
    pub filters: Vec<Filter>,
}

impl Expr {
    /// What evaluating costs before the filters run: the operand and every
    /// filter's argument read, and each filter applied.
    fn work(&self) -> u64 {
        self.filters.iter().fold(self.operand.work(), |w, f| {
            w + cost::FILTER + f.arg.as_ref().map_or(0, Operand::work)
        })
    }

    /// Evaluates the operand and its filters. `in_if`: Django reads a missing
    /// variable as `None` in `{% if %}` and `{% for %}`, as `""` in `{{ }}`
    /// (which passbridge still counts as none for `default_if_none`).
    pub fn eval(&self, scope: &Scope, in_if: bool) -> Result<Val, RenderError> {
        scope.spend(self.work())?;
        let mut v = self.operand.eval(scope);
        scope.spend_copy(&v)?;
        // Not JSON data: an error wherever it is reached, filter or not (a
        // `|default` must not silently replace a Date or a Map).
        if matches!(v, Val::V(Value::Foreign)) {
            return Err(RenderError::value(format!(
                "{} is {}",
                self.operand.describe(),
                Value::Foreign.type_name()
            )));
        }
        if in_if && matches!(v, Val::V(Value::Missing)) {
            v = Val::V(Value::Null);
        }
        for f in &self.filters {
            v = f.apply(v, scope)?;
        }
        Ok(v)
    }
}

/// One loop level while rendering.
struct Frame {
    item: Val,
    index: usize,
    len: usize,
}

/// What rendering reads: the profile and event, and the loops being run.
pub struct Scope<'a> {
    pub ctx: &'a dyn Resolve,
    frames: Vec<Frame>,
    steps: usize,
    /// The budget when `ctx` has none of its own.
    own: Work,
}

impl<'a> Scope<'a> {
    pub fn new(ctx: &'a dyn Resolve) -> Scope<'a> {
        Scope {
            ctx,
            frames: Vec::new(),
            steps: 0,
            own: Work::new(),
        }
    }

    /// The value at `root.keys`, keeping the location of a container.
    pub fn lookup(&self, root: Root, keys: &[String]) -> Val {
        let v = self.ctx.lookup(root, keys);
        match v {
            Value::List(_) | Value::Object(_) => Val::At(root, keys.to_vec(), v),
            other => Val::V(other),
        }
    }

    /// The call's work budget.
    pub fn work(&self) -> &Work {
        self.ctx.work().unwrap_or(&self.own)
    }

    /// Counts `units` of work against the call's budget.
    pub fn spend(&self, units: u64) -> Result<(), RenderError> {
        self.work().spend(units)
    }

    /// Counts the copy of a text just made (a value read, a loop's item).
    pub fn spend_copy(&self, v: &Val) -> Result<(), RenderError> {
        match v {
            Val::V(Value::Str(s)) if s.len() >= cost::COPIED_BYTES_PER_UNIT => {
                self.spend((s.len() / cost::COPIED_BYTES_PER_UNIT) as u64)
            }
            _ => Ok(()),
        }
    }

    /// Counts `bytes` built or scanned, `per_byte` units each.
    pub fn spend_bytes(&self, bytes: usize, per_byte: u64) -> Result<(), RenderError> {
        self.work().spend_bytes(bytes, per_byte)
    }

    /// A member of an object, or an element of a list by canonical index;
    /// missing for everything else.
    pub fn member(&self, v: &Val, key: &str) -> Val {
        match v {
            Val::At(root, keys, _) => {
                let mut path = keys.clone();
                path.push(key.to_string());
                self.lookup(*root, &path)
            }
            Val::Seq(items) => canonical_index(key)
                .and_then(|i| items.get(i).cloned())
                .unwrap_or(Val::V(Value::Missing)),
            Val::V(_) => Val::V(Value::Missing),
        }
    }

    /// The keys of an object read from the input, at most [`MAX_LIST_ITEMS`];
    /// `None` for an object with no known location.
    pub fn object_keys(&self, v: &Val, what: &str) -> Result<Option<Vec<String>>, RenderError> {
        match v {
            Val::At(root, keys, Value::Object(n)) => {
                if *n > MAX_LIST_ITEMS {
                    return Err(RenderError::limit(cat(&[
                        what,
                        " reads an object of more than 1000 keys",
                    ])));
                }
                Ok(Some(
                    self.ctx
                        .keys_at(*root, &mut keys.iter().map(String::as_str)),
                ))
            }
            _ => Ok(None),
        }
    }

    /// The items of a list (read or built), at most [`MAX_LIST_ITEMS`]; a
    /// list of the profile is read once per call, whoever asks again.
    pub fn items(&self, v: &Val, what: &str) -> Result<Rc<[Val]>, RenderError> {
        match v {
            Val::Seq(items) => Ok(items.clone()),
            Val::At(root, keys, Value::List(n)) => {
                if *n > MAX_LIST_ITEMS {
                    return Err(RenderError::limit(cat(&[
                        what,
                        " reads a list of more than 1000 items",
                    ])));
                }
                self.spend(cost::LIST)?;
                Ok(self.ctx.list_items(*root, keys, *n))
            }
            _ => Ok(Rc::from([])),
        }
    }
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Text(String),
    Var(Expr),
    /// `if`/`elif` branches in order, then the `else` body (possibly empty).
    If(Vec<(Cond, Vec<Block>)>, Vec<Block>),
    For(Box<ForBlock>),
}

#[derive(Debug, Clone, PartialEq)]
struct ForBlock {
    iter: Expr,
    reversed: bool,
    body: Vec<Block>,
    empty: Vec<Block>,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    body: Vec<Block>,
}

impl Template {
    /// Parses a template; errors name the 1-based character position.
    pub fn parse(src: &str) -> Result<Template, ParseError> {
        if src.len() > MAX_TEMPLATE_LEN {
            return Err(ParseError {
                position: 1,
                message: "template is longer than 4096 bytes".to_string(),
            });
        }
        let chars: Vec<char> = src.chars().collect();
        let body = parse::Builder::new(&chars).template()?;
        Ok(Template { body })
    }

    /// Renders to text. A list or object where text is needed is an error.
    pub fn render(&self, ctx: &dyn Resolve) -> Result<String, RenderError> {
        let mut out = String::new();
        self.render_into(ctx, &mut out)?;
        Ok(out)
    }

    /// Renders, appending to `out` (at most [`MAX_RENDERED_BYTES`] more bytes).
    pub fn render_into(&self, ctx: &dyn Resolve, out: &mut String) -> Result<(), RenderError> {
        let mut scope = Scope::new(ctx);
        let start = out.len();
        render_blocks(&self.body, &mut scope, out, start)
    }

    /// The typed value of a template that is a single `{{ … }}` (so a number
    /// stays a number); any other template renders to a string.
    pub fn evaluate(&self, ctx: &dyn Resolve) -> Result<Value, RenderError> {
        match self.body.as_slice() {
            [Block::Var(e)] => {
                let v = e.eval(&Scope::new(ctx), false)?.into_value();
                if let Value::Str(s) = &v {
                    check_len(s.len())?;
                }
                Ok(v)
            }
            _ => self.render(ctx).map(Value::Str),
        }
    }
}

fn too_long() -> RenderError {
    RenderError {
        message: "renders more than 8192 bytes".to_string(),
        failure: Failure::TooLong,
    }
}

fn check_len(len: usize) -> Result<(), RenderError> {
    if len > MAX_RENDERED_BYTES {
        Err(too_long())
    } else {
        Ok(())
    }
}

fn push(out: &mut String, start: usize, text: &str) -> Result<(), RenderError> {
    check_len(out.len() - start + text.len())?;
    out.push_str(text);
    Ok(())
}

fn render_blocks(
    blocks: &[Block],
    scope: &mut Scope,
    out: &mut String,
    start: usize,
) -> Result<(), RenderError> {
    for block in blocks {
        match block {
            Block::Text(t) => push(out, start, t)?,
            Block::Var(e) => {
                let v = e.eval(scope, false)?;
                let value = v.value();
                if let Value::Str(s) = value.as_ref() {
                    push(out, start, s)?;
                } else if value.write_text(out) {
                    check_len(out.len() - start)?;
                } else {
                    return Err(RenderError::value(cat(&[
                        &e.operand.describe(),
                        " is ",
                        &value.unprintable_name(),
                        "; a pass field needs text, a number or a boolean",
                    ])));
                }
            }
            Block::If(branches, otherwise) => {
                let mut chosen = otherwise;
                for (c, body) in branches {
                    if c.holds(scope)? {
                        chosen = body;
                        break;
                    }
                }
                render_blocks(chosen, scope, out, start)?;
            }
            Block::For(f) => render_for(f, scope, out, start)?,
        }
    }
    Ok(())
}

fn render_for(
    f: &ForBlock,
    scope: &mut Scope,
    out: &mut String,
    start: usize,
) -> Result<(), RenderError> {
    let seq = f.iter.eval(scope, true)?;
    let items: Rc<[Val]> = match &seq {
        Val::V(Value::Str(s)) => {
            if s.chars().nth(MAX_LIST_ITEMS).is_some() {
                return Err(RenderError::limit(cat(&[
                    "{% for %} over ",
                    &f.iter.operand.describe(),
                    " reads more than 1000 items",
                ])));
            }
            scope.spend_bytes(s.len(), 1)?;
            s.chars().map(|c| Val::str(c.to_string())).collect()
        }
        Val::V(Value::Missing | Value::Null) => Rc::from([]),
        Val::Seq(_) | Val::At(_, _, Value::List(_)) => scope.items(&seq, "{% for %}")?,
        other => {
            return Err(RenderError::value(cat(&[
                &f.iter.operand.describe(),
                " is ",
                other.value().type_name(),
                "; {% for %} needs a list",
            ])))
        }
    };
    if items.is_empty() {
        return render_blocks(&f.empty, scope, out, start);
    }
    let len = items.len();
    for index in 0..len {
        scope.steps += 1;
        if scope.steps > MAX_LOOP_STEPS {
            return Err(RenderError::limit(
                "{% for %} loops run more than 10000 times in one field".to_string(),
            ));
        }
        scope.spend(cost::STEP)?;
        let at = if f.reversed { len - 1 - index } else { index };
        let item = items.get(at).cloned().unwrap_or(Val::V(Value::Missing));
        scope.spend_copy(&item)?;
        scope.frames.push(Frame { item, index, len });
        let r = render_blocks(&f.body, scope, out, start);
        scope.frames.pop();
        r?;
    }
    Ok(())
}
