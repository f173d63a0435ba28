//! The run's write-back step: the request that writes an operation's result
//! to the Klaviyo profile, what Klaviyo's answer means, and its checkpoint line.

use super::{response, Run};
use crate::error::Code;
use crate::http::parse_retry_after;
use crate::klaviyo::write_back::{self, NO_IDENTITY};
use crate::sync::pace::Next;
use crate::sync::wire::{json_text, outcome_of, request_json};

impl Run {
    /// The write-back for `profile` (JSON) after `result` (JSON):
    /// `{"request":{…}}` (secrets as `***` when `redact`), `{"skipped":reason}`,
    /// or `{"error":{"code","message"}}`.
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
        let outcome = outcome_of(&result, self.config.operation.result_fields);
        match wb.request(k, &identity, &outcome) {
            Some(r) => format!(r#"{{"request":{}}}"#, request_json(&r, redact)),
            None => r#"{"skipped":"the result carries none of the mapped fields"}"#.into(),
        }
    }

    /// A write-back answer (`status` 0: transport failure): `{"retry":ms}`,
    /// `{"ok":true}`, `{"code":…}` (final), or `{"stop":true,"message":…}`.
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

    pub fn write_back_line(&mut self, id: &str, code: Option<String>) -> String {
        self.checkpoint.write_back_line(id, code.as_deref())
    }
}
