use super::*;
use crate::providers::{PROVIDERS, REGISTRY};
use serde_json::json;
use std::collections::HashMap;

const KEY: &str = "pk_0123456789abcdef0123456789abcdef01";

fn op(provider: &str, name: &str) -> &'static OperationSpec {
    let p = REGISTRY.find(Some(provider)).unwrap();
    p.operations.iter().find(|o| o.name == name).unwrap()
}

fn all_ops() -> impl Iterator<Item = &'static OperationSpec> {
    PROVIDERS.iter().flat_map(|p| p.operations.iter())
}

fn klaviyo() -> Klaviyo {
    let env: HashMap<&str, &str> = [
        ("KLAVIYO_PRIVATE_KEY", KEY),
        ("KLAVIYO_BASE_URL", "http://127.0.0.1:4010"),
    ]
    .into_iter()
    .collect();
    Klaviyo::from_env(&env).unwrap()
}

fn created() -> Outcome {
    Outcome::flag("created")
        .with("serial", OutValue::Str("SN-1".into()))
        .with("url", OutValue::Str("https://passninja.com/p/SN-1".into()))
        .with_status(200)
}

#[test]
fn the_default_writes_serial_and_url_for_passninja_create_only() {
    let create = op("passninja", "create");
    let wb = WriteBack::default_for(create);
    assert_eq!(
        wb.0,
        [
            (Target::Attribute("external_id"), "serial".to_string()),
            (
                Target::Property("passbridge_pass_url".into()),
                "url".to_string()
            ),
        ]
    );
    assert!(WriteBack::default_for(op("passninja", "update"))
        .0
        .is_empty());
    let env: HashMap<&str, &str> = HashMap::new();
    assert_eq!(WriteBack::from_env(&env, all_ops()).unwrap(), None);
}

#[test]
fn the_request_is_a_json_api_profile_import() {
    let wb = WriteBack::default_for(op("passninja", "create"));
    let r = wb
        .request(
            &klaviyo(),
            &Identity::Id("01GDDKASAP8TKDDA2GRZDSVP4H".into()),
            &created(),
        )
        .unwrap();
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "http://127.0.0.1:4010/api/profile-import");
    assert_eq!(
        r.body.as_deref().unwrap(),
        r#"{"data":{"type":"profile","id":"01GDDKASAP8TKDDA2GRZDSVP4H","attributes":{"external_id":"SN-1","properties":{"passbridge_pass_url":"https://passninja.com/p/SN-1"}}}}"#
    );
    let shown: Vec<(&str, &str)> = r.redacted_headers().collect();
    assert_eq!(
        shown,
        [
            ("Authorization", "***"),
            ("revision", super::super::REVISION),
            ("Accept", "application/vnd.api+json"),
            ("Content-Type", "application/vnd.api+json"),
        ]
    );
    assert!(r.idempotent);
    let r = wb
        .request(&klaviyo(), &Identity::Email("a\"b@x.io".into()), &created())
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["data"]["attributes"]["email"], "a\"b@x.io");
    assert!(body["data"].get("id").is_none());
    let r = wb
        .request(
            &klaviyo(),
            &Identity::Phone("+15005550006".into()),
            &created(),
        )
        .unwrap();
    let body: serde_json::Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["data"]["attributes"]["phone_number"], "+15005550006");
    // An outcome without the mapped fields writes nothing.
    assert_eq!(
        wb.request(
            &klaviyo(),
            &Identity::Id("X1".into()),
            &Outcome::flag("updated")
        ),
        None
    );
}

#[test]
fn a_custom_mapping_is_validated_against_the_operations() {
    let env: HashMap<&str, &str> = [(
        VARIABLE,
        r#"{"properties.pass_serial": "serial", "properties.points_direction": "direction", "title": "url"}"#,
    )]
    .into_iter()
    .collect();
    let wb = WriteBack::from_env(&env, all_ops()).unwrap().unwrap();
    assert_eq!(wb.0.len(), 3);
    let balance = Outcome::flag("updated")
        .with("direction", OutValue::Const("increase"))
        .with("amount", OutValue::Num(5.0));
    let r = wb
        .request(&klaviyo(), &Identity::Id("A1".into()), &balance)
        .unwrap();
    assert_eq!(
        r.body.as_deref().unwrap(),
        r#"{"data":{"type":"profile","id":"A1","attributes":{"properties":{"points_direction":"increase"}}}}"#
    );
    for (text, want) in [
        ("{", "PASSBRIDGE_WRITE_BACK is not valid JSON"),
        ("[]", "PASSBRIDGE_WRITE_BACK must be a JSON object"),
        (
            r#"{"external_id": 1}"#,
            "PASSBRIDGE_WRITE_BACK 'external_id' must name a result field",
        ),
        (
            r#"{"external_id": "nope"}"#,
            "PASSBRIDGE_WRITE_BACK 'external_id': no configured operation returns 'nope' (known: ",
        ),
        (
            r#"{"email": "serial"}"#,
            "PASSBRIDGE_WRITE_BACK 'email': is not a profile attribute",
        ),
        (
            r#"{"properties.": "serial"}"#,
            "PASSBRIDGE_WRITE_BACK 'properties.': a property name",
        ),
    ] {
        let err = WriteBack::parse(text, all_ops()).unwrap_err();
        assert_eq!(err.code, Code::InvalidConfig, "{text}");
        assert!(err.message.starts_with(want), "{text}: {}", err.message);
    }
    // Only the configured operations count: `serial` is PassNinja create's.
    let err = WriteBack::parse(
        r#"{"external_id":"serial"}"#,
        [op("jericommerce", "balance")],
    )
    .unwrap_err();
    assert!(err
        .message
        .contains("(known: updated, direction, amount, status)"));
}

#[test]
fn the_profile_is_found_by_id_then_email_then_phone() {
    let cases = [
        (
            json!({"data": {"type": "profile", "id": "01ABC", "attributes": {"email": "a@x.io"}}}),
            Some(Identity::Id("01ABC".into())),
        ),
        (
            json!({"id": "01ABC", "email": "a@x.io"}),
            Some(Identity::Id("01ABC".into())),
        ),
        (
            json!({"data": {"id": null, "attributes": {"email": " a@x.io "}}}),
            Some(Identity::Email("a@x.io".into())),
        ),
        (
            json!({"id": "not an id!", "email": "a@x.io"}),
            Some(Identity::Email("a@x.io".into())),
        ),
        (
            json!({"email": "", "phone_number": "+15005550006"}),
            Some(Identity::Phone("+15005550006".into())),
        ),
        (json!({"external_id": "x"}), None),
    ];
    for (profile, want) in cases {
        assert_eq!(identity(&profile).unwrap(), want, "{profile}");
    }
    assert_eq!(
        identity(&json!({"email": ["a"]})).unwrap_err().code,
        Code::InvalidProfile
    );
}

#[test]
fn answers_are_classified_with_write_back_rejected() {
    let k = klaviyo();
    let ok = HttpResponse {
        status: 201,
        retry_after: None,
        body: "{}".into(),
    };
    assert_eq!(outcome(&ok, 0.0, &k), Ok(201));
    let bad = HttpResponse {
        status: 400,
        retry_after: None,
        body: format!(
            r#"{{"errors":[{{"status":400,"code":"invalid","title":"Invalid input.","detail":"key {KEY} is odd"}}]}}"#
        ),
    };
    let e = outcome(&bad, 0.0, &k).unwrap_err();
    assert_eq!(e.code, Code::WriteBackRejected);
    assert_eq!(e.code.as_str(), "write_back_rejected");
    assert_eq!(e.status, Some(400));
    assert!(!e.retryable);
    assert_eq!(
        e.message,
        "Klaviyo error: the profile write-back was refused: 400: key *** is odd"
    );
    let busy = HttpResponse {
        status: 429,
        retry_after: Some("3".into()),
        body: String::new(),
    };
    let e = outcome(&busy, 0.0, &k).unwrap_err();
    assert_eq!((e.code, e.retry_after_ms), (Code::Throttled, Some(3000)));
    let denied = HttpResponse {
        status: 403,
        retry_after: None,
        body: String::new(),
    };
    assert_eq!(
        outcome(&denied, 0.0, &k).unwrap_err().code,
        Code::InvalidConfig
    );
}
