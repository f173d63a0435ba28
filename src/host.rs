//! The primitives a JavaScript host already does exactly, behind one trait.
//!
//! Case mapping, NFKD normalization, number text, decimal-number parsing and
//! JSON are specified by Unicode, ECMAScript and RFC 8259, and every JavaScript engine implements
//! them natively. The wasm builds ask the host (`src/wasm/host.rs`:
//! `String.prototype.toUpperCase`/`toLowerCase`/`normalize`, `String(n)`,
//! `Number(s)`, `JSON.parse`) instead of carrying Unicode's case and
//! decomposition tables, a float parser, a float printer and a JSON parser; the native build (`cargo test`, the fuzzers, the Django
//! differential) keeps Rust's implementations. Where the two can disagree
//! (the Unicode version of the case tables) is written in
//! docs/host-primitives.md, and tests/js/host-primitives.test.mjs checks
//! both over the fuzzers' values.

/// What the core asks of its host. Implementations carry no state: the
/// functions below pick the build's one implementation statically.
pub trait Primitives {
    /// Full Unicode upper-case mapping (`String.prototype.toUpperCase`).
    fn upper(s: &str) -> String;
    /// Full Unicode lower-case mapping, with the final-sigma rule
    /// (`String.prototype.toLowerCase`).
    fn lower(s: &str) -> String;
    /// The UTF-8 length of `s` with each character replaced by its full
    /// lower-case mapping or, when `upper_too`, by the longer of its lower- and
    /// upper-case mappings (each character on its own: the bound the filters
    /// check before mapping a long text).
    fn case_len(s: &str, upper_too: bool) -> usize;
    /// The NFKD normalization of `s` (`String.prototype.normalize("NFKD")`),
    /// or `None` where the build does not ask a host: the native build's
    /// `slugify` reads its table generated from Python's `unicodedata`.
    fn nfkd(s: &str) -> Option<String>;
    /// Appends JavaScript's `String(n)` of a number to `out`.
    fn push_number(out: &mut String, n: f64);
    /// The value of text that already matched the decimal grammar
    /// `[+-](digits[.digits]|.digits)[(e|E)[+-]digits]` (JavaScript's
    /// `Number(s)`, correctly rounded); `None` when it does not parse.
    fn decimal(s: &str) -> Option<f64>;
    /// JSON text as a value (`JSON.parse`); `Err` with a short reason when the
    /// text is not JSON, nests deeper than 128 levels or holds a number out of
    /// range.
    fn json(text: &str) -> Result<serde_json::Value, String>;
}

/// Rust's own implementations (std's Unicode tables, ryu-js, core's parser).
#[cfg(not(target_arch = "wasm32"))]
pub struct Native;

#[cfg(not(target_arch = "wasm32"))]
impl Primitives for Native {
    fn upper(s: &str) -> String {
        s.to_uppercase()
    }
    fn lower(s: &str) -> String {
        s.to_lowercase()
    }
    fn case_len(s: &str, upper_too: bool) -> usize {
        s.chars()
            .map(|c| {
                let lower: usize = c.to_lowercase().map(char::len_utf8).sum();
                if !upper_too {
                    return lower;
                }
                let upper: usize = c.to_uppercase().map(char::len_utf8).sum();
                lower.max(upper)
            })
            .sum()
    }
    fn nfkd(_: &str) -> Option<String> {
        None
    }
    fn push_number(out: &mut String, n: f64) {
        out.push_str(ryu_js::Buffer::new().format(n));
    }
    fn decimal(s: &str) -> Option<f64> {
        s.parse::<f64>().ok()
    }
    fn json(text: &str) -> Result<serde_json::Value, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(not(target_arch = "wasm32"))]
type Host = Native;
#[cfg(target_arch = "wasm32")]
type Host = crate::wasm::host::JsHost;

/// Upper-cases `s` (see [`Primitives::upper`]).
pub fn upper(s: &str) -> String {
    Host::upper(s)
}

/// Lower-cases `s` (see [`Primitives::lower`]).
pub fn lower(s: &str) -> String {
    Host::lower(s)
}

/// The length bound of case-mapping `s` (see [`Primitives::case_len`]).
pub fn case_len(s: &str, upper_too: bool) -> usize {
    Host::case_len(s, upper_too)
}

/// The host's NFKD normalization of `s` (see [`Primitives::nfkd`]).
pub fn nfkd(s: &str) -> Option<String> {
    Host::nfkd(s)
}

/// Appends `String(n)` to `out`.
pub fn push_number(out: &mut String, n: f64) {
    Host::push_number(out, n)
}

/// The value of grammar-checked decimal text (see [`Primitives::decimal`]).
pub fn decimal(s: &str) -> Option<f64> {
    Host::decimal(s)
}

/// JSON text as a value (see [`Primitives::json`]).
pub fn json(text: &str) -> Result<serde_json::Value, String> {
    Host::json(text)
}
