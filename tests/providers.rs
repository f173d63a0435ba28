//! Response classification of every provider operation, natively: the same
//! core code the wasm boundary drives.

use passbridge::{Code, Handler, OptionValue, Options, OutValue, Plan};
use passbridge::{HttpRequest, HttpResponse};
use std::collections::HashMap;

const KEY: &str = "key_SECRET_0123456789";

fn env() -> HashMap<&'static str, &'static str> {
    [
        ("PASSNINJA_API_KEY", KEY),
        ("PASSNINJA_ACCOUNT_ID", "aid_0x2a"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x9f"),
        ("WALLETCREW_API_KEY", KEY),
        ("WALLETCREW_TENANT_ID", "acme"),
        ("JERICOMMERCE_API_KEY", KEY),
        ("JERICOMMERCE_PROGRAM_SLUG", "club"),
    ]
    .into_iter()
    .collect()
}

fn handler(provider: &str, operation: &str) -> Handler {
    Handler::new(
        &Options {
            provider: Some(provider.into()),
            operation: Some(operation.into()),
            ..Options::default()
        }
        .with("delta", OptionValue::Text("{{ event.points }}".into()))
        .with("reason", OptionValue::Text("Bonus".into()))
        .with("skipIfPassExists", OptionValue::Flag(false)),
    )
    .unwrap()
}

fn planned(h: &Handler) -> HttpRequest {
    let profile = serde_json::json!({"email": "a@example.com", "phone_number": "+15005550006", "external_id": "S1"});
    let event = serde_json::json!({"points": 40});
    match h.plan(Some(&profile), Some(&event), &env()).unwrap() {
        Plan::Send(r) => r,
        Plan::Skip(reason) => panic!("unexpected skip: {reason}"),
    }
}

fn answer(status: u16, body: &str, retry_after: Option<&str>) -> HttpResponse {
    HttpResponse {
        status,
        retry_after: retry_after.map(str::to_string),
        body: body.to_string(),
    }
}

#[test]
fn passninja_status_classes() {
    let h = handler("passninja", "update");
    let req = planned(&h);
    let ok = h.outcome(&req, &answer(200, "{}", None), 0.0).unwrap();
    assert_eq!(
        ok.0,
        vec![
            ("updated", OutValue::Bool(true)),
            ("status", OutValue::Num(200.0))
        ]
    );
    // (status, body, Retry-After, code, retryable, message)
    type Case<'a> = (u16, &'a str, Option<&'a str>, Code, bool, &'a str);
    let cases: &[Case] = &[
        (400, r#"{"error":"Unknown field points"}"#, None, Code::Rejected, false, "PassNinja error: 400 Bad Request: Unknown field points"),
        (401, r#"{"msg":"Invalid API key"}"#, None, Code::Unauthorized, false, "PassNinja error: 401 Unauthorized: Invalid API key"),
        (403, r#"{"error":"Enterprise plan required","code":"ENTERPRISE_REQUIRED"}"#, None, Code::Unauthorized, false, "PassNinja error: 403 Forbidden: Enterprise plan required (ENTERPRISE_REQUIRED)"),
        (404, r#"{"error":"Pass not found"}"#, None, Code::NotFound, false, "PassNinja error: 404 Not Found: Pass not found"),
        (429, r#"{"error":"Too many requests"}"#, Some("3"), Code::Throttled, true, "PassNinja error: 429 Too Many Requests: Too many requests"),
        (500, "<html>upstream exploded</html>", None, Code::UpstreamUnavailable, true, "PassNinja error: 500 Internal Server Error: <html>upstream exploded</html>"),
        (302, "", None, Code::Rejected, false, "PassNinja error: 302: unexpected redirect or informational answer (redirects are not followed)"),
        (400, &format!(r#"{{"error":"bad key {KEY}"}}"#), None, Code::Rejected, false, "PassNinja error: 400 Bad Request: bad key ***"),
    ];
    for (status, body, ra, code, retryable, message) in cases {
        let e = h
            .outcome(&req, &answer(*status, body, *ra), 0.0)
            .unwrap_err();
        assert_eq!(
            (e.code, e.retryable, e.status),
            (*code, *retryable, Some(*status)),
            "{status}"
        );
        assert_eq!(e.message, *message);
    }
    let e = h
        .outcome(&req, &answer(429, "", Some("3")), 0.0)
        .unwrap_err();
    assert_eq!(e.retry_after_ms, Some(3000));
}

#[test]
fn passninja_create_reads_serial_and_landing_url() {
    let h = handler("passninja", "create");
    let req = planned(&h);
    assert!(!req.idempotent, "a retried create would make a second pass");
    let body = r#"{"passType":"ptk_0x9f","serialNumber":"ab12","pass":{},"urls":{"landing":"https://passninja.com/p/ab12","apple":"https://x/presigned"}}"#;
    let o = h.outcome(&req, &answer(201, body, None), 0.0).unwrap();
    assert_eq!(o.get("created"), Some(&OutValue::Bool(true)));
    assert_eq!(o.get("serial"), Some(&OutValue::Str("ab12".into())));
    assert_eq!(
        o.get("url"),
        Some(&OutValue::Str("https://passninja.com/p/ab12".into()))
    );
    let body = r#"{"passTemplate":"ptk_0x9f","serialNumber":"cd34"}"#;
    let o = h.outcome(&req, &answer(200, body, None), 0.0).unwrap();
    assert_eq!(
        o.get("url"),
        Some(&OutValue::Str("https://passninja.com/p/cd34".into()))
    );
    // A 2xx without a serial cannot be stored on the profile: a coded error, never retried.
    for body in ["{}", "not json", r#"{"serialNumber":" "}"#] {
        let e = h.outcome(&req, &answer(201, body, None), 0.0).unwrap_err();
        assert_eq!(
            (e.code, e.retryable, e.status),
            (Code::Rejected, false, Some(201)),
            "{body}"
        );
        assert!(e
            .message
            .starts_with("PassNinja error: 201: the pass may have been created"));
    }
}

#[test]
fn passninja_delete_of_a_gone_pass_is_not_found() {
    let h = handler("passninja", "delete");
    let req = planned(&h);
    assert_eq!((req.method, req.body.as_deref()), ("DELETE", None));
    assert_eq!(
        h.outcome(&req, &answer(200, "{}", None), 0.0)
            .unwrap()
            .get("deleted"),
        Some(&OutValue::Bool(true))
    );
    let e = h
        .outcome(
            &req,
            &answer(404, r#"{"error":"Pass not found"}"#, None),
            0.0,
        )
        .unwrap_err();
    assert_eq!((e.code, e.retryable), (Code::NotFound, false));
}

#[test]
fn walletcrew_problem_details() {
    let h = handler("walletcrew", "pushUpdate");
    let req = planned(&h);
    let problem = r#"{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"identifiers":["At least one identifier is required."]}}"#;
    let e = h
        .outcome(&req, &answer(400, problem, None), 0.0)
        .unwrap_err();
    assert_eq!(e.code, Code::Rejected);
    assert_eq!(
        e.message,
        "The Wallet Crew error: 400 Bad Request: One or more validation errors occurred. — identifiers: At least one identifier is required."
    );
    let e = h
        .outcome(
            &req,
            &answer(401, r#"{"title":"Unauthorized","status":401}"#, None),
            0.0,
        )
        .unwrap_err();
    assert_eq!(
        e.message,
        "The Wallet Crew error: 401 Unauthorized: Unauthorized"
    );
    let sync = handler("walletcrew", "profileSync");
    let req = planned(&sync);
    let o = sync.outcome(&req, &answer(202, "", None), 0.0).unwrap();
    assert_eq!(
        o.0,
        vec![
            ("synced", OutValue::Bool(true)),
            ("status", OutValue::Num(202.0))
        ]
    );
}

#[test]
fn jericommerce_outcome_and_no_retry() {
    let h = handler("jericommerce", "balance");
    let req = planned(&h);
    assert!(
        !req.idempotent,
        "a retried balance change could credit twice"
    );
    assert!(req.url.ends_with("/v1/programs/club/balance/increase"));
    let o = h.outcome(&req, &answer(200, "", None), 0.0).unwrap();
    assert_eq!(
        o.0,
        vec![
            ("updated", OutValue::Bool(true)),
            ("direction", OutValue::Const("increase")),
            ("amount", OutValue::Num(40.0)),
            ("status", OutValue::Num(200.0)),
        ]
    );
    let e = h
        .outcome(&req, &answer(500, "Internal error", None), 0.0)
        .unwrap_err();
    assert_eq!((e.code, e.retryable), (Code::UpstreamUnavailable, true));
    let policy = passbridge::RetryPolicy::default();
    assert_eq!(policy.next_delay(1, &e, req.idempotent, 0, 5), None);
}
