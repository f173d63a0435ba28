//! The boundary: every `#[wasm_bindgen]` of the crate lives in this folder,
//! compiled only for wasm32. One file per exported JS class (`handler.rs`:
//! `Handler`, `worker_app.rs`: `WorkerApp`), the fetch driver, reading JS
//! values and options, conversions, the ledger driver and the playground's
//! exports. No business rule lives here: each file converts and calls the core.

mod calls;
mod convert;
mod fetch;
mod handler;
/// The host's primitives for the core (`crate::host`).
pub(crate) mod host;
pub(crate) mod js;
#[cfg(feature = "playground")]
mod playground;
pub(crate) mod read;
/// `passbridge sync`'s class (the npm package's wasm only).
#[cfg(feature = "sync")]
mod sync;
#[cfg(feature = "worker")]
mod worker_app;
/// The delivery ledger's driver (statements run through the entry's D1 runner).
#[cfg(feature = "worker")]
mod worker_ledger;

pub use handler::JsHandler;
#[cfg(feature = "sync")]
pub use sync::JsSync;
#[cfg(feature = "worker")]
pub use worker_app::JsWorkerApp;
