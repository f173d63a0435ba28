//! The page never holds a secret: its state goes into the URL, and a link
//! is shared. Every secret variable the registry knows
//! ([`REGISTRY.secret_variables`](crate::providers::Registry::secret_variables))
//! named in `#env` or `#options` — in any letter case, with spaces or
//! invisible characters around or inside it, at any depth, whatever its
//! value's type — is refused, and whatever the fragment saved of its value
//! before is removed from it.

use crate::error::Error;
use crate::providers::REGISTRY;
use serde_json::Value as Json;

/// How deep the walk goes (serde_json stops parsing at 128 levels anyway).
const MAX_DEPTH: usize = 200;

/// Values shorter than this are not looked for in the saved fragment: they
/// are no secret, and would match almost any text.
const MIN_SECRET_CHARS: usize = 3;

/// Characters that show as nothing: a name holding one still names the secret.
pub(super) fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// A variable name as people mean it: invisible characters dropped,
/// surrounding spaces trimmed, upper case.
pub(super) fn normalized(name: &str) -> String {
    let visible: String = name.chars().filter(|c| !invisible(*c)).collect();
    visible.trim().to_uppercase()
}

/// The registry's secret variable `name` stands for, if any.
pub fn secret_named(name: &str) -> Option<&'static str> {
    let n = normalized(name);
    REGISTRY.secret_variables().find(|s| *s == n)
}

/// The secret variable a line of text sets (`NAME=…`, `NAME: …`, `export NAME=…`).
fn secret_set_by(line: &str) -> Option<&'static str> {
    let line = line.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (name, _) = line.split_once(['=', ':'])?;
    secret_named(name.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace()))
}

/// A secret found in the page's inputs: the error to show (never quoting a
/// value) and the values to remove from the saved fragment.
#[derive(Debug)]
pub struct SecretFound {
    pub error: Error,
    values: Vec<String>,
}

impl SecretFound {
    /// Whether `saved` (a fragment parameter's text) holds one of the
    /// refused values: as typed, JSON-escaped, or inside its JSON.
    pub fn leaks_into(&self, saved: &str) -> bool {
        let parsed = serde_json::from_str::<Json>(saved).ok();
        self.values.iter().any(|v| {
            let mut escaped = String::new();
            crate::json::push_json_string(&mut escaped, v);
            let inner = escaped
                .get(1..escaped.len().saturating_sub(1))
                .unwrap_or("");
            saved.contains(v.as_str())
                || saved.contains(inner)
                || parsed
                    .as_ref()
                    .is_some_and(|p| any_text(p, 0, &mut |t| t.contains(v.as_str())))
        })
    }
}

/// Whether `f` holds for a key or a text (a number as its text) inside `v`.
fn any_text(v: &Json, depth: usize, f: &mut dyn FnMut(&str) -> bool) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        Json::String(s) => f(s),
        Json::Number(n) => f(&n.to_string()),
        Json::Array(items) => items.iter().any(|i| any_text(i, depth + 1, f)),
        Json::Object(members) => members
            .iter()
            .any(|(k, i)| f(k) || any_text(i, depth + 1, f)),
        Json::Bool(_) | Json::Null => false,
    }
}

/// Every text inside `v` (numbers as their text), for [`SecretFound::leaks_into`].
fn texts_of(v: &Json, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Json::String(s) => out.push(s.trim().to_string()),
        Json::Number(n) => out.push(n.to_string()),
        Json::Array(items) => items.iter().for_each(|i| texts_of(i, depth + 1, out)),
        Json::Object(members) => members.values().for_each(|i| texts_of(i, depth + 1, out)),
        Json::Bool(_) | Json::Null => {}
    }
}

/// Walks `v` for secret names (as keys, or set by a line of a text) and
/// records the first one and every value they hold.
fn walk(v: &Json, depth: usize, first: &mut Option<&'static str>, values: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Json::String(s) => {
            for line in s.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
                if let Some(name) = secret_set_by(line) {
                    first.get_or_insert(name);
                    if let Some((_, value)) = line.split_once(['=', ':']) {
                        values.push(value.trim().to_string());
                    }
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|i| walk(i, depth + 1, first, values)),
        Json::Object(members) => {
            for (k, i) in members {
                if let Some(name) = secret_named(k) {
                    first.get_or_insert(name);
                    texts_of(i, depth + 1, values);
                } else {
                    walk(i, depth + 1, first, values);
                }
            }
        }
        Json::Number(_) | Json::Bool(_) | Json::Null => {}
    }
}

/// The page never needs a secret, and its state goes into the URL: a secret
/// variable named in `#env` or `#options` (their texts; text that is not
/// JSON holds nothing yet) is refused. The message never quotes a value.
pub fn secret_problem(env_text: &str, options_text: &str) -> Option<SecretFound> {
    let mut found: Option<(&'static str, &'static str)> = None;
    let mut values = Vec::new();
    for (place, text) in [("#env", env_text), ("#options", options_text)] {
        let Ok(json) = serde_json::from_str::<Json>(text) else {
            continue;
        };
        let mut first = None;
        walk(&json, 0, &mut first, &mut values);
        if let (None, Some(name)) = (found, first) {
            found = Some((name, place));
        }
    }
    let (name, place) = found?;
    values.retain(|v| v.chars().count() >= MIN_SECRET_CHARS);
    Some(SecretFound {
        error: refused(name, place),
        values,
    })
}

fn refused(name: &str, place: &str) -> Error {
    Error::invalid_config(format!(
        "{name} is a secret: leave it out of {place}. The playground plans with a placeholder key (shown as ***) and keeps its state in the URL"
    ))
}

/// [`secret_problem`] for variables already read as pairs (the snippets'
/// own check).
pub fn env_problem(env: &[(String, String)]) -> Option<Error> {
    let name = env.iter().find_map(|(n, _)| secret_named(n))?;
    Some(refused(name, "#env"))
}
