//! Issue 20, items 13–16: the playground never holds a secret or plants a host.

use super::secrets::secret_problem;
use super::snippets::snippets;
use crate::error::Code;
use crate::options::{OptionValue, Options};
use crate::providers::REGISTRY;

const SECRET: &str = "sk_live_typed_by_mistake";

fn refused(env: &str, options: &str) -> String {
    let found = secret_problem(env, options)
        .unwrap_or_else(|| panic!("not refused: env {env} options {options}"));
    assert_eq!(found.error.code, Code::InvalidConfig);
    assert!(
        !found.error.message.contains(SECRET),
        "{}",
        found.error.message
    );
    found.error.message
}

#[test]
fn every_registry_secret_in_env_is_refused_in_any_case_and_spacing() {
    let secrets: Vec<&str> = REGISTRY.secret_variables().collect();
    for required in [
        "PASSNINJA_API_KEY",
        "WALLETCREW_API_KEY",
        "JERICOMMERCE_API_KEY",
        "PASSBRIDGE_WEBHOOK_SECRET",
        "PASSBRIDGE_ADMIN_SECRET",
        "KLAVIYO_PRIVATE_KEY",
    ] {
        assert!(secrets.contains(&required), "{required} is not a secret");
    }
    for name in secrets {
        let spellings = [
            name.to_string(),
            name.to_lowercase(),
            format!("{name} "),
            format!("  {}\t", name.to_lowercase()),
            // Invisible characters inside or around the name.
            format!("\u{200B}{name}\u{FEFF}"),
            name.replacen('_', "_\u{200D}", 1),
        ];
        for spelling in spellings {
            let env = serde_json::json!({ spelling.clone(): SECRET, "PASSNINJA_ACCOUNT_ID": "aid_0x3f2a" });
            let message = refused(&env.to_string(), "{}");
            assert_eq!(
                message,
                format!("{name} is a secret: leave it out of #env. The playground plans with a placeholder key (shown as ***) and keeps its state in the URL"),
                "{spelling:?}"
            );
        }
    }
}

#[test]
fn secrets_are_refused_whatever_their_value_and_depth() {
    for env in [
        r#"{"PASSNINJA_API_KEY": ["sk_live_typed_by_mistake"]}"#,
        r#"{"PASSNINJA_API_KEY": {"value": "sk_live_typed_by_mistake"}}"#,
        r#"{"PASSNINJA_API_KEY": 12345678}"#,
        r#"{"PASSNINJA_API_KEY": null}"#,
        r#"{"PASSNINJA_API_KEY": true}"#,
        r#"[{"passninja_api_key": "sk_live_typed_by_mistake"}]"#,
        r#"{"X": {"Y": [{"PASSBRIDGE_ADMIN_SECRET": "sk_live_typed_by_mistake"}]}}"#,
        // A .env line pasted as a value.
        r#"{"PASSNINJA_ACCOUNT_ID": "aid_0x3f2a\nPASSNINJA_API_KEY=sk_live_typed_by_mistake"}"#,
        r#"["export KLAVIYO_PRIVATE_KEY=sk_live_typed_by_mistake"]"#,
    ] {
        refused(env, "{}");
    }
    // Not JSON yet, or no secret: nothing to refuse here.
    assert!(secret_problem("{\"PASSNINJA_API_KEY\": ", "{}").is_none());
    assert!(secret_problem(
        r#"{"PASSNINJA_ACCOUNT_ID": "aid_0x3f2a", "PASSNINJA_API_KEYS_DOC": "x"}"#,
        r#"{"fields": {"tier": "{{ person.properties.api_key }}"}}"#
    )
    .is_none());
}

#[test]
fn a_secret_in_options_env_is_refused_as_in_env() {
    let message = refused(
        "{}",
        r#"{"env": {"PASSNINJA_API_KEY": "sk_live_typed_by_mistake"}}"#,
    );
    assert!(
        message.starts_with("PASSNINJA_API_KEY is a secret: leave it out of #options."),
        "{message}"
    );
    for options in [
        r#"{"env": {" passninja_api_key ": "sk_live_typed_by_mistake"}}"#,
        r#"{"env": {"KLAVIYO_PRIVATE_KEY": ["sk_live_typed_by_mistake"]}}"#,
        r#"{"fields": {}, "env": {"PASSBRIDGE_WEBHOOK_SECRET": 1234}}"#,
        r#"{"PASSBRIDGE_ADMIN_SECRET": "sk_live_typed_by_mistake"}"#,
    ] {
        refused("{}", options);
    }
}

#[test]
fn a_refused_value_is_found_in_what_the_fragment_saved_before() {
    // A misspelt name saved the value; the corrected name is refused.
    let saved = r#"{"PASSNINJA_API_KEX": "sk_live_typed_by_mistake", "PASSNINJA_ACCOUNT_ID": "aid_0x3f2a"}"#;
    let found = secret_problem(&saved.replace("KEX", "KEY"), "{}").unwrap();
    assert!(found.leaks_into(saved));
    // Written with escapes in the saved JSON, or as a number.
    assert!(found.leaks_into(r#"{"A": "sk_live_typed_by_mist\u0061ke"}"#));
    let found = secret_problem(r#"{"PASSNINJA_API_KEY": 98765432}"#, "{}").unwrap();
    assert!(found.leaks_into(r#"{"PASSNINJA_API_KEX": 98765432}"#));
    // A value with quotes, saved JSON-escaped.
    let found = secret_problem(r#"{"PASSNINJA_API_KEY": "sk\"q\\uote"}"#, "{}").unwrap();
    assert!(found.leaks_into(r#"{"PASSNINJA_API_KEX": "sk\"q\\uote"}"#));
    // What never held it stays.
    let found = secret_problem(&saved.replace("KEX", "KEY"), "{}").unwrap();
    assert!(!found.leaks_into(
        r#"{"PASSNINJA_ACCOUNT_ID": "aid_0x3f2a", "PASSNINJA_TEMPLATE_ID": "ptk_0x1b7e"}"#
    ));
    assert!(!found.leaks_into("passninja"));
}

#[test]
fn snippets_refuse_secrets_in_any_spelling() {
    let mut options = Options {
        provider: Some("passninja".into()),
        operation: Some("update".into()),
        ..Options::default()
    };
    options.set("fields", OptionValue::Pairs(vec![]));
    for name in [
        " passninja_api_key",
        "PASSBRIDGE_ADMIN_SECRET",
        "klaviyo_private_key ",
    ] {
        let env = vec![(name.to_string(), SECRET.to_string())];
        let e = snippets(&options, &env).unwrap_err();
        assert_eq!(e.code, Code::InvalidConfig, "{name}");
        assert!(!e.message.contains(SECRET));
    }
}

fn update_options() -> Options {
    let mut options = Options {
        provider: Some("passninja".into()),
        operation: Some("update".into()),
        ..Options::default()
    };
    options.set(
        "fields",
        OptionValue::Pairs(vec![("tier".into(), "{{ person.tier }}".into())]),
    );
    options
}

fn env_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_line_break_in_a_value_or_name_cannot_add_a_variable_to_any_snippet() {
    let planted = "PASSNINJA_BASE_URL=https://evil.example";
    for brk in [
        "\n", "\r", "\r\n", "\u{2028}", "\u{2029}", "\u{85}", "\u{b}", "\u{c}",
    ] {
        let value = format!("aid_0x3f2a{brk}{planted}");
        let name = format!("PASSNINJA_X{brk}{planted}");
        let mut options = update_options();
        options.set(
            "fields",
            OptionValue::Pairs(vec![("tier".into(), format!("x{brk}{planted}"))]),
        );
        let env = env_pairs(&[
            ("PASSNINJA_ACCOUNT_ID", &value),
            ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
            (&name, "v"),
        ]);
        let s = snippets(&options, &env).unwrap();
        for (which, text) in [
            ("env", &s.env),
            ("webhook", &s.webhook),
            ("body", &s.webhook_body),
            ("code", &s.code),
        ] {
            for line in text.split([
                '\n', '\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}',
            ]) {
                assert!(
                    !line.trim_start().starts_with("PASSNINJA_BASE_URL"),
                    "{which} snippet, break {brk:?}, planted a line:\n{text}"
                );
            }
            assert!(
                !text.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}']),
                "{which} snippet keeps a raw line break for {brk:?}:\n{text}"
            );
        }
        // One value, one line: the env snippet escapes it as a JSON string.
        let mut quoted = String::new();
        crate::json::push_json_string(&mut quoted, &value);
        let quoted = super::overrides::escape_rest(&quoted);
        assert!(
            s.env
                .lines()
                .any(|l| l == format!("PASSNINJA_ACCOUNT_ID={quoted}")),
            "{}",
            s.env
        );
    }
}

#[test]
fn plain_values_stay_as_typed_and_invisible_ones_are_escaped() {
    let env = env_pairs(&[
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_\u{202E}0x1b7e"),
    ]);
    let s = snippets(&update_options(), &env).unwrap();
    let lines: Vec<&str> = s.env.lines().collect();
    assert!(
        lines.contains(&"PASSNINJA_ACCOUNT_ID=aid_0x3f2a"),
        "{}",
        s.env
    );
    assert!(
        lines.contains(&"PASSNINJA_TEMPLATE_ID=\"ptk_\\u202e0x1b7e\""),
        "{}",
        s.env
    );
    assert!(s
        .webhook
        .contains("PASSNINJA_TEMPLATE_ID = \"ptk_\\u202E0x1b7e\""));
    assert!(!s.code.contains('\u{202E}'));
}

#[test]
fn a_name_holding_equals_cannot_read_as_another_variable() {
    let env = env_pairs(&[
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_TEMPLATE_ID", "ptk_0x1b7e"),
        ("PASSNINJA_BASE_URL=https://evil.example/x", "y"),
    ]);
    let s = snippets(&update_options(), &env).unwrap();
    assert!(
        s.env
            .lines()
            .any(|l| l == "\"PASSNINJA_BASE_URL=https://evil.example/x\"=y"),
        "{}",
        s.env
    );
    assert!(!s.env.lines().any(|l| l.starts_with("PASSNINJA_BASE_URL")));
    assert!(s
        .webhook
        .contains("\n'PASSNINJA_BASE_URL=https://evil.example/x' = 'y'\n"));
    assert!(s
        .code
        .contains(", \"PASSNINJA_BASE_URL=https://evil.example/x\": "));
}

#[test]
fn every_base_url_override_is_found_and_shown() {
    let variables: Vec<(&str, &str)> = REGISTRY.base_url_variables().collect();
    for required in [
        ("PASSNINJA_BASE_URL", "https://api.passninja.com"),
        ("WALLETCREW_BASE_URL", "https://app.neostore.cloud"),
        ("JERICOMMERCE_BASE_URL", "https://api.jericommerce.com"),
        ("KLAVIYO_BASE_URL", "https://a.klaviyo.com"),
    ] {
        assert!(variables.contains(&required), "{required:?}");
    }
    for (variable, default) in variables {
        for spelling in [
            variable.to_string(),
            format!(" {} ", variable.to_lowercase()),
        ] {
            let env = env_pairs(&[
                ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
                (&spelling, "https://evil.example"),
            ]);
            assert_eq!(
                super::override_warning(&env).as_deref(),
                Some(format!("{variable} is set: requests go to https://evil.example, not {default}, and the snippets below carry it. Remove it from #env unless that is your own test server.").as_str())
            );
            assert_eq!(
                super::override_preview(&env),
                format!("# {variable} overrides the host: https://evil.example (not {default})\n")
            );
        }
    }
    // A value with a line break is shown on one line.
    let env = env_pairs(&[("PASSNINJA_BASE_URL", "https://evil.example\nX")]);
    assert_eq!(
        super::override_preview(&env),
        "# PASSNINJA_BASE_URL overrides the host: \"https://evil.example\\nX\" (not https://api.passninja.com)\n"
    );
    // None set, or blank: nothing to show.
    let env = env_pairs(&[
        ("PASSNINJA_ACCOUNT_ID", "aid_0x3f2a"),
        ("PASSNINJA_BASE_URL", " "),
    ]);
    assert_eq!(super::override_warning(&env), None);
    assert_eq!(super::override_preview(&env), "");
}
