//! The Cloudflare Worker proxy's rules, sans-IO: routing, authentication,
//! request checks, body parsing, and how every result becomes an HTTP answer
//! that Klaviyo's webhook retry rules handle correctly (2xx success;
//! 429/500/502/503 retried for 24 h; anything else final).

use crate::error::{Code, Error, WorkerCode};
use crate::json::push_json_string;
use crate::outcome::{OutValue, Outcome};

/// Bodies above this are refused with 413 (a webhook body is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The Worker's own retry budget: short, because Klaviyo retries a 503 later.
pub const DEFAULT_BUDGET_MS: u64 = 3_000;

/// `Retry-After` sent with a 503 when the provider gave none.
pub const DEFAULT_RETRY_AFTER_S: u64 = 30;

/// One webhook route: a provider operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub path: &'static str,
    pub provider: &'static str,
    pub operation: &'static str,
}

/// Every route the Worker serves (one per provider operation, from the registry).
pub fn routes() -> std::vec::IntoIter<Route> {
    crate::providers::REGISTRY.routes()
}

/// The route at `path`, if any.
pub fn route(path: &str) -> Option<Route> {
    let registry = &crate::providers::REGISTRY;
    for p in registry.providers() {
        for o in p.operations {
            if o.route == path {
                return Some(Route {
                    path: o.route,
                    provider: p.id,
                    operation: o.name,
                });
            }
        }
    }
    None
}

pub const HEALTH_PATH: &str = "/health";

/// An answer to send: status, headers, JSON body, and what to log about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// `updated`, `skipped`, `dry_run`, `error`… for the log line.
    pub outcome: &'static str,
    pub code: Option<WorkerCode>,
    pub upstream_status: Option<u16>,
    /// True once the request passed authentication: only then is anything
    /// the caller sent (the Klaviyo flow id) written to the log.
    pub authenticated: bool,
    /// The delivery ledger's log fields, for requests that got a delivery id.
    pub delivery: Option<Box<DeliveryLog>>,
}

/// Log fields of a delivery: its public id, the ledger state after the
/// request (`None`: not recorded), and whether the answer was replayed.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryLog {
    /// `None` before a delivery id was chosen (an early answer).
    pub id: Option<String>,
    pub ledger: Option<&'static str>,
    pub replayed: bool,
}

impl Answer {
    fn json(status: u16, outcome: &'static str, body: String) -> Answer {
        Answer {
            status,
            headers: vec![
                ("Content-Type", "application/json".to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body,
            outcome,
            code: None,
            upstream_status: None,
            authenticated: false,
            delivery: None,
        }
    }

    /// An RFC 7807 problem: `type`, `title`, `status`, `detail`, plus our
    /// `code`; the status is the code's ([`WorkerCode::status`]).
    pub fn problem(code: impl Into<WorkerCode>, title: &str, detail: &str) -> Answer {
        let code: WorkerCode = code.into();
        let status = code.status();
        let mut body = String::from("{\"type\":");
        push_json_string(
            &mut body,
            &format!("urn:passbridge:error:{}", code.as_str()),
        );
        body.push_str(",\"title\":");
        push_json_string(&mut body, title);
        body.push_str(",\"status\":");
        body.push_str(&status.to_string());
        body.push_str(",\"detail\":");
        push_json_string(&mut body, detail);
        body.push_str(",\"code\":");
        push_json_string(&mut body, code.as_str());
        body.push('}');
        Answer {
            status,
            headers: vec![
                ("Content-Type", "application/problem+json".to_string()),
                ("Cache-Control", "no-store".to_string()),
            ],
            body,
            outcome: "error",
            code: Some(code),
            upstream_status: None,
            authenticated: false,
            delivery: None,
        }
    }

    /// Marks an answer given after authentication succeeded.
    pub fn authenticated(mut self) -> Answer {
        self.authenticated = true;
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Answer {
        self.headers.push((name, value));
        self
    }

    /// Adds members to a problem body (before its closing brace).
    pub fn with_member(mut self, name: &str, value_json: &str) -> Answer {
        if self.body.ends_with('}') {
            self.body.pop();
            self.body.push(',');
            push_json_string(&mut self.body, name);
            self.body.push(':');
            self.body.push_str(value_json);
            self.body.push('}');
        }
        self
    }
}

/// The parts of an incoming request the checks need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub content_length: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

/// What to do with a request after the checks that need no body.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// Answer now (health, 401, 404, 405, 413, 415, fail-closed config).
    Answer(Answer),
    /// Read the body (at most [`MAX_BODY_BYTES`]) and run this route.
    Proceed(Route),
}

/// Routing, then method, then authentication, then media type and size: an
/// unauthenticated caller learns nothing beyond 401.
pub fn gate(req: &Incoming, secret: Option<&str>, version: &str) -> Gate {
    if let Some(page) = home_page(req.method, req.path) {
        return Gate::Answer(page);
    }
    if req.path == HEALTH_PATH {
        return match req.method {
            "GET" | "HEAD" => {
                let mut body = String::from("{\"ok\":true,\"service\":\"passbridge\",\"version\":");
                push_json_string(&mut body, version);
                body.push('}');
                Gate::Answer(Answer::json(200, "health", body))
            }
            _ => Gate::Answer(method_not_allowed("GET")),
        };
    }
    let Some(route) = route(req.path) else {
        let known: Vec<&str> = routes().map(|r| r.path).collect();
        return Gate::Answer(Answer::problem(
            WorkerCode::RouteNotFound,
            "Not Found",
            &format!("no such route; POST to one of {}", known.join(", ")),
        ));
    };
    if req.method != "POST" {
        return Gate::Answer(method_not_allowed("POST"));
    }
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return Gate::Answer(Answer::problem(
            Code::MissingConfig,
            "Worker not configured",
            "PASSBRIDGE_WEBHOOK_SECRET is not set: every request is refused until it is (wrangler secret put PASSBRIDGE_WEBHOOK_SECRET)",
        ));
    };
    if !bearer_matches(req.authorization, secret) {
        return Gate::Answer(
            Answer::problem(
                WorkerCode::Unauthorized,
                "Unauthorized",
                "missing or wrong Authorization: Bearer <PASSBRIDGE_WEBHOOK_SECRET> header",
            )
            .with_header("WWW-Authenticate", "Bearer".to_string()),
        );
    }
    if !is_json_media_type(req.content_type) {
        return Gate::Answer(
            Answer::problem(
                WorkerCode::UnsupportedMediaType,
                "Unsupported Media Type",
                "send the body as JSON with Content-Type: application/json",
            )
            .authenticated(),
        );
    }
    if let Some(len) = req.content_length {
        match len.trim().parse::<u64>() {
            Ok(n) if n > MAX_BODY_BYTES as u64 => return Gate::Answer(too_large().authenticated()),
            Ok(_) => {}
            Err(_) => {
                return Gate::Answer(
                    Answer::problem(
                        WorkerCode::InvalidRequest,
                        "Bad Request",
                        "Content-Length is not a number",
                    )
                    .authenticated(),
                )
            }
        }
    }
    Gate::Proceed(route)
}

/// `GET /` (and `HEAD /`) is the mapping playground page: no secret is
/// needed and no configuration is read. The entry supplies the page bytes
/// (dist/playground.html); this decides the answer around them: `Some` for
/// the home path (200 with `body` left empty for the page, or 405), `None`
/// for every other path.
pub fn home_page(method: &str, path: &str) -> Option<Answer> {
    if path != HOME_PATH {
        return None;
    }
    Some(match method {
        "GET" | "HEAD" => Answer {
            status: 200,
            headers: vec![
                ("Content-Type", "text/html; charset=utf-8".to_string()),
                (
                    "Content-Security-Policy",
                    crate::playground::PAGE_CSP.to_string(),
                ),
                ("Cache-Control", "no-cache".to_string()),
                ("X-Content-Type-Options", "nosniff".to_string()),
                ("Referrer-Policy", "no-referrer".to_string()),
            ],
            body: String::new(),
            outcome: "home",
            code: None,
            upstream_status: None,
            authenticated: false,
            delivery: None,
        },
        _ => method_not_allowed("GET"),
    })
}

/// The playground page's path.
pub const HOME_PATH: &str = "/";

fn method_not_allowed(allow: &str) -> Answer {
    Answer::problem(
        WorkerCode::MethodNotAllowed,
        "Method Not Allowed",
        &format!("use {allow}"),
    )
    .with_header("Allow", allow.to_string())
}

/// Whether to read (and discard) the body before an early answer: workerd
/// drops the client's keep-alive connection when a Worker answers without
/// reading a non-empty body. Only a small declared body is worth waiting for;
/// a large, undeclared or unparseable length is never waited on.
/// How long the entry may spend reading and discarding a body before an
/// early answer (keep-alive); then it answers anyway.
pub const DRAIN_MS: u32 = 1_000;

pub fn drain_before_early_answer(content_length: Option<&str>) -> bool {
    content_length
        .and_then(|len| len.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0 && n <= MAX_BODY_BYTES as u64)
}

/// 413, for a declared or an actual body above [`MAX_BODY_BYTES`].
pub fn too_large() -> Answer {
    Answer::problem(
        WorkerCode::PayloadTooLarge,
        "Payload Too Large",
        &format!("the body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

fn is_json_media_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `Authorization: Bearer <secret>` (the scheme in any letter case, RFC 7235),
/// the secret compared in constant time.
pub(crate) fn bearer_matches(header: Option<&str>, secret: &str) -> bool {
    let token = header
        .map(str::trim)
        .and_then(|h| h.split_once([' ', '\t']))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .unwrap_or("");
    constant_time_eq(token.as_bytes(), secret.as_bytes())
}

/// The request header Klaviyo's webhook actions identify their flow with.
pub const FLOW_ID_HEADER: &str = "x-klaviyo-flow-id";

/// A Klaviyo flow id: letters and digits, at most 32. Anything else could be
/// personal data someone put in the header, and is not logged.
fn is_flow_id(value: &str) -> bool {
    (1..=32).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The answer (and log line) for a client that went away before its body
/// was read: a client error, nothing was sent upstream.
pub fn client_closed() -> Answer {
    let mut a = Answer::problem(
        WorkerCode::ClientClosed,
        "Client Closed Request",
        "the client closed the connection before the body was read; nothing was sent",
    );
    a.outcome = "client_closed";
    a.authenticated()
}

/// Compares in time that depends only on the lengths, never on where the
/// first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff: u8 = u8::from(a.len() != b.len());
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= x ^ y;
    }
    diff == 0
}

/// The profile and event carried by a webhook body: `{ "person": …, "event": … }`
/// (flat or JSON:API person), or a bare JSON:API profile.
pub fn parse_body(text: &str) -> Result<serde_json::Value, Answer> {
    serde_json::from_str(text).map_err(|e| {
        Answer::problem(
            WorkerCode::InvalidJson,
            "Bad Request",
            &format!("the body is not valid JSON: {e}"),
        )
    })
}

/// Splits a parsed body into (profile, event).
pub fn person_and_event(
    body: &serde_json::Value,
) -> Result<(Option<&serde_json::Value>, Option<&serde_json::Value>), Answer> {
    let bad = |detail: &str| Answer::problem(Code::InvalidProfile, "Bad Request", detail);
    let Some(obj) = body.as_object() else {
        return Err(bad(
            "the body must be a JSON object: { \"person\": {…}, \"event\": {…} }",
        ));
    };
    if let Some(person) = obj.get("person") {
        return Ok((Some(person), obj.get("event")));
    }
    if obj.contains_key("data") {
        return Ok((Some(body), obj.get("event")));
    }
    Err(bad("the body has no \"person\" (expected { \"person\": {…}, \"event\": {…} } or a Klaviyo JSON:API profile)"))
}

/// 200 with the flat outcome (`updated`, `skipped`…).
pub fn success(outcome: &Outcome) -> Answer {
    let kind = match outcome.0.first() {
        Some((name, OutValue::Bool(true))) => *name,
        _ => "ok",
    };
    let mut answer = Answer::json(200, kind, outcome.to_json());
    if let Some(OutValue::Num(s)) = outcome.get("status") {
        answer.upstream_status = Some(*s as u16);
    }
    answer
}

/// 200 with the request that would have been sent (secrets as `***`).
pub fn dry_run(dry: &crate::dry_run::DryRun) -> Answer {
    Answer::json(200, "dry_run", dry.to_json())
}

/// How an error is answered so Klaviyo does the right thing: transient
/// upstream trouble → 503 + `Retry-After` (retried later); a provider's
/// permanent refusal → 422 (final); a bad profile → 400; our configuration → 500.
pub fn failure(err: &Error) -> Answer {
    let code = err.code;
    let answer = match err.code {
        Code::Throttled | Code::UpstreamUnavailable | Code::Network => {
            let secs = err
                .retry_after_ms
                .map(|ms| ms.div_ceil(1000))
                .unwrap_or(DEFAULT_RETRY_AFTER_S);
            Answer::problem(code, "Upstream Unavailable", &err.message)
                .with_header("Retry-After", secs.to_string())
        }
        Code::NotFound | Code::Unauthorized | Code::Rejected => {
            Answer::problem(code, "Provider Refused the Request", &err.message)
        }
        Code::WriteBackRejected => {
            Answer::problem(code, "Klaviyo Refused the Write-Back", &err.message)
        }
        Code::InvalidProfile => Answer::problem(code, "Bad Request", &err.message),
        Code::MissingConfig | Code::InvalidConfig | Code::InvalidTemplate => {
            Answer::problem(code, "Worker Misconfigured", &err.message)
        }
    };
    let mut answer = match err.status {
        Some(s) => answer.with_member("upstreamStatus", &s.to_string()),
        None => answer,
    };
    answer.upstream_status = err.status;
    answer
}

/// The answer for a failure of the Worker itself: nothing about the request
/// is known to be wrong, so Klaviyo may retry (500 is retried).
pub fn internal_error() -> Answer {
    let mut a = Answer::problem(
        WorkerCode::InternalError,
        "Internal Server Error",
        "unexpected failure in the Worker (see its log line); Klaviyo will retry",
    );
    a.outcome = "internal_error";
    a
}

/// Whether an answer to `method` carries a body (HEAD answers never do).
pub fn sends_body(method: &str) -> bool {
    method != "HEAD"
}

/// Whether the entry sends the playground page as this answer's body.
pub fn is_page(answer: &Answer) -> bool {
    answer.outcome == "home" && answer.status == 200
}

/// One structured log line: no secret, no email or phone number (provider
/// messages are left out because they may echo them). The flow id is written
/// only for an authenticated request and only when it has the shape of a
/// Klaviyo flow id; the route only when it is one of ours.
pub fn log_line(path: &str, answer: &Answer, duration_ms: u64, flow_id: Option<&str>) -> String {
    // Only known paths are logged as given: an unknown one could hold anything.
    let route = match route(path) {
        Some(r) => r.path,
        None if path == HEALTH_PATH => HEALTH_PATH,
        None if path == HOME_PATH => HOME_PATH,
        None => crate::ledger::admin::label_of(path).unwrap_or("(unknown)"),
    };
    let mut line = String::from("{\"route\":");
    push_json_string(&mut line, route);
    line.push_str(",\"status\":");
    line.push_str(&answer.status.to_string());
    line.push_str(",\"outcome\":");
    push_json_string(&mut line, answer.outcome);
    line.push_str(",\"code\":");
    match answer.code {
        Some(c) => push_json_string(&mut line, c.as_str()),
        None => line.push_str("null"),
    }
    line.push_str(",\"upstreamStatus\":");
    match answer.upstream_status {
        Some(s) => line.push_str(&s.to_string()),
        None => line.push_str("null"),
    }
    line.push_str(",\"durationMs\":");
    line.push_str(&duration_ms.to_string());
    line.push_str(",\"flowId\":");
    match flow_id.map(str::trim) {
        Some(f) if answer.authenticated && is_flow_id(f) => push_json_string(&mut line, f),
        _ => line.push_str("null"),
    }
    let d = answer.delivery.as_deref();
    line.push_str(",\"delivery\":");
    match d.and_then(|d| d.id.as_deref()) {
        Some(id) => push_json_string(&mut line, id),
        None => line.push_str("null"),
    }
    line.push_str(",\"ledger\":");
    match d.and_then(|d| d.ledger) {
        Some(l) => push_json_string(&mut line, l),
        None => line.push_str("null"),
    }
    line.push_str(",\"replayed\":");
    line.push_str(if d.is_some_and(|d| d.replayed) {
        "true"
    } else {
        "false"
    });
    line.push('}');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_page_needs_no_secret_and_sends_the_csp() {
        let a = home_page("GET", "/").unwrap();
        assert_eq!(a.status, 200);
        assert!(a
            .headers
            .contains(&("Content-Type", "text/html; charset=utf-8".to_string())));
        assert!(a.headers.contains(&(
            "Content-Security-Policy",
            crate::playground::PAGE_CSP.to_string()
        )));
        assert_eq!(home_page("HEAD", "/").unwrap().status, 200);
        let post = home_page("POST", "/").unwrap();
        assert_eq!(post.status, 405);
        assert!(post.headers.contains(&("Allow", "GET".to_string())));
        assert_eq!(home_page("GET", "/passninja/update"), None);
        assert_eq!(home_page("GET", "//"), None);
        assert!(log_line("/", &a, 1, None)
            .starts_with("{\"route\":\"/\",\"status\":200,\"outcome\":\"home\""));
    }

    fn incoming<'a>(method: &'a str, path: &'a str, auth: Option<&'a str>) -> Incoming<'a> {
        Incoming {
            method,
            path,
            content_type: Some("application/json; charset=utf-8"),
            content_length: Some("120"),
            authorization: auth,
        }
    }

    fn status(g: Gate) -> u16 {
        match g {
            Gate::Answer(a) => a.status,
            Gate::Proceed(_) => 0,
        }
    }

    #[test]
    fn gate_order_and_statuses() {
        let ok = Some("Bearer s3cret");
        assert_eq!(
            status(gate(&incoming("GET", "/health", None), None, "1")),
            200
        );
        assert_eq!(
            status(gate(&incoming("POST", "/health", None), None, "1")),
            405
        );
        assert_eq!(
            status(gate(&incoming("POST", "/nope", ok), Some("s3cret"), "1")),
            404
        );
        assert_eq!(
            status(gate(
                &incoming("GET", "/passninja/update", ok),
                Some("s3cret"),
                "1"
            )),
            405
        );
        assert_eq!(
            status(gate(&incoming("POST", "/passninja/update", ok), None, "1")),
            500
        );
        assert_eq!(
            status(gate(
                &incoming("POST", "/passninja/update", None),
                Some("s3cret"),
                "1"
            )),
            401
        );
        assert_eq!(
            status(gate(
                &incoming("POST", "/passninja/update", Some("Bearer s3cre")),
                Some("s3cret"),
                "1"
            )),
            401
        );
        assert_eq!(
            status(gate(
                &incoming("POST", "/passninja/update", Some("s3cret")),
                Some("s3cret"),
                "1"
            )),
            401
        );
        for scheme in ["BEARER", "bearer", "BeArEr"] {
            let header = format!("{scheme} s3cret");
            assert!(matches!(
                gate(
                    &incoming("POST", "/passninja/update", Some(&header)),
                    Some("s3cret"),
                    "1"
                ),
                Gate::Proceed(_)
            ));
        }
        assert_eq!(
            status(gate(
                &incoming("POST", "/passninja/update", Some("Basic s3cret")),
                Some("s3cret"),
                "1"
            )),
            401
        );
        let mut wrong_type = incoming("POST", "/passninja/update", ok);
        wrong_type.content_type = Some("text/plain");
        assert_eq!(status(gate(&wrong_type, Some("s3cret"), "1")), 415);
        wrong_type.content_type = None;
        assert_eq!(status(gate(&wrong_type, Some("s3cret"), "1")), 415);
        let mut big = incoming("POST", "/passninja/update", ok);
        big.content_length = Some("65537");
        assert_eq!(status(gate(&big, Some("s3cret"), "1")), 413);
        assert_eq!(
            gate(
                &incoming("POST", "/passninja/update", ok),
                Some("s3cret"),
                "1"
            ),
            Gate::Proceed(routes().next().unwrap())
        );
    }

    #[test]
    fn answers_never_carry_the_secret() {
        for g in [
            gate(
                &incoming("POST", "/passninja/update", Some("Bearer wrong")),
                Some("s3cret"),
                "1",
            ),
            gate(&incoming("GET", "/health", None), Some("s3cret"), "1"),
        ] {
            if let Gate::Answer(a) = g {
                assert!(!a.body.contains("s3cret"));
            }
        }
    }

    #[test]
    fn every_operation_has_a_route() {
        let paths: Vec<&str> = routes().map(|r| r.path).collect();
        assert_eq!(
            paths,
            [
                "/passninja/update",
                "/passninja/create",
                "/passninja/delete",
                "/walletcrew/push-update",
                "/walletcrew/profile-sync",
                "/jericommerce/balance"
            ]
        );
        for r in routes() {
            let options = crate::Options {
                provider: Some(r.provider.into()),
                operation: Some(r.operation.into()),
                ..crate::Options::default()
            }
            .with("delta", crate::OptionValue::Text("1".into()))
            .with("reason", crate::OptionValue::Text("r".into()));
            assert!(crate::Handler::new(&options).is_ok(), "{}", r.path);
        }
    }

    #[test]
    fn only_small_declared_bodies_are_drained() {
        assert!(drain_before_early_answer(Some("120")));
        assert!(drain_before_early_answer(Some("65536")));
        for len in [
            None,
            Some("0"),
            Some("65537"),
            Some("10000000"),
            Some("x"),
            Some("-1"),
        ] {
            assert!(!drain_before_early_answer(len), "{len:?}");
        }
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn failures_map_to_klaviyo_retry_semantics() {
        let mut e = Error::new(Code::Throttled, "PassNinja error: 429 Too Many Requests");
        e.status = Some(429);
        e.retry_after_ms = Some(1500);
        let a = failure(&e);
        assert_eq!(a.status, 503);
        assert!(a.headers.contains(&("Retry-After", "2".to_string())));
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["code"], "throttled");
        assert_eq!(v["status"], 503);
        assert_eq!(v["upstreamStatus"], 429);
        let a = failure(&Error::network("timed out"));
        assert_eq!(a.status, 503);
        assert!(a.headers.contains(&("Retry-After", "30".to_string())));
        let mut e = Error::new(
            Code::NotFound,
            "PassNinja error: 404 Not Found: Pass not found",
        );
        e.status = Some(404);
        let a = failure(&e);
        assert_eq!(a.status, 422);
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["code"], "not_found");
        assert_eq!(v["upstreamStatus"], 404);
        assert_eq!(
            v["detail"],
            "PassNinja error: 404 Not Found: Pass not found"
        );
        assert_eq!(failure(&Error::invalid_profile("x")).status, 400);
        assert_eq!(failure(&Error::invalid_template("x")).status, 500);
    }

    #[test]
    fn bodies_person_and_event() {
        let b = parse_body(r#"{"person":{"external_id":"x"},"event":{"points":3}}"#).unwrap();
        let (p, e) = person_and_event(&b).unwrap();
        assert_eq!(p.unwrap()["external_id"], "x");
        assert_eq!(e.unwrap()["points"], 3);
        let b = parse_body(r#"{"data":{"type":"profile","attributes":{}}}"#).unwrap();
        assert!(person_and_event(&b).unwrap().0.is_some());
        for bad in [r#"[1]"#, r#"{"people":{}}"#] {
            let b = parse_body(bad).unwrap();
            assert_eq!(person_and_event(&b).unwrap_err().status, 400);
        }
        let err = parse_body("{\"person\":").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.body.contains("not valid JSON"));
    }

    #[test]
    fn log_lines_are_json_without_personal_data() {
        let a = failure(&Error::invalid_profile("email ada@example.com is odd"));
        let line = log_line("/passninja/update", &a, 12, Some("flow\n123"));
        assert!(log_line("/ada@example.com", &a, 1, None).contains("\"route\":\"(unknown)\""));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["status"], 400);
        assert_eq!(v["code"], "invalid_profile");
        assert_eq!(v["durationMs"], 12);
        assert_eq!(v["flowId"], serde_json::Value::Null);
        assert!(!line.contains("ada@example.com"));
        let authed = a.clone().authenticated();
        for (given, logged) in [
            (Some("XyZ123"), Some("XyZ123")),
            (Some("victim2@example.com"), None),
            (Some("flow\n123"), None),
            (Some(&*"A".repeat(33)), None),
            (Some(""), None),
            (None, None),
        ] {
            let v: serde_json::Value =
                serde_json::from_str(&log_line("/passninja/update", &authed, 1, given)).unwrap();
            assert_eq!(v["flowId"].as_str(), logged, "{given:?}");
        }
        // Not authenticated: never logged, whatever its shape.
        let unauth = log_line("/passninja/update", &a, 1, Some("XyZ123"));
        assert!(unauth.contains("\"flowId\":null"), "{unauth}");
    }
}
