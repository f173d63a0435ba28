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
mod host;
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
mod template;
mod value;

/// Declares modules that only one door's wasm drives: elsewhere (native
/// builds, the other doors' wasm) only their unit tests run them, so unused
/// code there is not a finding.
macro_rules! driven_by {
    ($feature:literal: $($module:ident),+) => {$(
        #[cfg_attr(
            not(all(target_arch = "wasm32", feature = $feature)),
            allow(dead_code, unused_imports)
        )]
        mod $module;
    )+};
}

// The Worker's rules (its answers, routes, ledger, pages, step and write-back
// to Klaviyo): driven only by its class in `wasm/` (feature `worker`).
driven_by!("worker": answer, ledger, review, webhook, worker, write_back);
// The playground's rules: its exports in `wasm/` (feature `playground`; the
// Worker reads PAGE_CSP).
driven_by!("playground": playground);
// The bulk sync's rules: its class in `wasm/` (feature `sync`).
driven_by!("sync": sync);

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
