use super::*;
use crate::options::Options;
use crate::sync::report::{head, Entries, TAIL};
use std::collections::HashMap;

fn config(operation: &str, fields: &str) -> SyncConfig {
    let env: HashMap<&str, &str> = [
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_API_KEY", "sk_live_0123456789"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
        ("KLAVIYO_PRIVATE_KEY", "pk_0123456789abcdef"),
        ("PASSBRIDGE_FIELDS", fields),
    ]
    .into_iter()
    .collect();
    let options = Options {
        provider: Some("passninja".into()),
        operation: Some(operation.into()),
        ..Options::default()
    };
    SyncConfig::new("segment:Ab12", options, &env, false).unwrap()
}

#[test]
fn a_resumed_create_never_resends_what_was_in_flight() {
    let cfg = config("create", r#"{"points":"{{ person.properties.points }}"}"#);
    let mut cp = Checkpoint::new(&cfg);
    let mut file = vec![
        cp.header_line(),
        cp.page_line("/api/segments/Ab12/profiles?page%5Bsize%5D=100"),
    ];
    file.extend(cp.start_line("p1"));
    file.push(cp.outcome_line(
        "p1",
        "created",
        None,
        Some(serde_json::json!({"serial": "S1"})),
        false,
    ));
    file.extend(cp.start_line("p2"));
    file.extend(cp.start_line("p3"));
    file.push(cp.outcome_line("p3", "failed", Some("invalid_profile"), None, false));
    file.push("{\"id\":\"p4\",\"outc".into()); // torn by the kill

    let mut resumed = Checkpoint::new(&cfg);
    for line in &file {
        resumed.feed(line).unwrap();
    }
    assert_eq!(
        resumed.cursor(),
        Some("/api/segments/Ab12/profiles?page%5Bsize%5D=100")
    );
    let added = resumed.resume_lines();
    assert_eq!(
        added,
        [r#"{"id":"p2","outcome":"ambiguous","code":"network"}"#]
    );
    assert_eq!(resumed.decide("p1"), Action::Skip);
    assert_eq!(resumed.decide("p2"), Action::Skip);
    assert_eq!(resumed.decide("p3"), Action::Skip);
    assert_eq!(resumed.decide("p4"), Action::Send);
    assert_eq!(resumed.counts()["created"], 1);
    assert_eq!(resumed.counts()["ambiguous"], 1);
    assert_eq!(resumed.counts()["failed"], 1);
    assert_eq!(resumed.exit_code(), 1);

    // The report lists each profile once.
    file.extend(added);
    let mut entries = Entries::default();
    let listed: Vec<String> = file.iter().filter_map(|l| entries.line(l)).collect();
    assert_eq!(
        listed,
        [
            r#"{"id":"p1","outcome":"created","code":null}"#,
            r#"{"id":"p3","outcome":"failed","code":"invalid_profile"}"#,
            r#"{"id":"p2","outcome":"ambiguous","code":"network"}"#,
        ]
    );
    let report = format!(
        "{}{}{TAIL}",
        head("segment:Ab12", "passninja/create", resumed.counts()),
        listed.join(",")
    );
    let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(parsed["counts"]["created"], 1);
    assert_eq!(parsed["operation"], "passninja/create");
}

#[test]
fn updates_write_no_start_and_are_resent() {
    let cfg = config("update", r#"{"points":"{{ person.properties.points }}"}"#);
    let mut cp = Checkpoint::new(&cfg);
    let h = cp.header_line();
    assert_eq!(cp.start_line("p1"), None);
    let mut resumed = Checkpoint::new(&cfg);
    resumed.feed(&h).unwrap();
    assert!(resumed.resume_lines().is_empty());
    assert_eq!(resumed.decide("p1"), Action::Send);
    assert_eq!(resumed.exit_code(), 0);
}

#[test]
fn pages_before_the_cursor_are_forgotten_and_write_backs_resume_alone() {
    let cfg = config("create", r#"{"points":"1"}"#);
    let mut cp = Checkpoint::new(&cfg);
    let mut file = vec![cp.header_line(), cp.page_line("c1")];
    file.push(cp.outcome_line("a", "created", None, None, false));
    file.push(cp.page_line("c2"));
    let result = serde_json::json!({"created": true, "serial": "S", "url": "u"});
    file.push(cp.outcome_line("b", "created", None, Some(result.clone()), true));
    let mut resumed = Checkpoint::new(&cfg);
    for l in &file {
        resumed.feed(l).unwrap();
    }
    assert_eq!(resumed.cursor(), Some("c2"));
    assert_eq!(
        resumed.decide("a"),
        Action::Send,
        "only the current page is kept"
    );
    assert_eq!(resumed.decide("b"), Action::WriteBackOnly(result));
    assert_eq!(resumed.counts()["created"], 1);
    let l = resumed.write_back_line("b", Some("write_back_rejected"));
    assert_eq!(resumed.counts()["failed"], 1);
    assert_eq!(resumed.codes()["write_back_rejected"], 1);
    file.push(l);
    let mut entries = Entries::default();
    let listed: Vec<String> = file.iter().filter_map(|l| entries.line(l)).collect();
    assert_eq!(
        listed[1],
        r#"{"id":"b","outcome":"failed","code":"write_back_rejected"}"#
    );
}

#[test]
fn another_run_is_refused() {
    let cfg = config("create", r#"{"points":"1"}"#);
    let header = Checkpoint::new(&cfg).header_line();
    let other_mapping = config("create", r#"{"points":"2"}"#);
    let err = Checkpoint::new(&other_mapping).feed(&header).unwrap_err();
    assert!(err.message.contains("another mapping"), "{}", err.message);
    let other_op = config("update", r#"{"points":"1"}"#);
    let err = Checkpoint::new(&other_op).feed(&header).unwrap_err();
    assert!(
        err.message
            .contains("another run (segment:Ab12, passninja/create)"),
        "{}",
        err.message
    );
    let err = Checkpoint::new(&cfg).feed("hello").unwrap_err();
    assert!(err.message.contains("not a passbridge sync checkpoint"));
}
