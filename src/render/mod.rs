//! Output: colour policy and the document/table writers commands share. Renderers write to
//! `&mut dyn Write`, never to the process's stdout directly, so every format is testable.

pub(crate) mod color;
pub(crate) mod conn_diff;
pub(crate) mod diff;
pub(crate) mod diff_annotations;
pub(crate) mod expect;
mod github;
mod gitlab;
pub(crate) mod inline;
mod json;
pub(crate) mod listing;
pub(crate) mod meshes;
pub(crate) mod resolve;
pub(crate) mod rules;
mod sarif;
pub(crate) mod simulate;
pub(crate) mod table;
mod text;

use std::io::Write;

use serde::Serialize;

use meshctl_core::rules::Diagnostic;

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Grouped by file, `file:line:col: CODE [severity] name: message`, with a summary.
    Text,
    /// A stable JSON array (keys: code, name, severity, message, file, line, column, resource, help, url).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
}

/// One mesh of a `check` run: its name, the outbound policy in force and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MeshFindings {
    /// The scope's name.
    pub name: String,
    /// `REGISTRY_ONLY` or `ALLOW_ANY`.
    pub policy: &'static str,
    /// Where the policy came from (`mesh config clusters/prod/mesh.yaml:4:11`).
    pub policy_source: String,
    /// How many findings it has (before `--output-threshold`).
    pub count: usize,
}

/// Counts shown in the text summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Files read.
    pub files: usize,
    /// Istio resources checked.
    pub resources: usize,
    /// Documents of other kinds skipped.
    pub skipped: usize,
    /// Files and documents that are not Kubernetes resources (templates, lists, workflows).
    pub not_resources: usize,
    /// `-q`: findings only, no summary line.
    pub quiet: bool,
    /// The meshes checked, in output order.
    pub meshes: Vec<MeshFindings>,
}

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

/// True when the findings come from more than one mesh, so messages must say which.
pub(crate) fn several_meshes(diagnostics: &[Diagnostic]) -> bool {
    diagnostics
        .iter()
        .filter_map(|d| d.mesh.as_deref())
        .any(|m| diagnostics.first().and_then(|d| d.mesh.as_deref()) != Some(m))
}

/// `[mesh clusters/prod] ` before a message when findings of several meshes are mixed.
pub(crate) fn mesh_prefix(d: &Diagnostic, several: bool) -> String {
    match (&d.mesh, several) {
        (Some(mesh), true) => format!("[mesh {mesh}] "),
        _ => String::new(),
    }
}

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
