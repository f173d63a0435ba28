use super::routes::{home_page, routes};
use super::*;
use crate::answer::{constant_time_eq, DEFAULT_RETRY_AFTER_S};
use crate::error::{Code, Error};

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

/// Issue 16 item 7: JSON text must be UTF-8 (RFC 8259 §8.1): the first bad
/// byte's offset (from 0) is named, nothing is decoded with U+FFFD.
#[test]
fn bodies_that_are_not_utf8_are_refused_with_the_offset() {
    assert_eq!(body_text(b"{\"a\":1}".to_vec()).unwrap(), "{\"a\":1}");
    assert_eq!(
        body_text("{\"é\":1}".as_bytes().to_vec()).unwrap(),
        "{\"é\":1}"
    );
    for (bytes, offset) in [
        (&b"{\"person\":{\"first_name\":\"A\xff\"}}"[..], 26),
        (&b"\xfe{}"[..], 0),
        // A truncated sequence at the end: the offset of its first byte.
        (&b"{\"a\":\"\xc3"[..], 6),
        // An overlong encoding and a lone surrogate are not UTF-8 either.
        (&b"{\"a\":\"\xc0\xaf\"}"[..], 6),
        (&b"{\"a\":\"\xed\xa0\x80\"}"[..], 6),
    ] {
        let a = body_text(bytes.to_vec()).unwrap_err();
        assert_eq!(a.status, 400);
        assert_eq!(a.code.map(|c| c.as_str()), Some("invalid_json"));
        assert!(
            a.body
                .contains(&format!("offset {offset} (counted from 0)")),
            "{}",
            a.body
        );
    }
}

/// Issue 16 item 1: every log line has `keySource` (null before a key was chosen).
#[test]
fn log_lines_carry_the_key_source() {
    let a = failure(&Error::invalid_profile("x"));
    let v: serde_json::Value =
        serde_json::from_str(&log_line("/passninja/update", &a, 1, None)).unwrap();
    assert_eq!(v["keySource"], serde_json::Value::Null);
    let tagged = crate::ledger::tag(a, "0123456789abcdef0123456789abcdef", None, false)
        .with_key_source("body");
    let v: serde_json::Value =
        serde_json::from_str(&log_line("/passninja/update", &tagged, 1, None)).unwrap();
    assert_eq!(v["keySource"], "body");
    // Tagging again keeps it.
    let again = crate::ledger::tag(
        tagged,
        "0123456789abcdef0123456789abcdef",
        Some("done"),
        true,
    );
    assert_eq!(again.delivery.unwrap().key_source, Some("body"));
}
