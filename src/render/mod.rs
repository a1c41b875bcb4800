//! Output: colour policy and the document/table writers commands share. Renderers write to
//! `&mut dyn Write`, never to the process's stdout directly, so every format is testable.

pub(crate) mod color;
pub(crate) mod conn_diff;
pub(crate) mod diff;
pub(crate) mod diff_annotations;
mod document;
pub(crate) mod expect;
mod format;
mod github;
mod gitlab;
pub(crate) mod inline;
mod json;
pub(crate) mod listing;
mod mesh_prefix;
pub(crate) mod meshes;
pub(crate) mod resolve;
pub(crate) mod rules;
mod sarif;
pub(crate) mod simulate;
mod summary;
pub(crate) mod table;
mod text;
pub(crate) mod version;

use std::io::Write;

use meshctl_core::rules::Diagnostic;

pub(crate) use document::{write_json, write_yaml};
pub(crate) use format::OutputFormat;
pub(crate) use summary::{MeshFindings, Summary};

/// Writes diagnostics (already sorted) in `format`.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn diagnostics(
    diagnostics: &[Diagnostic],
    format: OutputFormat,
    summary: &Summary,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Text => text::write(diagnostics, summary, out),
        OutputFormat::Json => json::write(diagnostics, summary, out),
        OutputFormat::Sarif => sarif::write(diagnostics, out),
        OutputFormat::Github => github::write(diagnostics, out),
        OutputFormat::Gitlab => gitlab::write(diagnostics, out),
    }
}
