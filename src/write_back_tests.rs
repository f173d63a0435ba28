use super::*;
use crate::error::Code;
use std::collections::HashMap;

const KEY: &str = "pk_wb_0123456789abcdef0123456789abcdef";

fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
    pairs.iter().copied().collect()
}

fn route(path: &str) -> Route {
    REGISTRY.route(path).unwrap()
}

fn created() -> Outcome {
    Outcome::flag("created")
        .with("serial", OutValue::Str("SER-1".into()))
        .with("url", OutValue::Str("https://pass.example/SER-1".into()))
        .with_status(201)
}

fn job(target: Target) -> Job {
    let setup = setup(route("/passninja/create"), &env(&[(KEY_VARIABLE, KEY)]))
        .unwrap()
        .unwrap();
    Job { setup, target }
}

#[test]
fn only_routes_whose_result_has_a_mapped_field_write_back() {
    let with_key = env(&[(KEY_VARIABLE, KEY)]);
    assert!(setup(route("/passninja/create"), &with_key)
        .unwrap()
        .is_some());
    assert!(setup(route("/passninja/update"), &with_key)
        .unwrap()
        .is_none());
    assert!(setup(route("/passninja/create"), &env(&[]))
        .unwrap()
        .is_none());
    assert!(enabled(&with_key) && !enabled(&env(&[])));
}

#[test]
fn a_bad_mapping_fails_every_route_naming_the_variable() {
    for bad in ["{not json", r#"{"external_id":"nope"}"#, r#"["serial"]"#] {
        for path in [
            "/passninja/update",
            "/jericommerce/balance",
            "/passninja/create",
        ] {
            // With or without the key: the variable is checked either way.
            for key in [None, Some(KEY)] {
                let mut e = env(&[(crate::klaviyo::write_back::VARIABLE, bad)]);
                if let Some(k) = key {
                    e.insert(KEY_VARIABLE, k);
                }
                let err = setup(route(path), &e).unwrap_err();
                assert_eq!(err.code, Code::InvalidConfig, "{bad} {path}");
                assert!(
                    err.message.contains("PASSBRIDGE_WRITE_BACK"),
                    "{}",
                    err.message
                );
                assert!(!err.message.contains(KEY));
            }
        }
    }
}

#[test]
fn the_profile_is_its_id_else_email_else_phone() {
    let v = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    let t = |s: &str| target(Some(&v(s)));
    assert_eq!(
        t(r#"{"data":{"type":"profile","id":"01HZX","attributes":{"email":"a@b.c"}}}"#),
        Ok(Identity::Id("01HZX".into()))
    );
    assert_eq!(
        t(r#"{"id":"01HZY","email":"a@b.c"}"#),
        Ok(Identity::Id("01HZY".into()))
    );
    assert_eq!(
        t(r#"{"email":"a@b.c","phone_number":"+1"}"#),
        Ok(Identity::Email("a@b.c".into()))
    );
    assert_eq!(
        t(r#"{"phone_number":"+15005550006"}"#),
        Ok(Identity::Phone("+15005550006".into()))
    );
    assert_eq!(
        t(r#"{"first_name":"Ada"}"#),
        Err(wb::NO_IDENTITY.to_string())
    );
}

#[test]
fn answers_keep_the_create_result_whatever_the_write_back_did() {
    let o = created();
    let ok: serde_json::Value =
        serde_json::from_str(&answer(&o, &Done::Written(200)).body).unwrap();
    assert_eq!(ok["serial"], "SER-1");
    assert_eq!(ok["writeBack"], serde_json::json!({"status": 200}));
    let skipped = answer(&o, &Done::Skipped(wb::NO_IDENTITY.into()));
    assert_eq!(skipped.status, 200);
    let v: serde_json::Value = serde_json::from_str(&skipped.body).unwrap();
    assert_eq!(v["writeBack"]["skipped"], wb::NO_IDENTITY);

    let mut throttled = Error::new(Code::Throttled, "Klaviyo error: 429: Klaviyo's rate limit");
    throttled.retry_after_ms = Some(7_000);
    let a = answer(&o, &Done::Failed(throttled.clone()));
    assert_eq!(a.status, 503);
    assert!(a.headers.contains(&("Retry-After", "7".to_string())));
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        (v["serial"].as_str(), v["url"].as_str()),
        (Some("SER-1"), Some("https://pass.example/SER-1"))
    );
    assert_eq!(v["status"], 503, "the problem's status is the answer's");

    let rejected = Error::new(
        Code::WriteBackRejected,
        "Klaviyo error: the profile write-back was refused: 400",
    );
    let a = answer(&o, &Done::Failed(rejected.clone()));
    assert_eq!(a.status, 422);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(
        (v["code"].as_str(), v["serial"].as_str()),
        (Some("write_back_rejected"), Some("SER-1"))
    );
    assert_eq!(Done::Failed(rejected).state(), "rejected");
    assert_eq!(Done::Failed(throttled.clone()).state(), "pending");

    // Without a ledger: 200, the failure reported.
    let a = answer_unrecorded(&o, &Done::Failed(throttled));
    assert_eq!(a.status, 200);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["writeBack"]["failed"], "throttled");
    assert_eq!(v["serial"], "SER-1");
}

#[test]
fn the_dry_run_shows_both_requests_with_the_key_hidden() {
    let planned = crate::http::HttpRequest {
        method: "POST",
        url: "https://api.passninja.com/v1/passes".into(),
        headers: vec![],
        body: Some("{}".into()),
        idempotent: false,
        planned: Default::default(),
    };
    let a = dry_run(
        &DryRun(planned.clone()),
        &job(Ok(Identity::Email("a@b.c".into()))),
    );
    assert!(!a.body.contains(KEY));
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["dryRun"], true);
    assert_eq!(v["request"]["url"], "https://api.passninja.com/v1/passes");
    let wbr = &v["writeBack"];
    assert_eq!(wbr["url"], "https://a.klaviyo.com/api/profile-import");
    assert_eq!(wbr["headers"]["Authorization"], "***");
    let body: serde_json::Value = serde_json::from_str(wbr["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"data":{"type":"profile","attributes":{"email":"a@b.c","external_id":"<serial>","properties":{"passbridge_pass_url":"<url>"}}}})
    );
    let a = dry_run(&DryRun(planned), &job(Err(wb::NO_IDENTITY.into())));
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["writeBack"]["skipped"], wb::NO_IDENTITY);
}

#[test]
fn a_result_without_mapped_fields_is_not_written() {
    let j = job(Ok(Identity::Id("01HZX".into())));
    assert!(!j.applies(&Outcome::skipped("pass exists")));
    assert!(j.applies(&created()));
    let r = j.request(&created()).unwrap();
    assert_eq!(r.method, "POST");
    assert!(r.idempotent);
}
