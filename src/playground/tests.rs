use super::catalog::{
    default_operation, operation_options, options_json, providers, sample_env, sample_event,
    sample_options, ProviderInfo,
};
use super::problems::{json_problem, template_problem, JsonProblem, TemplateProblem};
use super::snippets::toml_string;
use super::snippets::{snippets, Snippets};
use super::*;
use crate::error::Code;
use crate::handler::Handler;
use crate::http::Plan;
use crate::options::{OptionValue, Options};
use crate::providers::REGISTRY;
use crate::template::Template;
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn with_key(provider: &ProviderInfo, env: &[(String, String)]) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = env.iter().cloned().collect();
    m.insert(provider.key_variable.into(), PLACEHOLDER_API_KEY.into());
    m
}

fn sample_env_pairs(p: &ProviderInfo) -> Vec<(String, String)> {
    env_of(p.variables)
}

fn event_for(provider: &str) -> Option<serde_json::Value> {
    let text = sample_event(provider);
    (!text.is_empty()).then(|| serde_json::from_str(text).unwrap())
}

fn plan_text(options: &Options, provider: &ProviderInfo, env: &[(String, String)]) -> String {
    let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
    let event = event_for(provider.id);
    let env = with_key(provider, env);
    let result = Handler::new(&options.clone().with_env(&env).unwrap())
        .and_then(|h| h.plan(Some(&profile), event.as_ref(), &env));
    Shown::plan(&result).text()
}

fn op_options(provider: &str, operation: &str) -> Options {
    Options {
        provider: Some(provider.into()),
        operation: Some(operation.into()),
        ..sample_options(provider, operation)
    }
}

#[test]
fn the_sample_prints_what_make_demo_prints() {
    let p = providers().next().unwrap();
    let text = plan_text(&op_options("passninja", "update"), p, &sample_env_pairs(p));
    assert_eq!(
        text,
        "PATCH https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b\n\
         X-API-KEY: ***\nX-ACCOUNT-ID: aid_0x3f2a\nContent-Type: application/json\n\n\
         {\"pass\":{\"points-balance\":\"1500\",\"loyalty-tier\":\"Gold\"}}"
    );
    assert!(!text.contains(PLACEHOLDER_API_KEY));
    assert_eq!(
        Shown::Skipped("no active pass").text(),
        "skipped: no active pass"
    );
    let delete = plan_text(&op_options("passninja", "delete"), p, &sample_env_pairs(p));
    assert!(delete.ends_with("X-ACCOUNT-ID: aid_0x3f2a"), "{delete}");
}

#[test]
fn every_route_has_a_sample_that_sends_its_contract() {
    let want = [
        ("update", "PATCH https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b"),
        ("create", "POST https://api.passninja.com/v1/passes"),
        ("delete", "DELETE https://api.passninja.com/v1/passes/ptk_0x1b7e/5d2b3f8a9c0e1f2a3b"),
        ("pushUpdate", "POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/passes/pushUpdate"),
        ("profileSync", "POST https://app.neostore.cloud/api/demo-tenant/webhooks/listeners/klaviyo/profiles/sync"),
        ("balance", "POST https://api.jericommerce.com/v1/programs/demo-program/balance/increase"),
    ];
    for r in REGISTRY.routes() {
        let p = providers().find(|p| p.id == r.provider).unwrap();
        let text = plan_text(
            &op_options(r.provider, r.operation),
            p,
            &sample_env_pairs(p),
        );
        let (_, first) = want.iter().find(|(o, _)| *o == r.operation).unwrap();
        assert_eq!(text.lines().next().unwrap(), *first, "{text}");
    }
}

#[test]
fn each_required_variable_is_needed() {
    for r in REGISTRY.routes() {
        let p = providers().find(|p| p.id == r.provider).unwrap();
        for (name, _) in p.variables {
            let env: Vec<(String, String)> = sample_env_pairs(p)
                .into_iter()
                .filter(|(n, _)| n != name)
                .collect();
            let text = plan_text(&op_options(r.provider, r.operation), p, &env);
            assert!(
                text.starts_with("error missing_config") && text.contains(name),
                "{}: {text}",
                r.path
            );
        }
    }
}

/// The options table is true: an operation's request changes with each
/// option it lists, and with no other.
#[test]
fn operation_options_are_exactly_what_each_operation_reads() {
    type Probe = (&'static str, fn(&mut Options));
    let probes: [Probe; 7] = [
        ("fields", |o| {
            o.set(
                "fields",
                OptionValue::Pairs(vec![("probe".into(), "{{ person.first_name }}".into())]),
            )
        }),
        ("identifiers", |o| {
            o.set(
                "identifiers",
                OptionValue::Pairs(vec![("email".into(), "{{ person.first_name }}".into())]),
            )
        }),
        ("passType", |o| {
            o.set("passType", OptionValue::Text("probe".into()))
        }),
        ("updateMetadata", |o| {
            o.set("updateMetadata", OptionValue::Flag(true))
        }),
        ("delta", |o| {
            o.set(
                "delta",
                OptionValue::Text("{{ event.points|add:1 }}".into()),
            )
        }),
        ("reason", |o| {
            o.set(
                "reason",
                OptionValue::Text("probe {{ event.reason }}".into()),
            )
        }),
        ("skipIfPassExists", |o| {
            let v = !o.flag("skipIfPassExists").unwrap_or(true);
            o.set("skipIfPassExists", OptionValue::Flag(v))
        }),
    ];
    assert_eq!(probes.len(), REGISTRY.option_specs().count());
    for r in REGISTRY.routes() {
        let p = providers().find(|p| p.id == r.provider).unwrap();
        let base = op_options(r.provider, r.operation);
        let before = plan_text(&base, p, &sample_env_pairs(p));
        for (name, probe) in probes {
            let mut changed = base.clone();
            probe(&mut changed);
            let after = plan_text(&changed, p, &sample_env_pairs(p));
            let listed = operation_options(r.provider, r.operation).contains(&name);
            assert_eq!(before != after, listed, "{} with {name}: {after}", r.path);
        }
    }
}

/// Read back through the doors' own variable parsing, the env snippet
/// gives the same options and the same request.
#[test]
fn the_env_snippet_configures_the_same_request() {
    for r in REGISTRY.routes() {
        let p = providers().find(|p| p.id == r.provider).unwrap();
        let code = op_options(r.provider, r.operation);
        let env = sample_env_pairs(p);
        let s = snippets(&code, &env).unwrap();
        let vars: Vec<(String, String)> = s
            .env
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .filter(|(k, _)| k != p.key_variable)
            .collect();
        assert!(s.env.starts_with(&format!("{}=<your ", p.key_variable)));
        assert_eq!(
            plan_text(&Options::default(), p, &vars),
            plan_text(&code, p, &env),
            "{}\n{}",
            r.path,
            s.env
        );
        assert!(s.webhook.contains(r.path));
        assert!(s.code.contains(&format!("operation: \"{}\"", r.operation)));
    }
}

#[test]
fn snippets_for_the_passninja_sample() {
    let p = providers().next().unwrap();
    let s = snippets(&op_options("passninja", "update"), &sample_env_pairs(p)).unwrap();
    assert_eq!(
        s.env,
        "PASSNINJA_API_KEY=<your PassNinja API key>\nPASSNINJA_ACCOUNT_ID=aid_0x3f2a\nPASSNINJA_TEMPLATE_ID=ptk_0x1b7e\n\
         PASSBRIDGE_PROVIDER=passninja\nPASSBRIDGE_OPERATION=update\n\
         PASSBRIDGE_FIELDS={\"points-balance\":\"{{ person.properties.loyalty_points|default_if_none:0 }}\",\"loyalty-tier\":\"{{ person.properties.loyalty_tier|default_if_none:'Standard' }}\"}"
    );
    assert_eq!(
        s.webhook_body,
        "{\n  \"person\": {\n    \"external_id\": \"{{ person.external_id|default:'' }}\",\n    \"properties\": {\n      \"loyalty_points\": \"{{ person.loyalty_points|default:'' }}\",\n      \"loyalty_tier\": \"{{ person.loyalty_tier|default:'' }}\"\n    }\n  }\n}"
    );
    assert!(s.webhook.starts_with(
        "POST https://passbridge.<your-subdomain>.workers.dev/passninja/update\nAuthorization: Bearer <PASSBRIDGE_WEBHOOK_SECRET>\n\n{"
    ));
    assert!(s.webhook.contains("PASSNINJA_ACCOUNT_ID = 'aid_0x3f2a'\n"));
    assert!(s
        .webhook
        .contains("PASSBRIDGE_FIELDS = \"{\\\"points-balance\\\""));
    assert_eq!(
        s.code,
        "import { createHandler } from \"./klaviyo-code-action.mjs\";\n\n\
         // PASSNINJA_API_KEY, PASSNINJA_ACCOUNT_ID, PASSNINJA_TEMPLATE_ID: the action's Environment Variables tab\n\
         export const handler = createHandler({\n  provider: \"passninja\",\n  operation: \"update\",\n  fields: {\n    \
         \"points-balance\": \"{{ person.properties.loyalty_points|default_if_none:0 }}\",\n    \
         \"loyalty-tier\": \"{{ person.properties.loyalty_tier|default_if_none:'Standard' }}\",\n  },\n});\nexport default handler;\n"
    );
}

#[test]
fn the_webhook_body_carries_what_the_worker_reads() {
    let p = providers().nth(2).unwrap();
    let s = snippets(&op_options("jericommerce", "balance"), &sample_env_pairs(p)).unwrap();
    assert_eq!(
        s.webhook_body,
        "{\n  \"person\": {\n    \"email\": \"{{ person.email|default:'' }}\"\n  },\n  \"event\": {\n    \"points\": \"{{ event.points|default:'' }}\",\n    \"reason\": \"{{ event.reason|default:'' }}\"\n  }\n}"
    );
    // Keys a dot cannot write are looked up.
    let code = op_options("passninja", "update").with(
        "fields",
        OptionValue::Pairs(vec![(
            "t".into(),
            "{{ person|lookup:'Loyalty Tier' }}".into(),
        )]),
    );
    let s = snippets(&code, &sample_env_pairs(providers().next().unwrap())).unwrap();
    assert!(
        s.webhook_body
            .contains("\"Loyalty Tier\": \"{{ person|lookup:'Loyalty Tier'|default:'' }}\""),
        "{}",
        s.webhook_body
    );
    // The body parses as JSON once Klaviyo filled it in.
    let _: serde_json::Value = serde_json::from_str(&s.webhook_body).unwrap();
}

/// Klaviyo fills in the webhook body (rendered here with our own template
/// engine, which speaks Klaviyo's language); the Worker then plans the
/// same request as the Code action does for the profile itself.
#[test]
fn the_webhook_body_gives_the_worker_what_the_code_action_sees() {
    let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
    for r in REGISTRY.routes() {
        let p = providers().find(|p| p.id == r.provider).unwrap();
        let code = op_options(r.provider, r.operation);
        let event = event_for(p.id);
        let input = crate::profile::Input::new(Some(&profile), event.as_ref()).unwrap();
        let s = snippets_for(&code, &sample_env_pairs(p), Some(&input)).unwrap();
        // Klaviyo renders the whole body text (numbers are unquoted in it).
        let body = Template::parse(&s.webhook_body)
            .unwrap()
            .render(&input)
            .unwrap();
        let sent = crate::worker::parse_body(&body).unwrap();
        let (person, event) = crate::worker::person_and_event(&sent).unwrap();
        let env = with_key(p, &sample_env_pairs(p));
        let worker = Handler::new(&code.clone().with_env(&env).unwrap())
            .and_then(|h| h.plan(person, event, &env));
        assert_eq!(
            Shown::plan(&worker).text(),
            plan_text(&code, p, &sample_env_pairs(p)),
            "{}: {body}",
            r.path
        );
    }
}

/// The README's tier example through the Worker: the sample's points are a
/// number, so the body carries a number and `>=` compares numbers.
#[test]
fn a_numeric_sample_value_is_a_number_in_the_webhook_body() {
    let profile: serde_json::Value = serde_json::from_str(SAMPLE_PROFILE).unwrap();
    let input = crate::profile::Input::new(Some(&profile), None).unwrap();
    let p = providers().next().unwrap();
    let tier = "{% if person.properties.loyalty_points >= 1000 %}Gold{% elif person.properties.loyalty_points >= 500 %}Silver{% else %}Bronze{% endif %}";
    let code = op_options("passninja", "update").with(
        "fields",
        OptionValue::Pairs(vec![("loyalty-tier".into(), tier.into())]),
    );
    let s = snippets_for(&code, &sample_env_pairs(p), Some(&input)).unwrap();
    assert!(
        s.webhook_body
            .contains("\"loyalty_points\": {{ person.loyalty_points|default:0 }}"),
        "{}",
        s.webhook_body
    );
    let body = Template::parse(&s.webhook_body)
        .unwrap()
        .render(&input)
        .unwrap();
    let sent = crate::worker::parse_body(&body).unwrap();
    let (person, event) = crate::worker::person_and_event(&sent).unwrap();
    let env = with_key(p, &sample_env_pairs(p));
    let plan = Handler::new(&code.clone().with_env(&env).unwrap())
        .and_then(|h| h.plan(person, event, &env))
        .unwrap();
    let Plan::Send(request) = plan else {
        panic!("expected a request")
    };
    assert!(
        request
            .body
            .as_deref()
            .unwrap_or("")
            .contains("\"loyalty-tier\":\"Gold\""),
        "{body}"
    );
}

#[test]
fn secrets_in_env_are_refused_without_their_value() {
    let env = env_of(&[("PASSNINJA_API_KEY", "sk_live_very_secret")]);
    let e = snippets(&op_options("passninja", "update"), &env).unwrap_err();
    assert_eq!(e.code, Code::InvalidConfig);
    assert!(e.message.starts_with("PASSNINJA_API_KEY is a secret"));
    assert!(!e.message.contains("sk_live"));
}

#[test]
fn json_problems_name_line_and_column() {
    let p = json_problem("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap();
    assert_eq!((p.line, p.column), (3, 7));
    assert_eq!(p.message, "expected `:`");
    assert_eq!(json_problem("{\"a\": [1, 2]}"), None);
    // Columns count characters, not bytes.
    let p = json_problem("{\"é\": x}").unwrap();
    assert_eq!((p.line, p.column), (1, 7));
    assert_eq!(
        json_problem_text("#profile", "{\"é\": x}").unwrap(),
        "invalid_json: #profile at line 1, column 7: expected value\n  {\"é\": x}\n        ^"
    );
    let p = json_problem("").unwrap();
    assert_eq!((p.line, p.column), (1, 1));
}

#[test]
fn template_problems_name_option_field_and_position() {
    let code = Options::default().with(
        "fields",
        OptionValue::Pairs(vec![
            ("ok".into(), "{{ person.email }}".into()),
            ("tier".into(), "Tier: {{ person.tier|shout }}".into()),
        ]),
    );
    let env: HashMap<String, String> = HashMap::new();
    let p = template_problem(&code, &env).unwrap();
    assert_eq!(
        (p.option.as_str(), p.field.as_str(), p.position),
        ("fields", "tier", 22)
    );
    let text = error_text(
        "invalid_template",
        "PassNinja error: invalid template for field 'tier' at position 22: unknown filter 'shout'",
        &code,
        &env,
    );
    assert!(text.starts_with(
        "invalid_template: PassNinja error: invalid template for field 'tier' at position 22"
    ));
    assert!(text.ends_with(
        "unknown filter 'shout'\noption fields, field 'tier', position 22:\n  Tier: {{ person.tier|shout }}\n                       ^"
    ), "{text}");
    // From the environment, the variable is named; delta is its own field.
    let env: HashMap<String, String> = [(
        "PASSBRIDGE_DELTA".to_string(),
        "{{ event.points|".to_string(),
    )]
    .into();
    let p = template_problem(&Options::default(), &env).unwrap();
    assert_eq!(
        (p.option.as_str(), p.field.as_str()),
        ("PASSBRIDGE_DELTA", "delta")
    );
    assert!(p
        .text()
        .starts_with("option PASSBRIDGE_DELTA, field 'delta', position"));
    let code = Options::default().with("reason", OptionValue::Text("a\n{{ x }}".into()));
    let p = template_problem(&code, &HashMap::<String, String>::new()).unwrap();
    assert_eq!(
        p.text().lines().next().unwrap().split(',').next(),
        Some("option reason")
    );
    assert!(p.text().ends_with("  {{ x }}\n     ^"), "{}", p.text());
}

#[test]
fn the_catalog_is_json_with_every_route() {
    let v: serde_json::Value = serde_json::from_str(&catalog_json()).unwrap();
    let routes: Vec<&str> = v["providers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["operations"].as_array().unwrap().iter())
        .map(|o| o["route"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = REGISTRY.routes().map(|r| r.path).collect();
    assert_eq!(routes, want);
    // Every sample options text is what the page may pass to the Handler.
    for p in v["providers"].as_array().unwrap() {
        for o in p["operations"].as_array().unwrap() {
            let text = o["sampleOptions"].as_str().unwrap();
            assert_eq!(json_problem(text), None, "{text}");
        }
        assert_eq!(json_problem(p["sampleEnv"].as_str().unwrap()), None);
    }
    assert_eq!(json_problem(v["sampleProfile"].as_str().unwrap()), None);
}

#[test]
fn toml_strings() {
    assert_eq!(toml_string("aid_0x1"), "'aid_0x1'");
    assert_eq!(
        toml_string("{\"a\":\"b'c\\\\\"}"),
        "\"{\\\"a\\\":\\\"b'c\\\\\\\\\\\"}\""
    );
    assert_eq!(toml_string("a\nb"), "\"a\\nb\"");
}

#[test]
fn a_create_shows_its_write_back_and_the_klaviyo_secret() {
    let p = providers().next().unwrap();
    let sample: serde_json::Value =
        serde_json::from_str(r#"{"email":"ada@example.com","properties":{"loyalty_points":1}}"#)
            .unwrap();
    let input = crate::profile::Input::new(Some(&sample), None).unwrap();
    let s = super::snippets::snippets_for(
        &op_options("passninja", "create"),
        &sample_env_pairs(p),
        Some(&input),
    )
    .unwrap();
    assert!(s
        .webhook
        .contains("npx wrangler secret put KLAVIYO_PRIVATE_KEY --config worker.toml"));
    assert_eq!(
        s.write_back,
        "POST https://a.klaviyo.com/api/profile-import\nAuthorization: ***\nrevision: 2026-10-15\n\
         Accept: application/vnd.api+json\nContent-Type: application/vnd.api+json\n\n\
         {\"data\":{\"type\":\"profile\",\"attributes\":{\"email\":\"ada@example.com\",\"external_id\":\"<serial>\",\"properties\":{\"passbridge_pass_url\":\"<url>\"}}}}"
    );
    assert!(!s.write_back.contains(PLACEHOLDER_API_KEY));
    let update = snippets(&op_options("passninja", "update"), &sample_env_pairs(p)).unwrap();
    assert_eq!(update.write_back, "");
    assert!(!update.webhook.contains("KLAVIYO_PRIVATE_KEY"));
}
