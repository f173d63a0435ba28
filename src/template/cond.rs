//! `{% if %}` conditions: Django's operators, precedence and evaluation rules
//! (Django's `smartif`: a Pratt parser; an operator whose evaluation fails —
//! `'a' < 1`, `1 in None` — is false instead of an error).

use super::expr::ExprParser;
use super::parse::{err, split_words};
use super::pycompare::{py_cmp, py_eq, py_in, py_is};
use super::{cat, Expr, Failure, ParseError, RenderError, Scope};
use crate::value::{Val, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    In,
    NotIn,
    Is,
    IsNot,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    /// Django's binding powers.
    fn power(self) -> u8 {
        match self {
            Op::Or => 6,
            Op::And => 7,
            Op::In | Op::NotIn => 9,
            _ => 10,
        }
    }
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Lit(Expr),
    Not(Box<Cond>),
    Bin(Op, Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Op(Op),
    Not,
    Lit(usize),
    End,
}

/// Parses the words of `{% if … %}` / `{% elif … %}` at `args`.
pub(super) fn parse_cond(
    chars: &[char],
    args: (usize, usize),
    scope: &[String],
) -> Result<Cond, ParseError> {
    let words = split_words(chars, args);
    if words.len() > super::MAX_CONDITION_WORDS {
        return err(args.0, "a condition has at most 100 operands and operators");
    }
    let text = |w: (usize, usize)| -> String { chars[w.0..w.1].iter().collect() };
    let mut toks: Vec<(Tok, usize)> = Vec::new();
    let mut lits: Vec<Expr> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = text(words[i]);
        let next = words.get(i + 1).map(|n| text(*n));
        let at = words[i].0;
        let tok = match (w.as_str(), next.as_deref()) {
            ("is", Some("not")) => {
                i += 1;
                Tok::Op(Op::IsNot)
            }
            ("not", Some("in")) => {
                i += 1;
                Tok::Op(Op::NotIn)
            }
            ("not", _) => Tok::Not,
            ("or", _) => Tok::Op(Op::Or),
            ("and", _) => Tok::Op(Op::And),
            ("in", _) => Tok::Op(Op::In),
            ("is", _) => Tok::Op(Op::Is),
            ("==", _) => Tok::Op(Op::Eq),
            ("!=", _) => Tok::Op(Op::Ne),
            ("<", _) => Tok::Op(Op::Lt),
            (">", _) => Tok::Op(Op::Gt),
            ("<=", _) => Tok::Op(Op::Le),
            (">=", _) => Tok::Op(Op::Ge),
            _ => {
                let (s, e) = words[i];
                let expr = ExprParser {
                    chars,
                    pos: s,
                    end: e,
                    scope,
                }
                .filter_expr()?;
                lits.push(expr);
                Tok::Lit(lits.len() - 1)
            }
        };
        toks.push((tok, at));
        i += 1;
    }
    let end_at = args.1;
    let mut p = Pratt {
        toks,
        lits,
        pos: 0,
        chars,
        end_at,
    };
    let cond = p.expression(0)?;
    match p.peek() {
        (Tok::End, _) => Ok(cond),
        (_, at) => err(
            at,
            cat(&["unused '", &p.word(at), "' at the end of the if expression"]),
        ),
    }
}

struct Pratt<'a> {
    toks: Vec<(Tok, usize)>,
    lits: Vec<Expr>,
    pos: usize,
    chars: &'a [char],
    end_at: usize,
}

impl Pratt<'_> {
    fn peek(&self) -> (Tok, usize) {
        self.toks
            .get(self.pos)
            .copied()
            .unwrap_or((Tok::End, self.end_at))
    }

    fn word(&self, at: usize) -> String {
        self.chars[at..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .collect()
    }

    fn lbp(tok: Tok) -> u8 {
        match tok {
            Tok::Op(op) => op.power(),
            // `not` as an infix operator is an error, reported by the caller.
            Tok::Not => 8,
            _ => 0,
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<Cond, ParseError> {
        let (tok, at) = self.peek();
        self.pos += 1;
        let mut left = match tok {
            Tok::Lit(i) => Cond::Lit(self.lits[i].clone()),
            Tok::Not => Cond::Not(Box::new(self.expression(8)?)),
            Tok::End => return err(at, "unexpected end of the if expression"),
            Tok::Op(_) => {
                return err(
                    at,
                    cat(&["'", &self.word(at), "' is not expected in this position"]),
                )
            }
        };
        loop {
            let (tok, at) = self.peek();
            if rbp >= Self::lbp(tok) {
                return Ok(left);
            }
            self.pos += 1;
            match tok {
                Tok::Op(op) => {
                    let right = self.expression(op.power())?;
                    left = Cond::Bin(op, Box::new(left), Box::new(right));
                }
                _ => {
                    return err(
                        at,
                        cat(&[
                            "'",
                            &self.word(at),
                            "' is not expected as an infix operator",
                        ]),
                    )
                }
            }
        }
    }
}

fn bool_val(b: bool) -> Val {
    Val::V(Value::Bool(b))
}

impl Cond {
    /// Whether the condition holds (Django's truthiness of its value).
    pub fn holds(&self, scope: &Scope) -> Result<bool, RenderError> {
        Ok(self.eval(scope)?.is_truthy())
    }

    fn eval(&self, scope: &Scope) -> Result<Val, RenderError> {
        match self {
            Cond::Lit(e) => e.eval(scope, true),
            Cond::Not(x) => soft(x.eval(scope).map(|v| bool_val(!v.is_truthy()))),
            Cond::Bin(op, x, y) => soft(binary(*op, x, y, scope)),
        }
    }
}

/// Django's operators turn any exception into False; bounds stay errors.
fn soft(r: Result<Val, RenderError>) -> Result<Val, RenderError> {
    match r {
        Err(e) if e.failure == Failure::Value => Ok(bool_val(false)),
        other => other,
    }
}

fn binary(op: Op, x: &Cond, y: &Cond, scope: &Scope) -> Result<Val, RenderError> {
    let a = x.eval(scope)?;
    match op {
        Op::Or if a.is_truthy() => return Ok(a),
        Op::And if !a.is_truthy() => return Ok(a),
        Op::Or | Op::And => return y.eval(scope),
        _ => {}
    }
    let b = y.eval(scope)?;
    let ordered = |want: fn(Ordering) -> bool| -> Result<Val, RenderError> {
        Ok(bool_val(py_cmp(&a, &b, scope, 0)?.is_some_and(want)))
    };
    match op {
        Op::Eq => Ok(bool_val(py_eq(&a, &b, scope, 0)?)),
        Op::Ne => Ok(bool_val(!py_eq(&a, &b, scope, 0)?)),
        Op::Lt => ordered(Ordering::is_lt),
        Op::Gt => ordered(Ordering::is_gt),
        Op::Le => ordered(Ordering::is_le),
        Op::Ge => ordered(Ordering::is_ge),
        Op::In => py_in(&a, &b, scope).map(bool_val),
        Op::NotIn => py_in(&a, &b, scope).map(|r| bool_val(!r)),
        Op::Is => Ok(bool_val(py_is(&a, &b))),
        Op::IsNot => Ok(bool_val(!py_is(&a, &b))),
        Op::Or | Op::And => Ok(a),
    }
}
