//! `passbridge sync`'s class, `Sync` in JavaScript: a thin wrapper of the
//! core's [`Run`] (src/sync/run.rs), which makes every decision of a bulk run;
//! bin/passbridge.mjs only does the I/O. Structured answers cross as JSON text.

use wasm_bindgen::prelude::*;

use super::read::{JsEnv, JsOptions, ValueKind};
use crate::error::Error;
use crate::options::Options;
use crate::sync::run::Run;
use crate::sync::Source;

/// One sync run.
#[wasm_bindgen(js_name = Sync)]
pub struct JsSync(Run);

fn js(e: Error) -> JsValue {
    e.to_js(None)
}

#[wasm_bindgen(js_class = Sync)]
impl JsSync {
    /// `source`: `segment:<id>`, `list:<id>` or `file:<path>`; `options`:
    /// `{ provider, operation }` as `createHandler` reads them; `env`: the
    /// variables; `rate`: provider requests per second (0: no limit).
    #[wasm_bindgen(constructor)]
    pub fn new(
        source: &str,
        options: JsValue,
        env: JsValue,
        write_back: bool,
        rate: u32,
    ) -> Result<JsSync, JsValue> {
        ValueKind::share();
        let options = Options::read(&JsOptions(&options)).map_err(js)?;
        Run::new(source, options, &JsEnv(env), write_back, rate)
            .map(JsSync)
            .map_err(js)
    }

    #[wasm_bindgen(getter)]
    pub fn idempotent(&self) -> bool {
        self.0.config.operation.idempotent
    }

    #[wasm_bindgen(getter, js_name = sourceLabel)]
    pub fn source_label(&self) -> String {
        self.0.config.source.label()
    }

    #[wasm_bindgen(getter, js_name = operationLabel)]
    pub fn operation_label(&self) -> String {
        self.0.config.operation_label()
    }

    /// The file to read for `file:<path>`, else undefined.
    #[wasm_bindgen(getter, js_name = filePath)]
    pub fn file_path(&self) -> Option<String> {
        match &self.0.config.source {
            Source::File(p) => Some(p.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter, js_name = pageSize)]
    pub fn page_size(&self) -> u32 {
        crate::sync::source::PAGE_SIZE as u32
    }

    #[wasm_bindgen(js_name = headerLine)]
    pub fn header_line(&mut self) -> String {
        self.0.header_line()
    }

    /// One line of the checkpoint being resumed; throws for another run's.
    pub fn feed(&mut self, line: &str) -> Result<(), JsValue> {
        self.0.feed(line).map_err(js)
    }

    /// After feeding: the lines to append (in-flight creates → ambiguous).
    #[wasm_bindgen(js_name = resumeLines)]
    pub fn resume_lines(&mut self) -> Vec<String> {
        self.0.resume_lines()
    }

    /// True when the resumed checkpoint's source was read to its end.
    pub fn ended(&self) -> bool {
        self.0.ended()
    }

    /// Where to read from: the resumed page, else the first.
    pub fn cursor(&self) -> String {
        self.0.cursor()
    }

    #[wasm_bindgen(js_name = pageLine)]
    pub fn page_line(&mut self, cursor: &str) -> String {
        self.0.page_line(cursor)
    }

    #[wasm_bindgen(js_name = endLine)]
    pub fn end_line(&mut self) -> String {
        self.0.end_line()
    }

    /// The request (JSON, real key) for the page at `cursor`.
    #[wasm_bindgen(js_name = pageRequest)]
    pub fn page_request(&self, cursor: &str) -> Option<String> {
        self.0.page_request(cursor)
    }

    /// The profile count request (JSON), for a segment or list.
    #[wasm_bindgen(js_name = countRequest)]
    pub fn count_request(&self) -> Option<String> {
        self.0.count_request()
    }

    /// Milliseconds to wait before a Klaviyo call of `kind` (`page`, `write`, `count`).
    #[wasm_bindgen(js_name = klaviyoWait)]
    pub fn klaviyo_wait(&self, kind: &str, now: f64) -> f64 {
        self.0.klaviyo_wait(kind, now)
    }

    #[wasm_bindgen(js_name = klaviyoSent)]
    pub fn klaviyo_sent(&mut self, kind: &str, now: f64) {
        self.0.klaviyo_sent(kind, now);
    }

    /// A page answer (`status` 0: transport failure, `body` its text):
    /// `{"retry":ms}`, or `{"profiles":[[id, profile]…],"next":…}`; throws the
    /// coded error when the run cannot go on.
    #[wasm_bindgen(js_name = pageAnswer)]
    pub fn page_answer(
        &mut self,
        now: f64,
        status: u16,
        remaining: Option<String>,
        reset: Option<String>,
        retry_after: Option<String>,
        body: String,
    ) -> Result<String, JsValue> {
        self.0
            .page_answer(now, status, remaining, reset, retry_after, body)
            .map_err(js)
    }

    /// The profile count from its answer; -1 when unknown (never fatal).
    #[wasm_bindgen(js_name = countAnswer)]
    pub fn count_answer(&mut self, now: f64, status: u16, body: &str) -> f64 {
        self.0.count_answer(now, status, body)
    }

    /// A `--profiles` line: `{"profile":…}`, `{"error":{"code","message"}}`
    /// or undefined for a blank line.
    #[wasm_bindgen(js_name = fileLine)]
    pub fn file_line(&self, line: &str) -> Option<String> {
        self.0.file_line(line)
    }

    /// `send`, `skip`, or the stored result (JSON) when only the write-back is left.
    pub fn decide(&self, id: &str) -> String {
        self.0.decide(id)
    }

    /// Written before a non-idempotent send; undefined otherwise.
    #[wasm_bindgen(js_name = startLine)]
    pub fn start_line(&mut self, id: &str) -> Option<String> {
        self.0.start_line(id)
    }

    /// The line for a handler's success `result` (JSON):
    /// `{"line", "outcome", "writeBack": bool}`.
    #[wasm_bindgen(js_name = doneLine)]
    pub fn done_line(&mut self, id: &str, result: &str) -> String {
        self.0.done_line(id, result)
    }

    /// After a handler error (`code`, `retryAfterMs` or -1, the `attempt`
    /// from 1): `{"retry":ms}`, `{"line","outcome","code"}`, or `{"stop":true}` (with its `line` for a create).
    #[wasm_bindgen(js_name = errorLine)]
    pub fn error_line(
        &mut self,
        now: f64,
        id: &str,
        code: &str,
        retry_after_ms: f64,
        attempt: u32,
    ) -> String {
        self.0.error_line(now, id, code, retry_after_ms, attempt)
    }

    #[wasm_bindgen(js_name = providerWait)]
    pub fn provider_wait(&self, now: f64) -> f64 {
        self.0.provider_wait(now)
    }

    #[wasm_bindgen(js_name = providerSent)]
    pub fn provider_sent(&mut self, now: f64) {
        self.0.provider_sent(now);
    }

    /// A provider answer seen by the paced fetch: a 429 pauses every request.
    #[wasm_bindgen(js_name = providerAnswer)]
    pub fn provider_answer(&mut self, now: f64, status: u16, retry_after: Option<String>) {
        self.0.provider_answer(now, status, retry_after);
    }

    /// The write-back for `profile` (JSON) after `result` (JSON):
    /// `{"request":{…}}` (secrets as `***` when `redact`), `{"skipped":reason}`,
    /// or `{"error":{"code","message"}}`.
    #[wasm_bindgen(js_name = writeBackRequest)]
    pub fn write_back_request(&self, profile: &str, result: &str, redact: bool) -> String {
        self.0.write_back_request(profile, result, redact)
    }

    /// A write-back answer (`status` 0: transport failure): `{"retry":ms}`,
    /// `{"ok":true}`, `{"code":…}` (final), or `{"stop":true,"message":…}`.
    #[wasm_bindgen(js_name = writeBackAnswer)]
    pub fn write_back_answer(
        &mut self,
        now: f64,
        status: u16,
        remaining: Option<String>,
        reset: Option<String>,
        retry_after: Option<String>,
        body: String,
    ) -> String {
        self.0
            .write_back_answer(now, status, remaining, reset, retry_after, body)
    }

    #[wasm_bindgen(js_name = writeBackLine)]
    pub fn write_back_line(&mut self, id: &str, code: Option<String>) -> String {
        self.0.write_back_line(id, code)
    }

    /// `{"counts":{outcome:n},"codes":{code:n},"exit":0|1}`.
    pub fn summary(&self) -> String {
        self.0.summary()
    }

    /// The report up to its first entry.
    #[wasm_bindgen(js_name = reportHead)]
    pub fn report_head(&self) -> String {
        self.0.report_head()
    }

    /// The report entry a checkpoint line completes, if any.
    #[wasm_bindgen(js_name = reportEntry)]
    pub fn report_entry(&mut self, line: &str) -> Option<String> {
        self.0.report_entry(line)
    }

    /// `--report-emails`: the report names each profile's e-mail.
    #[wasm_bindgen(js_name = setReportEmails)]
    pub fn set_report_emails(&mut self, on: bool) {
        self.0.set_report_emails(on);
    }

    /// Under `--report-emails`, the checkpoint line with `profile`'s (JSON)
    /// e-mail; undefined otherwise or when it has none.
    #[wasm_bindgen(js_name = emailLine)]
    pub fn email_line(&mut self, id: &str, profile: &str) -> Option<String> {
        self.0.email_line(id, profile)
    }

    /// The entries still open, then the report's closing text is `reportTail`.
    #[wasm_bindgen(js_name = reportFinish)]
    pub fn report_finish(&mut self) -> Vec<String> {
        self.0.report_finish()
    }

    #[wasm_bindgen(getter, js_name = reportTail)]
    pub fn report_tail(&self) -> String {
        self.0.report_tail()
    }

    /// The process exit code for an error that stops the run (2: usage or
    /// configuration, including an unknown segment; 1: otherwise).
    #[wasm_bindgen(js_name = stopExit)]
    pub fn stop_exit(code: &str) -> u8 {
        Run::stop_exit(code)
    }
}
