//! Reading JavaScript values: profiles and events lazily (only the paths the
//! templates use), environment variables, and the options object.

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{
    get, pb_at, pb_entries, pb_env, pb_keys, pb_kind, pb_len, pb_text, pb_use_kinds, set, with_key,
};
use crate::env::Env;
use crate::options::{Given, OptionSource};
use crate::profile::Node;
use crate::value::Value;

/// What a JavaScript value is, as js/boundary.js `kind()` classifies it.
/// This enum is the one definition of the numbers `kind()` answers: they are
/// handed to js/boundary.js ([`ValueKind::share`]) when a class is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum ValueKind {
    /// `undefined`, a function, a symbol, or a value that throws when inspected.
    Undefined,
    Null,
    Bool,
    Number,
    String,
    Array,
    /// A plain object (JSON data).
    Object,
    BigInt,
    /// An object that is not JSON data (Date, Map, a class instance…).
    Foreign,
}

/// Every kind, indexed by its number, with its name in js/boundary.js.
const KINDS: [(ValueKind, &str); 9] = [
    (ValueKind::Undefined, "UNDEFINED"),
    (ValueKind::Null, "NULL"),
    (ValueKind::Bool, "BOOL"),
    (ValueKind::Number, "NUMBER"),
    (ValueKind::String, "STRING"),
    (ValueKind::Array, "ARRAY"),
    (ValueKind::Object, "OBJECT"),
    (ValueKind::BigInt, "BIGINT"),
    (ValueKind::Foreign, "FOREIGN"),
];

impl ValueKind {
    pub(super) fn of(v: &JsValue) -> ValueKind {
        KINDS
            .get(usize::from(pb_kind(v)))
            .map_or(ValueKind::Undefined, |(k, _)| *k)
    }

    /// Tells js/boundary.js the numbers, by name (`{ UNDEFINED: 0, … }`).
    pub(super) fn share() {
        let kinds: JsValue = js_sys::Object::new().into();
        for (kind, name) in KINDS {
            set(&kinds, name, &JsValue::from_f64(f64::from(kind as u8)));
        }
        pb_use_kinds(&kinds);
    }
}

/// A JavaScript value read lazily, one crossing per path step, with its
/// kind learned in one more.
#[derive(Clone)]
pub(crate) struct JsNode {
    value: JsValue,
    kind: ValueKind,
}

impl JsNode {
    pub(super) fn new(value: JsValue) -> JsNode {
        let kind = ValueKind::of(&value);
        JsNode { value, kind }
    }
}

impl Node for JsNode {
    fn member(&self, key: &str) -> Option<Self> {
        if !matches!(self.kind, ValueKind::Object | ValueKind::Array) {
            return None;
        }
        // Keys come from templates: interned, each crosses the boundary once.
        // A throwing getter (a hostile Proxy) reads as missing.
        // A list's items are read by number: a thousand index texts would
        // crowd the key cache out.
        let value = match (self.kind, crate::profile::canonical_index(key)) {
            (ValueKind::Array, Some(i)) => match u32::try_from(i) {
                Ok(i) => pb_at(&self.value, i),
                Err(_) => return None,
            },
            _ => get(&self.value, key),
        };
        let node = JsNode::new(value);
        (node.kind != ValueKind::Undefined).then_some(node)
    }

    fn is_object(&self) -> bool {
        self.kind == ValueKind::Object
    }

    fn value(&self) -> Value {
        let v = &self.value;
        match self.kind {
            ValueKind::Null => Value::Null,
            ValueKind::Bool => Value::Bool(v.as_bool().unwrap_or(false)),
            ValueKind::Number => Value::Number(v.as_f64().unwrap_or(f64::NAN)),
            ValueKind::String => Value::Str(v.as_string().unwrap_or_default()),
            ValueKind::Array => Value::List(pb_len(v) as usize),
            ValueKind::Object => Value::Object(pb_len(v) as usize),
            ValueKind::BigInt => Value::Str(pb_text(v)),
            ValueKind::Foreign => Value::Foreign,
            // Undefined, functions and symbols are not data.
            ValueKind::Undefined => Value::Missing,
        }
    }

    fn keys(&self) -> Vec<String> {
        if self.kind != ValueKind::Object {
            return Vec::new();
        }
        // `null` when Object.keys throws (a hostile Proxy): no keys.
        match pb_keys(&self.value).dyn_into::<Array>() {
            Ok(keys) => keys.iter().filter_map(|k| k.as_string()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Converts `undefined` to `None` for optional arguments.
pub(crate) fn present(v: JsValue) -> Option<JsNode> {
    let node = JsNode::new(v);
    (node.kind != ValueKind::Undefined).then_some(node)
}

/// Environment variables read from a JS object (`process.env`, Worker bindings).
pub(super) struct JsEnv(pub JsValue);

impl Env for JsEnv {
    fn var(&self, name: &str) -> Option<String> {
        with_key(name, |k| pb_env(&self.0, k))
    }
}

/// The options object given in code; `Options::read` holds every rule.
pub(super) struct JsOptions<'a>(pub &'a JsValue);

fn given(v: &JsValue) -> Given {
    if v.is_undefined() || v.is_null() {
        return Given::Absent;
    }
    if let Some(s) = v.as_string() {
        return Given::Text(s);
    }
    if let Some(n) = v.as_f64() {
        return Given::Number(n);
    }
    if let Some(b) = v.as_bool() {
        return Given::Bool(b);
    }
    if v.is_function() {
        return Given::Function;
    }
    match ValueKind::of(v) {
        ValueKind::Object => Given::Object,
        _ => Given::Other,
    }
}

impl OptionSource for JsOptions<'_> {
    fn shape(&self) -> Given {
        given(self.0)
    }

    fn names(&self) -> Option<Vec<String>> {
        let keys = pb_keys(self.0);
        Array::is_array(&keys).then(|| {
            keys.unchecked_ref::<Array>()
                .iter()
                .map(|k| k.as_string().unwrap_or_default())
                .collect()
        })
    }

    fn given(&self, name: &str) -> Given {
        given(&get(self.0, name))
    }

    fn entries(&self, name: &str) -> Option<Vec<(String, Option<String>)>> {
        let entries = pb_entries(&get(self.0, name));
        Array::is_array(&entries).then(|| {
            entries
                .unchecked_ref::<Array>()
                .iter()
                .map(|entry| {
                    let entry: Array = entry.unchecked_into();
                    (
                        entry.get(0).as_string().unwrap_or_default(),
                        entry.get(1).as_string(),
                    )
                })
                .collect()
        })
    }
}
