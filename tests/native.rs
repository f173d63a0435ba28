//! The shared case table, run through the core natively (no wasm).

mod common;

use passbridge::env::Env;
use passbridge::{Handler, Options, Plan};
use std::collections::HashMap;

/// The JS options object, read the way the boundary reads it.
fn options(json: &str) -> Options {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let pairs = |key: &str| {
        v.get(key).map(|f| {
            f.as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
    };
    let text = |key: &str| v.get(key).and_then(|s| s.as_str()).map(str::to_string);
    let flag = |key: &str| v.get(key).and_then(|b| b.as_bool());
    Options {
        provider: text("provider"),
        operation: text("operation"),
        fields: pairs("fields"),
        identifiers: pairs("identifiers"),
        pass_type: text("passType"),
        update_metadata: flag("updateMetadata"),
        delta: text("delta"),
        reason: text("reason"),
        skip_if_pass_exists: flag("skipIfPassExists"),
        ..Options::default()
    }
}

fn env(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap()
}

fn run(case: &common::Case) -> String {
    let env = env(case.env);
    let merged = match options(case.options).with_env(&env as &dyn Env) {
        Ok(o) => o,
        Err(e) => return error_json(&e),
    };
    let handler = match Handler::new(&merged) {
        Ok(h) => h,
        Err(e) => return error_json(&e),
    };
    let profile: serde_json::Value = serde_json::from_str(case.profile).unwrap();
    let event: serde_json::Value = serde_json::from_str(case.event).unwrap();
    let event = if event.is_null() { None } else { Some(&event) };
    match handler.plan(Some(&profile), event, &env) {
        Ok(Plan::Skip(reason)) => {
            serde_json::json!({"skipped": true, "reason": reason}).to_string()
        }
        Ok(Plan::Send(req)) => {
            let headers: serde_json::Map<String, serde_json::Value> = req
                .redacted_headers()
                .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                .collect();
            serde_json::json!({"dryRun": true, "request": {
                "method": req.method, "url": req.url, "headers": headers, "body": req.body}})
            .to_string()
        }
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
