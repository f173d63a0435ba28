//! Klaviyo profiles and events, read lazily through a small [`Node`] trait.
//!
//! Only the paths the templates reference are ever read: the boundary walks the
//! caller's JavaScript object directly instead of converting a profile that may
//! carry hundreds of properties, and each crossing into JavaScript costs more
//! than the Rust work (BENCHMARKS.md). What a call reads is kept for the
//! rest of the call ([`Reads`]): however often its loops and conditions
//! reach a value, a list or an object, it is read from the profile once.

use std::cell::RefCell;
use std::rc::Rc;

use crate::error::Error;
use crate::reads::{Read, Reads};
use crate::template::index::ListIndex;
use crate::template::work::{cost, Work};
use crate::template::RenderError;
pub use crate::value::Root;
use crate::value::{Val, Value};

/// A read-only view of one JSON-like value: a `serde_json::Value` natively, a
/// JavaScript value in the wasm boundary.
pub trait Node: Sized + Clone {
    /// The member `key` of an object, or the element at index `key` of a list;
    /// `None` when it does not exist or `self` is a scalar.
    fn member(&self, key: &str) -> Option<Self>;
    /// True for a plain object (not a list, not null).
    fn is_object(&self) -> bool;
    /// The value itself; lists and objects report only their length.
    fn value(&self) -> Value;
    /// The keys of an object (none for anything else): what comparing two
    /// objects by value (`==`, `in`) reads.
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Node for &serde_json::Value {
    fn member(&self, key: &str) -> Option<Self> {
        match self {
            serde_json::Value::Object(map) => map.get(key),
            serde_json::Value::Array(items) => canonical_index(key).and_then(|i| items.get(i)),
            _ => None,
        }
    }

    fn is_object(&self) -> bool {
        serde_json::Value::is_object(self)
    }

    fn value(&self) -> Value {
        match self {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.len()),
            serde_json::Value::Object(map) => Value::Object(map.len()),
        }
    }

    fn keys(&self) -> Vec<String> {
        match self {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// A list index written the canonical way (`0`, `12`; not `01`, `+1`, ` 1`),
/// as JavaScript property keys name array elements.
pub fn canonical_index(key: &str) -> Option<usize> {
    let canonical = key == "0"
        || (!key.starts_with('0') && !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()));
    if canonical {
        key.parse().ok()
    } else {
        None
    }
}

/// A parsed path such as `person.properties.loyalty_points`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub root: Root,
    pub keys: Vec<String>,
}

impl Path {
    /// A person path, for built-in lookups such as the guards.
    #[cfg(test)]
    pub fn person(keys: &[&str]) -> Path {
        Path {
            root: Root::Person,
            keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }
}

/// Anything templates can read values from.
pub trait Resolve {
    /// The value at `keys` under `root` (a template path's walk).
    fn resolve_keys(&self, root: Root, keys: &mut dyn Iterator<Item = &str>) -> Value;

    /// The keys of the object at `keys` under `root` (none when it is not an
    /// object, or the source cannot list them).
    fn keys_at(&self, _root: Root, _keys: &mut dyn Iterator<Item = &str>) -> Vec<String> {
        Vec::new()
    }

    fn resolve(&self, path: &Path) -> Value {
        self.resolve_keys(path.root, &mut path.keys.iter().map(String::as_str))
    }

    /// The value at `root.keys` (what a template reads).
    fn lookup(&self, root: Root, keys: &[String]) -> Value {
        self.resolve_keys(root, &mut keys.iter().map(String::as_str))
    }

    /// The items of the list of `len` items at `root.keys`.
    fn list_items(&self, root: Root, keys: &[String], len: usize) -> Rc<[Val]> {
        (0..len)
            .map(|i| {
                let mut path = keys.to_vec();
                path.push(i.to_string());
                let v = self.lookup(root, &path);
                Val::located(root, path, v)
            })
            .collect()
    }

    /// Whether `needle` equals (Python's `==`) an item of the list at
    /// `root.keys`, which `list_items` has read: an index built once per call
    /// answers. `None` when there is no index or it cannot tell.
    fn list_contains(
        &self,
        _root: Root,
        _keys: &[String],
        _needle: &Value,
    ) -> Result<Option<bool>, RenderError> {
        Ok(None)
    }

    /// The call's work budget, shared by every template rendered for it;
    /// `None`: each render counts on its own.
    fn work(&self) -> Option<&Work> {
        None
    }
}

/// A profile and an optional event, normalised from either Klaviyo's JSON:API
/// shape (`{ data: { attributes: { …, properties } } }`) or a flat person
/// (`{ external_id, email, …, properties }`).
pub struct Input<N: Node> {
    person_attrs: Option<N>,
    person_props: Option<N>,
    event_props: Option<N>,
    event_attrs: Option<N>,
    reads: RefCell<Reads<N>>,
    work: Work,
}

impl<N: Node> Input<N> {
    /// Checks the shapes and keeps the nodes paths will start from.
    ///
    /// `event` is `None` for flows triggered by a list, segment or date.
    pub fn new(profile: Option<N>, event: Option<N>) -> Result<Self, Error> {
        let profile = match profile {
            Some(p) if p.is_object() => p,
            Some(p) => {
                return Err(Error::invalid_profile(format!(
                    "the profile must be an object, got {}",
                    describe(&p)
                )))
            }
            None => return Err(Error::invalid_profile("the profile is missing")),
        };
        // JSON:API (`data.attributes`) or flat. A null `data` or `attributes`
        // is a profile without attributes (any field may be null), not an error.
        let person_attrs = match profile.member("data") {
            Some(data) if matches!(data.value(), Value::Null) => None,
            Some(data) if !data.is_object() => {
                return Err(Error::invalid_profile(format!(
                    "profile.data must be an object, got {}",
                    describe(&data)
                )))
            }
            Some(data) => match data.member("attributes") {
                Some(attrs) if attrs.is_object() => Some(attrs),
                Some(attrs) if matches!(attrs.value(), Value::Null) => None,
                Some(attrs) => {
                    return Err(Error::invalid_profile(format!(
                        "profile.data.attributes must be an object, got {}",
                        describe(&attrs)
                    )))
                }
                None => {
                    return Err(Error::invalid_profile(
                        "profile.data has no attributes (expected Klaviyo's JSON:API profile)",
                    ))
                }
            },
            None => Some(profile),
        };
        let person_props = match &person_attrs {
            Some(attrs) => optional_object(attrs.member("properties"), "profile properties")?,
            None => None,
        };

        let (event_props, event_attrs) = match event {
            None => (None, None),
            Some(e) if matches!(e.value(), Value::Null | Value::Missing) => (None, None),
            Some(e) if !e.is_object() => {
                return Err(Error::invalid_profile(format!(
                    "the event must be an object or null, got {}",
                    describe(&e)
                )))
            }
            Some(e) => match e.member("data") {
                Some(data) if data.is_object() => {
                    let attrs =
                        optional_object(data.member("attributes"), "event.data.attributes")?;
                    let props = match &attrs {
                        Some(a) => {
                            optional_object(a.member("event_properties"), "event properties")?
                        }
                        None => None,
                    };
                    (props, attrs)
                }
                // A flat event: its own keys are the event properties.
                _ => (Some(e), None),
            },
        };
        Ok(Input {
            person_attrs,
            person_props,
            event_props,
            event_attrs,
            reads: RefCell::new(Reads::default()),
            work: Work::new(),
        })
    }

    /// The node at the first key of a path (Klaviyo's shortcuts included).
    fn first(&self, root: Root, first: &str) -> Option<N> {
        match (root, first) {
            (Root::Person, "properties") => None,
            // Klaviyo lets `person.Name` reach a custom property too (the
            // same read as `person.properties.Name`).
            (Root::Person, _) => self
                .person_attrs
                .as_ref()
                .and_then(|a| a.member(first))
                .or_else(|| {
                    let path = ["properties".to_string(), first.to_string()];
                    self.read(root, &path);
                    let reads = self.reads.borrow();
                    reads.of(root).get(&path[..]).and_then(|r| r.node.clone())
                }),
            (Root::Event, first) => self
                .event_props
                .as_ref()
                .and_then(|p| p.member(first))
                .or_else(|| self.event_attrs.as_ref().and_then(|a| a.member(first))),
        }
    }

    /// Reads the node at `root.keys` unless this call already has, and
    /// returns its value (`keys` is not empty).
    fn read(&self, root: Root, keys: &[String]) -> Value {
        if let Some(read) = self.reads.borrow().of(root).get(keys) {
            return read.value.clone();
        }
        let node = match keys {
            [] => None,
            [first] => self.first(root, first),
            // `person.properties.…` starts at the properties object.
            [props, second] if root == Root::Person && props == "properties" => {
                self.person_props.as_ref().and_then(|p| p.member(second))
            }
            [parent @ .., last] => {
                self.read(root, parent);
                let reads = self.reads.borrow();
                let parent = reads.of(root).get(parent);
                // An item of a list already read: its value is at hand.
                if let (Some(items), Some(i)) =
                    (parent.and_then(|r| r.items.as_ref()), canonical_index(last))
                {
                    return items
                        .get(i)
                        .map_or(Value::Missing, |v| v.value().into_owned());
                }
                parent
                    .and_then(|r| r.node.as_ref())
                    .and_then(|n| n.member(last))
            }
        };
        let value = node.as_ref().map_or(Value::Missing, Node::value);
        self.reads.borrow_mut().of_mut(root).insert(
            keys.to_vec(),
            Read {
                node,
                value: value.clone(),
                items: None,
                index: None,
            },
        );
        value
    }
}

impl<N: Node> Resolve for Input<N> {
    fn keys_at(&self, root: Root, keys: &mut dyn Iterator<Item = &str>) -> Vec<String> {
        let path: Vec<String> = keys.map(str::to_string).collect();
        // The object was read when the template reached it: its node is kept.
        let kept = self
            .reads
            .borrow()
            .of(root)
            .get(path.as_slice())
            .and_then(|r| r.node.clone());
        match kept {
            Some(node) => node.keys(),
            None => self
                .at(root, &mut path.iter().map(String::as_str), &|n| n.keys())
                .unwrap_or_default(),
        }
    }

    fn resolve_keys(&self, root: Root, keys: &mut dyn Iterator<Item = &str>) -> Value {
        let keys: Vec<String> = keys.map(str::to_string).collect();
        self.lookup(root, &keys)
    }

    fn lookup(&self, root: Root, keys: &[String]) -> Value {
        match (root, keys) {
            (Root::Person, []) => match &self.person_attrs {
                Some(attrs) => attrs.value(),
                None => Value::Object(0),
            },
            (Root::Person, [props]) if props == "properties" => match &self.person_props {
                Some(props) => props.value(),
                None => Value::Missing,
            },
            (Root::Event, []) => match &self.event_props {
                Some(props) => props.value(),
                None => Value::Missing,
            },
            (Root::Person, [props, ..]) if props == "properties" && self.person_props.is_none() => {
                Value::Missing
            }
            _ => self.read(root, keys),
        }
    }

    fn list_items(&self, root: Root, keys: &[String], len: usize) -> Rc<[Val]> {
        if let Some(items) = self
            .reads
            .borrow()
            .of(root)
            .get(keys)
            .and_then(|r| r.items.clone())
        {
            return items;
        }
        // Each item is read from the list's node once; a list or an object
        // among them is kept by path, for its own members.
        let list = self
            .reads
            .borrow()
            .of(root)
            .get(keys)
            .and_then(|r| r.node.clone());
        let mut kept = Vec::new();
        let items: Rc<[Val]> = (0..len)
            .map(|i| {
                let index = i.to_string();
                let node = list.as_ref().and_then(|l| l.member(&index));
                let value = node.as_ref().map_or(Value::Missing, Node::value);
                match value {
                    Value::List(_) | Value::Object(_) => {
                        let mut path = keys.to_vec();
                        path.push(index);
                        kept.push((path.clone(), node, value.clone()));
                        Val::At(root, path, value)
                    }
                    other => Val::V(other),
                }
            })
            .collect();
        let mut reads = self.reads.borrow_mut();
        let paths = reads.of_mut(root);
        for (path, node, value) in kept {
            paths.insert(
                path,
                Read {
                    node,
                    value,
                    items: None,
                    index: None,
                },
            );
        }
        if let Some(read) = paths.get_mut(keys) {
            read.items = Some(items.clone());
        }
        items
    }

    fn list_contains(
        &self,
        root: Root,
        keys: &[String],
        needle: &Value,
    ) -> Result<Option<bool>, RenderError> {
        if matches!(needle, Value::List(_) | Value::Object(_) | Value::Foreign) {
            return Ok(None);
        }
        let (items, index) = match self.reads.borrow().of(root).get(keys) {
            Some(read) => (read.items.clone(), read.index.clone()),
            None => return Ok(None),
        };
        let index = match (index, items) {
            (Some(index), _) => index,
            (None, Some(items)) => {
                self.work.spend(cost::ITEM * items.len() as u64)?;
                let index = Rc::new(ListIndex::new(&items));
                if let Some(read) = self.reads.borrow_mut().of_mut(root).get_mut(keys) {
                    read.index = Some(index.clone());
                }
                index
            }
            (None, None) => return Ok(None),
        };
        Ok(index.contains(needle))
    }

    fn work(&self) -> Option<&Work> {
        Some(&self.work)
    }
}

fn optional_object<N: Node>(node: Option<N>, what: &str) -> Result<Option<N>, Error> {
    match node {
        None => Ok(None),
        Some(n) if n.is_object() => Ok(Some(n)),
        Some(n) if matches!(n.value(), Value::Null) => Ok(None),
        Some(n) => Err(Error::invalid_profile(format!(
            "{what} must be an object, got {}",
            describe(&n)
        ))),
    }
}

fn describe<N: Node>(node: &N) -> &'static str {
    node.value().type_name()
}

impl<N: Node> Input<N> {
    /// Applies `f` to the node at `root.keys` (the walk `resolve_keys` does).
    fn at<R>(
        &self,
        root: Root,
        keys: &mut dyn Iterator<Item = &str>,
        f: &dyn Fn(&N) -> R,
    ) -> Option<R> {
        match (root, keys.next()) {
            (Root::Person, None) => self.person_attrs.as_ref().map(f),
            (Root::Person, Some("properties")) => {
                self.person_props.as_ref().and_then(|p| walk_to(p, keys, f))
            }
            (Root::Person, Some(first)) => self
                .person_attrs
                .as_ref()
                .and_then(|a| a.member(first))
                .or_else(|| self.person_props.as_ref().and_then(|p| p.member(first)))
                .and_then(|n| walk_to(&n, keys, f)),
            (Root::Event, None) => self.event_props.as_ref().map(f),
            (Root::Event, Some(first)) => self
                .event_props
                .as_ref()
                .and_then(|p| p.member(first))
                .or_else(|| self.event_attrs.as_ref().and_then(|a| a.member(first)))
                .and_then(|n| walk_to(&n, keys, f)),
        }
    }
}

fn walk_to<N: Node, R>(
    node: &N,
    keys: &mut dyn Iterator<Item = &str>,
    f: &dyn Fn(&N) -> R,
) -> Option<R> {
    match keys.next() {
        None => Some(f(node)),
        Some(key) => walk_to(&node.member(key)?, keys, f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(root: Root, keys: &[&str]) -> Path {
        Path {
            root,
            keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn json_api_and_flat_profiles_read_the_same() {
        let api = json!({"data": {"type": "profile", "id": "01H", "attributes": {
            "email": "a@example.com", "external_id": "abc", "properties": {"loyalty_points": 10, "Nick Name": "Al"}}}});
        let flat = json!({"email": "a@example.com", "external_id": "abc", "properties": {"loyalty_points": 10, "Nick Name": "Al"}});
        for profile in [&api, &flat] {
            let input = Input::new(Some(profile), None).unwrap();
            assert_eq!(
                input.resolve(&path(Root::Person, &["email"])),
                Value::Str("a@example.com".into())
            );
            assert_eq!(
                input.resolve(&path(Root::Person, &["properties", "loyalty_points"])),
                Value::Number(10.0)
            );
            // Klaviyo's shortcut: a custom property straight off `person`.
            assert_eq!(
                input.resolve(&path(Root::Person, &["loyalty_points"])),
                Value::Number(10.0)
            );
            assert_eq!(
                input.resolve(&path(Root::Person, &["Nick Name"])),
                Value::Str("Al".into())
            );
            assert_eq!(
                input.resolve(&path(Root::Person, &["phone_number"])),
                Value::Missing
            );
            assert_eq!(
                input.resolve(&path(Root::Event, &["points"])),
                Value::Missing
            );
        }
    }

    #[test]
    fn events_json_api_flat_and_null() {
        let profile = json!({});
        let api = json!({"data": {"type": "event", "attributes": {"uuid": "u1", "event_properties": {"points": 5, "items": [1, 2]}}}});
        let flat = json!({"points": 5, "items": [1, 2]});
        for event in [&api, &flat] {
            let input = Input::new(Some(&profile), Some(event)).unwrap();
            assert_eq!(
                input.resolve(&path(Root::Event, &["points"])),
                Value::Number(5.0)
            );
            assert_eq!(
                input.resolve(&path(Root::Event, &["items", "1"])),
                Value::Number(2.0)
            );
            assert_eq!(
                input.resolve(&path(Root::Event, &["items"])),
                Value::List(2)
            );
            for odd in ["01", "+1", "length", " 1"] {
                assert_eq!(
                    input.resolve(&path(Root::Event, &["items", odd])),
                    Value::Missing,
                    "{odd}"
                );
            }
        }
        let input = Input::new(Some(&profile), Some(&api)).unwrap();
        assert_eq!(
            input.resolve(&path(Root::Event, &["uuid"])),
            Value::Str("u1".into())
        );
        let null = json!(null);
        let input = Input::new(Some(&profile), Some(&null)).unwrap();
        assert_eq!(
            input.resolve(&path(Root::Event, &["points"])),
            Value::Missing
        );
    }

    #[test]
    fn bad_shapes_are_errors_that_say_what_is_wrong() {
        let cases = [
            (json!(null), "the profile must be an object, got null"),
            (json!("x"), "the profile must be an object, got a string"),
            (json!([1]), "the profile must be an object, got a list"),
            (
                json!({"data": 3}),
                "profile.data must be an object, got a number",
            ),
            (
                json!({"data": {"attributes": []}}),
                "profile.data.attributes must be an object, got a list",
            ),
            (
                json!({"data": {"id": "x"}}),
                "profile.data has no attributes",
            ),
            (
                json!({"properties": "gold"}),
                "profile properties must be an object, got a string",
            ),
        ];
        for (profile, want) in cases {
            let err = Input::new(Some(&profile), None).err().unwrap();
            assert_eq!(err.code, crate::error::Code::InvalidProfile);
            assert!(
                err.message.contains(want),
                "{} should contain {want}",
                err.message
            );
        }
        let event = json!(42);
        let err = Input::new(Some(&json!({})), Some(&event)).err().unwrap();
        assert!(err
            .message
            .contains("the event must be an object or null, got a number"));
        assert!(Input::<&serde_json::Value>::new(None, None).is_err());
    }

    #[test]
    fn null_properties_are_treated_as_none() {
        let profile = json!({"data": {"attributes": {"external_id": "x", "properties": null}}});
        let input = Input::new(Some(&profile), None).unwrap();
        assert_eq!(
            input.resolve(&path(Root::Person, &["properties", "a"])),
            Value::Missing
        );
    }
}

#[cfg(test)]
mod null_parts {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_data_or_attributes_is_a_profile_without_attributes() {
        for profile in [json!({"data": null}), json!({"data": {"attributes": null}})] {
            let input = Input::new(Some(&profile), None).unwrap();
            assert_eq!(
                input.resolve(&Path::person(&["external_id"])),
                Value::Missing
            );
            assert_eq!(
                input.resolve(&Path::person(&["properties", "x"])),
                Value::Missing
            );
        }
    }
}
