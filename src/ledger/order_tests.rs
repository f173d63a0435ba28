//! The ordering state machine (issue 15): the claim decides superseded or
//! busy in its own statement, the finish moves the pass's mark forward, and
//! the pass identity comes from the planned request.

use super::order::{SQL_CLAIM_ORDERED, SQL_MARK, SQL_RELEASE_ORDERED};
use super::*;
use crate::error::{Code, Error, WorkerCode};
use crate::http::HttpRequest;
use crate::options::OptionValue::Text;
use crate::outcome::{OutValue, Outcome};

const ID: &str = "0123456789abcdef0123456789abcdef";

fn header<'a>(a: &'a crate::answer::Answer, name: &str) -> Option<&'a str> {
    a.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn row(state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": ID, "route": "/passninja/update", "state": state, "created_at": 1_000,
        "updated_at": 2_000, "attempts": 2, "upstream_status": null, "code": null,
        "outcome": null, "answer_status": null, "answer_body": null,
        "request_method": "PATCH", "request_url": "https://x/v1/passes/ptk_0x1/s1",
        "request_body": "{}",
    })
}

fn results(changes: u64, state: &str) -> Vec<StmtResult> {
    vec![
        StmtResult {
            changes,
            rows: vec![],
        },
        StmtResult {
            changes: 0,
            rows: vec![row(state)],
        },
    ]
}

fn ledger_of(a: &crate::answer::Answer) -> Option<&'static str> {
    a.delivery.as_ref().and_then(|d| d.ledger)
}

#[test]
fn the_claim_decides_in_one_statement_and_keeps_the_first_sighting() {
    let request = HttpRequest {
        method: "PATCH",
        url: "https://api.passninja.com/v1/passes/ptk_0x1b/s1".into(),
        headers: vec![],
        body: Some("{\"pass\":{}}".into()),
        idempotent: true,
        planned: Default::default(),
    };
    let d = NewDelivery {
        id: ID,
        route: route_of("/passninja/update").unwrap(),
        request: &request,
        input: "{}",
    };
    let stmts = claim_ordered(&d, "pk", 500_000);
    assert_eq!(stmts.len(), 2, "one batch: the claim and the row");
    assert_eq!(stmts[0].sql, SQL_CLAIM_ORDERED);
    assert_eq!(stmts[0].params[7], Param::Text("pk".into()));
    assert_eq!(stmts[0].params[8], Param::Int(500_000 - 120_000));
    // A later claim never moves created_at (the first sighting).
    let (_, update) = SQL_CLAIM_ORDERED.split_once("DO UPDATE SET").unwrap();
    assert!(!update.contains("created_at ="));
    assert!(update.contains("'superseded'") && update.contains("'released'"));
    // The mark moves only forward, ties to the larger id.
    assert!(SQL_MARK.contains("WHERE excluded.first_seen > passes.first_seen OR (excluded.first_seen = passes.first_seen AND excluded.delivery_id > passes.delivery_id)"));
}

#[test]
fn claim_results_of_an_ordered_delivery() {
    assert_eq!(
        after_claim(ID, "/passninja/update", 3_000, &results(1, "pending")),
        Decision::Send
    );

    let Decision::Answer(s) =
        after_claim(ID, "/passninja/update", 3_000, &results(1, "superseded"))
    else {
        panic!("superseded is answered")
    };
    assert_eq!(s.status, 200);
    let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"skipped": true, "reason": "superseded", "delivery": ID})
    );
    assert_eq!(header(&s, "Passbridge-Delivery"), Some(ID));
    assert_eq!(header(&s, "Idempotent-Replayed"), None);
    assert_eq!(ledger_of(&s), Some("superseded"));
    assert_eq!(s.outcome, "skipped");

    // Replayed as such.
    let Decision::Answer(r) =
        after_claim(ID, "/passninja/update", 3_000, &results(0, "superseded"))
    else {
        panic!("replay")
    };
    assert_eq!((r.status, r.body.as_str()), (200, s.body.as_str()));
    assert_eq!(header(&r, "Idempotent-Replayed"), Some("true"));
    assert_eq!(ledger_of(&r), Some("superseded"));

    // Another delivery of the pass is in flight: 503, remembered as released.
    let Decision::Answer(b) = after_claim(ID, "/passninja/update", 3_000, &results(1, "released"))
    else {
        panic!("busy")
    };
    assert_eq!(b.status, 503);
    assert_eq!(b.code, Some(WorkerCode::DeliveryInProgress));
    assert!(header(&b, "Retry-After").is_some());
    assert_eq!(ledger_of(&b), Some("released"));
    // A released row this claim did not take (cannot happen with the
    // ordered claim) is never replayed as an empty success.
    let Decision::Answer(n) = after_claim(ID, "/passninja/update", 3_000, &results(0, "released"))
    else {
        panic!("in progress")
    };
    assert_eq!(n.status, 503);
}

fn ok() -> Result<Outcome, Error> {
    Ok(Outcome(vec![
        ("updated", OutValue::Bool(true)),
        ("status", OutValue::Num(200.0)),
    ]))
}

fn err(code: Code) -> Result<Outcome, Error> {
    Err(Error::new(code, "PassNinja error: x"))
}

#[test]
fn the_finish_moves_the_mark_or_keeps_the_row() {
    let (a, stmts) = finish_ordered(ID, "/passninja/update", &ok(), 9_000);
    assert_eq!(a.status, 200);
    assert_eq!(ledger_of(&a), Some("done"));
    assert_eq!(stmts.len(), 2, "one batch: the row and the pass's mark");
    assert_eq!(stmts[1].sql, SQL_MARK);
    assert_eq!(
        stmts[1].params,
        vec![Param::Text(ID.into()), Param::Int(9_000)]
    );

    for code in [Code::UpstreamUnavailable, Code::Network, Code::Throttled] {
        let (a, stmts) = finish_ordered(ID, "/passninja/update", &err(code), 9_000);
        assert_eq!(a.status, 503, "{code:?}");
        assert_eq!(ledger_of(&a), Some("released"));
        assert_eq!(stmts.len(), 1);
        assert_eq!(
            stmts[0].sql, SQL_RELEASE_ORDERED,
            "the row stays: its first sighting counts"
        );
    }

    let (a, stmts) = finish_ordered(ID, "/passninja/delete", &err(Code::NotFound), 9_000);
    assert_eq!(a.status, 422);
    assert_eq!(ledger_of(&a), Some("failed"));
    assert_eq!(stmts.len(), 1, "a refusal applied nothing: no mark");
}

#[test]
fn pass_keys_are_short_and_hide_the_identity() {
    let k = pass_key("walletcrew\nacme/webhooks\nemail ada@example.com");
    assert_eq!(k.len(), 32);
    assert!(!k.contains("ada"));
    assert_ne!(
        k,
        pass_key("walletcrew\nacme/webhooks\nemail bob@example.com")
    );
}

struct E;
impl crate::env::Env for E {
    fn var(&self, name: &str) -> Option<String> {
        Some(
            match name {
                "PASSNINJA_ACCOUNT_ID" => "aid_0x1a",
                "PASSNINJA_TEMPLATE_ID" => "ptk_0x1b",
                "WALLETCREW_TENANT_ID" => "acme",
                n if n.ends_with("_BASE_URL") => return None,
                _ => "k",
            }
            .into(),
        )
    }
}

/// The pass a route's planned request names, for a profile.
fn pass_of(path: &str, profile: serde_json::Value) -> Option<String> {
    let r = route_of(path).unwrap();
    let options = crate::Options {
        provider: Some(r.provider.into()),
        operation: Some(r.operation.into()),
        ..crate::Options::default()
    }
    .with("delta", Text("{{ event.points }}".into()))
    .with("reason", Text("r".into()))
    .with("skipIfPassExists", crate::OptionValue::Flag(false));
    let h = crate::Handler::new(&options).unwrap();
    let event = serde_json::json!({"points": 5});
    match h.plan(Some(&profile), Some(&event), &E).unwrap() {
        crate::Plan::Send(req) => h.pass(&req),
        crate::Plan::Skip(s) => panic!("{path}: skipped {s}"),
    }
}

#[test]
fn the_pass_comes_from_the_planned_request() {
    let p = |external_id: &str, points: u32| {
        serde_json::json!({"external_id": external_id, "email": "a@b.c", "phone_number": "+1",
            "properties": {"loyalty_points": points}})
    };
    // PassNinja: template and serial; update and delete name the same pass,
    // whatever the body says.
    let update = pass_of("/passninja/update", p("s1", 100)).unwrap();
    assert_eq!(update, "passninja\nptk_0x1b/s1");
    assert_eq!(
        pass_of("/passninja/update", p("s1", 200)).as_ref(),
        Some(&update)
    );
    assert_eq!(
        pass_of("/passninja/delete", p("s1", 0)).as_ref(),
        Some(&update)
    );
    assert_ne!(
        pass_of("/passninja/update", p("s2", 100)).as_ref(),
        Some(&update)
    );
    // Deltas and creations are not ordered.
    assert_eq!(pass_of("/passninja/create", p("s1", 1)), None);
    assert_eq!(pass_of("/jericommerce/balance", p("s1", 1)), None);
    // The Wallet Crew: tenant, call and identifiers (push-update) or the
    // e-mail, else the phone number (profile-sync).
    let push = pass_of("/walletcrew/push-update", p("s1", 1)).unwrap();
    assert!(
        push.starts_with("walletcrew\nacme/webhooks/listeners/klaviyo/passes/pushUpdate\n"),
        "{push}"
    );
    assert!(push.contains("a@b.c") && push.contains("s1"));
    assert_ne!(
        pass_of("/walletcrew/push-update", p("s2", 1)).as_ref(),
        Some(&push)
    );
    let sync = pass_of("/walletcrew/profile-sync", p("s1", 1)).unwrap();
    assert!(sync.ends_with("profiles/sync\nemail a@b.c"), "{sync}");
    let phone_only = pass_of(
        "/walletcrew/profile-sync",
        serde_json::json!({"phone_number": "+1"}),
    )
    .unwrap();
    assert!(phone_only.ends_with("\nphone_number +1"), "{phone_only}");
}

#[test]
fn auto_orders_and_off_does_not() {
    assert!(Mode::Auto.orders());
    assert!(Mode::All.orders());
    assert!(!Mode::Off.orders());
    assert!(
        !Mode::Auto.records("/passninja/update"),
        "no binding needed: sent unrecorded without one"
    );
    for s in ["superseded", "released"] {
        assert_eq!(State::parse(s).map(State::as_str), Some(s));
    }
}

#[test]
fn retention_also_forgets_old_marks() {
    let s = retention(10 * 86_400_000, 7);
    assert_eq!(s.len(), 2);
    assert!(s[1].sql.starts_with("DELETE FROM passes"));
    assert_eq!(s[1].params[0], Param::Int(3 * 86_400_000));
}
