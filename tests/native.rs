//! The shared case table, run through the core natively (no wasm): the
//! options object is read by the same code as the boundary's
//! (`Options::read`), and run as the Code action runs it (`Configured`).

mod common;

use passbridge::{Configured, Door, Options, Step};
use std::collections::HashMap;

#[path = "support/json_options.rs"]
mod json_options;
use json_options::Json;

fn env(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap()
}

fn run(case: &common::Case) -> String {
    let env = env(case.env);
    // As tests/wasm.rs: the case's options with dryRun set.
    let mut json: serde_json::Value = serde_json::from_str(case.options).unwrap();
    json["dryRun"] = serde_json::Value::Bool(true);
    let code = match Options::read(&Json(json)).and_then(|o| o.check_templates().map(|()| o)) {
        Ok(o) => o,
        Err(e) => return error_json(&e),
    };
    let configured = match Configured::new(code, &env, Door::CODE_ACTION) {
        Ok(c) => c,
        Err(e) => return error_json(&e),
    };
    let profile: serde_json::Value = serde_json::from_str(case.profile).unwrap();
    let event: serde_json::Value = serde_json::from_str(case.event).unwrap();
    let event = if event.is_null() { None } else { Some(&event) };
    match configured.step(Some(&profile), event, &env) {
        Ok(Step::Done(outcome)) => outcome.to_json(),
        Ok(Step::DryRun(dry)) => dry.to_json(),
        Ok(Step::Send(req)) => panic!("{}: a dry run sent {}", case.name, req.url),
        Err(e) => error_json(&e),
    }
}

fn error_json(e: &passbridge::Error) -> String {
    serde_json::json!({"error": {"code": e.code.as_str(), "message": e.message}}).to_string()
}

#[test]
fn shared_cases_natively() {
    let cases = common::cases();
    assert!(cases.len() >= 10);
    for case in &cases {
        common::assert_json_eq(case.name, &run(case), case.expect);
    }
}

#[test]
fn budget_and_dry_run_are_read_as_the_boundary_reads_them() {
    let read = |json: &str| Options::read(&Json(serde_json::from_str(json).unwrap()));
    let o = read(r#"{"dryRun":false,"budgetMs":1500}"#).unwrap();
    assert_eq!((o.dry_run, o.budget_ms), (Some(false), Some(1500)));
    let e = read(r#"{"budgetMs":0}"#).unwrap_err();
    assert_eq!(
        e.message,
        "PassNinja error: option budgetMs must be a number of milliseconds between 1 and 60000"
    );
    let e = read(r#"{"provider":"walletcrew","feilds":{}}"#).unwrap_err();
    assert!(e.message.starts_with(
        "The Wallet Crew error: unknown option 'feilds' (known: provider, operation, fields,"
    ));
    let e = read(r#"{"dryRun":"yes"}"#).unwrap_err();
    assert_eq!(
        e.message,
        "PassNinja error: option dryRun must be true or false"
    );
}
