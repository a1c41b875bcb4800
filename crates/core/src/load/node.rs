//! A YAML/JSON document as a tree of values that remember where they were written.
//!
//! Every later stage (schema validation, typed conversion, diagnostics) needs two things the
//! typed model cannot give: the exact line and column of each field, and the raw shape of the
//! input before serde has thrown type information away. `Node` keeps both. It is deserialized
//! through serde-saphyr's `Spanned`, so positions come from the parser, not from re-scanning text.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A 1-based line and column in a source file; `0:0` means "unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pos {
    /// 1-based line number.
    pub line: u64,
    /// 1-based column number (in characters).
    pub column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One value of a parsed document together with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub pos: Pos,
    /// The value itself.
    pub value: Value,
}

/// The shapes a YAML/JSON value can take; mappings keep their keys' positions and order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64` (or `u64` beyond it).
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A string scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key as a string (scalar keys such as `80` are stringified, as Kubernetes does).
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

impl Value {
    /// The JSON-schema type name of this value, for "expected X, found Y" messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "array",
            Value::Map(_) => "object",
        }
    }
}

impl Node {
    /// The value of `key` when this node is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value of `key`, when present and a string.
    #[must_use]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// This node as a string slice, when it is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The position of the field at a dotted path such as `spec.addresses[1]`, or of its nearest
    /// existing ancestor when the field is absent (so "missing field" errors point at the parent).
    #[must_use]
    pub fn locate(&self, path: &str) -> Pos {
        let mut node = self;
        for segment in path_segments(path) {
            let next = match (segment, &node.value) {
                (Segment::Field(name), Value::Map(entries)) => {
                    entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v)
                }
                (Segment::Index(i), Value::Seq(items)) => items.get(i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }

    /// Converts to JSON, the form Kubernetes validates and the typed model deserializes from.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => i64::try_from(*i)
                .map(serde_json::Value::from)
                .or_else(|_| u64::try_from(*i).map(serde_json::Value::from))
                .unwrap_or(serde_json::Value::Null),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// One step of a field path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Field(&'a str),
    Index(usize),
}

/// Splits `spec.ports[0].name` into `spec`, `ports`, `0`, `name`.
fn path_segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    path.split('.').filter(|s| !s.is_empty()).flat_map(|part| {
        let (field, rest) = part.split_once('[').unwrap_or((part, ""));
        let field = (!field.is_empty()).then_some(Segment::Field(field));
        let indices = rest
            .split('[')
            .filter_map(|i| i.trim_end_matches(']').parse().ok())
            .map(Segment::Index);
        field.into_iter().chain(indices)
    })
}

pub(super) fn pos_of<T>(spanned: &Spanned<T>) -> Pos {
    Pos {
        line: spanned.referenced.line(),
        column: spanned.referenced.column(),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let pos = pos_of(&spanned);
        Ok(Node {
            pos,
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

pub(super) struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let key = Key::from_node(key)?;
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

impl Key {
    /// A parsed mapping key as a [`Key`]: scalars are stringified, as Kubernetes does.
    ///
    /// # Errors
    /// A sequence or mapping used as a key.
    pub(super) fn from_node<E: de::Error>(key: Node) -> Result<Key, E> {
        let name = match key.value {
            Value::Str(s) => s,
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Null => "null".to_owned(),
            Value::Seq(_) | Value::Map(_) => return Err(not_scalar()),
        };
        Ok(Key { name, pos: key.pos })
    }
}

/// The one error for a non-scalar key, whether the document is built or only scanned.
pub(super) fn not_scalar<E: de::Error>() -> E {
    E::custom("mapping keys must be scalars")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Node> {
        let mut options = serde_saphyr::Options::default();
        options.strict_booleans = true;
        serde_saphyr::from_multiple_with_options::<Node>(text, options).expect("valid yaml")
    }

    #[test]
    fn positions_follow_the_source() {
        let docs = parse("a: 1\nspec:\n  addresses:\n  - 203.0.113.7/32\n  - 203.0.113.8\n");
        let doc = &docs[0];
        assert_eq!(doc.locate("spec.addresses[1]"), Pos { line: 5, column: 5 });
        assert_eq!(doc.locate("spec.addresses[0]"), Pos { line: 4, column: 5 });
        assert_eq!(doc.locate("spec"), Pos { line: 3, column: 3 });
        // A missing field points at its closest existing ancestor.
        assert_eq!(doc.locate("spec.ports[0].name"), doc.locate("spec"));
    }

    #[test]
    fn keys_keep_order_and_positions() {
        let doc = &parse("b: 1\na: x\n")[0];
        let Value::Map(entries) = &doc.value else {
            panic!("map")
        };
        let names: Vec<_> = entries
            .iter()
            .map(|(k, _)| (k.name.as_str(), k.pos.line))
            .collect();
        assert_eq!(names, [("b", 1), ("a", 2)]);
    }

    #[test]
    fn json_conversion_keeps_types() {
        let doc = &parse("n: 3306\ns: \"3306\"\nb: true\nl: [1, x]\n")[0];
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"n": 3306, "s": "3306", "b": true, "l": [1, "x"]})
        );
    }

    #[test]
    fn multi_documents_each_have_a_start() {
        let docs = parse("a: 1\n---\nb: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].pos.line, 3);
    }
}
