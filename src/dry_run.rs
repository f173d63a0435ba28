//! The dry-run result: the request that would be sent, secrets as `***`.
//! One representation for every door (the Code action's object, the Worker's
//! JSON answer, the tests), with every header the request has.

use crate::http::{push_json_string, HttpRequest};

#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    pub method: &'static str,
    pub url: String,
    /// Every header, in order; secret values are `***`.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

impl DryRun {
    pub fn of(request: &HttpRequest) -> DryRun {
        DryRun {
            method: request.method,
            url: request.url.clone(),
            headers: request
                .redacted_headers()
                .map(|(name, value)| (name, value.to_string()))
                .collect(),
            body: request.body.clone(),
        }
    }

    /// `{"dryRun":true,"request":{"method","url","headers":{…},"body"}}`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"dryRun\":true,\"request\":{\"method\":");
        push_json_string(&mut out, self.method);
        out.push_str(",\"url\":");
        push_json_string(&mut out, &self.url);
        out.push_str(",\"headers\":{");
        for (i, (name, value)) in self.headers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
            out.push(':');
            push_json_string(&mut out, value);
        }
        out.push_str("},\"body\":");
        match &self.body {
            Some(b) => push_json_string(&mut out, b),
            None => out.push_str("null"),
        }
        out.push_str("}}");
        out
    }
}
