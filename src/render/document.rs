//! Writing a serializable value as a document: pretty JSON or block YAML, each ending with a
//! newline. Every format that prints JSON or YAML goes through here, so they read the same.

use std::io::Write;

use serde::Serialize;

/// Writes `value` as YAML (serde-saphyr, block style, stable field order).
///
/// # Errors
/// I/O errors from `out`, or a value that cannot be represented in YAML.
pub(crate) fn write_yaml<T: Serialize>(value: &T, out: &mut dyn Write) -> anyhow::Result<()> {
    let text = meshctl_core::load::to_yaml(value)?;
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `value` as pretty JSON with a trailing newline.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn write_json<T: Serialize>(value: &T, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
