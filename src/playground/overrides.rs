//! Base-URL overrides in the page's state. A shared link can carry
//! `PASSNINJA_BASE_URL` (any variable of
//! [`REGISTRY.base_url_variables`](crate::providers::Registry::base_url_variables),
//! Klaviyo's included) in `#env`; the snippets would then send the real API
//! key elsewhere. The page shows each override prominently and in the
//! request preview, and lets its snippets be copied only once the person
//! has seen it.

use super::secrets::{invisible, normalized};
use crate::json::push_json_string;
use crate::providers::REGISTRY;

/// One base-URL variable set in `#env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The registry's name for it (`PASSNINJA_BASE_URL`).
    pub variable: &'static str,
    /// Its value, as one line ([`one_line`]).
    pub value: String,
    /// Where requests go without it.
    pub default: &'static str,
}

/// Every base-URL variable `env` sets (any case, spaces or invisible
/// characters in its name; blank values set nothing), in `#env` order.
pub fn base_url_overrides(env: &[(String, String)]) -> Vec<Override> {
    env.iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(name, value)| {
            let n = normalized(name);
            let (variable, default) = REGISTRY.base_url_variables().find(|(v, _)| *v == n)?;
            Some(Override {
                variable,
                value: one_line(value),
                default,
            })
        })
        .collect()
}

/// The warning the page shows above its result and snippets, one line per
/// override; `None` when there is none.
pub fn override_warning(env: &[(String, String)]) -> Option<String> {
    let lines: Vec<String> = base_url_overrides(env)
        .iter()
        .map(|o| {
            format!(
                "{} is set: requests go to {}, not {}, and the snippets below carry it. Remove it from #env unless that is your own test server.",
                o.variable, o.value, o.default
            )
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The request preview's first lines for the overrides (empty when none).
pub fn override_preview(env: &[(String, String)]) -> String {
    base_url_overrides(env)
        .iter()
        .map(|o| {
            format!(
                "# {} overrides the host: {} (not {})\n",
                o.variable, o.value, o.default
            )
        })
        .collect()
}

/// `s` as it can stand on one line of a snippet: unchanged when it holds no
/// control, line-breaking (`\n`, `\r`, U+0085, U+2028, U+2029…) or invisible
/// character; else as a JSON string, so that one value is one line and
/// nothing hides in it.
pub fn one_line(s: &str) -> String {
    if !s.chars().any(invisible) {
        return s.to_string();
    }
    let mut out = String::new();
    push_json_string(&mut out, s);
    escape_rest(&out)
}

/// A variable's name as it can stand before `=` on a snippet line: as typed
/// when it is letters, digits and `_`; else a JSON string, so that a name
/// holding `=` (`PASSNINJA_BASE_URL=https://…`) cannot read as another
/// variable set to a value.
pub fn name_line(name: &str) -> String {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        return name.to_string();
    }
    let mut out = String::new();
    push_json_string(&mut out, name);
    escape_rest(&out)
}

/// `\uXXXX` for every character [`crate::json::push_json_string`] leaves as
/// it is but that breaks a line or shows as nothing (U+0085, bidi controls…).
pub(super) fn escape_rest(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if invisible(c) && !matches!(c, '\n') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}
