//! The work budget of one call: every value read, loop step, item compared
//! and byte a filter builds or scans is counted against [`MAX_WORK`], shared
//! by all the templates rendered for that call (every field of a mapping).
//!
//! The limits on each factor alone (items, loop steps, condition words,
//! fields) do not bound their product; this does. Counting is a `Cell` add
//! and a compare, so a check costs nanoseconds.

use std::cell::Cell;

use super::{RenderError, MAX_WORK};

/// What each kind of work costs, in units of [`MAX_WORK`]. One unit is about
/// the time to compare two items of a list (BENCHMARKS.md measures the worst
/// case of each kind).
pub mod cost {
    /// A value read by a template (an operand, a filter argument).
    pub const READ: u64 = 4;
    /// A filter applied.
    pub const FILTER: u64 = 2;
    /// One `{% for %}` iteration.
    pub const STEP: u64 = 2;
    /// One list item compared (`in`, `==`, `<` on lists) or read by a
    /// filter (`join`, `compact`, `concat`, `first`, `last`).
    pub const ITEM: u64 = 1;
    /// Bytes per unit a filter or a comparison builds or scans.
    pub const BYTES_PER_UNIT: usize = 4;
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

    /// Counts `bytes` built or scanned (at least one unit).
    pub fn spend_bytes(&self, bytes: usize) -> Result<(), RenderError> {
        self.spend((bytes / cost::BYTES_PER_UNIT) as u64 + 1)
    }
}

/// The error once the budget is spent (the caller names the field).
pub fn exhausted() -> RenderError {
    RenderError::limit(
        "the call's work budget is spent (4000000 units: values read, loop steps, list items compared, bytes filters build or scan; see Limits in docs/templates.md)"
            .to_string(),
    )
}
