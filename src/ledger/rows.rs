//! A stored delivery: its states and its row.

use crate::json::{push_json_string, push_json_strings};

/// The states of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Done,
    Failed,
    Ambiguous,
    Dropped,
    /// Older than the delivery applied last for its pass: never sent.
    Superseded,
    /// An ordered delivery not applied (yet): kept so that its first
    /// sighting is remembered; the next redelivery claims it again.
    Released,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Pending,
        State::Done,
        State::Failed,
        State::Ambiguous,
        State::Dropped,
        State::Superseded,
        State::Released,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Done => "done",
            State::Failed => "failed",
            State::Ambiguous => "ambiguous",
            State::Dropped => "dropped",
            State::Superseded => "superseded",
            State::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub route: String,
    pub state: State,
    pub created_at: u64,
    pub updated_at: u64,
    pub attempts: u64,
    pub upstream_status: Option<u16>,
    pub code: Option<String>,
    pub outcome: Option<String>,
    pub answer_status: Option<u16>,
    pub answer_body: Option<String>,
    pub request_method: String,
    pub request_url: String,
    pub request_body: Option<String>,
    /// The write-back's state (`pending`, `done`, `skipped`, `rejected`),
    /// `None` for a delivery without one.
    pub write_back: Option<String>,
    /// The operation's result (JSON) kept for the write-back.
    pub result: Option<String>,
}

impl Row {
    /// Reads a row as D1 returns it (column name → value); `None` when it is unusable.
    pub fn from_json(v: &serde_json::Value) -> Option<Row> {
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let num = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_u64().or_else(|| x.as_f64().map(|f| f.max(0.0) as u64)))
        };
        let status = |k: &str| num(k).and_then(|n| u16::try_from(n).ok());
        Some(Row {
            id: text("id")?,
            route: text("route")?,
            state: State::parse(v.get("state")?.as_str()?)?,
            created_at: num("created_at")?,
            updated_at: num("updated_at")?,
            attempts: num("attempts").unwrap_or(0),
            upstream_status: status("upstream_status"),
            code: text("code"),
            outcome: text("outcome"),
            answer_status: status("answer_status"),
            answer_body: text("answer_body"),
            request_method: text("request_method").unwrap_or_default(),
            request_url: text("request_url").unwrap_or_default(),
            request_body: text("request_body"),
            write_back: text("write_back"),
            result: text("result"),
        })
    }

    /// The review API's object for this row, with the `actions` it allows at `now`.
    pub fn to_json(&self, now: u64) -> String {
        let mut o = String::from("{\"delivery\":");
        push_json_string(&mut o, &self.id);
        o.push_str(",\"route\":");
        push_json_string(&mut o, &self.route);
        o.push_str(",\"state\":");
        push_json_string(&mut o, self.state.as_str());
        o.push_str(",\"createdAt\":");
        push_json_string(&mut o, &iso_time(self.created_at));
        o.push_str(",\"updatedAt\":");
        push_json_string(&mut o, &iso_time(self.updated_at));
        o.push_str(",\"attempts\":");
        o.push_str(&self.attempts.to_string());
        o.push_str(",\"upstreamStatus\":");
        match self.upstream_status {
            Some(s) => o.push_str(&s.to_string()),
            None => o.push_str("null"),
        }
        o.push_str(",\"code\":");
        match &self.code {
            Some(c) => push_json_string(&mut o, c),
            None => o.push_str("null"),
        }
        o.push_str(",\"request\":{\"method\":");
        push_json_string(&mut o, &self.request_method);
        o.push_str(",\"url\":");
        push_json_string(&mut o, &self.request_url);
        o.push_str(",\"body\":");
        match &self.request_body {
            Some(b) => push_json_string(&mut o, b),
            None => o.push_str("null"),
        }
        // The decisions a person may take on it now (the rules of the 409s).
        o.push_str("},\"actions\":");
        push_json_strings(&mut o, super::decisions::actions(self, now));
        // A delivery with a write-back shows it, and the result it writes
        // (a rejected write-back's `serial` and `url` stay visible for review).
        if let Some(wb) = &self.write_back {
            o.push_str(",\"writeBack\":");
            push_json_string(&mut o, wb);
            o.push_str(",\"result\":");
            let result = self.result.as_deref().filter(|r| {
                serde_json::from_str::<serde_json::Value>(r).is_ok_and(|v| v.is_object())
            });
            o.push_str(result.unwrap_or("null"));
        }
        o.push('}');
        o
    }
}

/// Milliseconds since the epoch as `2026-11-27T12:00:00.000Z`.
pub fn iso_time(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

pub(super) fn known_outcome(outcome: &str) -> &'static str {
    const OUTCOMES: &[&str] = &[
        "updated",
        "created",
        "deleted",
        "synced",
        "ok",
        "error",
        "ambiguous",
        "skipped",
    ];
    OUTCOMES
        .iter()
        .copied()
        .find(|o| *o == outcome)
        .unwrap_or("ok")
}
