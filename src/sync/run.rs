//! One sync run's state and every answer the Node side needs, as JSON text
//! (one parse there): pages, pacing, resume, outcomes, write-back, report.
//! The wasm class `Sync` (src/wasm/sync.rs) is a thin wrapper of [`Run`].

mod write_back;

use super::checkpoint::{Action, Checkpoint};
use super::decide::{self, Decision};
use super::pace::{KlaviyoPace, Next, ProviderPace};
use super::report::{self, Entries};
use super::source;
use super::wire::{json_text, request_json};
use super::SyncConfig;
use crate::env::Env;
use crate::error::Error;
use crate::http::{parse_retry_after, HttpResponse};

/// Klaviyo's documented bursts: Get Profiles for Segment/List and Create or
/// Update Profile 75/s; the profile count 1/s (docs/klaviyo.md §5).
const BURST: usize = 75;
const COUNT_BURST: usize = 1;

/// One sync run.
pub struct Run {
    pub config: SyncConfig,
    checkpoint: Checkpoint,
    pages: KlaviyoPace,
    writes: KlaviyoPace,
    count: KlaviyoPace,
    provider: ProviderPace,
    entries: Entries,
}

fn response(status: u16, retry_after: Option<String>, body: String) -> HttpResponse {
    HttpResponse {
        status,
        retry_after,
        body,
    }
}
impl Run {
    /// `source`: `segment:<id>`, `list:<id>` or `file:<path>`; `options`:
    /// provider and operation as `createHandler` reads them; `rate`:
    /// provider requests per second (0: no limit).
    pub fn new(
        source: &str,
        options: crate::options::Options,
        env: &dyn Env,
        write_back: bool,
        rate: u32,
    ) -> Result<Run, Error> {
        let config = SyncConfig::new(source, options, env, write_back)?;
        Ok(Run {
            checkpoint: Checkpoint::new(&config),
            config,
            pages: KlaviyoPace::new(BURST),
            writes: KlaviyoPace::new(BURST),
            count: KlaviyoPace::new(COUNT_BURST),
            provider: ProviderPace::new(rate as usize),
            entries: Entries::default(),
        })
    }

    /// The first line of a new checkpoint.
    pub fn header_line(&mut self) -> String {
        self.checkpoint.header_line()
    }

    /// One line of the checkpoint being resumed; throws for another run's.
    pub fn feed(&mut self, line: &str) -> Result<(), Error> {
        self.checkpoint.feed(line)
    }

    /// After feeding: the lines to append (in-flight creates → ambiguous).
    pub fn resume_lines(&mut self) -> Vec<String> {
        self.checkpoint.resume_lines()
    }

    /// True when the resumed checkpoint's source was read to its end.
    pub fn ended(&self) -> bool {
        self.checkpoint.ended()
    }

    /// Where to read from: the resumed page, else the first.
    pub fn cursor(&self) -> String {
        match self.checkpoint.cursor() {
            Some(c) => c.to_string(),
            None => source::first_cursor(&self.config.source),
        }
    }

    pub fn page_line(&mut self, cursor: &str) -> String {
        self.checkpoint.page_line(cursor)
    }

    pub fn end_line(&mut self) -> String {
        self.checkpoint.end_line()
    }

    /// The request (JSON, real key) for the page at `cursor`.
    pub fn page_request(&self, cursor: &str) -> Option<String> {
        let k = self.config.klaviyo.as_ref()?;
        Some(request_json(&source::page_request(k, cursor), false))
    }

    /// The profile count request (JSON), for a segment or list.
    pub fn count_request(&self) -> Option<String> {
        let k = self.config.klaviyo.as_ref()?;
        source::count_request(k, &self.config.source).map(|r| request_json(&r, false))
    }

    /// Milliseconds to wait before a Klaviyo call of `kind` (`page`, `write`, `count`).
    pub fn klaviyo_wait(&self, kind: &str, now: f64) -> f64 {
        self.pace(kind).map_or(0.0, |p| p.wait_ms(now) as f64)
    }

    pub fn klaviyo_sent(&mut self, kind: &str, now: f64) {
        if let Some(p) = self.pace_mut(kind) {
            p.sent(now);
        }
    }

    /// A page answer (`status` 0: transport failure, `body` its text):
    /// `{"retry":ms}`, or `{"profiles":[[id, profile]…],"next":…}`; throws the
    /// coded error when the run cannot go on.
    pub fn page_answer(
        &mut self,
        now: f64,
        status: u16,
        remaining: Option<String>,
        reset: Option<String>,
        retry_after: Option<String>,
        body: String,
    ) -> Result<String, Error> {
        let Some(k) = self.config.klaviyo.clone() else {
            return Err(Error::invalid_config("no Klaviyo source"));
        };
        let ra = retry_after
            .as_deref()
            .and_then(|v| parse_retry_after(v, now));
        let next = self
            .pages
            .answer(now, status, remaining.as_deref(), reset.as_deref(), ra);
        if let Next::Retry(ms) = next {
            return Ok(format!(r#"{{"retry":{ms}}}"#));
        }
        if status == 0 {
            return Err(crate::klaviyo::network_error(&body, &k.secrets()));
        }
        let res = response(status, retry_after, body);
        source::check_page(&k, &self.config.source, &res, now)?;
        let page = source::parse_page(&k, &res.body)?;
        let mut out = String::from("{\"profiles\":[");
        for (i, (id, profile)) in page.profiles.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            out.push_str(&json_text(id));
            out.push(',');
            out.push_str(&profile.to_string());
            out.push(']');
        }
        out.push_str("],\"next\":");
        match page.next {
            Some(n) => out.push_str(&json_text(&n)),
            None => out.push_str("null"),
        }
        out.push('}');
        Ok(out)
    }

    /// The profile count from its answer; -1 when unknown (never fatal).
    pub fn count_answer(&mut self, now: f64, status: u16, body: &str) -> f64 {
        self.count.answer(now, status, None, None, None);
        if (200..300).contains(&status) {
            source::parse_count(body).map_or(-1.0, |n| n as f64)
        } else {
            -1.0
        }
    }

    /// A `--profiles` line: `{"profile":…}`, `{"error":{"code","message"}}`
    /// or undefined for a blank line.
    pub fn file_line(&self, line: &str) -> Option<String> {
        match source::parse_line(line) {
            Ok(None) => None,
            Ok(Some(v)) => Some(format!(r#"{{"profile":{v}}}"#)),
            Err(e) => Some(format!(
                r#"{{"error":{{"code":{},"message":{}}}}}"#,
                json_text(e.code.as_str()),
                json_text(&e.message)
            )),
        }
    }

    /// `send`, `skip`, or the stored result (JSON) when only the write-back is left.
    pub fn decide(&self, id: &str) -> String {
        match self.checkpoint.decide(id) {
            Action::Send => "send".into(),
            Action::Skip => "skip".into(),
            Action::WriteBackOnly(result) => result.to_string(),
        }
    }

    /// Written before a non-idempotent send; undefined otherwise.
    pub fn start_line(&mut self, id: &str) -> Option<String> {
        self.checkpoint.start_line(id)
    }

    /// The line for a handler's success `result` (JSON):
    /// `{"line", "outcome", "writeBack": bool}`.
    pub fn done_line(&mut self, id: &str, result: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(result).unwrap_or_default();
        let outcome = decide::outcome_name(&value).unwrap_or("updated");
        let write_back = self.config.write_back.is_some() && outcome != "skipped";
        let keep = (!self.config.operation.idempotent || write_back).then_some(value);
        let line = self
            .checkpoint
            .outcome_line(id, outcome, None, keep, write_back);
        format!(
            r#"{{"line":{},"outcome":{},"writeBack":{write_back}}}"#,
            json_text(&line),
            json_text(outcome)
        )
    }

    /// After a handler error (`code`, `retryAfterMs` or -1, the `attempt`
    /// from 1): `{"retry":ms}`, `{"line","outcome","code"}`, or
    /// `{"stop":true}` (with the `line` to write for a non-idempotent one).
    pub fn error_line(
        &mut self,
        now: f64,
        id: &str,
        code: &str,
        retry_after_ms: f64,
        attempt: u32,
    ) -> String {
        let ra = (retry_after_ms >= 0.0).then_some(retry_after_ms as u64);
        match decide::after_error(code, ra, self.config.operation.idempotent, attempt) {
            Decision::Retry { after_ms, pause } => {
                if pause {
                    self.provider.pause(now, Some(after_ms));
                }
                format!(r#"{{"retry":{after_ms}}}"#)
            }
            Decision::Final { outcome, code } => {
                let line = self
                    .checkpoint
                    .outcome_line(id, outcome, Some(&code), None, false);
                format!(
                    r#"{{"line":{},"outcome":{},"code":{}}}"#,
                    json_text(&line),
                    json_text(outcome),
                    json_text(&code)
                )
            }
            // A 401/403 or a configuration error: nothing was applied, so a
            // create's `start` is taken back and `--resume` sends it again.
            Decision::Stop => match self.checkpoint.unsent_line(id) {
                Some(line) => format!(r#"{{"stop":true,"line":{}}}"#, json_text(&line)),
                None => r#"{"stop":true}"#.into(),
            },
        }
    }

    pub fn provider_wait(&self, now: f64) -> f64 {
        self.provider.wait_ms(now) as f64
    }

    pub fn provider_sent(&mut self, now: f64) {
        self.provider.sent(now);
    }

    /// A provider answer seen by the paced fetch: a 429 pauses every request.
    pub fn provider_answer(&mut self, now: f64, status: u16, retry_after: Option<String>) {
        if status == 429 {
            let ra = retry_after
                .as_deref()
                .and_then(|v| parse_retry_after(v, now));
            self.provider.pause(now, ra);
        }
    }

    /// `{"counts":{outcome:n},"codes":{code:n},"exit":0|1}`.
    pub fn summary(&self) -> String {
        report::summary(&self.checkpoint)
    }

    /// The report up to its first entry.
    pub fn report_head(&self) -> String {
        report::head(
            &self.config.source.label(),
            &self.config.operation_label(),
            self.checkpoint.counts(),
        )
    }

    /// The report entry a checkpoint line completes, if any.
    pub fn report_entry(&mut self, line: &str) -> Option<String> {
        self.entries.line(line)
    }

    /// `--report-emails`: the report names each profile's e-mail (off by default).
    pub fn set_report_emails(&mut self, on: bool) {
        self.entries.with_emails = on;
    }

    /// Under `--report-emails`, the checkpoint line holding `profile`'s
    /// e-mail (JSON:API `data.attributes.email`, or a flat person's `email`);
    /// `None` otherwise or when it has none.
    pub fn email_line(&mut self, id: &str, profile: &str) -> Option<String> {
        if !self.entries.with_emails {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(profile).ok()?;
        let email = v
            .pointer("/data/attributes/email")
            .or_else(|| v.get("email"))
            .and_then(|e| e.as_str())
            .filter(|e| !e.is_empty())?;
        Some(self.checkpoint.email_line(id, email))
    }

    /// The entries still open, then the report's closing text is `reportTail`.
    pub fn report_finish(&mut self) -> Vec<String> {
        std::mem::take(&mut self.entries).finish()
    }

    pub fn report_tail(&self) -> String {
        report::TAIL.into()
    }

    /// The process exit code for an error that stops the run (2: usage or
    /// configuration, including an unknown segment; 1: otherwise).
    pub fn stop_exit(code: &str) -> u8 {
        match code {
            "missing_config" | "invalid_config" | "invalid_template" | "unauthorized"
            | "not_found" => 2,
            _ => 1,
        }
    }
}

impl Run {
    fn pace(&self, kind: &str) -> Option<&KlaviyoPace> {
        match kind {
            "page" => Some(&self.pages),
            "write" => Some(&self.writes),
            "count" => Some(&self.count),
            _ => None,
        }
    }

    fn pace_mut(&mut self, kind: &str) -> Option<&mut KlaviyoPace> {
        match kind {
            "page" => Some(&mut self.pages),
            "write" => Some(&mut self.writes),
            "count" => Some(&mut self.count),
            _ => None,
        }
    }
}
