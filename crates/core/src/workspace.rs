//! What `simulate`, `check` and `proxy` prepare before asking the engine: the inputs with the
//! mesh config in force, the mesh settings (which outbound policy, and from where) and the
//! workload whose sidecar is modelled. One copy, so the three commands cannot drift apart.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::engine::{MeshSettings, Workload};
use crate::load::{self, Inputs, LoadOptions, Loaded};
use crate::model::{MeshConfig, OutboundPolicy};

/// Load options for `-n/--namespace` (else `default`, as kubectl does).
#[must_use]
pub fn load_options(namespace: Option<&str>) -> LoadOptions {
    LoadOptions {
        default_namespace: namespace.unwrap_or("default").to_owned(),
        ..LoadOptions::default()
    }
}

/// Loads `-f` inputs and `--mesh-config`; any invalid input is an error (exit 2), because a
/// simulation or a proxy running on half a configuration would answer a different question.
pub fn load_inputs(
    paths: &[PathBuf],
    mesh_config: Option<&Path>,
    options: &LoadOptions,
) -> anyhow::Result<Inputs> {
    let mut inputs = load::load_paths(paths, options)?.into_valid()?;
    if let Some(file) = mesh_config {
        // The flag's file wins over mesh configs found among the inputs.
        inputs.mesh_configs = load_mesh_config(file, options)?;
    }
    Ok(inputs)
}

/// Loads the `--mesh-config` file: it must be valid and hold a mesh configuration.
pub fn load_mesh_config(
    file: &Path,
    options: &LoadOptions,
) -> anyhow::Result<Vec<Loaded<MeshConfig>>> {
    let mesh = load::load_paths(&[file.to_path_buf()], options)?
        .into_valid()
        .with_context(|| format!("--mesh-config `{}`", file.display()))?;
    if mesh.mesh_configs.is_empty() {
        bail!(
            "--mesh-config `{}` holds no mesh configuration (a MeshConfig, the istio ConfigMap or an IstioOperator)",
            file.display()
        );
    }
    Ok(mesh.mesh_configs)
}

/// The mesh settings in force: `--outbound-policy` beats mesh config, which beats meshctl's
/// default (REGISTRY_ONLY). Several mesh configs must agree on the policy.
pub fn mesh_settings(
    inputs: &Inputs,
    flag: Option<OutboundPolicy>,
) -> anyhow::Result<MeshSettings> {
    let mut settings = match inputs.mesh_configs.as_slice() {
        [] => MeshSettings::default(),
        [first, rest @ ..] => {
            let settings = MeshSettings::from_mesh_config(first);
            if let Some(other) = rest.iter().find(|m| {
                MeshSettings::from_mesh_config(m).outbound_policy != settings.outbound_policy
            }) {
                bail!(
                    "mesh configs disagree on the outbound policy: {} ({}) and {} ({}); pass one with --mesh-config",
                    first.origin,
                    settings.outbound_policy,
                    other.origin,
                    MeshSettings::from_mesh_config(other).outbound_policy
                );
            }
            settings
        }
    };
    if let Some(policy) = flag {
        settings.outbound_policy = policy;
        settings.policy_source = "--outbound-policy flag".into();
    }
    Ok(settings)
}

/// `workload` with the mesh-wide proxy defaults of `inputs` applied: DNS proxying is on when
/// the flag or any mesh config turns it on.
#[must_use]
pub fn in_mesh(mut workload: Workload, inputs: &Inputs) -> Workload {
    workload.dns_capture |= inputs.mesh_dns_capture();
    workload
}
