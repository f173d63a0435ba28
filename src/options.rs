//! Options: what a handler is told in code (or by `PASSBRIDGE_*` variables).
//!
//! Four options are the doors' own (`provider`, `operation`, `dryRun`,
//! `budgetMs`); every other one is declared by the provider that reads it
//! (`providers::Provider::options`). This file holds the types and the rules
//! that need no provider; reading and checking options against the
//! registry's vocabulary is `providers/vocabulary.rs`.

use crate::error::Error;

/// How an option is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A string.
    Text,
    /// `true`/`false` in code; `1/0`, `yes/no`, `on/off` in a variable.
    Flag,
    /// An object of name → template string (a JSON object in a variable).
    Pairs,
    /// One template string (a number in code is its text).
    Template,
}

/// One provider option: its name in code, its kind and its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    pub name: &'static str,
    pub kind: OptionKind,
    pub variable: &'static str,
    /// What one entry is called in messages (`field`, `identifier`…).
    pub what: &'static str,
}

/// A provider option's value.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    Text(String),
    Flag(bool),
    Pairs(Vec<(String, String)>),
}

/// Options in code (or `PASSBRIDGE_*` variables); unset ones take defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub provider: Option<String>,
    pub operation: Option<String>,
    /// Plan only: report the request instead of sending it.
    pub dry_run: Option<bool>,
    /// Total time for a run, retries included, in milliseconds.
    pub budget_ms: Option<u64>,
    /// The providers' options that are set, by name (see [`OptionSpec`]).
    pub values: Vec<(&'static str, OptionValue)>,
}

/// Longest allowed budget: Klaviyo stops a Code action after about 12 s, and
/// a Worker should answer a webhook well within a minute.
pub const MAX_BUDGET_MS: u64 = 60_000;

impl Options {
    /// The value of a provider option, if set.
    pub fn get(&self, name: &str) -> Option<&OptionValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Sets a provider option (replacing its value).
    pub fn set(&mut self, name: &'static str, value: OptionValue) {
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, value));
    }

    /// These options with `name` set to `value`.
    pub fn with(mut self, name: &'static str, value: OptionValue) -> Options {
        self.set(name, value);
        self
    }

    /// A text or template option.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(OptionValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(OptionValue::Flag(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn pairs(&self, name: &str) -> Option<&[(String, String)]> {
        match self.get(name) {
            Some(OptionValue::Pairs(p)) => Some(p),
            _ => None,
        }
    }
}

/// An option value as the source holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    /// Not set (`undefined` or `null`).
    Absent,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A plain object (read with [`OptionSource::entries`]).
    Object,
    Function,
    /// Anything else (an array, a symbol…).
    Other,
}

/// Where options given in code are read from: a JS object at the boundary,
/// JSON in the native tests. Only reading is the source's; every rule is here.
pub trait OptionSource {
    /// What the options value itself is ([`Given::Absent`]: no options).
    fn shape(&self) -> Given;
    /// The names set, or `None` when they cannot be read.
    fn names(&self) -> Option<Vec<String>>;
    fn given(&self, name: &str) -> Given;
    /// The members of object option `name` (text values, else `None`), or
    /// `None` when they cannot be read.
    fn entries(&self, name: &str) -> Option<Vec<(String, Option<String>)>>;
}

/// A budget must be a whole number of milliseconds in 1..=60 000.
pub fn parse_budget(name: &str, ms: f64) -> Result<u64, Error> {
    if ms.is_finite() && ms >= 1.0 && ms <= MAX_BUDGET_MS as f64 {
        Ok(ms as u64)
    } else {
        Err(Error::invalid_config(format!(
            "{name} must be a number of milliseconds between 1 and {MAX_BUDGET_MS}"
        )))
    }
}
