//! The JS options object, as JSON: read by the same code as the boundary's
//! (`Options::read`). Shared by the native test files (`#[path]`-included).

use passbridge::{Given, OptionSource};

/// The JS options object, as JSON: only reading is here.
pub struct Json(pub serde_json::Value);

fn given(v: Option<&serde_json::Value>) -> Given {
    match v {
        None | Some(serde_json::Value::Null) => Given::Absent,
        Some(serde_json::Value::String(s)) => Given::Text(s.clone()),
        Some(serde_json::Value::Number(n)) => Given::Number(n.as_f64().unwrap_or(f64::NAN)),
        Some(serde_json::Value::Bool(b)) => Given::Bool(*b),
        Some(serde_json::Value::Object(_)) => Given::Object,
        Some(serde_json::Value::Array(_)) => Given::Other,
    }
}

impl OptionSource for Json {
    fn shape(&self) -> Given {
        given(Some(&self.0))
    }
    fn names(&self) -> Option<Vec<String>> {
        Some(self.0.as_object()?.keys().cloned().collect())
    }
    fn given(&self, name: &str) -> Given {
        given(self.0.get(name))
    }
    fn entries(&self, name: &str) -> Option<Vec<(String, Option<String>)>> {
        let map = self.0.get(name)?.as_object()?;
        Some(
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
                .collect(),
        )
    }
}
