//! passbridge: keep Apple Wallet and Google Wallet passes in step with Klaviyo.
//!
//! The crate is a sans-IO core — given a configuration, a Klaviyo profile and an
//! optional event it returns a [`Plan`] (skip, or one HTTP request), and given
//! the answer it returns an [`Outcome`] or a typed [`Error`] — plus one
//! boundary folder, `wasm/` (wasm32 only), that drives it from JavaScript.
//!
//! The building blocks are private modules; their public API is re-exported
//! here. The Worker's, the ledger's and the playground's rules are public
//! modules (`worker`, `webhook`, `ledger`, `playground`): the boundary drives them.

mod calendar;
mod dry_run;
mod env;
mod error;
mod filters;
mod handler;
mod host;
mod http;
mod json;
pub mod ledger;
mod mapping;
mod options;
mod outcome;
pub mod playground;
mod profile;
mod providers;
mod retry;
mod status;
mod template;
mod value;
#[cfg(target_arch = "wasm32")]
mod wasm;
pub mod webhook;
pub mod worker;

pub use calendar::days_from_civil;
pub use dry_run::DryRun;
pub use env::{secret_header, Env};
pub use error::{Code, Error, WorkerCode, INTERNAL_MESSAGE};
pub use filters::names as filter_names;
pub use handler::{Configured, Door, Handler, Operation, Step};
pub use http::{encode_segment, Header, HttpRequest, HttpResponse};
pub use mapping::pairs_from_json;
pub use options::{
    option_names, Given, OptionKind, OptionSource, OptionSpec, OptionValue, Options,
};
pub use outcome::{OutValue, Outcome, Plan};
pub use profile::{Input, Node, Resolve, Root};
pub use providers::{OperationSpec, Provider, Registry, PROVIDERS, REGISTRY};
pub use retry::RetryPolicy;
pub use template::Template;
pub use value::{js_number, Value};
#[cfg(target_arch = "wasm32")]
pub use wasm::JsHandler;
#[cfg(all(target_arch = "wasm32", feature = "worker"))]
pub use wasm::JsWorkerApp;
