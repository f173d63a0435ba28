//! The checkpoint: an append-only file of JSON lines, written as the run
//! goes, so that `kill -9` loses at most the outcomes of the profiles in
//! flight; the resume rules; and the report built from it.
//!
//! Lines (one JSON object each):
//! - `{"passbridgeSync":1,"source":…,"operation":…,"fingerprint":…}`: first.
//! - `{"page":"<cursor>"}`: the page at this cursor starts; every profile of
//!   the pages before it has its outcome.
//! - `{"start":"<id>"}`: a non-idempotent request is about to be sent.
//! - `{"id":…,"outcome":…,"code":…[,"result":{…}][,"writeBack":"pending"]}`.
//! - `{"writeBack":"<id>","code":null|"<code>"}`: the write-back's end.
//! - `{"end":true}`: the source is exhausted.
//!
//! A torn last line (the kill hit mid-write) does not parse and is ignored.

use std::collections::{BTreeMap, HashMap};

use super::decide::OUTCOMES;
use super::{SyncConfig, PREFIX};
use crate::error::Error;
use crate::json::push_json_string;

pub const VERSION: u64 = 1;

/// One checkpoint line.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Header {
        source: String,
        operation: String,
        fingerprint: String,
    },
    Page(String),
    Start(String),
    /// A non-idempotent request that was refused before anything could be
    /// applied (the run stopped on a 401/403 or a configuration error): its
    /// `Start` no longer counts, so `--resume` sends it again.
    Unsent(String),
    Outcome {
        id: String,
        outcome: String,
        code: Option<String>,
        result: Option<serde_json::Value>,
        write_back_pending: bool,
    },
    WriteBack {
        id: String,
        code: Option<String>,
    },
    /// A profile's e-mail, written only under `--report-emails` (for the
    /// report; no rule reads it).
    Email {
        id: String,
        email: String,
    },
    End,
}

impl Record {
    pub fn encode(&self) -> String {
        let s = |v: &str| {
            let mut o = String::new();
            push_json_string(&mut o, v);
            o
        };
        let opt = |v: &Option<String>| v.as_deref().map_or("null".into(), s);
        match self {
            Record::Header {
                source,
                operation,
                fingerprint,
            } => format!(
                r#"{{"passbridgeSync":{VERSION},"source":{},"operation":{},"fingerprint":{}}}"#,
                s(source),
                s(operation),
                s(fingerprint)
            ),
            Record::Page(c) => format!(r#"{{"page":{}}}"#, s(c)),
            Record::Start(id) => format!(r#"{{"start":{}}}"#, s(id)),
            Record::Unsent(id) => format!(r#"{{"unsent":{}}}"#, s(id)),
            Record::Outcome {
                id,
                outcome,
                code,
                result,
                write_back_pending,
            } => {
                let mut out = format!(
                    r#"{{"id":{},"outcome":{},"code":{}"#,
                    s(id),
                    s(outcome),
                    opt(code)
                );
                if let Some(r) = result {
                    out.push_str(",\"result\":");
                    out.push_str(&r.to_string());
                }
                if *write_back_pending {
                    out.push_str(r#","writeBack":"pending""#);
                }
                out.push('}');
                out
            }
            Record::WriteBack { id, code } => {
                format!(r#"{{"writeBack":{},"code":{}}}"#, s(id), opt(code))
            }
            Record::Email { id, email } => {
                format!(r#"{{"emailOf":{},"email":{}}}"#, s(id), s(email))
            }
            Record::End => r#"{"end":true}"#.into(),
        }
    }

    /// `None` for a line that is not a record (a torn last line).
    pub fn parse(line: &str) -> Option<Record> {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let code = || text("code");
        if v.get("passbridgeSync").is_some() {
            return Some(Record::Header {
                source: text("source")?,
                operation: text("operation")?,
                fingerprint: text("fingerprint")?,
            });
        }
        if let (Some(id), Some(email)) = (text("emailOf"), text("email")) {
            return Some(Record::Email { id, email });
        }
        if let Some(c) = text("page") {
            return Some(Record::Page(c));
        }
        if let Some(id) = text("start") {
            return Some(Record::Start(id));
        }
        if let Some(id) = text("unsent") {
            return Some(Record::Unsent(id));
        }
        if let (Some(id), Some(outcome)) = (text("id"), text("outcome")) {
            return Some(Record::Outcome {
                id,
                outcome,
                code: code(),
                result: v.get("result").cloned(),
                write_back_pending: text("writeBack").as_deref() == Some("pending"),
            });
        }
        if let Some(id) = text("writeBack") {
            return Some(Record::WriteBack { id, code: code() });
        }
        if v.get("end") == Some(&serde_json::Value::Bool(true)) {
            return Some(Record::End);
        }
        None
    }
}

/// What to do with a profile the source lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Send,
    /// It already has its outcome (an earlier run).
    Skip,
    /// The operation succeeded; only its write-back is left (this result).
    WriteBackOnly(serde_json::Value),
}

enum Known {
    Done,
    PendingWriteBack(String, serde_json::Value),
}

/// The run's state, rebuilt from the checkpoint on `--resume`.
pub struct Checkpoint {
    header: Record,
    idempotent: bool,
    seen_header: bool,
    cursor: Option<String>,
    ended: bool,
    /// Profiles of the current page with a record (outcomes are final).
    known: HashMap<String, Known>,
    /// Non-idempotent sends of the current page without an outcome.
    started: Vec<String>,
    counts: BTreeMap<&'static str, u64>,
    codes: BTreeMap<String, u64>,
}

impl Checkpoint {
    pub fn new(config: &SyncConfig) -> Checkpoint {
        Checkpoint {
            header: Record::Header {
                source: config.source.label(),
                operation: config.operation_label(),
                fingerprint: config.fingerprint.clone(),
            },
            idempotent: config.operation.idempotent,
            seen_header: false,
            cursor: None,
            ended: false,
            known: HashMap::new(),
            started: Vec::new(),
            counts: OUTCOMES.iter().map(|o| (*o, 0)).collect(),
            codes: BTreeMap::new(),
        }
    }

    /// The first line of a new checkpoint.
    pub fn header_line(&mut self) -> String {
        self.seen_header = true;
        self.header.encode()
    }

    /// Reads one line of an existing checkpoint (`--resume`). The first must
    /// be this run's header: another source, operation or mapping is refused.
    pub fn feed(&mut self, line: &str) -> Result<(), Error> {
        let record = Record::parse(line);
        if !self.seen_header {
            let Some(Record::Header {
                source,
                operation,
                fingerprint,
            }) = record
            else {
                return Err(Error::invalid_config(format!(
                    "{PREFIX}the checkpoint is not a passbridge sync checkpoint"
                )));
            };
            let Record::Header {
                source: s,
                operation: o,
                fingerprint: f,
            } = &self.header
            else {
                return Ok(());
            };
            if source != *s || operation != *o {
                return Err(Error::invalid_config(format!(
                    "{PREFIX}the checkpoint is of another run ({source}, {operation}), not of {s}, {o}: name another --checkpoint, or give --restart to start over"
                )));
            }
            if fingerprint != *f {
                return Err(Error::invalid_config(format!(
                    "{PREFIX}the checkpoint was written with another mapping or configuration (PASSBRIDGE_* or provider variables changed): give --restart to start over"
                )));
            }
            self.seen_header = true;
            return Ok(());
        }
        if let Some(r) = record {
            self.apply(r);
        }
        Ok(())
    }

    /// After the last line: the lines to append for profiles whose request
    /// was in flight when the last run stopped (non-idempotent: `ambiguous`,
    /// never sent again).
    pub fn resume_lines(&mut self) -> Vec<String> {
        let started = std::mem::take(&mut self.started);
        let mut out = Vec::new();
        for id in started {
            if self.known.contains_key(&id) {
                continue;
            }
            out.push(self.outcome_line(&id, "ambiguous", Some("network"), None, false));
        }
        out
    }

    fn apply(&mut self, record: Record) {
        match record {
            Record::Header { .. } => {}
            Record::Page(c) => {
                self.cursor = Some(c);
                self.known.clear();
                self.started.clear();
            }
            Record::Start(id) => self.started.push(id),
            Record::Unsent(id) => self.started.retain(|s| *s != id),
            Record::Outcome {
                id,
                outcome,
                code,
                result,
                write_back_pending,
            } => {
                self.started.retain(|s| *s != id);
                if write_back_pending {
                    let result = result.unwrap_or(serde_json::Value::Null);
                    self.known
                        .insert(id, Known::PendingWriteBack(outcome, result));
                } else {
                    self.count(&outcome, code.as_deref());
                    self.known.insert(id, Known::Done);
                }
            }
            Record::WriteBack { id, code } => {
                if let Some(Known::PendingWriteBack(outcome, _)) = self.known.remove(&id) {
                    let outcome = if code.is_some() { "failed" } else { &outcome };
                    self.count(outcome, code.as_deref());
                }
                self.known.insert(id, Known::Done);
            }
            Record::Email { .. } => {}
            Record::End => self.ended = true,
        }
    }

    fn count(&mut self, outcome: &str, code: Option<&str>) {
        if let Some(o) = OUTCOMES.iter().find(|o| **o == outcome) {
            *self.counts.entry(o).or_insert(0) += 1;
        }
        if let Some(c) = code {
            *self.codes.entry(c.to_string()).or_insert(0) += 1;
        }
    }

    /// Where reading starts: the cursor of the page the last run was in.
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub fn ended(&self) -> bool {
        self.ended
    }

    pub fn decide(&self, id: &str) -> Action {
        match self.known.get(id) {
            None => Action::Send,
            Some(Known::Done) => Action::Skip,
            Some(Known::PendingWriteBack(_, result)) => Action::WriteBackOnly(result.clone()),
        }
    }

    fn line(&mut self, record: Record) -> String {
        let line = record.encode();
        self.apply(record);
        line
    }

    /// A profile's e-mail for the report (`--report-emails` only).
    pub fn email_line(&mut self, id: &str, email: &str) -> String {
        self.line(Record::Email {
            id: id.into(),
            email: email.into(),
        })
    }

    pub fn page_line(&mut self, cursor: &str) -> String {
        self.line(Record::Page(cursor.into()))
    }

    /// Written before a non-idempotent request goes; `None` for idempotent ones.
    pub fn start_line(&mut self, id: &str) -> Option<String> {
        (!self.idempotent).then(|| self.line(Record::Start(id.into())))
    }

    /// After a stop that proves the request was not applied: the line that
    /// takes back a non-idempotent profile's `start`; `None` for idempotent ones.
    pub fn unsent_line(&mut self, id: &str) -> Option<String> {
        (!self.idempotent).then(|| self.line(Record::Unsent(id.into())))
    }

    pub fn outcome_line(
        &mut self,
        id: &str,
        outcome: &str,
        code: Option<&str>,
        result: Option<serde_json::Value>,
        write_back_pending: bool,
    ) -> String {
        self.line(Record::Outcome {
            id: id.into(),
            outcome: outcome.into(),
            code: code.map(str::to_string),
            result,
            write_back_pending,
        })
    }

    pub fn write_back_line(&mut self, id: &str, code: Option<&str>) -> String {
        self.line(Record::WriteBack {
            id: id.into(),
            code: code.map(str::to_string),
        })
    }

    pub fn end_line(&mut self) -> String {
        self.line(Record::End)
    }

    /// Profiles per outcome, every outcome listed.
    pub fn counts(&self) -> &BTreeMap<&'static str, u64> {
        &self.counts
    }

    /// Profiles per error code.
    pub fn codes(&self) -> &BTreeMap<String, u64> {
        &self.codes
    }

    /// 0 when every profile is done or skipped, 1 when any failed or is ambiguous.
    pub fn exit_code(&self) -> u8 {
        let bad = |o: &str| self.counts.get(o).copied().unwrap_or(0);
        u8::from(bad("failed") + bad("ambiguous") > 0)
    }
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
