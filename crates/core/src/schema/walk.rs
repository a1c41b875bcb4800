//! A small structural-schema interpreter: types, enums, lengths, item counts, required and
//! unknown fields — the OpenAPI subset Kubernetes applies to custom resources.

use crate::load::node::{Node, Value};

use super::violation::Violation;

/// The schema of one value.
#[derive(Debug)]
pub(crate) enum Schema {
    /// Anything (opaque subtrees such as `status` or Sidecar `ingress`).
    Any,
    /// A string, optionally bounded and/or from a fixed set.
    Str {
        /// `maxLength`.
        max_len: Option<usize>,
        /// `enum`.
        one_of: Option<&'static [&'static str]>,
        /// A CEL rule on the value: returns the CRD's message when violated.
        rule: Option<fn(&str) -> Option<&'static str>>,
    },
    /// An integer within `[min, max]`, with an optional CEL range rule.
    Int {
        /// `minimum`.
        min: i128,
        /// `maximum`.
        max: i128,
        /// A CEL rule on the value.
        rule: Option<fn(i128) -> Option<&'static str>>,
    },
    /// `true` or `false`.
    Bool,
    /// A number (an integer is one too) within `[min, max]`.
    Number {
        /// `minimum`.
        min: f64,
        /// `maximum`.
        max: f64,
    },
    /// A list.
    Array {
        /// Item schema.
        items: &'static Schema,
        /// `minItems`.
        min_items: usize,
        /// `maxItems`.
        max_items: Option<usize>,
    },
    /// An object with known fields; anything else is an unknown field.
    Object {
        /// Known fields.
        fields: &'static [(&'static str, Schema)],
        /// Fields that must be present.
        required: &'static [&'static str],
    },
    /// A string-keyed map (`additionalProperties`).
    Map {
        /// Value schema.
        values: &'static Schema,
        /// `maxProperties`.
        max_props: Option<usize>,
        /// A CEL rule on every key.
        key_rule: Option<fn(&str) -> Option<&'static str>>,
    },
}

/// A plain string with no constraints.
pub(super) const STRING: Schema = Schema::Str {
    max_len: None,
    one_of: None,
    rule: None,
};

/// A string list.
pub(super) const STRINGS: Schema = Schema::Array {
    items: &STRING,
    min_items: 0,
    max_items: None,
};

/// A string-to-string map.
pub(super) const STRING_MAP: Schema = Schema::Map {
    values: &STRING,
    max_props: None,
    key_rule: None,
};

/// A protobuf `uint32` as the CRDs declare it.
pub(super) const UINT32: Schema = Schema::Int {
    min: 0,
    max: 4_294_967_295,
    rule: None,
};

/// A protobuf `int32` as the CRDs declare it (`format: int32`).
pub(super) const INT32: Schema = Schema::Int {
    min: -2_147_483_648,
    max: 2_147_483_647,
    rule: None,
};

/// A port number: `uint32` plus the CEL rule `0 < self && self <= 65535`.
pub(super) const PORT: Schema = Schema::Int {
    min: 0,
    max: 4_294_967_295,
    rule: Some(port_rule),
};

fn port_rule(n: i128) -> Option<&'static str> {
    (!(1..=65535).contains(&n)).then_some("port must be between 1-65535")
}

/// Kubernetes `metadata` as the API server checks it for any object.
/// A whole Istio object: `apiVersion`, `kind`, `metadata`, the kind's `spec` and a `status`
/// that controllers own (the CRDs preserve its unknown fields), with these required fields.
macro_rules! istio_object {
    ($spec:expr, required: [$($required:literal),*]) => {
        Schema::Object {
            fields: &[
                ("apiVersion", super::walk::STRING),
                ("kind", super::walk::STRING),
                ("metadata", super::walk::METADATA),
                ("spec", $spec),
                ("status", Schema::Any),
            ],
            required: &[$($required),*],
        }
    };
}
pub(super) use istio_object;

pub(super) const METADATA: Schema = Schema::Object {
    fields: &[
        ("name", STRING),
        ("generateName", STRING),
        ("namespace", STRING),
        ("labels", STRING_MAP),
        ("annotations", STRING_MAP),
        ("creationTimestamp", Schema::Any),
        ("uid", Schema::Any),
        ("resourceVersion", Schema::Any),
        ("generation", Schema::Any),
        ("deletionTimestamp", Schema::Any),
        ("deletionGracePeriodSeconds", Schema::Any),
        ("finalizers", STRINGS),
        ("ownerReferences", Schema::Any),
        ("managedFields", Schema::Any),
        ("selfLink", Schema::Any),
    ],
    required: &[],
};

/// Validates `doc` against `schema`, then applies `cel` (rules spanning several fields).
pub(super) fn validate(
    doc: &Node,
    schema: &Schema,
    cel: fn(&Node) -> Vec<Violation>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    check(doc, schema, "", &mut out);
    if doc.get("metadata").is_none_or(|m| {
        m.get_str("name").is_none_or(str::is_empty) && m.get("generateName").is_none()
    }) {
        out.push(Violation {
            pos: doc.locate("metadata"),
            path: "metadata.name".into(),
            message: "Required value: name or generateName is required".into(),
        });
    }
    // The CRD's rules read known fields only, so an unknown field (pruned before the rules
    // run) does not stop them: a stray key must not hide what else is wrong with the document.
    if out.iter().all(is_unknown_field) {
        out.extend(cel(doc));
    }
    out
}

/// How an unknown field's message starts.
const UNKNOWN_FIELD: &str = "unknown field \"";

fn is_unknown_field(violation: &Violation) -> bool {
    violation.message.starts_with(UNKNOWN_FIELD)
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn violation(node: &Node, path: &str, message: String) -> Violation {
    Violation {
        pos: node.pos,
        path: path.to_owned(),
        message,
    }
}

fn check(node: &Node, schema: &Schema, path: &str, out: &mut Vec<Violation>) {
    // Kubernetes treats an explicit `null` like an absent field.
    if matches!(node.value, Value::Null) {
        return;
    }
    match (schema, &node.value) {
        (Schema::Any, _) | (Schema::Bool, Value::Bool(_)) => {}
        (
            Schema::Str {
                max_len,
                one_of,
                rule,
            },
            Value::Str(s),
        ) => {
            check_str(node, path, s, (*max_len, *one_of, *rule), out);
        }
        (Schema::Int { min, max, rule }, Value::Int(n)) => {
            let message = if n < min {
                Some(format!(
                    "Invalid value: {n}: should be greater than or equal to {min}"
                ))
            } else if n > max {
                Some(format!(
                    "Invalid value: {n}: should be less than or equal to {max}"
                ))
            } else {
                rule.and_then(|r| r(*n))
                    .map(|m| format!("Invalid value: {n}: {m}"))
            };
            out.extend(message.map(|m| violation(node, path, m)));
        }
        (Schema::Number { min, max }, Value::Int(_) | Value::Float(_)) => {
            check_number(node, path, (*min, *max), out);
        }
        (
            Schema::Array {
                items,
                min_items,
                max_items,
            },
            Value::Seq(list),
        ) => check_array(node, path, (items, *min_items, *max_items), list, out),
        (Schema::Object { fields, required }, Value::Map(entries)) => {
            check_object(node, path, fields, required, entries, out);
        }
        (
            Schema::Map {
                values,
                max_props,
                key_rule,
            },
            Value::Map(entries),
        ) => {
            if let Some(max) = max_props
                && entries.len() > *max
            {
                out.push(violation(
                    node,
                    path,
                    format!("Too many: {}: must have at most {max} items", entries.len()),
                ));
            }
            for (key, value) in entries {
                if let Some(message) = key_rule.and_then(|r| r(&key.name)) {
                    let text = format!("Invalid value: \"{}\": {message}", key.name);
                    out.push(Violation {
                        pos: key.pos,
                        path: path.to_owned(),
                        message: text,
                    });
                }
                check(value, values, &join(path, &key.name), out);
            }
        }
        (expected, found) => out.push(violation(
            node,
            path,
            format!(
                "Invalid value: \"{}\": {path} in body must be of type {}",
                found.type_name(),
                type_name(expected)
            ),
        )),
    }
}

fn check_number(node: &Node, path: &str, (min, max): (f64, f64), out: &mut Vec<Violation>) {
    // YAML integers beyond `f64`'s exact range are still far outside any CRD bound.
    #[allow(clippy::cast_precision_loss)]
    let n = match node.value {
        Value::Int(n) => n as f64,
        Value::Float(f) => f,
        _ => return,
    };
    let message = if n < min {
        format!("Invalid value: {n}: should be greater than or equal to {min}")
    } else if n > max {
        format!("Invalid value: {n}: should be less than or equal to {max}")
    } else {
        return;
    };
    out.push(violation(node, path, message));
}

fn check_array(
    node: &Node,
    path: &str,
    (items, min_items, max_items): (&Schema, usize, Option<usize>),
    list: &[Node],
    out: &mut Vec<Violation>,
) {
    if list.len() < min_items {
        let n = list.len();
        let message = format!("Invalid value: {n} items: should have at least {min_items} items");
        out.push(violation(node, path, message));
    }
    if let Some(max) = max_items
        && list.len() > max
    {
        let message = format!("Too many: {}: must have at most {max} items", list.len());
        out.push(violation(node, path, message));
    }
    for (i, item) in list.iter().enumerate() {
        check(item, items, &format!("{path}[{i}]"), out);
    }
}

type StrRules = (
    Option<usize>,
    Option<&'static [&'static str]>,
    Option<fn(&str) -> Option<&'static str>>,
);

fn check_str(
    node: &Node,
    path: &str,
    s: &str,
    (max_len, one_of, rule): StrRules,
    out: &mut Vec<Violation>,
) {
    if let Some(max) = max_len
        && s.chars().count() > max
    {
        out.push(violation(
            node,
            path,
            format!("Too long: may not be more than {max} bytes"),
        ));
    }
    if let Some(allowed) = one_of
        && !allowed.contains(&s)
    {
        let list = allowed
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(violation(
            node,
            path,
            format!("Unsupported value: \"{s}\": supported values: {list}"),
        ));
    }
    if let Some(message) = rule.and_then(|r| r(s)) {
        out.push(violation(
            node,
            path,
            format!("Invalid value: \"{s}\": {message}"),
        ));
    }
}

fn check_object(
    node: &Node,
    path: &str,
    fields: &[(&str, Schema)],
    required: &[&str],
    entries: &[(crate::load::node::Key, Node)],
    out: &mut Vec<Violation>,
) {
    for (key, value) in entries {
        let child = join(path, &key.name);
        match fields.iter().find(|(name, _)| *name == key.name) {
            Some((_, field_schema)) => check(value, field_schema, &child, out),
            None => out.push(Violation {
                pos: key.pos,
                message: format!("{UNKNOWN_FIELD}{child}\""),
                path: child,
            }),
        }
    }
    for name in required {
        let present = entries
            .iter()
            .any(|(k, v)| k.name == *name && !matches!(v.value, Value::Null));
        if !present {
            out.push(violation(node, &join(path, name), "Required value".into()));
        }
    }
}

fn type_name(schema: &Schema) -> &'static str {
    match schema {
        Schema::Str { .. } => "string",
        Schema::Int { .. } => "integer",
        Schema::Bool => "boolean",
        Schema::Number { .. } => "number",
        Schema::Array { .. } => "array",
        Schema::Object { .. } | Schema::Map { .. } => "object",
        Schema::Any => "any",
    }
}
