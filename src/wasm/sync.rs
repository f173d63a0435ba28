//! `passbridge sync`'s class, `Sync` in JavaScript: every decision of a bulk
//! run (pages, pacing, resume, outcomes, write-back, report) made by the core
//! (`crate::sync`, `crate::klaviyo`); bin/passbridge.mjs only does the I/O.
//! Structured answers cross as JSON text (one parse on the Node side).

use wasm_bindgen::prelude::*;

use super::read::{JsEnv, JsOptions, ValueKind};
use crate::error::{Code, Error};
use crate::http::{parse_retry_after, HttpRequest, HttpResponse};
use crate::json::push_json_string;
use crate::klaviyo::write_back::{self, NO_IDENTITY};
use crate::options::Options;
use crate::sync::checkpoint::{Action, Checkpoint};
use crate::sync::decide::{self, Decision};
use crate::sync::pace::{KlaviyoPace, Next, ProviderPace};
use crate::sync::report::{self, Entries};
use crate::sync::source::{self, PAGE_SIZE};
use crate::sync::{Source, SyncConfig};

/// Klaviyo's documented bursts: Get Profiles for Segment/List and Create or
/// Update Profile 75/s; the profile count 1/s (docs/klaviyo.md §5).
const BURST: usize = 75;
const COUNT_BURST: usize = 1;

/// One sync run.
#[wasm_bindgen(js_name = Sync)]
pub struct JsSync {
    config: SyncConfig,
    checkpoint: Checkpoint,
    pages: KlaviyoPace,
    writes: KlaviyoPace,
    count: KlaviyoPace,
    provider: ProviderPace,
    entries: Entries,
}

fn js(e: Error) -> JsValue {
    e.to_js(None)
}

fn json_text(s: &str) -> String {
    let mut o = String::new();
    push_json_string(&mut o, s);
    o
}

/// `{"method","url","headers":{…},"body"}`; secret headers as `***` when `redact`.
fn request_json(r: &HttpRequest, redact: bool) -> String {
    let mut out = format!(
        r#"{{"method":{},"url":{},"headers":{{"#,
        json_text(r.method),
        json_text(&r.url)
    );
    for (i, h) in r.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = if redact && h.secret { "***" } else { &h.value };
        out.push_str(&format!("{}:{}", json_text(h.name), json_text(value)));
    }
    out.push_str("},\"body\":");
    match &r.body {
        Some(b) => out.push_str(&json_text(b)),
        None => out.push_str("null"),
    }
    out.push('}');
    out
}

fn response(status: u16, retry_after: Option<String>, body: String) -> HttpResponse {
    HttpResponse {
        status,
        retry_after,
        body,
    }
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
        let config = SyncConfig::new(source, options, &JsEnv(env), write_back).map_err(js)?;
        Ok(JsSync {
            checkpoint: Checkpoint::new(&config),
            config,
            pages: KlaviyoPace::new(BURST),
            writes: KlaviyoPace::new(BURST),
            count: KlaviyoPace::new(COUNT_BURST),
            provider: ProviderPace::new(rate as usize),
            entries: Entries::default(),
        })
    }

    #[wasm_bindgen(getter)]
    pub fn idempotent(&self) -> bool {
        self.config.operation.idempotent
    }

    #[wasm_bindgen(getter, js_name = sourceLabel)]
    pub fn source_label(&self) -> String {
        self.config.source.label()
    }

    #[wasm_bindgen(getter, js_name = operationLabel)]
    pub fn operation_label(&self) -> String {
        self.config.operation_label()
    }

    /// The file to read for `file:<path>`, else undefined.
    #[wasm_bindgen(getter, js_name = filePath)]
    pub fn file_path(&self) -> Option<String> {
        match &self.config.source {
            Source::File(p) => Some(p.clone()),
            _ => None,
        }
    }

    #[wasm_bindgen(getter, js_name = pageSize)]
    pub fn page_size(&self) -> u32 {
        PAGE_SIZE as u32
    }

    #[wasm_bindgen(js_name = headerLine)]
    pub fn header_line(&mut self) -> String {
        self.checkpoint.header_line()
    }

    /// One line of the checkpoint being resumed; throws for another run's.
    pub fn feed(&mut self, line: &str) -> Result<(), JsValue> {
        self.checkpoint.feed(line).map_err(js)
    }

    /// After feeding: the lines to append (in-flight creates → ambiguous).
    #[wasm_bindgen(js_name = resumeLines)]
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

    #[wasm_bindgen(js_name = pageLine)]
    pub fn page_line(&mut self, cursor: &str) -> String {
        self.checkpoint.page_line(cursor)
    }

    #[wasm_bindgen(js_name = endLine)]
    pub fn end_line(&mut self) -> String {
        self.checkpoint.end_line()
    }

    /// The request (JSON, real key) for the page at `cursor`.
    #[wasm_bindgen(js_name = pageRequest)]
    pub fn page_request(&self, cursor: &str) -> Option<String> {
        let k = self.config.klaviyo.as_ref()?;
        Some(request_json(&source::page_request(k, cursor), false))
    }

    /// The profile count request (JSON), for a segment or list.
    #[wasm_bindgen(js_name = countRequest)]
    pub fn count_request(&self) -> Option<String> {
        let k = self.config.klaviyo.as_ref()?;
        source::count_request(k, &self.config.source).map(|r| request_json(&r, false))
    }

    /// Milliseconds to wait before a Klaviyo call of `kind` (`page`, `write`, `count`).
    #[wasm_bindgen(js_name = klaviyoWait)]
    pub fn klaviyo_wait(&self, kind: &str, now: f64) -> f64 {
        self.pace(kind).map_or(0.0, |p| p.wait_ms(now) as f64)
    }

    #[wasm_bindgen(js_name = klaviyoSent)]
    pub fn klaviyo_sent(&mut self, kind: &str, now: f64) {
        if let Some(p) = self.pace_mut(kind) {
            p.sent(now);
        }
    }

    /// A page answer (`status` 0: transport failure, `body` its text):
    /// `{"retry":ms}`, or `{"profiles":[[id, profile]…],"next":…}`; throws the
    /// coded error when the run cannot go on.
    #[wasm_bindgen(js_name = pageAnswer)]
    #[allow(clippy::too_many_arguments)]
    pub fn page_answer(
        &mut self,
        now: f64,
        status: u16,
        remaining: Option<String>,
        reset: Option<String>,
        retry_after: Option<String>,
        body: String,
    ) -> Result<String, JsValue> {
        let Some(k) = self.config.klaviyo.clone() else {
            return Err(js(Error::invalid_config("no Klaviyo source")));
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
            return Err(js(crate::klaviyo::network_error(&body, &k.secrets())));
        }
        let res = response(status, retry_after, body);
        source::check_page(&k, &self.config.source, &res, now).map_err(js)?;
        let page = source::parse_page(&k, &res.body).map_err(js)?;
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
    #[wasm_bindgen(js_name = countAnswer)]
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
    #[wasm_bindgen(js_name = fileLine)]
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
    #[wasm_bindgen(js_name = startLine)]
    pub fn start_line(&mut self, id: &str) -> Option<String> {
        self.checkpoint.start_line(id)
    }

    /// The line for a handler's success `result` (JSON):
    /// `{"line", "outcome", "writeBack": bool}`.
    #[wasm_bindgen(js_name = doneLine)]
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
    /// from 1): `{"retry":ms}`, `{"line","outcome","code"}`, or `{"stop":true}`.
    #[wasm_bindgen(js_name = errorLine)]
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
            Decision::Stop => r#"{"stop":true}"#.into(),
        }
    }

    #[wasm_bindgen(js_name = providerWait)]
    pub fn provider_wait(&self, now: f64) -> f64 {
        self.provider.wait_ms(now) as f64
    }

    #[wasm_bindgen(js_name = providerSent)]
    pub fn provider_sent(&mut self, now: f64) {
        self.provider.sent(now);
    }

    /// A provider answer seen by the paced fetch: a 429 pauses every request.
    #[wasm_bindgen(js_name = providerAnswer)]
    pub fn provider_answer(&mut self, now: f64, status: u16, retry_after: Option<String>) {
        if status == 429 {
            let ra = retry_after
                .as_deref()
                .and_then(|v| parse_retry_after(v, now));
            self.provider.pause(now, ra);
        }
    }

    /// The write-back for `profile` (JSON) after `result` (JSON):
    /// `{"request":{…}}` (secrets as `***` when `redact`), `{"skipped":reason}`,
    /// or `{"error":{"code","message"}}`.
    #[wasm_bindgen(js_name = writeBackRequest)]
    pub fn write_back_request(&self, profile: &str, result: &str, redact: bool) -> String {
        let (Some(wb), Some(k)) = (&self.config.write_back, &self.config.klaviyo) else {
            return r#"{"skipped":"write-back is off"}"#.into();
        };
        let profile: serde_json::Value = serde_json::from_str(profile).unwrap_or_default();
        let result: serde_json::Value = serde_json::from_str(result).unwrap_or_default();
        let identity = match write_back::identity(&profile) {
            Ok(Some(i)) => i,
            Ok(None) => return format!(r#"{{"skipped":{}}}"#, json_text(NO_IDENTITY)),
            Err(e) => {
                return format!(
                    r#"{{"error":{{"code":{},"message":{}}}}}"#,
                    json_text(e.code.as_str()),
                    json_text(&e.message)
                )
            }
        };
        let outcome = crate::outcome::Outcome(
            result
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| {
                    let name = self
                        .config
                        .operation
                        .result_fields
                        .iter()
                        .find(|f| **f == k.as_str())?;
                    let value = match v {
                        serde_json::Value::String(s) => crate::outcome::OutValue::Str(s.clone()),
                        serde_json::Value::Number(n) => {
                            crate::outcome::OutValue::Num(n.as_f64().unwrap_or(f64::NAN))
                        }
                        serde_json::Value::Bool(b) => crate::outcome::OutValue::Bool(*b),
                        _ => return None,
                    };
                    Some((*name, value))
                })
                .collect(),
        );
        match wb.request(k, &identity, &outcome) {
            Some(r) => format!(r#"{{"request":{}}}"#, request_json(&r, redact)),
            None => r#"{"skipped":"the result carries none of the mapped fields"}"#.into(),
        }
    }

    /// A write-back answer (`status` 0: transport failure): `{"retry":ms}`,
    /// `{"ok":true}`, `{"code":…}` (final), or `{"stop":true,"message":…}`.
    #[wasm_bindgen(js_name = writeBackAnswer)]
    #[allow(clippy::too_many_arguments)]
    pub fn write_back_answer(
        &mut self,
        now: f64,
        status: u16,
        remaining: Option<String>,
        reset: Option<String>,
        retry_after: Option<String>,
        body: String,
    ) -> String {
        let Some(k) = self.config.klaviyo.clone() else {
            return r#"{"ok":true}"#.into();
        };
        let ra = retry_after
            .as_deref()
            .and_then(|v| parse_retry_after(v, now));
        match self
            .writes
            .answer(now, status, remaining.as_deref(), reset.as_deref(), ra)
        {
            Next::Retry(ms) => return format!(r#"{{"retry":{ms}}}"#),
            Next::Go => return r#"{"ok":true}"#.into(),
            Next::GiveUp => {}
        }
        let err = if status == 0 {
            crate::klaviyo::network_error(&body, &k.secrets())
        } else {
            match write_back::outcome(&response(status, retry_after, body), now, &k) {
                Ok(_) => return r#"{"ok":true}"#.into(),
                Err(e) => e,
            }
        };
        if err.code == Code::InvalidConfig {
            return format!(r#"{{"stop":true,"message":{}}}"#, json_text(&err.message));
        }
        format!(
            r#"{{"code":{},"message":{}}}"#,
            json_text(err.code.as_str()),
            json_text(&err.message)
        )
    }

    #[wasm_bindgen(js_name = writeBackLine)]
    pub fn write_back_line(&mut self, id: &str, code: Option<String>) -> String {
        self.checkpoint.write_back_line(id, code.as_deref())
    }

    /// `{"counts":{outcome:n},"codes":{code:n},"exit":0|1}`.
    pub fn summary(&self) -> String {
        report::summary(&self.checkpoint)
    }

    /// The report up to its first entry.
    #[wasm_bindgen(js_name = reportHead)]
    pub fn report_head(&self) -> String {
        report::head(
            &self.config.source.label(),
            &self.config.operation_label(),
            self.checkpoint.counts(),
        )
    }

    /// The report entry a checkpoint line completes, if any.
    #[wasm_bindgen(js_name = reportEntry)]
    pub fn report_entry(&mut self, line: &str) -> Option<String> {
        self.entries.line(line)
    }

    /// The entries still open, then the report's closing text is `reportTail`.
    #[wasm_bindgen(js_name = reportFinish)]
    pub fn report_finish(&mut self) -> Vec<String> {
        std::mem::take(&mut self.entries).finish()
    }

    #[wasm_bindgen(getter, js_name = reportTail)]
    pub fn report_tail(&self) -> String {
        report::TAIL.into()
    }

    /// The process exit code for an error that stops the run (2: usage or
    /// configuration, including an unknown segment; 1: otherwise).
    #[wasm_bindgen(js_name = stopExit)]
    pub fn stop_exit(code: &str) -> u8 {
        match code {
            "missing_config" | "invalid_config" | "invalid_template" | "unauthorized"
            | "not_found" => 2,
            _ => 1,
        }
    }
}

impl JsSync {
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
