//! `-o json`: a stable array of findings with fixed keys, for scripts; `mesh` names the mesh
//! (scope) of each finding.

use std::io::Write;

use serde::Serialize;

use meshctl_core::rules::{Diagnostic, Severity};

/// One finding as JSON. `url` is null until meshctl has a published rules site; `--explain`
/// prints the same documentation offline.
#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: u64,
    column: u64,
    resource: Option<&'a str>,
    help: Option<&'a str>,
    url: Option<&'a str>,
    /// The mesh (scope) the finding belongs to: `default` when the inputs form one mesh.
    mesh: &'a str,
    /// The mesh's outbound policy in force (null where the command decides none).
    policy: Option<&'a str>,
    /// Where that policy came from: a mesh config's `file:line:column`, a flag, or meshctl's
    /// default.
    policy_source: Option<&'a str>,
}

pub(super) fn write(
    diagnostics: &[Diagnostic],
    summary: &super::summary::Summary,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let findings: Vec<Finding<'_>> = diagnostics
        .iter()
        .map(|d| {
            let mesh = d
                .mesh
                .as_deref()
                .unwrap_or(meshctl_core::meshes::DEFAULT_SCOPE);
            let settings = summary.meshes.iter().find(|m| m.name == mesh);
            Finding {
                code: d.rule.code(),
                name: d.rule.name(),
                severity: d.severity,
                message: &d.message,
                file: &d.origin.path,
                line: d.origin.pos.line,
                column: d.origin.pos.column,
                resource: d.resource.as_deref(),
                help: d.help.as_deref(),
                url: None,
                mesh,
                policy: settings.map(|m| m.policy),
                policy_source: settings.map(|m| m.policy_source.as_str()),
            }
        })
        .collect();
    super::document::write_json(&findings, out)
}
