//! `check --list-meshes`: the meshes meshctl found in the inputs — name, what roots them, their
//! files and mesh settings — so a user can see what meshctl thinks the repository is.

use std::io::Write;

use serde::Serialize;

use meshctl_core::meshes::{Mesh, RootKind};

#[derive(Serialize)]
struct Listed<'a> {
    name: &'a str,
    kind: RootKind,
    root: Option<&'a str>,
    policy: &'static str,
    policy_source: &'a str,
    files: &'a [String],
    resources: usize,
}

/// Writes the meshes as a table-like text listing, or as JSON with `json`.
///
/// # Errors
/// I/O errors from `out`.
pub(crate) fn write(meshes: &[Mesh], json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let listed: Vec<Listed<'_>> = meshes
        .iter()
        .map(|mesh| {
            let inputs = mesh.workspace.inputs();
            Listed {
                name: &mesh.scope.name,
                kind: mesh.scope.kind,
                root: mesh.scope.root.as_deref(),
                policy: mesh.workspace.mesh().outbound_policy.as_str(),
                policy_source: &mesh.workspace.mesh().policy_source,
                files: &mesh.scope.files,
                resources: inputs.service_entries.len()
                    + inputs.sidecars.len()
                    + inputs.mesh_configs.len(),
            }
        })
        .collect();
    if json {
        return super::document::write_json(&listed, out);
    }
    for (i, mesh) in listed.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "mesh {}", mesh.name)?;
        let kind = match mesh.kind {
            RootKind::Configured => "[[mesh]] in meshctl.toml",
            RootKind::MeshConfig => "a directory holding a mesh config",
            RootKind::Kustomization => "a kustomization (rendered with kubectl kustomize)",
            RootKind::Default => "files outside every root",
        };
        writeln!(out, "  from:      {kind}")?;
        if let Some(root) = mesh.root {
            writeln!(out, "  root:      {root}")?;
        }
        writeln!(out, "  policy:    {} ({})", mesh.policy, mesh.policy_source)?;
        writeln!(
            out,
            "  resources: {} in {} {}",
            mesh.resources,
            mesh.files.len(),
            if mesh.files.len() == 1 {
                "file"
            } else {
                "files"
            }
        )?;
        for file in mesh.files {
            writeln!(out, "    {file}")?;
        }
    }
    Ok(())
}
