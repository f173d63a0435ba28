//! Which route a request is for, and the checks that need no body: method,
//! authentication, media type and declared size.

use super::body::{too_large, MAX_BODY_BYTES};
use crate::answer::{bearer_matches, Answer};
use crate::error::{Code, WorkerCode};
use crate::json::push_json_string;
use crate::providers::Route;

/// Every route the Worker serves (one per provider operation, from the registry).
pub fn routes() -> std::vec::IntoIter<Route> {
    crate::providers::REGISTRY.routes()
}

/// The route at `path`, if any.
pub fn route(path: &str) -> Option<Route> {
    crate::providers::REGISTRY.route(path)
}

pub const HEALTH_PATH: &str = "/health";

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
            page: Some("playground"),
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

/// The page the entry sends as this answer's body, if any (`playground`,
/// `review`, `review-off`).
pub fn page_of(answer: &Answer) -> Option<&'static str> {
    answer.page
}
