//! The template filters: Django's built-ins that mappings need, with Django's
//! semantics, and Klaviyo's own, per its filter glossary.
//!
//! `table` names every filter, `apply` dispatches a filter to its rule,
//! `growth` bounds what a filter may cost and build; the rules live by
//! subject (`case`, `text`, `encode`, `choice`, `number`, `list`, `layout`,
//! `date`, `printf`), on `chars` and the generated `unicode_data`.

mod apply;
mod case;
mod chars;
mod choice;
mod date;
mod encode;
mod exact;
mod growth;
mod layout;
mod list;
mod number;
mod printf;
mod table;
mod text;
// The wasm builds read NFKD from the host (src/host.rs): only the
// combining classes are used there.
#[rustfmt::skip]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
mod unicode_data;

pub(crate) use growth::checked;
pub use table::{names, Filter, Kind};
