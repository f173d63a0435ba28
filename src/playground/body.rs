//! The Klaviyo webhook body a snippet hands the Worker: every value the
//! operation reads, found by planning it, written as Klaviyo templates.

use super::catalog::ProviderInfo;
use super::{Vars, PLACEHOLDER_API_KEY};
use crate::error::Error;
use crate::json::{push_json_string, push_pretty_object};
use crate::options::Options;
use crate::profile::{Resolve, Root};
use crate::providers::REGISTRY;
use crate::value::Value;

/// Records every path an operation reads, answering each with one value.
struct Recorder {
    answer: Value,
    seen: std::cell::RefCell<Vec<(Root, Vec<String>)>>,
}

impl Resolve for Recorder {
    fn resolve_keys(&self, root: Root, keys: &mut dyn Iterator<Item = &str>) -> Value {
        let keys: Vec<String> = keys.map(str::to_string).collect();
        let mut seen = self.seen.borrow_mut();
        if !seen.iter().any(|(r, k)| *r == root && *k == keys) {
            seen.push((root, keys));
        }
        self.answer.clone()
    }
}

/// The paths of the person and event an operation reads (its guards and its
/// templates), found by planning it once with every value present and once
/// with every value missing.
fn paths_read(
    options: &Options,
    provider: &ProviderInfo,
) -> Result<Vec<(Root, Vec<String>)>, Error> {
    let (_, op) = REGISTRY.build(options)?;
    let mut env: Vec<(String, String)> = provider
        .variables
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    env.push((provider.key_variable.into(), PLACEHOLDER_API_KEY.into()));
    let env = Vars(&env);
    let mut all: Vec<(Root, Vec<String>)> = Vec::new();
    for answer in [Value::Str("1".into()), Value::Missing] {
        let recorder = Recorder {
            answer,
            seen: Default::default(),
        };
        // Errors only end the walk early: what was read so far still counts.
        let _ = op.plan(&recorder, &env);
        for p in recorder.seen.into_inner() {
            if !all.contains(&p) {
                all.push(p);
            }
        }
    }
    Ok(all)
}

/// A JSON body tree: a template string, a template written unquoted (it
/// renders a number), or an object of members in order.
enum Body {
    Leaf(String),
    Raw(String),
    Object(Vec<(String, Body)>),
}

fn insert(members: &mut Vec<(String, Body)>, keys: &[String], leaf: Body) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    let existing = members.iter().position(|(k, _)| k == first);
    if rest.is_empty() {
        // A value that is also an object elsewhere: the object wins.
        if existing.is_none() {
            members.push((first.clone(), leaf));
        }
        return;
    }
    let i = match existing {
        Some(i) => i,
        None => {
            members.push((first.clone(), Body::Object(Vec::new())));
            members.len() - 1
        }
    };
    if let Some((_, node)) = members.get_mut(i) {
        if !matches!(node, Body::Object(_)) {
            *node = Body::Object(Vec::new());
        }
        if let Body::Object(inner) = node {
            insert(inner, rest, leaf);
        }
    }
}

fn write_body(members: &[(String, Body)], indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    push_pretty_object(
        out,
        &pad,
        members.iter().map(|(k, v)| (k, v)),
        |out, v| match v {
            Body::Leaf(t) => push_json_string(out, t),
            Body::Raw(t) => out.push_str(t),
            Body::Object(m) => write_body(m, indent + 1, out),
        },
    );
}

/// A key Klaviyo's template language can write after a dot.
fn is_plain_key(k: &str) -> bool {
    let mut chars = k.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        Some(c) if c.is_ascii_digit() => crate::profile::canonical_index(k).is_some(),
        _ => false,
    }
}

/// `person.a.b`, or with `lookup` once a key needs quoting.
fn klaviyo_path(root: &str, keys: &[&String]) -> String {
    let mut expr = root.to_string();
    let mut looked_up = false;
    for k in keys {
        if !looked_up && is_plain_key(k) {
            expr.push('.');
            expr.push_str(k);
        } else {
            looked_up = true;
            expr.push_str("|lookup:'");
            expr.push_str(k);
            expr.push('\'');
        }
    }
    expr
}

/// The body's template for one value: a JSON number (unquoted, `0` when
/// missing) where the sample holds a number, else a JSON string.
fn leaf(root: &str, walk: &[&String], numeric: bool) -> Body {
    let path = klaviyo_path(root, walk);
    if numeric {
        Body::Raw(format!("{{{{ {path}|default:0 }}}}"))
    } else {
        Body::Leaf(format!("{{{{ {path}|default:'' }}}}"))
    }
}

/// The Klaviyo webhook body that hands the Worker every value the operation
/// reads, each filled in by Klaviyo from the profile or event.
pub(super) fn webhook_body(
    options: &Options,
    provider: &ProviderInfo,
    sample: Option<&dyn Resolve>,
) -> Result<String, Error> {
    let mut person: Vec<(String, Body)> = Vec::new();
    let mut event: Vec<(String, Body)> = Vec::new();
    for (root, keys) in paths_read(options, provider)? {
        let numeric = sample.is_some_and(|s| {
            matches!(
                s.resolve_keys(root, &mut keys.iter().map(String::as_str)),
                Value::Number(n) if n.is_finite()
            )
        });
        match root {
            Root::Person => {
                // `person.properties.x` and `person.x` are both `person.x` to Klaviyo.
                let walk: Vec<&String> = match keys.first().map(String::as_str) {
                    Some("properties") => keys.iter().skip(1).collect(),
                    _ => keys.iter().collect(),
                };
                if walk.is_empty() {
                    continue;
                }
                insert(&mut person, &keys, leaf("person", &walk, numeric));
            }
            Root::Event => {
                if keys.is_empty() {
                    continue;
                }
                let walk: Vec<&String> = keys.iter().collect();
                insert(&mut event, &keys, leaf("event", &walk, numeric));
            }
        }
    }
    let mut top: Vec<(String, Body)> = vec![("person".into(), Body::Object(person))];
    if !event.is_empty() {
        top.push(("event".into(), Body::Object(event)));
    }
    let mut out = String::new();
    write_body(&top, 0, &mut out);
    Ok(out)
}
