//! The JavaScript this boundary calls: the helpers of js/boundary.js (one
//! namespace import), the Fetch API types it is handed, and the interned keys
//! and own-property writes every conversion uses.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

// The JS helpers live in js/boundary.js (linted and tested like any JS).
#[wasm_bindgen(module = "/js/boundary.js", js_namespace = pb)]
extern "C" {
    /// `o[k]` for an own property of an object or a canonical index of an
    /// array (as natively: no prototype members, no `length`), else
    /// `undefined` (also when a getter throws).
    #[wasm_bindgen(js_name = get)]
    pub(super) fn pb_get(o: &JsValue, k: &JsValue) -> JsValue;
    /// `o[i]` of an array (no key string to convert), else `undefined`
    /// (also when a getter throws).
    #[wasm_bindgen(js_name = at)]
    pub(super) fn pb_at(o: &JsValue, i: u32) -> JsValue;
    /// `[[key, string-or-null], …]` of an object's own enumerable properties,
    /// or `null` when reading them throws.
    #[wasm_bindgen(js_name = entries)]
    pub(super) fn pb_entries(o: &JsValue) -> JsValue;
    /// The body of a Response as text, at most `limit` bytes (the rest is
    /// cancelled); rejects when reading fails.
    #[wasm_bindgen(js_name = readText)]
    pub(super) fn pb_read_text(res: &JsValue, limit: f64) -> JsValue;
    /// An environment variable as text (numbers and booleans as `String(v)`),
    /// in one crossing; `None` when unset or of another type.
    #[wasm_bindgen(js_name = env)]
    pub(super) fn pb_env(o: &JsValue, k: &JsValue) -> Option<String>;
    /// `Object.keys(o)`, or `null` when that throws.
    #[wasm_bindgen(js_name = keys)]
    pub(super) fn pb_keys(o: &JsValue) -> JsValue;
    /// Defines the own property `k` of a fresh object: never an inherited
    /// setter (a polluted `Object.prototype` cannot intercept or throw).
    #[wasm_bindgen(js_name = set)]
    fn pb_set(o: &JsValue, k: &JsValue, v: &JsValue);
    /// `{ dryRun: true, request: { method, url, headers, body } }`.
    #[wasm_bindgen(js_name = dryRun)]
    pub(super) fn pb_dry_run(
        method: &JsValue,
        url: &str,
        body: &JsValue,
        headers: &JsValue,
    ) -> JsValue;
    /// The value's kind, a number of `read::ValueKind`.
    #[wasm_bindgen(js_name = kind)]
    pub(super) fn pb_kind(v: &JsValue) -> u8;
    /// Hands `kind` its numbers (`read::ValueKind` is their one definition).
    #[wasm_bindgen(js_name = useKinds)]
    pub(super) fn pb_use_kinds(kinds: &JsValue);
    /// The length of an array or the number of keys of an object (0 if that throws).
    #[wasm_bindgen(js_name = len)]
    pub(super) fn pb_len(v: &JsValue) -> u32;
    /// `String(v)` (for a bigint), or "" if that throws.
    #[wasm_bindgen(js_name = text)]
    pub(super) fn pb_text(v: &JsValue) -> String;
    /// `{ promise, signal, timer }`: a promise rejected with `mark` after
    /// `ms` (aborting `signal`), unless `pb_cancel` clears it first.
    #[wasm_bindgen(js_name = deadline)]
    pub(super) fn pb_deadline(ms: f64, mark: &str) -> JsValue;
    #[wasm_bindgen(js_name = cancel)]
    pub(super) fn pb_cancel(deadline: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    pub(super) fn set_timeout(callback: &JsValue, ms: f64) -> JsValue;
}

// The Worker's view of a request: web-sys's typed `Request`, `Headers` and
// `Url` (the URL standard's parser), measured at +441 bytes of wasm against
// hand-written externs (BENCHMARKS.md).
#[cfg(feature = "worker")]
use web_sys::Url;
#[cfg(feature = "worker")]
pub use web_sys::{Headers, Request};

/// A request header's value, or `None` (also when reading it throws).
#[cfg(feature = "worker")]
pub(super) fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.get(name).ok().flatten()
}

/// The path and query of a URL (`"/"` and `""` when it does not parse).
#[cfg(feature = "worker")]
pub(super) fn path_and_query(url: &str) -> (String, String) {
    match Url::new(url) {
        Ok(u) => (u.pathname(), u.search()),
        Err(_) => ("/".to_string(), String::new()),
    }
}

/// Keys (template path steps, variable names, output names) as JS strings,
/// each converted once. They are looked up by address first: a template's
/// keys live as long as its handler and constants forever, so the common case
/// is one integer comparison instead of hashing the text (which profiling
/// showed costing more than the property reads themselves). The text is
/// compared too, so a reused address can never return a stale key.
struct KeyCache {
    entries: Vec<(usize, Box<str>, JsValue)>,
}

/// Beyond this many distinct keys, new ones are converted on each use.
const MAX_CACHED_KEYS: usize = 512;

thread_local! {
    static KEYS: RefCell<KeyCache> = const { RefCell::new(KeyCache { entries: Vec::new() }) };
}

/// Calls `f` with `key` as a JS string, converting it at most once.
pub(super) fn with_key<R>(key: &str, f: impl FnOnce(&JsValue) -> R) -> R {
    let addr = key.as_ptr() as usize;
    KEYS.with(|cache| {
        // A getter on a hostile profile could call back into the library
        // while the cache is held: then just convert without caching.
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return f(&JsValue::from_str(key));
        };
        let found = cache
            .entries
            .iter()
            .position(|(a, k, _)| *a == addr && **k == *key)
            .or_else(|| cache.entries.iter().position(|(_, k, _)| **k == *key));
        match found.and_then(|i| cache.entries.get(i)) {
            Some((_, _, v)) => f(v),
            None => {
                let v = JsValue::from_str(key);
                let out = f(&v);
                if cache.entries.len() < MAX_CACHED_KEYS {
                    cache.entries.push((addr, key.into(), v));
                }
                out
            }
        }
    })
}

/// `target[key] = value` as an own property.
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    with_key(key, |k| pb_set(target, k, value));
}

/// A string that is one of a few constants (methods, header names, reasons).
pub(crate) fn constant(s: &'static str) -> JsValue {
    with_key(s, JsValue::clone)
}

/// `o[name]` (own property) through the interned key.
pub(super) fn get(o: &JsValue, name: &str) -> JsValue {
    with_key(name, |k| pb_get(o, k))
}
