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
