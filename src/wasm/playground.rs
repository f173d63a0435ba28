//! The playground page's exports (feature `playground`).
//!
//! The Worker answers `GET /` with the page through `WorkerApp.gate`.
//! These exports are compiled only with the `playground` feature:
//! `make build` compiles the wasm a second time with it for
//! dist/playground.html, so the Code action and the Worker do not carry
//! ~38 KB of page code they never call. Both builds have the same `Handler`:
//! the page plans with the doors' own boundary. These exports only convert
//! the page's plain JSON-parsed values to core types and call
//! `crate::playground`, where every rule lives.

#![cfg(feature = "playground")]

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

fn object(members: &[(&str, JsValue)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in members {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

#[cfg(feature = "playground")]
mod page {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    use super::object;
    use crate::error::Error;
    use crate::options::{OptionKind, OptionValue, Options};
    use crate::playground::{self, Shown};
    use crate::providers::REGISTRY;

    /// `o[k]`, or `undefined` when `o` is not an object or reading throws.
    fn get(o: &JsValue, k: &str) -> JsValue {
        if !o.is_object() {
            return JsValue::UNDEFINED;
        }
        Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    }

    /// The own enumerable `[key, value]` pairs of a plain object, in order.
    fn entries(o: &JsValue) -> Vec<(String, JsValue)> {
        if !o.is_object() || Array::is_array(o) {
            return Vec::new();
        }
        Object::entries(o.unchecked_ref())
            .iter()
            .filter_map(|e| {
                let e: Array = e.unchecked_into();
                Some((e.get(0).as_string()?, e.get(1)))
            })
            .collect()
    }

    /// A variable's value as the doors read it: text, or a number or boolean as text.
    fn text_of(v: &JsValue) -> Option<String> {
        v.as_string()
            .or_else(|| v.as_f64().map(crate::value::js_number))
            .or_else(|| v.as_bool().map(|b| b.to_string()))
    }

    /// `#env` as ordered pairs (values of other types are left out, as the doors do).
    fn env_pairs(env: &JsValue) -> Vec<(String, String)> {
        entries(env)
            .into_iter()
            .filter_map(|(k, v)| text_of(&v).map(|t| (k, t)))
            .collect()
    }

    /// The options object the page handed to `new Handler(…)` (already
    /// accepted by it), read leniently: each provider option by its kind.
    fn options_of(o: &JsValue) -> Options {
        let text = |k: &str| get(o, k).as_string();
        let mut options = Options {
            provider: text("provider"),
            operation: text("operation"),
            ..Options::default()
        };
        for spec in REGISTRY.option_specs() {
            let v = get(o, spec.name);
            let value = match spec.kind {
                OptionKind::Text => v.as_string().map(OptionValue::Text),
                // A number is a template too (the doors accept `delta: 5`).
                OptionKind::Template => v
                    .as_string()
                    .or_else(|| v.as_f64().map(crate::value::js_number))
                    .map(OptionValue::Text),
                OptionKind::Flag => v.as_bool().map(OptionValue::Flag),
                OptionKind::Pairs => v.is_object().then(|| {
                    OptionValue::Pairs(
                        entries(&v)
                            .into_iter()
                            .filter_map(|(name, t)| t.as_string().map(|t| (name, t)))
                            .collect(),
                    )
                }),
            };
            if let Some(value) = value {
                options.values.push((spec.name, value));
            }
        }
        options
    }

    fn error_to_js(e: &Error) -> JsValue {
        e.to_js(None)
    }

    /// The providers, operations, routes and sample inputs, as JSON text.
    #[wasm_bindgen(js_name = playgroundCatalog)]
    pub fn playground_catalog() -> String {
        playground::catalog_json()
    }

    /// The page's Content-Security-Policy (its `<meta>` tag and the Worker's header).
    #[wasm_bindgen(js_name = playgroundCsp)]
    pub fn playground_csp() -> String {
        playground::PAGE_CSP.to_string()
    }

    /// The text of what `Handler.plan` returned or threw: the request (key as
    /// `***`), `skipped: <reason>` or `error <code>: <message>` — what `make demo`
    /// prints. With the page's `#env` (optional), a base-URL override it sets
    /// comes first, one `# … overrides the host` line each.
    #[wasm_bindgen(js_name = resultText)]
    pub fn result_text(result: &JsValue, env: &JsValue) -> String {
        let mut out = playground::override_preview(&env_pairs(env));
        out.push_str(&shown_text(result));
        out
    }

    /// The warning the page shows prominently while `#env` sets a base-URL
    /// override (`PASSNINJA_BASE_URL`, `KLAVIYO_BASE_URL`…), else `undefined`.
    #[wasm_bindgen(js_name = baseUrlWarning)]
    pub fn base_url_warning(env: &JsValue) -> Option<String> {
        playground::override_warning(&env_pairs(env))
    }

    fn shown_text(result: &JsValue) -> String {
        if let (Some(code), Some(message)) = (
            get(result, "code").as_string(),
            get(result, "message").as_string(),
        ) {
            return Shown::Error {
                code: &code,
                message: &message,
            }
            .text();
        }
        if get(result, "skipped").as_bool() == Some(true) {
            let reason = get(result, "reason").as_string().unwrap_or_default();
            return Shown::Skipped(&reason).text();
        }
        let request = get(result, "request");
        let method = get(&request, "method").as_string().unwrap_or_default();
        let url = get(&request, "url").as_string().unwrap_or_default();
        let headers: Vec<(String, String)> = entries(&get(&request, "headers"))
            .into_iter()
            .filter_map(|(k, v)| v.as_string().map(|v| (k, v)))
            .collect();
        let body = get(&request, "body").as_string();
        Shown::Request {
            method: &method,
            url: &url,
            headers: headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            body: body.as_deref(),
        }
        .text()
    }

    /// `undefined` when `text` is valid JSON, else the `#error` text with its
    /// line, column and a caret.
    #[wasm_bindgen(js_name = jsonProblem)]
    pub fn json_problem(label: &str, text: &str) -> Option<String> {
        playground::json_problem_text(label, text)
    }

    /// A coded error when the texts of `#env` or `#options` name a secret
    /// variable (any case, spaces, depth or value type), else `undefined`.
    #[wasm_bindgen(js_name = secretProblem)]
    pub fn secret_problem(env_text: &str, options_text: &str) -> JsValue {
        match playground::secret_problem(env_text, options_text) {
            Some(found) => error_to_js(&found.error),
            None => JsValue::UNDEFINED,
        }
    }

    /// Whether `saved` (a parameter of the saved fragment) holds a value that
    /// [`secret_problem`] refuses in these texts: the page drops it from the
    /// fragment.
    #[wasm_bindgen(js_name = leaksSecret)]
    pub fn leaks_secret(saved: &str, env_text: &str, options_text: &str) -> bool {
        playground::secret_problem(env_text, options_text).is_some_and(|f| f.leaks_into(saved))
    }

    /// The `#error` text for a coded error of the boundary; for
    /// `invalid_template`, with the option, the field and a caret.
    #[wasm_bindgen(js_name = errorText)]
    pub fn error_text(error: &JsValue, options: &JsValue, env: &JsValue) -> String {
        let code = get(error, "code")
            .as_string()
            .unwrap_or_else(|| "error".into());
        let message = get(error, "message").as_string().unwrap_or_default();
        let env = env_pairs(env);
        playground::error_text(
            &code,
            &message,
            &options_of(options),
            &playground::Vars(&env),
        )
    }

    /// `{ env, webhook, webhookBody, code }`: what to paste into each door for
    /// these options (with provider and operation) and `#env`; throws a coded
    /// error where the doors would.
    #[wasm_bindgen(js_name = playgroundSnippets)]
    pub fn playground_snippets(
        options: &JsValue,
        env: &JsValue,
        profile: JsValue,
        event: JsValue,
    ) -> Result<JsValue, JsValue> {
        // The sample decides which body values are numbers; a sample that
        // cannot be read only means every value is written as text.
        let sample = crate::profile::Input::new(
            crate::wasm::read::present(profile),
            crate::wasm::read::present(event),
        )
        .ok();
        let s = playground::snippets_for(
            &options_of(options),
            &env_pairs(env),
            sample.as_ref().map(|i| i as &dyn crate::profile::Resolve),
        )
        .map_err(|e| error_to_js(&e))?;
        Ok(object(&[
            ("env", s.env.into()),
            ("webhook", s.webhook.into()),
            ("webhookBody", s.webhook_body.into()),
            ("code", s.code.into()),
            ("writeBack", s.write_back.into()),
        ]))
    }
}
