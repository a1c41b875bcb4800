//! Reading protobuf JSON as different tools print it: Envoy's admin writes snake_case field
//! names, protojson (Go tools) lowerCamelCase; wrapper types (`UInt32Value`) appear as a bare
//! number or as `{"value": n}`, 64-bit integers sometimes as strings. These four accessors hide
//! that from the dump reader.

use serde_json::Value;

/// A field by its snake_case name, or its lowerCamelCase spelling.
pub(super) fn field<'v>(value: &'v Value, snake: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(snake) {
        return Some(found);
    }
    let mut camel = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            camel.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    object.get(&camel)
}

pub(super) fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    field(value, key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn str_field<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    field(value, key).and_then(Value::as_str)
}

/// A port-sized number, written as a number, a string, or a `{"value": n}` wrapper.
pub(super) fn number(value: &Value, key: &str) -> Option<u16> {
    let found = field(value, key)?;
    let found = found.get("value").unwrap_or(found);
    let n = match found {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    u16::try_from(n).ok()
}
