//! The request text: a dry-run result as the page and `make demo` print it.

#[cfg(test)]
use crate::error::Error;
#[cfg(test)]
use crate::http::HttpRequest;
#[cfg(test)]
use crate::http::Plan;

/// A dry-run result as the page and `make demo` print it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown<'a> {
    /// `METHOD URL`, one `Name: value` line per header (the key as `***`),
    /// an empty line, then the body (no empty line when there is no body).
    Request {
        method: &'a str,
        url: &'a str,
        headers: Vec<(&'a str, &'a str)>,
        body: Option<&'a str>,
    },
    /// `skipped: <reason>`
    Skipped(&'a str),
    /// `error <code>: <message>`
    Error { code: &'a str, message: &'a str },
}

impl<'a> Shown<'a> {
    /// A planned request, secrets as `***`. (The page shows the doors' own
    /// dry-run result; the tests show a native plan to compare with it.)
    #[cfg(test)]
    pub fn request(request: &'a HttpRequest) -> Shown<'a> {
        Shown::Request {
            method: request.method,
            url: &request.url,
            headers: request.redacted_headers().collect(),
            body: request.body.as_deref(),
        }
    }

    /// The outcome of a plan.
    #[cfg(test)]
    pub fn plan(plan: &'a Result<Plan, Error>) -> Shown<'a> {
        match plan {
            Ok(Plan::Send(r)) => Shown::request(r),
            Ok(Plan::Skip(reason)) => Shown::Skipped(reason),
            Err(e) => Shown::Error {
                code: e.code.as_str(),
                message: &e.message,
            },
        }
    }

    pub fn text(&self) -> String {
        match self {
            Shown::Request {
                method,
                url,
                headers,
                body,
            } => {
                let mut out = format!("{method} {url}");
                for (name, value) in headers {
                    out.push('\n');
                    out.push_str(name);
                    out.push_str(": ");
                    out.push_str(value);
                }
                if let Some(body) = body {
                    out.push_str("\n\n");
                    out.push_str(body);
                }
                out
            }
            Shown::Skipped(reason) => format!("skipped: {reason}"),
            Shown::Error { code, message } => format!("error {code}: {message}"),
        }
    }
}
