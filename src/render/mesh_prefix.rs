//! Naming the mesh in a finding's message, only when findings of several meshes are mixed in one
//! output (the text, GitHub and GitLab formats share the rule).

use meshctl_core::rules::Diagnostic;

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
