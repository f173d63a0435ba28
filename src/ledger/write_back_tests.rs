use super::*;
use crate::error::{Code, Error};

const ID: &str = "0123456789abcdef0123456789abcdef";
const CREATE: &str = "/passninja/create";

fn created() -> Outcome {
    Outcome::flag("created")
        .with("serial", OutValue::Str("SER-1".into()))
        .with("url", OutValue::Str("https://pass.example/SER-1".into()))
        .with_status(200)
}

fn found(state: &str, write_back: Option<&str>, result: Option<&str>) -> Vec<StmtResult> {
    vec![
        StmtResult::default(),
        StmtResult {
            changes: 0,
            rows: vec![serde_json::json!({
                "id": ID, "route": CREATE, "state": state, "created_at": 1, "updated_at": 2,
                "attempts": 1, "answer_status": 503, "answer_body": "{}",
                "request_method": "POST", "request_url": "https://x/v1/passes",
                "write_back": write_back, "result": result,
            })],
        },
    ]
}

#[test]
fn only_a_done_create_waiting_for_its_write_back_is_retried() {
    let kept = created().to_json();
    assert_eq!(
        kept_result(CREATE, &found("done", Some("pending"), Some(&kept))),
        Some(created())
    );
    for (state, wb) in [
        ("done", Some("done")),
        ("done", None),
        ("failed", Some("rejected")),
        ("pending", Some("pending")),
    ] {
        assert_eq!(kept_result(CREATE, &found(state, wb, Some(&kept))), None);
    }
    assert_eq!(
        kept_result(CREATE, &found("done", Some("pending"), Some("nope"))),
        None
    );
    let mut claimed = found("done", Some("pending"), Some(&kept));
    claimed[0].changes = 1;
    assert_eq!(
        kept_result(CREATE, &claimed),
        None,
        "a fresh claim sends the create"
    );
}

#[test]
fn both_effects_are_recorded_together() {
    let o = created();
    let (a, stmts) = finish(ID, &o, &Done::Written(201), 5, false);
    assert_eq!(a.status, 200);
    assert_eq!(stmts[0].sql, SQL_FINISH_WRITE_BACK);
    assert_eq!(stmts[0].params[1], "done".into());
    assert_eq!(stmts[0].params[8], "done".into());
    assert_eq!(stmts[0].params[9], o.to_json().into());

    let mut e = Error::new(Code::UpstreamUnavailable, "Klaviyo error: 503");
    e.retry_after_ms = Some(2_000);
    let (a, stmts) = finish(ID, &o, &Done::Failed(e), 5, true);
    assert_eq!(a.status, 503);
    assert_eq!(stmts[0].sql, SQL_RETRY_WRITE_BACK);
    assert_eq!(stmts[0].params[1], "done".into(), "the create stays done");
    assert_eq!(stmts[0].params[8], "pending".into());
    assert_eq!(
        a.delivery.as_ref().unwrap().ledger,
        Some("write_back_pending")
    );

    let rejected = Error::new(Code::WriteBackRejected, "Klaviyo error: 400");
    let (a, stmts) = finish(ID, &o, &Done::Failed(rejected), 5, false);
    assert_eq!(a.status, 422);
    assert_eq!(stmts[0].params[1], "failed".into());
    assert_eq!(stmts[0].params[8], "rejected".into());
}

#[test]
fn a_review_row_shows_its_write_back_and_result() {
    let kept = created().to_json();
    let rows = found("failed", Some("rejected"), Some(&kept));
    let row = Row::from_json(&rows[1].rows[0]).unwrap();
    let v: serde_json::Value = serde_json::from_str(&row.to_json(10)).unwrap();
    assert_eq!(
        v["actions"],
        serde_json::json!([]),
        "never resent: the create succeeded"
    );
    assert_eq!(v["writeBack"], "rejected");
    assert_eq!(v["result"]["serial"], "SER-1");
    let rows = found("done", None, None);
    let v: serde_json::Value =
        serde_json::from_str(&Row::from_json(&rows[1].rows[0]).unwrap().to_json(10)).unwrap();
    assert!(v.get("writeBack").is_none() && v.get("result").is_none());
}
