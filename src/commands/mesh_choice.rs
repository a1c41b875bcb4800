//! The one mesh a deciding command (`simulate`, `export envoy`) works on: meshes are found as
//! `check` finds them (mesh configs, kustomizations), and several of them without `--mesh` are
//! an error that lists them, never a silent merge of two clusters' resources.

use crate::settings::view::View;
use meshctl_core::load::WalkOptions;
use meshctl_core::meshes;
use meshctl_core::workspace::Workspace;

/// The workspace of the mesh the view picks among its sources.
///
/// # Errors
/// Unreadable inputs, ambiguous mesh settings, a kustomization that does not render, several
/// meshes without `--mesh`, or a `--mesh` that names none of them.
pub(super) fn workspace(view: &View) -> anyhow::Result<Workspace> {
    let mesh = meshes::load_one(
        &view.sources,
        &WalkOptions::default(),
        &view.scope,
        view.mesh.as_deref(),
    )?;
    Ok(mesh.workspace)
}
