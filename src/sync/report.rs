//! The `--report` file, built by streaming the checkpoint:
//! `{"source", "operation", "counts": {outcome: n}, "profiles": [{"id",
//! "outcome", "code"}]}` (each entry with `"email"` too under
//! `--report-emails`). Only profiles whose write-back is still open, or
//! whose e-mail line came before their outcome, are held in memory.

use std::collections::{BTreeMap, HashMap};

use super::checkpoint::Record;
use crate::json::push_json_string;

/// Everything before the first profile entry.
pub fn head(source: &str, operation: &str, counts: &BTreeMap<&'static str, u64>) -> String {
    let mut out = String::from("{\"source\":");
    push_json_string(&mut out, source);
    out.push_str(",\"operation\":");
    push_json_string(&mut out, operation);
    out.push_str(",\"counts\":");
    out.push_str(&counts_json(counts.iter().map(|(k, v)| (*k, *v))));
    out.push_str(",\"profiles\":[");
    out
}

/// `{"name": n, …}`.
pub fn counts_json<'a>(counts: impl Iterator<Item = (&'a str, u64)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in counts.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, k);
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

/// The run's summary for the Node side: `{"counts", "codes", "exit"}`.
pub fn summary(checkpoint: &super::checkpoint::Checkpoint) -> String {
    format!(
        r#"{{"counts":{},"codes":{},"exit":{}}}"#,
        counts_json(checkpoint.counts().iter().map(|(k, v)| (*k, *v))),
        counts_json(checkpoint.codes().iter().map(|(k, v)| (k.as_str(), *v))),
        checkpoint.exit_code()
    )
}

/// What closes the report after the last entry.
pub const TAIL: &str = "]}";

/// One `profiles` entry; `email`: `None` leaves the key out (the default),
/// `Some(None)` writes `"email":null` (asked for, but the profile has none).
fn entry(id: &str, outcome: &str, code: Option<&str>, email: Option<Option<&str>>) -> String {
    let mut out = String::from("{\"id\":");
    // A Klaviyo id, or a `--profiles` line number, always as a string.
    push_json_string(&mut out, id);
    out.push_str(",\"outcome\":");
    push_json_string(&mut out, outcome);
    out.push_str(",\"code\":");
    match code {
        Some(c) => push_json_string(&mut out, c),
        None => out.push_str("null"),
    }
    if let Some(email) = email {
        out.push_str(",\"email\":");
        match email {
            Some(e) => push_json_string(&mut out, e),
            None => out.push_str("null"),
        }
    }
    out.push('}');
    out
}

/// Turns checkpoint lines into report entries, in order.
#[derive(Default)]
pub struct Entries {
    pending: HashMap<String, String>,
    /// `--report-emails`: each entry names the profile's e-mail.
    pub with_emails: bool,
    emails: HashMap<String, String>,
}

impl Entries {
    fn entry(&mut self, id: &str, outcome: &str, code: Option<&str>) -> String {
        if !self.with_emails {
            return entry(id, outcome, code, None);
        }
        let email = self.emails.remove(id);
        entry(id, outcome, code, Some(email.as_deref()))
    }

    /// The entry a checkpoint line completes, if any.
    pub fn line(&mut self, line: &str) -> Option<String> {
        match Record::parse(line)? {
            Record::Outcome {
                id,
                outcome,
                write_back_pending: true,
                ..
            } => {
                self.pending.insert(id, outcome);
                None
            }
            Record::Outcome {
                id, outcome, code, ..
            } => Some(self.entry(&id, &outcome, code.as_deref())),
            Record::WriteBack { id, code } => {
                let outcome = self.pending.remove(&id)?;
                Some(match code {
                    Some(c) => self.entry(&id, "failed", Some(&c)),
                    None => self.entry(&id, &outcome, None),
                })
            }
            Record::Email { id, email } if self.with_emails => {
                self.emails.insert(id, email);
                None
            }
            _ => None,
        }
    }

    /// Profiles whose operation succeeded but whose write-back never ended
    /// (the run was stopped): listed with their outcome; `--resume` finishes them.
    pub fn finish(mut self) -> Vec<String> {
        let mut rest: Vec<(String, String)> =
            std::mem::take(&mut self.pending).into_iter().collect();
        rest.sort();
        rest.into_iter()
            .map(|(id, outcome)| self.entry(&id, &outcome, None))
            .collect()
    }
}
