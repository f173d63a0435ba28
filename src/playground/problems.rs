//! Input problems: where the page's JSON, templates or variables are wrong,
//! said so a person can find the spot.

use crate::env::Env;
use crate::error::Code;
use crate::options::{OptionKind, Options};
use crate::providers::REGISTRY;
use crate::template::Template;

/// Where a JSON text is broken: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// `None` when `text` is valid JSON, else what is wrong and where.
pub fn json_problem(text: &str) -> Option<JsonProblem> {
    let err = serde_json::from_str::<serde_json::Value>(text).err()?;
    let line = err.line().max(1);
    // serde_json counts bytes; people count characters.
    let line_text = text.split('\n').nth(line - 1).unwrap_or("");
    let mut bytes = err.column().min(line_text.len());
    while bytes > 0 && !line_text.is_char_boundary(bytes) {
        bytes -= 1;
    }
    let column = line_text.get(..bytes).unwrap_or("").chars().count().max(1);
    let full = err.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full.get(..i).unwrap_or(&full).to_string(),
        None => full,
    };
    Some(JsonProblem {
        line,
        column,
        message,
    })
}

/// The `#error` text for broken JSON in the textarea `label`: the place, the
/// message, the line and a caret under the column.
pub fn json_problem_text(label: &str, text: &str) -> Option<String> {
    let p = json_problem(text)?;
    let line_text = text.split('\n').nth(p.line - 1).unwrap_or("");
    Some(format!(
        "invalid_json: {label} at line {}, column {}: {}\n{}",
        p.line,
        p.column,
        p.message,
        caret_block(line_text, p.column)
    ))
}

/// `line` and, under it, a caret at the 1-based character `column` (tabs kept,
/// so the caret lines up).
fn caret_block(line: &str, column: usize) -> String {
    let line = line.trim_end_matches('\r');
    let pad: String = line
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!("  {line}\n  {pad}^")
}

/// Where a template option does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProblem {
    /// The option (`fields`, `delta`…) or, when it came from the
    /// environment, its variable (`PASSBRIDGE_FIELDS`…).
    pub option: String,
    /// The field (or identifier) name; the option name for `delta`/`reason`.
    pub field: String,
    /// 1-based character position in `template`.
    pub position: usize,
    pub template: String,
    pub message: String,
}

impl TemplateProblem {
    /// `option …, field '…'` and the template's line with a caret under the position.
    fn location(&self) -> (String, String) {
        let mut line_start = 0;
        let mut line_no = 0;
        for (i, c) in self.template.chars().enumerate() {
            if i + 1 >= self.position {
                break;
            }
            if c == '\n' {
                line_start = i + 1;
                line_no += 1;
            }
        }
        let line = self.template.split('\n').nth(line_no).unwrap_or("");
        let column = self.position.saturating_sub(line_start).max(1);
        let what = if self.option == self.field {
            format!("option {}", self.option)
        } else {
            format!("option {}, field '{}'", self.option, self.field)
        };
        (what, caret_block(line, column))
    }

    /// The option, the field, the position and what is wrong, then the
    /// template's line with a caret under the position. (The page shows
    /// [`TemplateProblem::place`] under the error; the tests read this.)
    #[cfg(test)]
    pub fn text(&self) -> String {
        let (what, caret) = self.location();
        format!(
            "{what}, position {}: {}\n{caret}",
            self.position, self.message
        )
    }

    /// [`TemplateProblem::text`] without the message (for under an error that has it).
    pub fn place(&self) -> String {
        let (what, caret) = self.location();
        format!("{what}, position {}:\n{caret}", self.position)
    }
}

/// The first template that does not parse, in the order the doors check them
/// (fields, identifiers, delta, reason; each from code, else its variable).
pub fn template_problem(code: &Options, env: &dyn Env) -> Option<TemplateProblem> {
    let from_env = |name: &str| crate::env::optional(env, name);
    let mut candidates: Vec<(String, String, String)> = Vec::new();
    for spec in REGISTRY.option_specs() {
        match spec.kind {
            OptionKind::Pairs => {
                let (label, pairs) = match code.pairs(spec.name) {
                    Some(p) => (spec.name, p.to_vec()),
                    None => match from_env(spec.variable).and_then(|json| {
                        crate::mapping::pairs_from_json(spec.what, spec.variable, &json).ok()
                    }) {
                        Some(p) => (spec.variable, p),
                        None => continue,
                    },
                };
                for (name, src) in pairs {
                    candidates.push((label.to_string(), name, src));
                }
            }
            OptionKind::Template => match (code.text(spec.name), from_env(spec.variable)) {
                (Some(src), _) => {
                    candidates.push((spec.name.into(), spec.name.into(), src.to_string()))
                }
                (None, Some(src)) => candidates.push((spec.variable.into(), spec.name.into(), src)),
                (None, None) => {}
            },
            OptionKind::Text | OptionKind::Flag => {}
        }
    }
    candidates
        .into_iter()
        .find_map(|(option, field, template)| {
            let e = Template::parse(&template).err()?;
            Some(TemplateProblem {
                option,
                field,
                position: e.position,
                template,
                message: e.message,
            })
        })
}

/// The `#error` text for an error of the boundary: its code and message, and
/// for `invalid_template` the option, the field and a caret under the position.
pub fn error_text(code: &str, message: &str, options: &Options, env: &dyn Env) -> String {
    let mut out = format!("{code}: {message}");
    if code == Code::InvalidTemplate.as_str() {
        if let Some(p) = template_problem(options, env) {
            out.push('\n');
            out.push_str(&p.place());
        }
    }
    out
}
