//! The Worker's delivery ledger, sans-IO: which key identifies a webhook
//! delivery, what a stored row plus a new attempt's result becomes, what
//! Klaviyo is told, and the SQL statements (text + bound values) the entry
//! runs on Cloudflare D1. The entry executes statements and decides nothing;
//! this module never touches the database or the clock (`now` is passed in).
//!
//! A delivery is `pending` while one instance sends it, then `done` (2xx),
//! `failed` (a 4xx other than 429), `ambiguous` (a 5xx, timeout or network
//! failure of an operation that is not idempotent: it may have been applied,
//! so a person decides) or `dropped` (a person said it was not applied and
//! must not be), or, for the routes that set a pass to a state, `superseded`
//! (a newer delivery for its pass was applied: never sent) or `released`
//! (not applied yet, kept for its first sighting: see `order`). Failures
//! that prove nothing was applied release the claim (the row is deleted, or
//! kept `released` for an ordered route) so Klaviyo's resend sends again.

pub mod admin;
mod config;
mod decisions;
mod keys;
mod list;
mod machine;
mod order;
mod rows;
pub mod sha256;
mod sql;
pub mod summary;
mod tag;
pub mod write_back;

pub use config::*;
pub use keys::*;
pub use machine::*;
pub use order::{claim_ordered, finish_ordered, mark, pass_key};
pub use rows::*;
pub use sql::*;
pub use tag::*;

use crate::providers::Route;

/// The route a stored row belongs to.
pub fn route_of(path: &str) -> Option<Route> {
    crate::providers::REGISTRY.route(path)
}

#[cfg(test)]
mod order_tests;
#[cfg(test)]
mod tests;
