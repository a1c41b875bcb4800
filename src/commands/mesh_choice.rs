//! The one mesh a deciding command (`simulate`, `export envoy`) works on: meshes are found as
//! `check` finds them (mesh configs, kustomizations), and several of them without `--mesh` are
//! an error that lists them, never a silent merge of two clusters' resources.

use crate::cli::MeshArgs;
use meshctl_core::load::WalkOptions;
use meshctl_core::meshes::{self, ScopeOptions};
use meshctl_core::workspace::{Sources, Workspace};

/// The workspace of the mesh `scope` picks among `sources`.
///
/// # Errors
/// Unreadable inputs, ambiguous mesh settings, a kustomization that does not render, several
/// meshes without `--mesh`, or a `--mesh` that names none of them.
pub(super) fn workspace(sources: &Sources, scope: &MeshArgs) -> anyhow::Result<Workspace> {
    let mesh = meshes::load_one(
        sources,
        &WalkOptions::default(),
        &ScopeOptions {
            configured: Vec::new(),
            kustomize: !scope.no_kustomize,
        },
        scope.mesh.as_deref(),
    )?;
    Ok(mesh.workspace)
}
