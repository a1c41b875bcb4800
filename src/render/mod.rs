//! Output: colour policy and the document/table writers commands share. Renderers write to
//! `&mut dyn Write`, never to the process's stdout directly, so every format is testable.

pub mod color;

use std::io::Write;

use serde::Serialize;

/// Writes `value` as YAML (serde-saphyr, block style, stable field order).
///
/// # Errors
/// I/O errors from `out`, or a value that cannot be represented in YAML.
pub fn yaml<T: Serialize>(value: &T, out: &mut dyn Write) -> anyhow::Result<()> {
    let text = serde_saphyr::to_string(value)?;
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
pub fn json<T: Serialize>(value: &T, out: &mut dyn Write) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
