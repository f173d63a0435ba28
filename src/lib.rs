//! passbridge: keep Apple Wallet and Google Wallet passes in step with Klaviyo.
//!
//! The crate is a sans-IO core — given a configuration, a Klaviyo profile and an
//! optional event it returns a [`Plan`] (skip, or one HTTP request), and given
//! the answer it returns an [`Outcome`] or a typed [`Error`] — plus one
//! boundary folder, `wasm/` (wasm32 only), that drives it from JavaScript.
//!
//! Every module is private; the public API is re-exported here. The
//! Worker's, the ledger's and the playground's rules (`worker`, `webhook`,
//! `ledger`, `review`, `playground`, `answer`) are driven only by the boundary, which
//! lives in this crate.

mod calendar;
mod dry_run;
mod env;
mod error;
mod filters;
mod handler;
mod http;
mod json;
mod klaviyo;
mod mapping;
mod options;
mod outcome;
mod profile;
mod providers;
mod reads;
mod retry;
mod status;
pub mod sync;
mod template;
mod value;

// The Worker's rules (its answers, routes, ledger and step): driven only by
// its class in `wasm/` (feature `worker`); elsewhere only their unit tests
// run them, so unused code there is not a finding.
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "worker")),
    allow(dead_code, unused_imports)
)]
mod answer;
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "worker")),
    allow(dead_code, unused_imports)
)]
mod ledger;
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "worker")),
    allow(dead_code, unused_imports)
)]
mod review;
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "worker")),
    allow(dead_code, unused_imports)
)]
mod webhook;
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "worker")),
    allow(dead_code, unused_imports)
)]
mod worker;
// The playground's rules: driven only by its exports in `wasm/` (feature
// `playground`; the Worker reads PAGE_CSP); elsewhere only unit tests run them.
#[cfg_attr(
    not(all(target_arch = "wasm32", feature = "playground")),
    allow(dead_code, unused_imports)
)]
mod playground;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use calendar::days_from_civil;
pub use dry_run::DryRun;
pub use env::{secret_header, Env};
pub use error::{Code, Error, WorkerCode, INTERNAL_MESSAGE};
pub use filters::names as filter_names;
pub use handler::{Configured, Door, Handler, Step};
pub use http::Plan;
pub use http::{encode_segment, Header, HttpRequest, HttpResponse};
pub use mapping::pairs_from_json;
pub use options::{Given, OptionKind, OptionSource, OptionSpec, OptionValue, Options};
pub use outcome::{OutValue, Outcome};
pub use profile::{Input, Node, Resolve, Root};
pub use providers::{
    option_names, Operation, OperationSpec, Provider, Registry, PROVIDERS, REGISTRY,
};
pub use retry::RetryPolicy;
pub use template::Template;
pub use value::{js_number, Value};
#[cfg(target_arch = "wasm32")]
pub use wasm::JsHandler;
#[cfg(all(target_arch = "wasm32", feature = "sync"))]
pub use wasm::JsSync;
#[cfg(all(target_arch = "wasm32", feature = "worker"))]
pub use wasm::JsWorkerApp;
