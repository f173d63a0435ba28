//! `passbridge sync`: bring every pass of a Klaviyo segment, list or file of
//! profiles in step. Sans-IO like the rest of the core: the Node command
//! (bin/passbridge.mjs) does the HTTP, files and terminal through the wasm
//! class `Sync` (src/wasm/sync.rs); every decision is made here.
//!
//! - [`source`]: the pages of profiles (Klaviyo's cursor, or a JSONL file).
//! - [`pace`]: when the next request may go (Klaviyo's headers, `--rate`).
//! - [`decide`]: what an operation's answer means for the run.
//! - [`checkpoint`]: the append-only checkpoint, the resume rules, the report.

pub mod checkpoint;
pub mod decide;
pub mod pace;
pub mod report;
pub mod run;
pub mod source;
pub mod wire;

use crate::env::Env;
use crate::error::Error;
use crate::klaviyo::write_back::WriteBack;
use crate::klaviyo::Klaviyo;
use crate::options::Options;
use crate::providers::{OperationSpec, Provider, REGISTRY};

/// The error prefix of the sync's own messages.
pub const PREFIX: &str = "passbridge sync: ";

/// Where the profiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Segment(String),
    List(String),
    /// A JSONL file, one profile per line (ids are line numbers from 1).
    File(String),
}

impl Source {
    /// `segment:<id>`, `list:<id>` or `file:<path>`.
    pub fn parse(text: &str) -> Result<Source, Error> {
        let bad = |why: &str| Error::invalid_config(format!("{PREFIX}{why}"));
        let (kind, rest) = text
            .split_once(':')
            .ok_or_else(|| bad("the source must be segment:<id>, list:<id> or file:<path>"))?;
        if rest.is_empty() {
            return Err(bad("the source needs an id or a path"));
        }
        match kind {
            "segment" | "list" => {
                let ok = rest.len() <= 64
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if !ok {
                    return Err(bad(&format!(
                        "a {kind} id is letters, digits, - or _ (at most 64)"
                    )));
                }
                Ok(if kind == "segment" {
                    Source::Segment(rest.into())
                } else {
                    Source::List(rest.into())
                })
            }
            "file" => Ok(Source::File(rest.into())),
            _ => Err(bad(
                "the source must be segment:<id>, list:<id> or file:<path>",
            )),
        }
    }

    /// As the report and the checkpoint write it.
    pub fn label(&self) -> String {
        match self {
            Source::Segment(id) => format!("segment:{id}"),
            Source::List(id) => format!("list:{id}"),
            Source::File(path) => format!("file:{path}"),
        }
    }
}

/// A sync run's configuration, checked before anything is read or sent.
pub struct SyncConfig {
    pub source: Source,
    pub provider: &'static Provider,
    pub operation: &'static OperationSpec,
    /// Klaviyo's API (a segment or list source, or write-back).
    pub klaviyo: Option<Klaviyo>,
    /// The write-back mapping when `--write-back` is given.
    pub write_back: Option<WriteBack>,
    /// Identifies the source, operation and mapping: a checkpoint of a
    /// different one is refused.
    pub fingerprint: String,
}

impl std::fmt::Debug for SyncConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncConfig")
            .field("source", &self.source)
            .field("operation", &self.operation_label())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl SyncConfig {
    /// Reads `options` (provider, operation, given as `--provider` /
    /// `--operation`) with the `PASSBRIDGE_*` and provider variables of
    /// `env`, the same way the doors do.
    pub fn new(
        source: &str,
        options: Options,
        env: &dyn Env,
        write_back: bool,
    ) -> Result<SyncConfig, Error> {
        let source = Source::parse(source)?;
        let options = options.with_env(env)?;
        // Builds the operation exactly as a door would (every option checked).
        let (provider, _) = REGISTRY.build(&options)?;
        let operation = match options.operation.as_deref() {
            None => provider.operations.first(),
            Some(name) => provider.operations.iter().find(|o| o.name == name),
        }
        .ok_or_else(|| Error::invalid_config(format!("{PREFIX}unknown operation")))?;
        let needs_klaviyo = write_back || !matches!(source, Source::File(_));
        let klaviyo = if needs_klaviyo {
            Some(Klaviyo::from_env(env)?)
        } else {
            None
        };
        let write_back = if write_back {
            let custom = WriteBack::from_env(env, [operation])?;
            let wb = WriteBack::or_default(custom.as_ref(), operation);
            if wb.0.is_empty() {
                return Err(Error::invalid_config(format!(
                    "{PREFIX}--write-back: {}/{} writes nothing by default; set {}",
                    provider.id,
                    operation.name,
                    crate::klaviyo::write_back::VARIABLE
                )));
            }
            Some(wb)
        } else {
            None
        };
        let fingerprint = fingerprint(&source, provider, operation, env, write_back.as_ref());
        Ok(SyncConfig {
            source,
            provider,
            operation,
            klaviyo,
            write_back,
            fingerprint,
        })
    }

    /// `<provider>/<operation>`, as the report writes it.
    pub fn operation_label(&self) -> String {
        format!("{}/{}", self.provider.id, self.operation.name)
    }
}

/// A hash (FNV-1a, 64 bits: to tell runs apart, not a secret) of the
/// source, the operation and every non-secret variable that shapes the
/// requests: the option variables, the provider's account variables and the
/// write-back mapping. Keys never enter it.
fn fingerprint(
    source: &Source,
    provider: &Provider,
    operation: &OperationSpec,
    env: &dyn Env,
    write_back: Option<&WriteBack>,
) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |s: &str| {
        for b in s.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(&source.label());
    feed(provider.id);
    feed(operation.name);
    let mut names: Vec<&str> = REGISTRY.option_specs().map(|s| s.variable).collect();
    names.extend(provider.variables.iter().map(|(n, _)| *n));
    for name in names {
        feed(name);
        feed(&crate::env::optional(env, name).unwrap_or_default());
    }
    if let Some(wb) = write_back {
        feed(&format!("{:?}", wb.0));
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests;
