//! What changed in the inputs themselves: the admitted resources of both sides matched by
//! (kind, namespace, name), each change down to the field (`spec.addresses[1]: 203.0.113.7/32 →
//! 203.0.113.8/32`) with the line it is on. Documents are compared as parsed data, so moving a
//! document to another file, reordering keys, comments and flow or block style are no change.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::load::{Node, Origin};
use crate::model::Resource as _;
use crate::workspace::Workspace;

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The file as given.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl Location {
    pub(crate) fn of(origin: &Origin) -> Location {
        Location {
            path: origin.path.to_string(),
            line: origin.pos.line,
            column: origin.pos.column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// How a resource changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in NEW.
    Added,
    /// Only in OLD.
    Removed,
    /// In both, with other content.
    Modified,
}

impl ChangeKind {
    /// `added`, `removed`, `modified`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Modified => "modified",
        }
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `spec.addresses[1]`.
    pub field: String,
    /// The value in OLD, absent when the field is new.
    pub before: Option<String>,
    /// The value in NEW, absent when the field was removed.
    pub after: Option<String>,
    /// Where the field is: in NEW, or in OLD when it was removed.
    pub location: Location,
}

impl std::fmt::Display for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        write!(
            f,
            "{}: {} → {}",
            self.field,
            show(&self.before),
            show(&self.after)
        )
    }
}

/// A resource that differs between OLD and NEW.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// `ServiceEntry default/db`, `Sidecar prod/default`, `mesh config`.
    pub resource: String,
    /// Added, removed or modified.
    pub change: ChangeKind,
    /// Where the document starts: in NEW, or in OLD when it was removed.
    pub location: Location,
    /// The changed fields (empty for additions and removals).
    pub fields: Vec<FieldChange>,
}

struct Doc<'a> {
    origin: &'a Origin,
    node: &'a Arc<Node>,
}

fn docs(workspace: &Workspace) -> BTreeMap<String, Doc<'_>> {
    let admitted = workspace.admitted();
    let mut docs = BTreeMap::new();
    for l in &admitted.service_entries {
        docs.insert(
            l.resource.describe(),
            Doc {
                origin: &l.origin,
                node: &l.node,
            },
        );
    }
    for l in &admitted.sidecars {
        docs.insert(
            l.resource.describe(),
            Doc {
                origin: &l.origin,
                node: &l.node,
            },
        );
    }
    for (i, l) in admitted.mesh_configs.iter().enumerate() {
        let key = if i == 0 {
            "mesh config".to_owned()
        } else {
            format!("mesh config {}", i + 1)
        };
        docs.insert(
            key,
            Doc {
                origin: &l.origin,
                node: &l.node,
            },
        );
    }
    docs
}

/// Every resource that differs, keyed by its description.
pub(crate) fn changes(old: &Workspace, new: &Workspace) -> BTreeMap<String, ResourceChange> {
    let before = docs(old);
    let after = docs(new);
    let mut out = BTreeMap::new();
    for (key, doc) in &after {
        match before.get(key) {
            None => {
                out.insert(
                    key.clone(),
                    ResourceChange {
                        resource: key.clone(),
                        change: ChangeKind::Added,
                        location: Location::of(doc.origin),
                        fields: Vec::new(),
                    },
                );
            }
            Some(was) => {
                let (a, b) = (was.node.to_json(), doc.node.to_json());
                if a == b {
                    continue;
                }
                let mut fields = Vec::new();
                fields_of(&a, &b, String::new(), &mut fields);
                let fields = fields
                    .into_iter()
                    .map(|(field, before, after)| {
                        let place = if after.is_some() { doc } else { was };
                        let location = Location {
                            path: place.origin.path.to_string(),
                            line: place.node.locate(&field).line,
                            column: place.node.locate(&field).column,
                        };
                        FieldChange {
                            field,
                            before,
                            after,
                            location,
                        }
                    })
                    .collect();
                out.insert(
                    key.clone(),
                    ResourceChange {
                        resource: key.clone(),
                        change: ChangeKind::Modified,
                        location: Location::of(doc.origin),
                        fields,
                    },
                );
            }
        }
    }
    for (key, doc) in &before {
        if !after.contains_key(key) {
            out.insert(
                key.clone(),
                ResourceChange {
                    resource: key.clone(),
                    change: ChangeKind::Removed,
                    location: Location::of(doc.origin),
                    fields: Vec::new(),
                },
            );
        }
    }
    out
}

type Field = (String, Option<String>, Option<String>);

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fields_of(a: &Value, b: &Value, path: String, out: &mut Vec<Field>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for key in keys {
                let at = join(&path, key);
                match (x.get(key), y.get(key)) {
                    (Some(va), Some(vb)) => fields_of(va, vb, at, out),
                    (Some(va), None) => out.push((at, Some(text(va)), None)),
                    (None, Some(vb)) => out.push((at, None, Some(text(vb)))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let at = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => fields_of(va, vb, at, out),
                    (Some(va), None) => out.push((at, Some(text(va)), None)),
                    (None, Some(vb)) => out.push((at, None, Some(text(vb)))),
                    (None, None) => {}
                }
            }
        }
        _ if a != b => out.push((path, Some(text(a)), Some(text(b)))),
        _ => {}
    }
}
