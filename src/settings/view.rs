//! What a deciding command (`simulate`, `export envoy`) looks at: the inputs as [`Sources`],
//! which mesh of them (`--mesh`, `--no-kustomize`) and the calling workload. One value per run,
//! built from the flags before any file is read, so the command only loads and decides.

use std::path::PathBuf;

use crate::cli::{
    ExportEnvoyArgs, MeshArgs, MeshSettingsArgs, NamespaceArg, SimulateArgs, WorkloadArgs,
};
use crate::settings::inputs;
use meshctl_core::engine::Workload;
use meshctl_core::meshes::ScopeOptions;
use meshctl_core::workspace::Sources;

/// The inputs, the mesh and the workload a deciding command decides for.
#[derive(Debug, Clone)]
pub(crate) struct View {
    /// The inputs, with `-n`, `--mesh-config` and `--outbound-policy`.
    pub(crate) sources: Sources,
    /// `--mesh`: the one mesh to decide for, when the inputs hold several.
    pub(crate) mesh: Option<String>,
    /// How meshes are found (kustomizations rendered unless `--no-kustomize`).
    pub(crate) scope: ScopeOptions,
    workload: WorkloadArgs,
}

impl View {
    /// `simulate`'s view (`-f` paths).
    pub(crate) fn simulate(args: &SimulateArgs) -> Self {
        Self::new(
            args.paths.clone(),
            &args.ns,
            &args.scope,
            &args.mesh_settings,
            &args.workload,
        )
    }

    /// `export envoy`'s view (positional paths, then `-f`).
    pub(crate) fn export(args: &ExportEnvoyArgs) -> Self {
        let paths = args.positional.iter().chain(&args.paths).cloned().collect();
        Self::new(
            paths,
            &args.ns,
            &args.scope,
            &args.mesh_settings,
            &args.workload,
        )
    }

    fn new(
        paths: Vec<PathBuf>,
        ns: &NamespaceArg,
        scope: &MeshArgs,
        mesh_settings: &MeshSettingsArgs,
        workload: &WorkloadArgs,
    ) -> Self {
        Self {
            sources: inputs::deciding(paths, ns, mesh_settings),
            mesh: scope.mesh.clone(),
            scope: inputs::unconfigured_scope(!scope.kustomize.no_kustomize),
            workload: workload.clone(),
        }
    }

    /// The calling workload as the flags name it.
    pub(crate) fn workload(&self) -> Workload {
        self.workload_in(&self.workload.source_namespace, &self.workload.labels)
    }

    /// The calling workload in another namespace and with other labels (`simulate --expect`
    /// names them per call); annotations and DNS capture stay the flags'.
    pub(crate) fn workload_in(&self, namespace: &str, labels: &[(String, String)]) -> Workload {
        self.workload.workload(namespace, labels)
    }

    /// `--source-namespace`.
    pub(crate) fn source_namespace(&self) -> &str {
        &self.workload.source_namespace
    }

    /// `--labels`, in the order given.
    pub(crate) fn labels(&self) -> &[(String, String)] {
        &self.workload.labels
    }
}
