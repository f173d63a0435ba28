//! The mapping playground (`dist/playground.html`, and the Worker's `GET /`).
//!
//! The page runs the doors' own dry run (`Handler.plan`); everything else it
//! shows or offers to paste that needs knowledge of options, variables or
//! routes comes from here, so the page holds no rule of its own and cannot
//! drift from what the doors accept:
//!
//! - [`Shown`]: the text of a dry-run result (`make demo` prints the same);
//! - [`json_problem`]: where a textarea's JSON is broken (line, column);
//! - [`template_problem`]: which option, field and position a bad template has;
//! - [`secret_problem`]: a secret variable named in `#env` or `#options`
//!   (refused, and removed from the saved link);
//! - [`override_warning`]: a base-URL override in `#env`, shown before
//!   the snippets can be copied;
//! - [`catalog_json`]: providers, operations, routes and sample inputs;
//! - [`snippets`]: the `PASSBRIDGE_*` variables, the webhook body and the
//!   `createHandler` call that make each door do what the page shows.

mod body;
mod catalog;
mod overrides;
mod problems;
#[cfg(test)]
mod safety_tests;
mod secrets;
mod shown;
mod snippets;
#[cfg(test)]
mod tests;

pub use catalog::catalog_json;
pub use overrides::{override_preview, override_warning};
pub use problems::{error_text, json_problem_text};
pub use secrets::secret_problem;
pub use shown::Shown;
pub use snippets::snippets_for;

use crate::env::Env;

/// The page's Content-Security-Policy (its `<meta>` tag and the Worker's
/// header): nothing may be loaded or sent; only the inline script and style
/// run, and the inlined wasm may be compiled.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// The API key the page plans with. It never shows: dry runs print `***`.
pub const PLACEHOLDER_API_KEY: &str = "playground-placeholder-key";

/// The profile the page starts with: the one `make demo` plans first.
pub const SAMPLE_PROFILE: &str = include_str!("../../examples/profile-with-pass.json");

/// Variables as ordered pairs (the page's `#env`), read as an [`Env`].
/// (A `HashMap` would pull its hashing code into the wasm every door ships.)
pub struct Vars<'a>(pub &'a [(String, String)]);

impl Env for Vars<'_> {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}
