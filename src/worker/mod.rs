//! The Cloudflare Worker proxy's rules, sans-IO: routing and the gate
//! (authentication, method, media type, size), the body, and the log line.
//! The answers themselves are built in `answer.rs`, which the ledger shares.

mod body;
mod log;
mod routes;
#[cfg(test)]
mod tests;

pub use crate::answer::{client_closed, dry_run, failure, internal_error, success, Answer};
pub use crate::providers::Route;
pub use body::{
    body_text, drain_before_early_answer, parse_body, person_and_event, sends_body, too_large,
    DRAIN_MS, MAX_BODY_BYTES,
};
pub use log::{log_line, FLOW_ID_HEADER};
pub use routes::{gate, page_of, route, Gate, Incoming, HEALTH_PATH};
