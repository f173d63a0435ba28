use super::pace::{KlaviyoPace, Next, ProviderPace, Window};
use super::source::{check_page, count_request, first_cursor, parse_count, parse_line, parse_page};
use super::*;
use crate::error::Code;
use crate::http::HttpResponse;
use std::collections::HashMap;

const BASE: &str = "http://127.0.0.1:4010";

fn env(extra: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
    let mut e: HashMap<&str, &str> = [
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_API_KEY", "sk_live_0123456789"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
        ("KLAVIYO_PRIVATE_KEY", "pk_0123456789abcdef"),
        ("KLAVIYO_BASE_URL", BASE),
    ]
    .into_iter()
    .collect();
    e.extend(extra.iter().copied());
    e
}

fn options(operation: &str) -> Options {
    Options {
        provider: Some("passninja".into()),
        operation: Some(operation.into()),
        ..Options::default()
    }
}

#[test]
fn sources_and_configuration() {
    assert_eq!(
        Source::parse("segment:Ab_1-2").unwrap(),
        Source::Segment("Ab_1-2".into())
    );
    assert_eq!(
        Source::parse("file:p.jsonl").unwrap().label(),
        "file:p.jsonl"
    );
    for bad in ["segment:", "segment:a/b", "people:x", "x"] {
        assert_eq!(
            Source::parse(bad).unwrap_err().code,
            Code::InvalidConfig,
            "{bad}"
        );
    }
    let cfg = SyncConfig::new("segment:S1", options("create"), &env(&[]), true).unwrap();
    assert_eq!(cfg.operation_label(), "passninja/create");
    assert!(!cfg.operation.idempotent);
    assert_eq!(cfg.write_back.as_ref().unwrap().0.len(), 2);
    // A file source needs no Klaviyo key; a segment does.
    let mut no_key = env(&[]);
    no_key.remove("KLAVIYO_PRIVATE_KEY");
    assert!(SyncConfig::new("file:x", options("update"), &no_key, false).is_ok());
    let err = SyncConfig::new("segment:S1", options("update"), &no_key, false).unwrap_err();
    assert_eq!(err.code, Code::MissingConfig);
    let err = SyncConfig::new("segment:S1", options("update"), &env(&[]), true).unwrap_err();
    assert!(
        err.message.contains("writes nothing by default"),
        "{}",
        err.message
    );
    let err = SyncConfig::new("segment:S1", options("nope"), &env(&[]), false).unwrap_err();
    assert!(err.message.contains("unknown operation 'nope'"));
    let bad_wb = env(&[("PASSBRIDGE_WRITE_BACK", "{")]);
    let err = SyncConfig::new("segment:S1", options("create"), &bad_wb, true).unwrap_err();
    assert!(err.message.contains("PASSBRIDGE_WRITE_BACK"));
    // The fingerprint follows the mapping, never the keys.
    let a = SyncConfig::new("segment:S1", options("create"), &env(&[]), false).unwrap();
    let b = SyncConfig::new(
        "segment:S1",
        options("create"),
        &env(&[("PASSNINJA_API_KEY", "sk_other_0123456")]),
        false,
    )
    .unwrap();
    let c = SyncConfig::new(
        "segment:S1",
        options("create"),
        &env(&[("PASSBRIDGE_FIELDS", r#"{"a":"b"}"#)]),
        false,
    )
    .unwrap();
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_ne!(a.fingerprint, c.fingerprint);
}

#[test]
fn klaviyo_pages_follow_links_next_on_the_same_origin() {
    let cfg = SyncConfig::new("segment:S1", options("update"), &env(&[]), false).unwrap();
    let k = cfg.klaviyo.as_ref().unwrap();
    let first = first_cursor(&cfg.source);
    assert_eq!(first, "/api/segments/S1/profiles?page%5Bsize%5D=100");
    assert_eq!(
        super::source::page_request(k, &first).url,
        format!("{BASE}{first}")
    );
    let count = count_request(k, &cfg.source).unwrap();
    assert_eq!(
        count.url,
        format!("{BASE}/api/segments/S1?additional-fields%5Bsegment%5D=profile_count")
    );
    assert_eq!(
        parse_count(r#"{"data":{"attributes":{"profile_count":10000}}}"#),
        Some(10000)
    );
    let body = format!(
        r#"{{"data":[{{"type":"profile","id":"P1","attributes":{{"email":"a@x.io"}}}}],"links":{{"next":"{BASE}/api/segments/S1/profiles?page%5Bcursor%5D=xyz"}}}}"#
    );
    let page = parse_page(k, &body).unwrap();
    assert_eq!(page.profiles[0].0, "P1");
    assert_eq!(page.profiles[0].1["data"]["attributes"]["email"], "a@x.io");
    assert_eq!(
        page.next.as_deref(),
        Some(&*format!(
            "{BASE}/api/segments/S1/profiles?page%5Bcursor%5D=xyz"
        ))
    );
    assert_eq!(
        parse_page(k, r#"{"data":[],"links":{"next":null}}"#)
            .unwrap()
            .next,
        None
    );
    for bad in [
        r#"{"data":[],"links":{"next":"https://evil.example/api"}}"#,
        r#"{"data":[{"type":"profile"}]}"#,
        "nope",
    ] {
        assert!(parse_page(k, bad).is_err(), "{bad}");
    }
    let missing = HttpResponse {
        status: 404,
        retry_after: None,
        body: String::new(),
    };
    let err = check_page(k, &cfg.source, &missing, 0.0).unwrap_err();
    assert_eq!(err.message, "Klaviyo error: 404: Klaviyo has no segment S1");
    assert_eq!(parse_line("  ").unwrap(), None);
    assert!(parse_line("[1]").is_err());
}

#[test]
fn windows_hold_n_per_second() {
    let mut w = Window::new(2, 1000.0);
    assert_eq!(w.wait_ms(0.0), 0);
    w.record(0.0);
    w.record(100.0);
    assert_eq!(w.wait_ms(200.0), 800);
    w.record(1000.0);
    assert_eq!(w.wait_ms(1000.0), 100);
    let off = Window::new(0, 1000.0);
    assert_eq!(off.wait_ms(0.0), 0);
}

#[test]
fn klaviyo_pacing_follows_the_headers() {
    let mut p = KlaviyoPace::new(75);
    assert_eq!(p.answer(0.0, 200, Some("10"), Some("30"), None), Next::Go);
    assert_eq!(p.wait_ms(0.0), 0);
    assert_eq!(p.answer(0.0, 200, Some("0"), Some("30"), None), Next::Go);
    assert_eq!(p.wait_ms(1000.0), 29_000);
    let mut p = KlaviyoPace::new(75);
    assert_eq!(
        p.answer(0.0, 429, None, None, Some(3000)),
        Next::Retry(3000)
    );
    assert_eq!(p.wait_ms(2999.0), 1);
    assert_eq!(p.answer(0.0, 500, None, None, None), Next::Retry(2000));
    assert_eq!(p.answer(0.0, 403, None, None, None), Next::GiveUp);
    let mut p = KlaviyoPace::new(75);
    for _ in 0..pace::MAX_KLAVIYO_FAILURES {
        assert!(matches!(p.answer(0.0, 0, None, None, None), Next::Retry(_)));
    }
    assert_eq!(p.answer(0.0, 0, None, None, None), Next::GiveUp);
}

#[test]
fn a_provider_429_pauses_everything() {
    let mut p = ProviderPace::new(10);
    p.pause(0.0, Some(2000));
    assert_eq!(p.wait_ms(500.0), 1500);
    p.pause(100.0, Some(100));
    assert_eq!(
        p.wait_ms(500.0),
        1500,
        "a shorter pause never shortens a longer one"
    );
    assert_eq!(p.wait_ms(2000.0), 0);
}

#[test]
fn a_run_answers_the_node_side_in_json() {
    use super::run::Run;
    let mut run = Run::new("segment:S1", options("create"), &env(&[]), true, 5).unwrap();
    let h = run.header_line();
    assert!(h.starts_with(
        r#"{"passbridgeSync":1,"source":"segment:S1","operation":"passninja/create""#
    ));
    let cursor = run.cursor();
    let req: serde_json::Value = serde_json::from_str(&run.page_request(&cursor).unwrap()).unwrap();
    assert_eq!(req["headers"]["revision"], crate::klaviyo::REVISION);
    assert_eq!(
        run.page_answer(0.0, 429, None, None, Some("2".into()), String::new())
            .unwrap(),
        r#"{"retry":2000}"#
    );
    assert_eq!(run.klaviyo_wait("page", 1000.0), 1000.0);
    let body = r#"{"data":[{"type":"profile","id":"P1","attributes":{"email":"a@x.io"}}],"links":{"next":null}}"#;
    let page: serde_json::Value = serde_json::from_str(
        &run.page_answer(
            5000.0,
            200,
            Some("3".into()),
            Some("9".into()),
            None,
            body.into(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(page["profiles"][0][0], "P1");
    assert_eq!(page["next"], serde_json::Value::Null);
    let err = run
        .page_answer(6000.0, 401, None, None, None, String::new())
        .unwrap_err();
    assert_eq!(err.code, Code::InvalidConfig);
    assert_eq!(Run::stop_exit(err.code.as_str()), 2);

    assert_eq!(run.decide("P1"), "send");
    assert_eq!(run.start_line("P1").unwrap(), r#"{"start":"P1"}"#);
    let done: serde_json::Value = serde_json::from_str(&run.done_line(
        "P1",
        r#"{"created":true,"serial":"S1","url":"https://x/p/S1","status":200}"#,
    ))
    .unwrap();
    assert_eq!(done["outcome"], "created");
    assert_eq!(done["writeBack"], true);
    let wb: serde_json::Value = serde_json::from_str(&run.write_back_request(
        r#"{"data":{"id":"P1","attributes":{}}}"#,
        r#"{"created":true,"serial":"S1","url":"https://x/p/S1"}"#,
        true,
    ))
    .unwrap();
    assert_eq!(wb["request"]["headers"]["Authorization"], "***");
    assert_eq!(
        wb["request"]["body"],
        r#"{"data":{"type":"profile","id":"P1","attributes":{"external_id":"S1","properties":{"passbridge_pass_url":"https://x/p/S1"}}}}"#
    );
    assert_eq!(
        run.write_back_answer(0.0, 201, None, None, None, String::new()),
        r#"{"ok":true}"#
    );
    let rejected: serde_json::Value =
        serde_json::from_str(&run.write_back_answer(0.0, 400, None, None, None, "{}".into()))
            .unwrap();
    assert_eq!(rejected["code"], "write_back_rejected");
    run.write_back_line("P1", None);
    // A create that met a 503 is ambiguous; a 429 is retried and pauses the provider.
    let d: serde_json::Value =
        serde_json::from_str(&run.error_line(0.0, "P2", "upstream_unavailable", -1.0, 1)).unwrap();
    assert_eq!(d["outcome"], "ambiguous");
    assert_eq!(
        run.error_line(0.0, "P3", "throttled", 1500.0, 1),
        r#"{"retry":1500}"#
    );
    assert_eq!(run.provider_wait(500.0), 1000.0);
    let summary: serde_json::Value = serde_json::from_str(&run.summary()).unwrap();
    assert_eq!(summary["counts"]["created"], 1);
    assert_eq!(summary["counts"]["ambiguous"], 1);
    assert_eq!(summary["exit"], 1);
}

#[test]
fn emails_reach_the_report_only_under_report_emails() {
    use super::run::Run;
    let profile = r#"{"data":{"id":"P1","attributes":{"email":"ada@example.com"}}}"#;
    let flat = r#"{"email":"bob@example.com"}"#;
    let none = r#"{"external_id":"x"}"#;

    // Off (the default): no e-mail line, no e-mail in the report.
    let mut run = Run::new("segment:S1", options("update"), &env(&[]), false, 0).unwrap();
    assert_eq!(run.email_line("P1", profile), None);
    let done: serde_json::Value =
        serde_json::from_str(&run.done_line("P1", r#"{"updated":true}"#)).unwrap();
    let line = done["line"].as_str().unwrap().to_string();
    assert!(!line.contains("ada@"));
    assert_eq!(
        run.report_entry(&line).unwrap(),
        r#"{"id":"P1","outcome":"updated","code":null}"#
    );
    // Another run's e-mail line is ignored when the flag is off.
    assert_eq!(
        run.report_entry(r#"{"emailOf":"P1","email":"ada@example.com"}"#),
        None
    );

    // On: each entry names the e-mail (null when the profile has none).
    let mut run = Run::new("file:p.jsonl", options("update"), &env(&[]), false, 0).unwrap();
    run.set_report_emails(true);
    let mut lines = vec![];
    for (id, p) in [("1", profile), ("2", flat), ("3", none)] {
        lines.extend(run.email_line(id, p));
        let done: serde_json::Value =
            serde_json::from_str(&run.done_line(id, r#"{"updated":true}"#)).unwrap();
        lines.push(done["line"].as_str().unwrap().to_string());
    }
    assert_eq!(lines.len(), 5, "{lines:?}");
    let entries: Vec<String> = lines.iter().filter_map(|l| run.report_entry(l)).collect();
    assert_eq!(
        entries,
        [
            r#"{"id":"1","outcome":"updated","code":null,"email":"ada@example.com"}"#,
            r#"{"id":"2","outcome":"updated","code":null,"email":"bob@example.com"}"#,
            r#"{"id":"3","outcome":"updated","code":null,"email":null}"#,
        ]
    );
    // An e-mail line is no outcome: resuming over it changes nothing.
    let mut resumed = Run::new("file:p.jsonl", options("update"), &env(&[]), false, 0).unwrap();
    resumed.feed(&run.header_line()).unwrap();
    resumed
        .feed(r#"{"emailOf":"9","email":"x@example.com"}"#)
        .unwrap();
    assert_eq!(resumed.decide("9"), "send");
}

#[test]
fn a_create_refused_with_401_is_sent_again_on_resume_not_ambiguous() {
    use super::run::Run;
    let mut run = Run::new("segment:S1", options("create"), &env(&[]), false, 0).unwrap();
    let mut lines = vec![run.header_line(), run.page_line("c1")];
    lines.extend(run.start_line("P1"));
    lines.extend(run.start_line("P2"));
    // P1: the provider refused the key (nothing applied): the run stops.
    let stop: serde_json::Value =
        serde_json::from_str(&run.error_line(0.0, "P1", "unauthorized", -1.0, 1)).unwrap();
    assert_eq!(stop["stop"], true);
    lines.push(stop["line"].as_str().unwrap().to_string());
    assert_eq!(lines.last().unwrap(), r#"{"unsent":"P1"}"#);
    // P2 was in flight at the stop with no answer: ambiguous on resume.
    let mut resumed = Run::new("segment:S1", options("create"), &env(&[]), false, 0).unwrap();
    for l in &lines {
        resumed.feed(l).unwrap();
    }
    let appended = resumed.resume_lines();
    assert_eq!(appended.len(), 1, "{appended:?}");
    assert!(appended[0].contains(r#""id":"P2","outcome":"ambiguous""#));
    assert_eq!(resumed.decide("P1"), "send");
    assert_eq!(resumed.decide("P2"), "skip");
    // An idempotent stop writes nothing.
    let mut update = Run::new("segment:S1", options("update"), &env(&[]), false, 0).unwrap();
    assert_eq!(
        update.error_line(0.0, "P1", "unauthorized", -1.0, 1),
        r#"{"stop":true}"#
    );
}
