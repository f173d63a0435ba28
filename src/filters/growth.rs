//! How much a filter may cost and build: work units per byte, and the
//! refusal, before building, of a text that would exceed the limit.

use super::table::name_of;
use super::{encode, Kind};
use crate::template::{cat, RenderError, MAX_VALUE_BYTES};
use crate::value::{Val, Value};

/// Units per byte a filter reads or builds: character by character with
/// Unicode tables costs more than copying (BENCHMARKS.md).
pub(super) fn per_byte(kind: Kind) -> u64 {
    match kind {
        // Case mapping of non-ASCII text crosses to the host (a run of
        // letters at a time for `title`): weighed so that a whole budget of it
        // stays well under 50 ms (bench/template-work.mjs, cases 9–11).
        Kind::Title => 5,
        Kind::Lower | Kind::Upper => 3,
        Kind::Capfirst
        | Kind::Slugify
        | Kind::TruncateChars
        | Kind::TruncateWords
        | Kind::WordCount => 2,
        _ => 1,
    }
}

/// Refuses, before anything is built, a text filter whose result could be
/// longer than [`MAX_VALUE_BYTES`]: `s` is the value's text, `arg` the argument.
pub(super) fn check_growth(kind: Kind, s: &str, arg: Option<&Value>) -> Result<(), RenderError> {
    let arg_len = || match arg {
        Some(Value::Str(a)) => a.len(),
        _ => 32,
    };
    let most = match kind {
        // Case mapping grows a character at most threefold (`ΐ` → `Ϊ́`): count
        // exactly only when that could matter.
        Kind::Lower | Kind::Upper | Kind::Title if s.len() > MAX_VALUE_BYTES / 3 => {
            crate::host::case_len(s, kind != Kind::Lower)
        }
        Kind::Capfirst => s.len() + 8,
        Kind::Base64Encode | Kind::Base64UrlEncode => s.len().div_ceil(3) * 4,
        Kind::UrlEncode if s.len() > MAX_VALUE_BYTES / 3 => encode::urlencoded_len(s, arg),
        Kind::Append | Kind::Add | Kind::Concat => s.len() + arg_len(),
        // A number of more than 200 digits and exponent is returned as is
        // (Django), so floatformat builds at most 200 digits, the places
        // asked for (at most 1,000) and a comma per three digits: no growth
        // past the limit is possible, whatever the input's length.
        Kind::FloatFormat => 0,
        _ => 0,
    };
    if most > MAX_VALUE_BYTES {
        return Err(too_big(name_of(kind)));
    }
    Ok(())
}

fn too_big(filter: &str) -> RenderError {
    RenderError::limit(cat(&[
        filter,
        " would build a text longer than 65536 bytes",
    ]))
}

/// A built text is bounded by [`MAX_VALUE_BYTES`].
pub(crate) fn checked(v: Val) -> Result<Val, RenderError> {
    match &v {
        Val::V(Value::Str(s)) if s.len() > MAX_VALUE_BYTES => Err(RenderError::limit(
            "a filter built a text longer than 65536 bytes".to_string(),
        )),
        _ => Ok(v),
    }
}
