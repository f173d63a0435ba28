//! `GET /review`: the deliveries page (issue 18), a browser face for the
//! review API (`/deliveries`, src/ledger/admin.rs). The page's bytes are built
//! from js/review/ and held by the Worker entry (dist/review-page.mjs); this
//! decides the answer around them: its headers, and which of its two variants
//! is served: `review` (the API is on) or `review-off` (`PASSBRIDGE_ADMIN_SECRET`
//! is unset: the page says so and how to turn it on). The page needs no
//! secret to load and shows nothing of the ledger until the person signs in.

use crate::answer::Answer;

/// The page's path.
pub const PATH: &str = "/review";

/// Only the same-origin review API may be reached (`connect-src 'self'`);
/// inline script and styles (the page is one file); no frame may hold it.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The log line's outcome of the page answer.
pub const OUTCOME: &str = "review_page";

/// The page's answer for `GET`/`HEAD /review` (`Some`, or 405 for another
/// method), `None` for every other path. `admin_on`: whether
/// `PASSBRIDGE_ADMIN_SECRET` is set (non-empty); it picks the page the entry
/// sends (`review` or `review-off`).
pub fn page(method: &str, path: &str, admin_on: bool) -> Option<Answer> {
    if path != PATH {
        return None;
    }
    if method != "GET" && method != "HEAD" {
        return Some(
            Answer::problem(
                crate::error::WorkerCode::MethodNotAllowed,
                "Method Not Allowed",
                "use GET",
            )
            .with_header("Allow", "GET".to_string()),
        );
    }
    Some(Answer {
        status: 200,
        headers: vec![
            ("Content-Type", "text/html; charset=utf-8".to_string()),
            ("Content-Security-Policy", PAGE_CSP.to_string()),
            ("Cache-Control", "no-store".to_string()),
            ("X-Content-Type-Options", "nosniff".to_string()),
            ("X-Frame-Options", "DENY".to_string()),
            ("Referrer-Policy", "no-referrer".to_string()),
        ],
        body: String::new(),
        outcome: OUTCOME,
        code: None,
        upstream_status: None,
        authenticated: false,
        delivery: None,
        page: Some(if admin_on { "review" } else { "review-off" }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_answer_and_its_variants() {
        let on = page("GET", PATH, true).unwrap();
        assert_eq!(on.status, 200);
        assert_eq!(on.page, Some("review"));
        let off = page("HEAD", PATH, false).unwrap();
        assert_eq!(off.page, Some("review-off"));
        for (name, value) in [
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", PAGE_CSP),
        ] {
            assert!(on.headers.contains(&(name, value.to_string())), "{name}");
        }
        assert!(PAGE_CSP.contains("frame-ancestors 'none'"));
        assert!(PAGE_CSP.contains("connect-src 'self'"));
        assert!(!PAGE_CSP.contains("http"));
        let post = page("POST", PATH, true).unwrap();
        assert_eq!(post.status, 405);
        assert_eq!(post.page, None);
        assert_eq!(page("GET", "/review/", true), None);
        assert_eq!(page("GET", "/", true), None);
    }
}
