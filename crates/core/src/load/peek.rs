//! A document built only as far as its kind says it must be.
//!
//! Most documents in a manifests repository are Deployments, Services and ConfigMaps, which
//! meshctl only counts (by `apiVersion` and `kind`). Building their [`Node`] tree — a `String`
//! per scalar, a `Vec` per mapping — was most of the loader's time, so the top-level mapping is
//! built key by key only until `apiVersion` and `kind` are both known; when they name another
//! kind ([`is_other_kind`]) the rest of the document is scanned instead.
//!
//! Scanning is not skipping: the same deserializer reads every event of the rest of the
//! document, so a syntax error, a duplicate key, a non-scalar key or a breached budget in a
//! Deployment is reported exactly as when the whole tree was built. Nothing is guessed from the
//! text, so `kind` after a large `spec`, flow style, quoted keys and anchors all read as YAML
//! says; a document whose `kind` comes late is simply built further before the switch.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::node::{Key, Node, Pos, Value, ValueVisitor, not_scalar, pos_of};
use crate::model::{NETWORKING_GROUP, SECURITY_GROUP};

/// One top-level document: built, or only its head when it is of another kind.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Document {
    /// The whole tree: meshctl reads this kind (or the kind is not known yet).
    Full(Node),
    /// Another kind: only where it starts and what it is.
    Other {
        /// Where the document starts (as [`Node::pos`] would say).
        pos: Pos,
        /// Its `apiVersion`.
        api_version: String,
        /// Its `kind`.
        kind: String,
    },
}

impl Document {
    /// Where the document starts.
    pub(super) fn pos(&self) -> Pos {
        match self {
            Document::Full(node) => node.pos,
            Document::Other { pos, .. } => *pos,
        }
    }

    /// True for an empty document (`---` alone), which the loader drops.
    pub(super) fn is_empty(&self) -> bool {
        matches!(
            self,
            Document::Full(Node {
                value: Value::Null,
                ..
            })
        )
    }
}

/// True when the classifier (`classify::document`) only counts a document with this head as
/// another kind, whatever its body: the loader then need not build the body
/// ([`Document::Other`]). Kinds whose fate depends on the body (an `istio` ConfigMap, a List's
/// items, an IstioOperator's `meshConfig`) are built, as are documents without both fields.
/// Kept beside the peek, not in `classify`, so the two files do not import each other; the
/// peek tests load every case both ways and compare.
pub(super) fn is_other_kind(api_version: &str, kind: &str) -> bool {
    let (group, _) = api_version.split_once('/').unwrap_or(("", api_version));
    !api_version.is_empty()
        && !kind.is_empty()
        && !matches!(
            (group, kind),
            (
                NETWORKING_GROUP,
                "ServiceEntry" | "Sidecar" | "VirtualService" | "DestinationRule" | "Gateway"
            ) | ("", "Service" | "Endpoints" | "ConfigMap")
                | (SECURITY_GROUP, "AuthorizationPolicy")
                | ("discovery.k8s.io", "EndpointSlice")
                | (_, "List")
                | ("install.istio.io", "IstioOperator")
        )
}

/// The top-level value before its position is attached.
enum Top {
    Full(Value),
    Other { api_version: String, kind: String },
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The same `Spanned` wrapper as `Node`, so positions and errors are the same.
        let spanned = Spanned::<Top>::deserialize(deserializer)?;
        let pos = pos_of(&spanned);
        Ok(match spanned.value {
            Top::Full(value) => Document::Full(Node { pos, value }),
            Top::Other { api_version, kind } => Document::Other {
                pos,
                api_version,
                kind,
            },
        })
    }
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

/// [`ValueVisitor`] for everything but the top-level mapping.
struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Top, E> {
        ValueVisitor.visit_unit().map(Top::Full)
    }
    fn visit_none<E: de::Error>(self) -> Result<Top, E> {
        ValueVisitor.visit_none().map(Top::Full)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        ValueVisitor.visit_some(d).map(Top::Full)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Top, E> {
        ValueVisitor.visit_bool(v).map(Top::Full)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Top, E> {
        ValueVisitor.visit_i64(v).map(Top::Full)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Top, E> {
        ValueVisitor.visit_u64(v).map(Top::Full)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Top, E> {
        ValueVisitor.visit_i128(v).map(Top::Full)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Top, E> {
        ValueVisitor.visit_f64(v).map(Top::Full)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Top, E> {
        ValueVisitor.visit_str(v).map(Top::Full)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Top, E> {
        ValueVisitor.visit_string(v).map(Top::Full)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        ValueVisitor.visit_seq(seq).map(Top::Full)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut entries = Vec::new();
        let (mut api_version, mut kind) = (None, None);
        while let Some(key) = map.next_key::<Node>()? {
            let key = Key::from_node(key)?;
            let value = map.next_value::<Node>()?;
            // As `Node::get_str` reads them: a non-string value counts as absent.
            match (key.name.as_str(), value.as_str()) {
                ("apiVersion", Some(text)) => api_version = Some(text.to_owned()),
                ("kind", Some(text)) => kind = Some(text.to_owned()),
                _ => {}
            }
            entries.push((key, value));
            if let (Some(a), Some(k)) = (&api_version, &kind)
                && is_other_kind(a, k)
            {
                scan_rest(&mut map)?;
                return Ok(Top::Other {
                    api_version: api_version.unwrap_or_default(),
                    kind: kind.unwrap_or_default(),
                });
            }
        }
        Ok(Top::Full(Value::Map(entries)))
    }
}

/// Reads the remaining entries of a mapping for their syntax only.
fn scan_rest<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<Scan>()? {
        // Checked before the value is read, as `Node` does, so the error has the same place.
        if !key.scalar {
            return Err(not_scalar());
        }
        map.next_value::<Scan>()?;
    }
    Ok(())
}

/// A value read and dropped; `scalar` tells a key's shape.
struct Scan {
    scalar: bool,
}

impl<'de> Deserialize<'de> for Scan {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Without `Node`'s `Spanned` wrapper: nothing here needs a position, and errors carry
        // the parser's own (the peek tests compare every error with the built document's).
        let ScanValue(scalar) = ScanValue::deserialize(deserializer)?;
        Ok(Scan { scalar })
    }
}

/// True for a scalar.
struct ScanValue(bool);

impl<'de> Deserialize<'de> for ScanValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScanVisitor)
    }
}

struct ScanVisitor;

impl<'de> Visitor<'de> for ScanVisitor {
    type Value = ScanValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_none<E: de::Error>(self) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ScanValue, D::Error> {
        ScanValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<ScanValue, E> {
        Ok(ScanValue(true))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ScanValue, A::Error> {
        while seq.next_element::<Scan>()?.is_some() {}
        Ok(ScanValue(false))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScanValue, A::Error> {
        scan_rest(&mut map)?;
        Ok(ScanValue(false))
    }
}

#[cfg(test)]
#[path = "peek_tests.rs"]
mod tests;
