//! The work budget of one call: every value read, loop step, item compared
//! and byte a filter builds or scans is counted against [`MAX_WORK`], shared
//! by all the templates rendered for that call (every field of a mapping).
//!
//! The limits on each factor alone (items, loop steps, condition words,
//! fields) do not bound their product; this does. Counting is a `Cell` add
//! and a compare, so a check costs nanoseconds.

use std::cell::Cell;

use super::{RenderError, MAX_WORK};

/// What each kind of work costs, in units of [`MAX_WORK`]. A unit is about
/// 10 ns of the wasm's time in Node on the reference machine: each weight
/// below was set from the slowest case of its kind (`bench/template-work.mjs`,
/// BENCHMARKS.md), so that no template within the documented limits spends
/// the whole budget in more than about 50 ms.
pub mod cost {
    /// A value read by a template (an operand, a filter argument)…
    pub const READ: u64 = 20;
    /// …and each key of its path (`o.tags.a` reads three).
    pub const KEY: u64 = 30;
    /// A filter applied.
    pub const FILTER: u64 = 10;
    /// One `{% for %}` iteration.
    pub const STEP: u64 = 20;
    /// One list item compared (`in`, `==`, `<`) or read by a filter
    /// (`join`), or indexed for `in`.
    pub const ITEM: u64 = 4;
    /// One list item copied into a new list (`compact`, `concat`).
    pub const COPY: u64 = 10;
    /// Reaching a list of the profile that is already read (`==` and `<`
    /// between lists reach one per item compared).
    pub const LIST: u64 = 30;
    /// One `x in list` answered by the list's index.
    pub const LOOKUP: u64 = 20;
    /// Bytes compared per unit (texts of equal length).
    pub const COMPARED_BYTES_PER_UNIT: usize = 16;
    /// Bytes of text copied per unit (a value read, a loop's item, an item
    /// copied by `compact` or `concat`).
    pub const COPIED_BYTES_PER_UNIT: usize = 16;
}

/// A per-call work counter.
#[derive(Debug, Default)]
pub struct Work {
    used: Cell<u64>,
}

impl Work {
    pub fn new() -> Work {
        Work::default()
    }

    /// Units spent so far.
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// Counts `units`; an error once the call has spent more than [`MAX_WORK`].
    pub fn spend(&self, units: u64) -> Result<(), RenderError> {
        let used = self.used.get().saturating_add(units);
        self.used.set(used);
        if used > MAX_WORK {
            return Err(exhausted());
        }
        Ok(())
    }

    /// Counts `bytes` built or scanned, `per_byte` units each (at least one unit).
    pub fn spend_bytes(&self, bytes: usize, per_byte: u64) -> Result<(), RenderError> {
        self.spend((bytes as u64).saturating_mul(per_byte).max(1))
    }
}

/// The error once the budget is spent (the caller names the field).
pub fn exhausted() -> RenderError {
    RenderError::limit(
        "the call's work budget is spent (4000000 units: values read, loop steps, list items compared, bytes filters build or scan; see docs/work-budget.md)"
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_spent_once_past_max_work_and_the_message_says_its_size() {
        let work = Work::new();
        assert!(work.spend(MAX_WORK - 10).is_ok());
        assert!(work.spend_bytes(10, 1).is_ok());
        assert_eq!(work.used(), MAX_WORK);
        let err = work.spend_bytes(0, 4).unwrap_err();
        assert_eq!(err.failure, super::super::Failure::Limit);
        assert!(err.message.contains(&format!("({MAX_WORK} units")));
        // Once spent, it stays spent.
        assert!(work.spend(0).is_err());
    }
}
