//! The review API's decisions, queue order and summary (issue 18).

use super::*;
use crate::ledger::decisions::*;
use crate::ledger::summary::*;
use crate::ledger::{iso_time, stale_before, Mode, Param, SQL_LIST, SQL_LIST_QUEUE};

const ID: &str = "0123456789abcdef0123456789abcdef";

fn row(state: &str, created_at: u64) -> serde_json::Value {
    serde_json::json!({
        "id": ID, "route": "/jericommerce/balance", "state": state,
        "created_at": created_at, "updated_at": created_at, "attempts": 1,
        "upstream_status": null, "code": "network", "outcome": "ambiguous",
        "answer_status": 202, "answer_body": "{}", "request_method": "POST",
        "request_url": "https://x/y", "request_body": "[]",
    })
}

fn body(a: &Answer) -> serde_json::Value {
    serde_json::from_str(&a.body).unwrap()
}

#[test]
fn actions_follow_the_rules_of_the_409s() {
    let at = |state: &str, updated_at: u64| {
        let r = Row::from_json(&row(state, updated_at)).unwrap();
        actions(&r, 1_000_000)
    };
    assert_eq!(at("ambiguous", 999_000), ["applied", "drop", "resend"]);
    assert_eq!(at("failed", 999_000), ["resend"]);
    for s in ["done", "dropped"] {
        assert!(at(s, 0).is_empty(), "{s}");
    }
    // A pending row is someone's claim until it is stale (its instance died).
    assert!(at("pending", stale_before(1_000_000)).is_empty());
    assert_eq!(
        at("pending", stale_before(1_000_000) - 1),
        ["applied", "drop", "resend"]
    );
    // The statements check exactly these sets, and the same stale rule.
    let quoted = |set: &[State]| {
        let q: Vec<String> = set.iter().map(|s| format!("'{}'", s.as_str())).collect();
        q.join(", ")
    };
    assert!(SQL_RESOLVE.ends_with(&format!(
        "AND (state = {} OR (state = 'pending' AND updated_at < ?4))",
        quoted(&RESOLVABLE)
    )));
    assert!(SQL_RESEND_CLAIM.ends_with(&format!(
        "AND (state IN ({}) OR (state = 'pending' AND updated_at < ?3))",
        quoted(&RESENDABLE)
    )));
    let st = resolve(ID, State::Done, 1_000_000);
    assert_eq!(st[1].params[3], Param::from(stale_before(1_000_000)));
    let st = resend(ID, 1_000_000);
    assert_eq!(st[2].params[2], Param::from(stale_before(1_000_000)));
    // The 409 says which states allow it.
    let a = resolve_answer(
        ID,
        State::Dropped,
        9,
        &[
            StmtResult {
                changes: 0,
                rows: vec![row("done", 5)],
            },
            StmtResult {
                changes: 0,
                rows: vec![],
            },
        ],
    );
    assert_eq!(a.status, 409);
    assert!(body(&a)["detail"]
        .as_str()
        .unwrap()
        .contains("only when it is ambiguous,"));
    let e = after_resend(
        ID,
        &[StmtResult {
            changes: 0,
            rows: vec![row("done", 5)],
        }],
    )
    .unwrap_err();
    assert!(body(&e)["detail"]
        .as_str()
        .unwrap()
        .contains("only when it is ambiguous or failed,"));
    // Every delivery object carries its actions at the time of the answer.
    let r = Row::from_json(&row("done", 5)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&r.to_json(9)).unwrap();
    assert_eq!(v["actions"], serde_json::json!([]));
    assert_eq!(v["state"], "done");
    let got = get_answer(
        ID,
        9,
        &[StmtResult {
            changes: 0,
            rows: vec![row("ambiguous", 5)],
        }],
    );
    assert_eq!(
        body(&got)["actions"],
        serde_json::json!(["applied", "drop", "resend"])
    );
    let resolved = resolve_answer(
        ID,
        State::Done,
        9,
        &[
            StmtResult {
                changes: 0,
                rows: vec![row("ambiguous", 5)],
            },
            StmtResult {
                changes: 1,
                rows: vec![],
            },
        ],
    );
    assert_eq!(body(&resolved)["state"], "done");
    assert_eq!(body(&resolved)["actions"], serde_json::json!([]));
}

#[test]
fn queue_order_and_its_cursor() {
    let states: Vec<&str> = queue_states().iter().map(|s| s.as_str()).collect();
    assert_eq!(&states[..2], ["ambiguous", "failed"]);
    assert_eq!(states.len(), State::ALL.len());
    // The SQL's rank is queue_rank.
    for s in State::ALL {
        let rank = queue_rank(s);
        let expected = match rank {
            2 => "ELSE 2 END".to_string(),
            r => format!("WHEN '{}' THEN {r}", s.as_str()),
        };
        assert!(SQL_LIST_QUEUE.contains(&expected), "{s:?}");
    }
    let q = parse_list_query("order=queue&limit=1").unwrap();
    assert!(q.queue);
    let a = list_answer(
        &q,
        0,
        &[StmtResult {
            changes: 0,
            rows: vec![row("failed", 0x64), row("done", 0x65)],
        }],
    );
    let v = body(&a);
    assert_eq!(v["deliveries"][0]["actions"], serde_json::json!(["resend"]));
    let next = v["next"].as_str().unwrap();
    assert_eq!(next, format!("1:64.{ID}"));
    let q2 = parse_list_query(&format!("order=queue&cursor={}", next.replace(':', "%3A"))).unwrap();
    assert_eq!(
        (q2.after_rank, q2.after.clone()),
        (Some(1), Some((100, ID.to_string())))
    );
    let s = list(&q2);
    assert_eq!(s[0].sql, SQL_LIST_QUEUE);
    assert_eq!(s[0].params[2], Param::Int(1));
    assert_eq!(s[0].params[3], Param::Int(100));
    assert_eq!(s[0].params[5], Param::Int(51));
    // A newest-first cursor is not a queue cursor, and the other way round.
    for bad in [
        format!("order=queue&cursor=64.{ID}"),
        format!("cursor=1:64.{ID}"),
        format!("order=queue&cursor=3:64.{ID}"),
        "order=oldest".into(),
    ] {
        assert_eq!(parse_list_query(&bad).unwrap_err().status, 400, "{bad}");
    }
    // The same columns as every other read.
    let cols = |sql: &str| sql.split(" FROM ").next().unwrap().to_string();
    assert_eq!(cols(SQL_LIST_QUEUE), cols(SQL_LIST));
}

#[test]
fn summary_counts_the_last_day_per_state_and_names_the_routes() {
    assert_eq!(label_of(SUMMARY_PATH), Some("/deliveries/summary"));
    assert_eq!(
        gate("GET", SUMMARY_PATH, Some("Bearer s"), Some("s")).unwrap(),
        AdminRoute::Summary
    );
    assert_eq!(
        gate("POST", SUMMARY_PATH, Some("Bearer s"), Some("s"))
            .unwrap_err()
            .status,
        405
    );
    assert_eq!(
        gate("GET", SUMMARY_PATH, Some("Bearer s"), None)
            .unwrap_err()
            .status,
        404
    );
    let now = 10 * SUMMARY_WINDOW_MS;
    let st = summary(now);
    assert_eq!(st[0].params, vec![Param::from(9 * SUMMARY_WINDOW_MS)]);
    let groups = vec![
        serde_json::json!({"route": "/jericommerce/balance", "state": "ambiguous", "n": 3, "recent": 2}),
        serde_json::json!({"route": "/passninja/create", "state": "ambiguous", "n": 1, "recent": 1}),
        serde_json::json!({"route": "/passninja/update", "state": "done", "n": 4, "recent": 0}),
        serde_json::json!({"route": "/passninja/create", "state": "failed", "n": 1, "recent": 1}),
    ];
    let a = summary_answer(
        Mode::Auto,
        now,
        &[StmtResult {
            changes: 0,
            rows: groups,
        }],
    );
    assert_eq!(a.status, 200);
    assert!(a
        .headers
        .contains(&("Cache-Control", "no-store".to_string())));
    let v = body(&a);
    assert_eq!(
        v["counts"],
        serde_json::json!({"ambiguous": 3, "failed": 1, "pending": 0, "done": 0, "dropped": 0, "superseded": 0, "released": 0})
    );
    assert_eq!(
        v["states"],
        serde_json::json!([
            "ambiguous",
            "failed",
            "pending",
            "done",
            "dropped",
            "superseded",
            "released"
        ])
    );
    // Auto records balance and create, and (issue 15) the ordered routes.
    assert_eq!(
        v["routes"],
        serde_json::json!([
            "/passninja/update",
            "/passninja/create",
            "/passninja/delete",
            "/walletcrew/push-update",
            "/walletcrew/profile-sync",
            "/jericommerce/balance"
        ])
    );
    assert_eq!(v["since"], iso_time(9 * SUMMARY_WINDOW_MS));
    let empty = body(&summary_answer(Mode::Off, now, &[]));
    assert_eq!(empty["routes"], serde_json::json!([]));
    assert_eq!(empty["counts"]["ambiguous"], 0);
}
