use super::admin::{self, AdminRoute};
use super::*;
use crate::answer::{success, Answer};
use crate::error::WorkerCode;
use crate::error::{Code, Error};
use crate::http::Header;
use crate::http::HttpRequest;
use crate::options::OptionValue::Text;
use crate::outcome::OutValue;
use crate::outcome::Outcome;

fn route(path: &str) -> Route {
    route_of(path).unwrap()
}

fn request(idempotent: bool) -> HttpRequest {
    HttpRequest {
        method: "POST",
        url: "https://api.jericommerce.com/v1/programs/acme/balance/increase".into(),
        headers: vec![Header {
            name: "api-key",
            value: "jc_secret_key".into(),
            secret: true,
        }],
        body: Some(r#"[{"email":"ada@example.com","amount":5,"reason":"r"}]"#.into()),
        idempotent,
        planned: Default::default(),
    }
}

fn row_json(state: &str, updated_at: u64) -> serde_json::Value {
    serde_json::json!({
        "id": "0123456789abcdef0123456789abcdef",
        "route": "/jericommerce/balance",
        "state": state,
        "created_at": 1_000,
        "updated_at": updated_at,
        "attempts": 1,
        "upstream_status": 200,
        "code": null,
        "outcome": "updated",
        "answer_status": 200,
        "answer_body": "{\"updated\":true,\"status\":200}",
        "request_method": "POST",
        "request_url": "https://x/y",
        "request_body": "[]",
    })
}

const ID: &str = "0123456789abcdef0123456789abcdef";

fn claimed(changes: u64, row: Option<serde_json::Value>) -> Vec<StmtResult> {
    vec![
        StmtResult {
            changes,
            rows: vec![],
        },
        StmtResult {
            changes: 0,
            rows: row.into_iter().collect(),
        },
    ]
}

fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
    a.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn err(code: Code, status: Option<u16>) -> Result<Outcome, Error> {
    let mut e = Error::new(code, "JeriCommerce error: x");
    e.status = status;
    Err(e)
}

fn ok() -> Result<Outcome, Error> {
    Ok(Outcome(vec![
        ("updated", OutValue::Bool(true)),
        ("status", OutValue::Num(200.0)),
    ]))
}

#[test]
fn modes_and_days() {
    assert_eq!(Mode::parse(None).unwrap(), Mode::Auto);
    assert_eq!(Mode::parse(Some("all")).unwrap(), Mode::All);
    assert_eq!(Mode::parse(Some("off")).unwrap(), Mode::Off);
    assert_eq!(
        Mode::parse(Some("yes")).unwrap_err().code,
        Code::InvalidConfig
    );
    assert!(Mode::Auto.records("/jericommerce/balance"));
    assert!(Mode::Auto.records("/passninja/create"));
    assert!(!Mode::Auto.records("/passninja/update"));
    assert!(Mode::All.records("/walletcrew/push-update"));
    assert!(!Mode::Off.records("/jericommerce/balance"));
    assert_eq!(parse_days(None).unwrap(), 7);
    assert_eq!(parse_days(Some("2")).unwrap(), 2);
    for bad in ["1", "0", "-3", "x", "2.5"] {
        assert_eq!(
            parse_days(Some(bad)).unwrap_err().code,
            Code::InvalidConfig,
            "{bad}"
        );
    }
    assert_eq!(health_status(None, true), "auto");
    assert_eq!(health_status(Some("all"), true), "all");
    assert_eq!(health_status(Some("auto"), false), "missing");
    assert_eq!(health_status(Some("off"), false), "off");
}

#[test]
fn non_idempotent_routes_match_what_the_providers_plan() {
    for r in crate::providers::REGISTRY.routes() {
        let options = crate::Options {
            provider: Some(r.provider.into()),
            operation: Some(r.operation.into()),
            ..crate::Options::default()
        }
        .with("delta", Text("{{ event.points }}".into()))
        .with("reason", Text("r".into()))
        .with("skipIfPassExists", crate::OptionValue::Flag(false));
        let h = crate::Handler::new(&options).unwrap();
        struct E;
        impl crate::env::Env for E {
            fn var(&self, name: &str) -> Option<String> {
                Some(
                    match name {
                        "PASSNINJA_ACCOUNT_ID" => "aid_0x1a",
                        "PASSNINJA_TEMPLATE_ID" => "ptk_0x1b",
                        n if n.ends_with("_BASE_URL") => return None,
                        _ => "k",
                    }
                    .into(),
                )
            }
        }
        let profile =
            serde_json::json!({"external_id": "s1", "email": "a@b.c", "phone_number": "+1"});
        let event = serde_json::json!({"points": 5});
        match h.plan(Some(&profile), Some(&event), &E).unwrap() {
            crate::Plan::Send(req) => {
                assert_eq!(req.idempotent, is_idempotent(r.path), "{}", r.path)
            }
            crate::Plan::Skip(s) => panic!("{}: skipped {s}", r.path),
        }
    }
}

#[test]
fn delivery_keys_in_order() {
    let p = serde_json::json!({"email": "a@b.c"});
    let e = serde_json::json!({"id": "evt_1"});
    let t = parse_key_template(Some("{{ event.id }}")).unwrap();
    let body = b"{\"person\":{}}";
    // Header first, even with a template.
    assert_eq!(
        delivery_key("/r", Some("abc-1"), t.as_ref(), Some(&p), Some(&e), body).unwrap(),
        ("abc-1".to_string(), KeySource::Header)
    );
    // Then the template.
    assert_eq!(
        delivery_key("/r", None, t.as_ref(), Some(&p), Some(&e), body).unwrap(),
        ("evt_1".to_string(), KeySource::Template)
    );
    // Then the body hash.
    assert_eq!(
        delivery_key::<&serde_json::Value>("/r", None, None, None, None, body).unwrap(),
        (sha256::hex_of(&[b"/r\n", body]), KeySource::Body)
    );
    // Header validation.
    for bad in ["", "é", "a\tb", &"x".repeat(201)] {
        let a = delivery_key::<&serde_json::Value>("/r", Some(bad), None, None, None, body)
            .unwrap_err();
        assert_eq!(a.status, 400);
        assert_eq!(
            a.code.map(WorkerCode::as_str),
            Some("invalid_idempotency_key")
        );
    }
    assert!(delivery_key::<&serde_json::Value>(
        "/r",
        Some(&"~".repeat(200)),
        None,
        None,
        None,
        body
    )
    .is_ok());
    // An empty render names the variable (on a route that is not idempotent).
    let no_event = serde_json::json!({});
    let balance = "/jericommerce/balance";
    let a = delivery_key(balance, None, t.as_ref(), Some(&p), Some(&no_event), body).unwrap_err();
    assert_eq!(a.status, 400);
    assert_eq!(a.code.map(WorkerCode::as_str), Some("invalid_profile"));
    assert!(a.body.contains("PASSBRIDGE_DELIVERY_KEY"));
    // An invalid template is a configuration error.
    let e = parse_key_template(Some("{{ event.id|shout }}")).unwrap_err();
    assert_eq!(e.code, Code::InvalidTemplate);
    assert!(e.message.contains("PASSBRIDGE_DELIVERY_KEY"));
    assert_eq!(parse_key_template(Some("  ")).unwrap(), None);
}

/// Issue 16 item 1: `PASSBRIDGE_DELIVERY_KEY="{{ event.id }}"` and a body
/// without an event: an idempotent route falls back to the body hash, a
/// non-idempotent one stays 400.
#[test]
fn an_empty_key_template_falls_back_to_the_body_hash_on_idempotent_routes() {
    let p = serde_json::json!({"email": "a@b.c"});
    let t = parse_key_template(Some("{{ event.id }}")).unwrap();
    let body = b"{\"person\":{\"email\":\"a@b.c\"}}";
    for route in [
        "/passninja/update",
        "/passninja/delete",
        "/walletcrew/push-update",
        "/walletcrew/profile-sync",
    ] {
        assert!(is_idempotent(route), "{route}");
        let empty = serde_json::json!({});
        for event in [None, Some(&empty)] {
            assert_eq!(
                delivery_key(route, None, t.as_ref(), Some(&p), event, body).unwrap(),
                (body_key(route, body), KeySource::Body),
                "{route}"
            );
        }
    }
    for route in ["/jericommerce/balance", "/passninja/create"] {
        assert!(!is_idempotent(route), "{route}");
        let a = delivery_key(route, None, t.as_ref(), Some(&p), None, body).unwrap_err();
        assert_eq!(a.status, 400, "{route}");
        assert_eq!(a.code.map(WorkerCode::as_str), Some("invalid_profile"));
    }
    assert_eq!(KeySource::Header.as_str(), "header");
    assert_eq!(KeySource::Template.as_str(), "template");
    assert_eq!(KeySource::Body.as_str(), "body");
}

/// Issue 16 item 6: surrounding spaces and tabs are not part of a header
/// value (RFC 9110 §5.5): `abc ` is `abc`, a trailing tab is accepted.
#[test]
fn idempotency_keys_are_trimmed_of_spaces_and_tabs() {
    let body = b"{}";
    let key = |h: &str| delivery_key::<&serde_json::Value>("/r", Some(h), None, None, None, body);
    for h in ["abc", "abc ", " abc", "abc\t", "\tabc \t", "  abc  "] {
        assert_eq!(
            key(h).unwrap(),
            ("abc".to_string(), KeySource::Header),
            "{h:?}"
        );
    }
    // Inner whitespace is kept; only spaces or tabs is no key at all.
    assert_eq!(key(" a b ").unwrap().0, "a b");
    for bad in [" ", "\t", " \t ", "a\tb"] {
        assert_eq!(key(bad).unwrap_err().status, 400, "{bad:?}");
    }
    // The length limit applies to the trimmed key.
    assert!(key(&format!(" {} ", "x".repeat(200))).is_ok());
}

#[test]
fn delivery_ids_depend_on_route_and_key() {
    let a = delivery_id("/jericommerce/balance", "k1");
    assert!(is_delivery_id(&a));
    assert_eq!(
        a,
        &sha256::hex_of(&[b"/jericommerce/balance\nk1"])[..32],
        "first 32 hex of SHA-256(route + \\n + key)"
    );
    assert_ne!(a, delivery_id("/passninja/create", "k1"));
    assert_ne!(a, delivery_id("/jericommerce/balance", "k2"));
    assert!(!a.contains("k1"));
    assert!(!is_delivery_id("0123"));
    assert!(!is_delivery_id("0123456789ABCDEF0123456789abcdef"));
}

#[test]
fn claim_stores_the_request_without_any_header() {
    let req = request(false);
    let stmts = claim(
        &NewDelivery {
            id: ID,
            route: route("/jericommerce/balance"),
            request: &req,
            input: "{}",
        },
        5_000,
    );
    assert_eq!(stmts.len(), 2);
    assert!(stmts[0].sql.starts_with("INSERT INTO deliveries"));
    assert!(stmts[0].sql.contains("ON CONFLICT (id) DO NOTHING"));
    let json = statements_json(&stmts);
    assert!(!json.contains("jc_secret_key"));
    assert!(!json.contains("api-key"));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed[0]["params"][0], ID);
    assert_eq!(parsed[0]["params"][2], 5000);
    assert_eq!(parsed[1]["params"], serde_json::json!([ID]));
}

#[test]
fn claim_results_decide() {
    let r = "/jericommerce/balance";
    assert_eq!(after_claim(ID, r, 10, &claimed(1, None)), Decision::Send);
    // Final states replay their stored answer.
    for state in ["done", "failed", "ambiguous", "dropped"] {
        let Decision::Answer(a) = after_claim(ID, r, 10, &claimed(0, Some(row_json(state, 1))))
        else {
            panic!("{state}")
        };
        assert_eq!(a.status, 200);
        assert_eq!(a.body, "{\"updated\":true,\"status\":200}");
        assert_eq!(header(&a, "Idempotent-Replayed"), Some("true"));
        assert_eq!(header(&a, "Passbridge-Delivery"), Some(ID));
        assert!(a.delivery.as_ref().unwrap().replayed);
        assert_eq!(a.delivery.as_ref().unwrap().ledger, Some(state));
    }
    // A fresh pending row: in progress.
    let Decision::Answer(a) =
        after_claim(ID, r, 120_001, &claimed(0, Some(row_json("pending", 1))))
    else {
        panic!()
    };
    assert_eq!(a.status, 503);
    assert_eq!(a.code.map(WorkerCode::as_str), Some("delivery_in_progress"));
    assert_eq!(header(&a, "Retry-After"), Some("30"));
    // A stale pending row of a non-idempotent route becomes ambiguous.
    match after_claim(ID, r, 120_002, &claimed(0, Some(row_json("pending", 1)))) {
        Decision::RunThenAnswer(stmts, a) => {
            assert_eq!(a.status, 202);
            let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
            assert_eq!(
                v,
                serde_json::json!({"accepted": true, "ambiguous": true, "delivery": ID, "code": "network"})
            );
            assert!(stmts[0].sql.contains("state = 'ambiguous'"));
            assert!(stmts[0].sql.contains("AND updated_at = ?3"));
        }
        d => panic!("{d:?}"),
    }
    // … and of an idempotent route is claimable again (atomically).
    match after_claim(
        ID,
        "/passninja/update",
        120_002,
        &claimed(0, Some(row_json("pending", 1))),
    ) {
        Decision::TakeOver(stmts) => {
            assert!(stmts[0].sql.contains("AND updated_at = ?3"));
            assert_eq!(
                after_takeover(
                    ID,
                    &[StmtResult {
                        changes: 1,
                        rows: vec![]
                    }]
                ),
                Decision::Send
            );
            let Decision::Answer(a) = after_takeover(ID, &[StmtResult::default()]) else {
                panic!()
            };
            assert_eq!(a.code.map(WorkerCode::as_str), Some("delivery_in_progress"));
        }
        d => panic!("{d:?}"),
    }
}

#[test]
fn attempt_results_move_the_state() {
    let bal = "/jericommerce/balance";
    let upd = "/passninja/update";
    let (a, s) = finish(ID, bal, &ok(), 9, None);
    assert_eq!(a.status, 200);
    assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("done"));
    assert_eq!(s[0].params[1], Param::Text("done".into()));
    assert_eq!(s[0].params[7], Param::Text(a.body.clone()));
    assert_eq!(header(&a, "Passbridge-Delivery"), Some(ID));

    let (a, s) = finish(ID, bal, &err(Code::Rejected, Some(400)), 9, None);
    assert_eq!(a.status, 422);
    assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("failed"));
    assert_eq!(s[0].params[1], Param::Text("failed".into()));

    for code in [Code::UpstreamUnavailable, Code::Network] {
        let (a, s) = finish(ID, bal, &err(code, None), 9, None);
        assert_eq!(a.status, 202, "{code:?}");
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["accepted"], true);
        assert_eq!(v["ambiguous"], true);
        assert_eq!(v["delivery"], ID);
        assert_eq!(v["code"], code.as_str());
        assert_eq!(s[0].params[1], Param::Text("ambiguous".into()));
        assert_eq!(s[0].params[6], Param::Int(202));
        // The same failure of an idempotent route releases the claim.
        let (a, s) = finish(ID, upd, &err(code, None), 9, None);
        assert_eq!(a.status, 503);
        assert!(s[0].sql.starts_with("DELETE FROM deliveries"));
        assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("released"));
    }
    // 429 releases everywhere.
    let (a, s) = finish(ID, bal, &err(Code::Throttled, Some(429)), 9, None);
    assert_eq!(a.status, 503);
    assert!(s[0].sql.starts_with("DELETE"));
    // A resend that is released goes back to the state it came from.
    let (_, s) = finish(
        ID,
        bal,
        &err(Code::Throttled, Some(429)),
        9,
        Some(State::Ambiguous),
    );
    assert!(s[0].sql.starts_with("UPDATE deliveries SET state = ?2"));
    assert_eq!(s[0].params[1], Param::Text("ambiguous".into()));
    // Every finishing statement only touches a pending row.
    for r in [
        ok(),
        err(Code::Network, None),
        err(Code::Rejected, Some(400)),
    ] {
        let (_, s) = finish(ID, bal, &r, 9, None);
        assert!(s[0].sql.contains("state = 'pending'"));
    }
}

#[test]
fn unrecorded_routes_log_off_for_non_idempotent_ones() {
    let a = unrecorded(
        success(&ok().unwrap()),
        ID,
        Mode::Off,
        "/jericommerce/balance",
    );
    assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("off"));
    let a = unrecorded(success(&ok().unwrap()), ID, Mode::Off, "/passninja/update");
    assert_eq!(a.delivery.as_ref().unwrap().ledger, None);
    let a = unrecorded(success(&ok().unwrap()), ID, Mode::Auto, "/passninja/update");
    assert_eq!(a.delivery.as_ref().unwrap().ledger, None);
    assert_eq!(header(&a, "Passbridge-Delivery"), Some(ID));
    let line = crate::worker::log_line("/passninja/update", &a, 3, None);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["delivery"], ID);
    assert_eq!(v["ledger"], serde_json::Value::Null);
    assert_eq!(v["replayed"], false);
    // Answers given before a delivery id exists (a 401…) say "off" too.
    let unauthorized = || Answer::problem(crate::WorkerCode::Unauthorized, "Unauthorized", "x");
    let a = mark_off(unauthorized(), Mode::Off, "/passninja/create");
    let v: serde_json::Value =
        serde_json::from_str(&crate::worker::log_line("/passninja/create", &a, 1, None)).unwrap();
    assert_eq!(v["ledger"], "off");
    assert_eq!(v["delivery"], serde_json::Value::Null);
    for (mode, route) in [
        (Mode::Auto, "/passninja/create"),
        (Mode::Off, "/passninja/update"),
        (Mode::Off, "/nope"),
    ] {
        assert!(mark_off(unauthorized(), mode, route).delivery.is_none());
    }
}

#[test]
fn results_parse_strictly() {
    let r = parse_results(
        r#"[{"changes":1,"rows":[]},{"changes":0,"rows":[{"a":1}]}]"#,
        2,
    )
    .unwrap();
    assert_eq!(r[0].changes, 1);
    assert_eq!(r[1].rows.len(), 1);
    assert!(parse_results("[]", 1).is_err());
    assert!(parse_results("nope", 1).is_err());
}

#[test]
fn rows_read_and_render() {
    let row = Row::from_json(&row_json("ambiguous", 86_400_000 + 1_234)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&row.to_json(86_400_000 + 2_000)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "delivery": ID, "route": "/jericommerce/balance", "state": "ambiguous",
            "createdAt": "1970-01-01T00:00:01.000Z", "updatedAt": "1970-01-02T00:00:01.234Z",
            "attempts": 1, "upstreamStatus": 200, "code": null,
            "request": {"method": "POST", "url": "https://x/y", "body": "[]"},
            "actions": ["applied", "drop", "resend"]
        })
    );
    assert!(Row::from_json(&serde_json::json!({"id": "x"})).is_none());
    assert_eq!(iso_time(1_795_780_800_000), "2026-11-27T12:00:00.000Z");
    assert_eq!(iso_time(951_782_400_000), "2000-02-29T00:00:00.000Z");
}

#[test]
fn retention_is_bounded_and_keeps_ambiguous() {
    let s = retention(10 * 86_400_000, 7);
    assert_eq!(s[0].params[0], Param::Int(3 * 86_400_000));
    assert_eq!(s[0].params[1], Param::Int(RETENTION_BATCH as i64));
    assert!(s[0].sql.contains("state <> 'ambiguous'"));
    assert!(s[0].sql.contains("LIMIT ?2"));
    let v: serde_json::Value = serde_json::from_str(&retention_log(Some(3), 7, None)).unwrap();
    assert_eq!(v["deleted"], 3);
}

#[test]
fn retention_keeps_pending_rows_of_exactly_the_registrys_non_idempotent_routes() {
    let sql = retention(0, 7)[0].sql;
    assert_eq!(
        sql,
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < ?1 AND state <> 'ambiguous' AND NOT (state = 'pending' AND route IN ('/passninja/create', '/jericommerce/balance')) ORDER BY created_at LIMIT ?2)"
    );
    for r in crate::providers::REGISTRY.routes() {
        assert_eq!(
            sql.contains(&format!("'{}'", r.path)),
            !is_idempotent(r.path),
            "{}",
            r.path
        );
    }
}

#[test]
fn admin_gate() {
    let ok = Some("Bearer adm1n");
    let g = |m: &str, p: &str, a: Option<&str>| admin::gate(m, p, a, Some("adm1n"));
    assert_eq!(
        admin::gate("GET", "/deliveries", ok, None)
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(g("GET", "/deliveries", ok).unwrap(), AdminRoute::List);
    for scheme in ["BEARER", "bearer", "BeArEr"] {
        let header = format!("{scheme} adm1n");
        assert_eq!(
            g("GET", "/deliveries", Some(&header)).unwrap(),
            AdminRoute::List
        );
    }
    assert_eq!(
        g("GET", &format!("/deliveries/{ID}"), ok).unwrap(),
        AdminRoute::Get(ID.into())
    );
    assert_eq!(
        g("POST", &format!("/deliveries/{ID}/resend"), ok).unwrap(),
        AdminRoute::Resend(ID.into())
    );
    assert_eq!(
        g("POST", &format!("/deliveries/{ID}/resolve"), ok).unwrap(),
        AdminRoute::Resolve(ID.into())
    );
    assert_eq!(g("POST", "/deliveries", ok).unwrap_err().status, 405);
    assert_eq!(g("GET", "/deliveries/xyz", ok).unwrap_err().status, 404);
    assert_eq!(
        g("GET", &format!("/deliveries/{ID}/other"), ok)
            .unwrap_err()
            .status,
        404
    );
    assert_eq!(g("GET", "/deliveries", None).unwrap_err().status, 401);
    let wrong = g("GET", "/deliveries", Some("Bearer adm1")).unwrap_err();
    assert_eq!(wrong.status, 401);
    assert!(!wrong.body.contains("adm1n"));
    assert!(admin::is_admin_path("/deliveries/x"));
    assert!(!admin::is_admin_path("/deliveriesx"));
}

#[test]
fn list_queries_and_cursors() {
    let q = admin::parse_list_query("?state=ambiguous&route=%2Fjericommerce%2Fbalance&limit=2")
        .unwrap();
    assert_eq!(q.state, Some(State::Ambiguous));
    assert_eq!(q.route, Some("/jericommerce/balance"));
    assert_eq!(q.limit, 2);
    assert_eq!(admin::parse_list_query("").unwrap().limit, 50);
    for bad in [
        "limit=0",
        "limit=201",
        "limit=x",
        "state=gone",
        "route=/nope",
        "cursor=zz",
        "other=1",
        "state=%ZZ",
    ] {
        assert_eq!(
            admin::parse_list_query(bad).unwrap_err().status,
            400,
            "{bad}"
        );
    }
    let rows: Vec<serde_json::Value> = (0..3)
        .map(|i| {
            let mut r = row_json("done", 5);
            r["created_at"] = serde_json::json!(100 - i);
            r
        })
        .collect();
    let a = admin::list_answer(
        &q,
        0,
        &[StmtResult {
            changes: 0,
            rows: rows.clone(),
        }],
    );
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["deliveries"].as_array().unwrap().len(), 2);
    let next = v["next"].as_str().unwrap();
    let q2 = admin::parse_list_query(&format!("cursor={next}")).unwrap();
    assert_eq!(q2.after, Some((99, ID.to_string())));
    let s = admin::list(&q2);
    assert_eq!(s[0].params[2], Param::Int(99));
    assert_eq!(s[0].params[4], Param::Int(51));
    assert!(s[0].sql.contains("ORDER BY created_at DESC, id DESC"));
    let a = admin::list_answer(
        &q,
        0,
        &[StmtResult {
            changes: 0,
            rows: rows[..2].to_vec(),
        }],
    );
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["next"], serde_json::Value::Null);
}

#[test]
fn resolve_and_resend_only_from_their_states() {
    assert_eq!(
        admin::parse_resolve(r#"{"applied":true}"#).unwrap(),
        State::Done
    );
    assert_eq!(
        admin::parse_resolve(r#"{"applied":false}"#).unwrap(),
        State::Dropped
    );
    assert_eq!(
        admin::parse_resolve(r#"{"applied":1}"#).unwrap_err().status,
        400
    );
    assert_eq!(admin::parse_resolve("").unwrap_err().status, 400);
    let row = Some(row_json("ambiguous", 5));
    let moved = [
        StmtResult {
            changes: 0,
            rows: row.clone().into_iter().collect(),
        },
        StmtResult {
            changes: 1,
            rows: vec![],
        },
    ];
    let a = admin::resolve_answer(ID, State::Done, 77, &moved);
    assert_eq!(a.status, 200);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["state"], "done");
    let stuck = [
        StmtResult {
            changes: 0,
            rows: vec![row_json("done", 5)],
        },
        StmtResult::default(),
    ];
    let a = admin::resolve_answer(ID, State::Dropped, 77, &stuck);
    assert_eq!(a.status, 409);
    assert_eq!(a.code.map(WorkerCode::as_str), Some("invalid_state"));
    let none = [StmtResult::default(), StmtResult::default()];
    assert_eq!(admin::resolve_answer(ID, State::Done, 1, &none).status, 404);

    let claimed_resend = [
        StmtResult {
            changes: 0,
            rows: row.into_iter().collect(),
        },
        StmtResult {
            changes: 0,
            rows: vec![serde_json::json!({"input": "{\"person\":{}}"})],
        },
        StmtResult {
            changes: 1,
            rows: vec![],
        },
    ];
    let r = admin::after_resend(ID, &claimed_resend).unwrap();
    assert_eq!(r.row.state, State::Ambiguous);
    assert_eq!(r.input, "{\"person\":{}}");
    let refused = [
        StmtResult {
            changes: 0,
            rows: vec![row_json("dropped", 5)],
        },
        StmtResult::default(),
        StmtResult::default(),
    ];
    assert_eq!(admin::after_resend(ID, &refused).unwrap_err().status, 409);
    assert!(admin::resend(ID, 5)[2]
        .sql
        .contains("state IN ('ambiguous', 'failed')"));
}

#[test]
fn health_gains_the_ledger_member() {
    let a = Answer::problem(WorkerCode::InvalidRequest, "t", "d");
    let a = with_health(a, "auto");
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["ledger"], "auto");
    let m = missing_binding(Mode::Auto);
    assert_eq!(m.status, 500);
    assert_eq!(m.code.map(WorkerCode::as_str), Some("missing_config"));
    assert!(m.body.contains("LEDGER"));
}

/// Seeded random inputs through every parser of the ledger: no panic, and
/// every refusal is an answer with a status.
#[test]
fn no_panic_on_random_input() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const ALPHABET: &[u8] = b"/%+=&?.-_0123456789abcdefABCDEFxyz \t\"{}[]:,";
    let mut text = |n: usize| -> String {
        let mut s = String::new();
        for _ in 0..n {
            let r = next();
            if r % 17 == 0 {
                s.push(char::from_u32((r >> 8) as u32 % 0x11_0000).unwrap_or('é'));
            } else {
                s.push(char::from(ALPHABET[(r >> 8) as usize % ALPHABET.len()]));
            }
        }
        s
    };
    for i in 0..3000 {
        let t = text(i % 60);
        let _ = admin::parse_list_query(&t);
        let _ = admin::gate("GET", &format!("/deliveries/{t}"), Some(&t), Some("s"));
        let _ = admin::gate("POST", &format!("/deliveries{t}"), None, Some("s"));
        let _ = admin::parse_resolve(&t);
        let _ = parse_results(&t, 1);
        let _ = parse_days(Some(&t));
        let _ = Mode::parse(Some(&t));
        let _ = parse_key_template(Some(&t));
        let _ = delivery_key::<&serde_json::Value>("/r", Some(&t), None, None, None, t.as_bytes());
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) {
            let _ = Row::from_json(&v);
        }
        let _ = iso_time((i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    }
}

/// Issue 16 item 4: a 2xx whose answer cannot be read (a PassNinja create
/// without a serialNumber) may have been applied: ambiguous, 202.
#[test]
fn a_2xx_without_a_readable_answer_is_ambiguous() {
    let create = "/passninja/create";
    for status in [200, 201] {
        let e = err(Code::Rejected, Some(status));
        assert_eq!(effect(create, &e), Effect::Ambiguous);
        let (a, s) = finish(ID, create, &e, 9, None);
        assert_eq!(a.status, 202);
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["ambiguous"], true);
        assert_eq!(a.upstream_status, Some(status));
        assert_eq!(s[0].params[1], Param::Text("ambiguous".into()));
        assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("ambiguous"));
    }
    // A real 4xx refusal stays failed.
    assert_eq!(
        effect(create, &err(Code::Rejected, Some(400))),
        Effect::Failed
    );
}

/// Issue 16 item 3: a failed final write answers 503 ledger_unavailable
/// (the row stays pending); a stale pending row can be resolved and resent.
#[test]
fn a_stale_pending_row_can_be_resolved_and_resent() {
    let a = unrecorded_answer(ID);
    assert_eq!(a.status, 503);
    assert_eq!(a.code.map(WorkerCode::as_str), Some("ledger_unavailable"));
    assert_eq!(header(&a, "Retry-After"), Some("30"));
    assert_eq!(a.delivery.as_ref().unwrap().ledger, Some("pending"));
    assert!(a.body.contains("was sent"), "{}", a.body);

    let now = 1_000_000;
    let s = admin::resolve(ID, State::Done, now);
    assert!(s[1].sql.contains("state = 'pending' AND updated_at < ?4"));
    assert_eq!(s[1].params[3], Param::Int((now - PENDING_STALE_MS) as i64));
    let s = admin::resend(ID, now);
    assert!(s[2].sql.contains("state = 'pending' AND updated_at < ?3"));
    assert_eq!(s[2].params[2], Param::Int((now - PENDING_STALE_MS) as i64));
    assert_eq!(stale_before(5), 0);
    // A pending row that is still live is refused, and the answer says when it is allowed.
    let live = [
        StmtResult {
            changes: 0,
            rows: vec![row_json("pending", now)],
        },
        StmtResult::default(),
    ];
    let a = admin::resolve_answer(ID, State::Done, now, &live);
    assert_eq!(a.status, 409);
    assert!(a.body.contains("pending for more than 120 s"), "{}", a.body);
    let moved = [
        StmtResult {
            changes: 0,
            rows: vec![row_json("pending", 1)],
        },
        StmtResult {
            changes: 1,
            rows: vec![],
        },
    ];
    assert_eq!(
        admin::resolve_answer(ID, State::Done, now, &moved).status,
        200
    );
}
