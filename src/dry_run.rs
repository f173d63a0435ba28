//! The dry-run result: the request that would be sent, secrets as `***`.
//! One representation for every door (the Code action's object, the Worker's
//! JSON answer, the tests), with every header the request has.

use crate::http::HttpRequest;
use crate::json::push_json_string;

/// A planned request shown instead of sent.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun(pub HttpRequest);

impl DryRun {
    pub fn method(&self) -> &'static str {
        self.0.method
    }

    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// Every header, in order; secret values are `***`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.redacted_headers()
    }

    pub fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// `{"dryRun":true,"request":{"method","url","headers":{…},"body"}}`.
    pub fn to_json(&self) -> String {
        format!("{{\"dryRun\":true,\"request\":{}}}", self.request_json())
    }

    /// The request alone: `{"method","url","headers":{…},"body"}`.
    pub fn request_json(&self) -> String {
        let mut out = String::from("{\"method\":");
        push_json_string(&mut out, self.method());
        out.push_str(",\"url\":");
        push_json_string(&mut out, self.url());
        out.push_str(",\"headers\":{");
        for (i, (name, value)) in self.headers().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
            out.push(':');
            push_json_string(&mut out, value);
        }
        out.push_str("},\"body\":");
        match self.body() {
            Some(b) => push_json_string(&mut out, b),
            None => out.push_str("null"),
        }
        out.push('}');
        out
    }
}
