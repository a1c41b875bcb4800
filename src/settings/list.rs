//! `meshctl list`'s settings: the inputs (the current directory by default), how meshes are
//! found on them, and the one mesh to print, if `--mesh` names it.

use crate::cli::ListArgs;
use crate::settings::inputs;
use meshctl_core::meshes::ScopeOptions;
use meshctl_core::workspace::Sources;

/// One `list` run.
#[derive(Debug, Clone)]
pub(crate) struct ListSettings {
    /// The inputs.
    pub(crate) sources: Sources,
    /// How meshes are found.
    pub(crate) scope: ScopeOptions,
    /// `--mesh`: only this mesh.
    pub(crate) mesh: Option<String>,
}

impl ListSettings {
    /// The flags, resolved.
    pub(crate) fn resolve(args: &ListArgs) -> Self {
        Self {
            sources: inputs::paths_only(inputs::paths_or_cwd(&args.paths)),
            scope: inputs::unconfigured_scope(!args.kustomize.no_kustomize),
            mesh: args.mesh.clone(),
        }
    }
}
