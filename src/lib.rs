//! passbridge: keep Apple Wallet and Google Wallet passes in step with Klaviyo.
//!
//! The crate is a sans-IO core — given a configuration, a Klaviyo profile and an
//! optional event it returns a [`outcome::Plan`] (skip, or one HTTP request), and
//! given the answer it returns an [`outcome::Outcome`] or a typed [`error::Error`]
//! — plus one boundary module, `wasm`, that drives it from JavaScript.

pub mod dry_run;
pub mod env;
pub mod error;
pub mod filters;
pub mod handler;
pub mod http;
pub mod ledger;
pub mod mapping;
pub mod options;
pub mod outcome;
pub mod playground;
pub mod profile;
pub mod providers;
pub mod retry;
pub mod template;
pub mod value;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod webhook;
pub mod worker;

pub use error::{Code, Error};
pub use handler::{Configured, Door, Handler, Step};
pub use options::{OptionValue, Options};
pub use outcome::{OutValue, Outcome, Plan};
#[cfg(target_arch = "wasm32")]
pub use wasm::{JsHandler, JsWorkerApp};
