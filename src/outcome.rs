//! What an operation reports: an [`Outcome`] (what it decides, a `Plan`, is
//! in `http.rs` beside the request it carries).

/// A flat, typed output value (Klaviyo action outputs are string, number or boolean).
#[derive(Debug, Clone, PartialEq)]
pub enum OutValue {
    Bool(bool),
    Num(f64),
    Str(String),
    /// A fixed text such as a skip reason.
    Const(&'static str),
}

/// A flat result such as `{ updated: true, status: 200 }`, in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome(pub Vec<(&'static str, OutValue)>);

impl Outcome {
    pub fn flag(name: &'static str) -> Outcome {
        Outcome(vec![(name, OutValue::Bool(true))])
    }

    pub fn with(mut self, name: &'static str, value: OutValue) -> Outcome {
        self.0.push((name, value));
        self
    }

    pub fn with_status(self, status: u16) -> Outcome {
        self.with("status", OutValue::Num(f64::from(status)))
    }

    /// `{ skipped: true, reason }`.
    pub fn skipped(reason: &'static str) -> Outcome {
        Outcome::flag("skipped").with("reason", OutValue::Const(reason))
    }

    pub fn get(&self, name: &str) -> Option<&OutValue> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The outcome as a JSON object.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::push_json_string(&mut out, k);
            out.push(':');
            match v {
                OutValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                OutValue::Num(n) if n.is_finite() => out.push_str(&crate::value::js_number(*n)),
                OutValue::Num(_) => out.push_str("null"),
                OutValue::Str(s) => crate::json::push_json_string(&mut out, s),
                OutValue::Const(s) => crate::json::push_json_string(&mut out, s),
            }
        }
        out.push('}');
        out
    }
}
