//! The one input pipeline. `check`, `simulate`, `simulate --expect` and the proxy (at start and
//! on every reload) all begin with [`Workspace::load`], and none of them changes what it built:
//!
//! 1. read every source (`-f` paths, stdin, `--mesh-config`) with the `-n` namespace default;
//! 2. resolve the mesh settings once: `--outbound-policy` beats the mesh config, which beats
//!    meshctl's default (REGISTRY_ONLY); `--mesh-config` replaces mesh configs found among the
//!    inputs, and several found ones must agree on the policy;
//! 3. run admission as Istio does, resource by resource: what the API server or the validating
//!    webhook would reject (MSH0xx, MSH1xx errors) never reaches a sidecar, so it is set aside and
//!    named; of two documents with one kind, namespace and name the later one replaces the
//!    earlier, as a second `kubectl apply` does.
//!
//! What is left — the admitted resources — is all the engine ever compiles. Lint findings
//! (MSH2xx–MSH5xx) describe admitted resources but never change a decision: Istio runs dangerous
//! configurations too. The rules as one table live in docs/pipeline.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::{self, MeshSettings, Registry, Workload};
use crate::load::{
    self, Inputs, LoadOptions, LoadProblem, Loaded, Origin, SourceError, WalkOptions,
};
use crate::model::{OutboundPolicy, Resource};
use crate::rules::{self, Diagnostic};

/// Everything a command names as input, as plain values (the CLI converts its flags).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Files, directories or `-` (stdin).
    pub paths: Vec<PathBuf>,
    /// `--mesh-config`: replaces mesh configs found among `paths`.
    pub mesh_config: Option<PathBuf>,
    /// `--outbound-policy`: beats every mesh config.
    pub outbound_policy: Option<OutboundPolicy>,
    /// `-n`: namespace of resources that name none (else `default`, as kubectl does).
    pub namespace: Option<String>,
}

impl Sources {
    /// Every file or directory whose change means a new workspace (stdin excluded).
    #[must_use]
    pub fn watched(&self) -> Vec<PathBuf> {
        self.paths
            .iter()
            .chain(self.mesh_config.iter())
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect()
    }

    /// How documents are loaded.
    #[must_use]
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            default_namespace: self.namespace.clone().unwrap_or_else(|| "default".into()),
            ..LoadOptions::default()
        }
    }
}

/// Why no workspace could be built: the question itself cannot be answered (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// A path could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// `--mesh-config` is not a valid document.
    #[error("--mesh-config `{path}`: {problem}")]
    MeshConfigInvalid {
        /// The flag's value.
        path: String,
        /// The first problem in it (boxed: the error stays small on the happy path).
        problem: Box<LoadProblem>,
    },
    /// `--mesh-config` holds no mesh configuration.
    #[error(
        "--mesh-config `{0}` holds no mesh configuration (a MeshConfig, the istio ConfigMap or an IstioOperator)"
    )]
    NoMeshConfig(String),
    /// Two mesh configs among the inputs set different outbound policies.
    #[error(
        "mesh configs disagree on the outbound policy: {first} ({first_policy}) and {other} ({other_policy}); pass one with --mesh-config"
    )]
    MeshConfigsDisagree {
        /// Where the first one starts.
        first: Box<Origin>,
        /// Its policy.
        first_policy: OutboundPolicy,
        /// Where the disagreeing one starts.
        other: Box<Origin>,
        /// Its policy.
        other_policy: OutboundPolicy,
    },
}

/// A document Istio would not admit, named for people (stderr) and programs (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedResource {
    /// `file:line:column` of the field to blame.
    pub origin: String,
    /// `Kind namespace/name`, when the document got that far.
    pub resource: Option<String>,
    /// The admission rule, e.g. `MSH101`.
    pub code: &'static str,
    /// Istio's reason.
    pub message: String,
}

impl std::fmt::Display for RejectedResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(resource) = &self.resource {
            write!(f, "{resource}: ")?;
        }
        write!(f, "{} {}", self.code, self.message)
    }
}

/// A document replaced by a later one with the same kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplacedResource {
    /// Where the replaced document starts.
    pub origin: String,
    /// `Kind namespace/name`.
    pub resource: String,
    /// Where the document that replaces it starts.
    pub replaced_by: String,
}

/// The inputs as Istio would hold them, with the mesh settings in force.
#[derive(Debug, Clone)]
pub struct Workspace {
    inputs: Inputs,
    admitted: Inputs,
    admission: Vec<Diagnostic>,
    rejected: Vec<RejectedResource>,
    replaced: Vec<ReplacedResource>,
    mesh: MeshSettings,
    dns_capture: bool,
}

impl Workspace {
    /// Runs the pipeline on `sources`.
    ///
    /// # Errors
    /// [`WorkspaceError`] when an input cannot be read or the mesh settings are ambiguous;
    /// invalid documents are not errors but rejected resources.
    pub fn load(sources: &Sources) -> Result<Workspace, WorkspaceError> {
        Self::load_walking(sources, &WalkOptions::default())
    }

    /// [`Workspace::load`], with directories walked as `walk` says (`check --exclude`,
    /// `--no-ignore`); the other commands read what ignore files and hidden names leave.
    ///
    /// # Errors
    /// As [`Workspace::load`], and [`SourceError::BadExclude`] for a glob that does not parse.
    pub fn load_walking(
        sources: &Sources,
        walk: &WalkOptions,
    ) -> Result<Workspace, WorkspaceError> {
        let mut options = sources.load_options();
        options.walk = walk.clone();
        let mut inputs = load::load_paths(&sources.paths, &options)?;
        if let Some(file) = &sources.mesh_config {
            inputs.mesh_configs = load_mesh_config(file, &options)?;
        }
        Self::from_inputs(inputs, sources.outbound_policy)
    }

    /// Runs steps 2 and 3 on inputs already read (tests, generated documents).
    ///
    /// # Errors
    /// [`WorkspaceError::MeshConfigsDisagree`].
    pub fn from_inputs(
        inputs: Inputs,
        outbound_policy: Option<OutboundPolicy>,
    ) -> Result<Workspace, WorkspaceError> {
        let admission = rules::admission(&inputs);
        let mut rejected = rejections(&admission.rejecting);
        let mut admitted = Inputs {
            service_entries: admit(&inputs.service_entries, &admission.rejected),
            sidecars: admit(&inputs.sidecars, &admission.rejected),
            services: admit(&inputs.services, &admission.rejected),
            endpoints: admit(&inputs.endpoints, &admission.rejected),
            endpoint_slices: admit(&inputs.endpoint_slices, &admission.rejected),
            virtual_services: admit(&inputs.virtual_services, &admission.rejected),
            destination_rules: admit(&inputs.destination_rules, &admission.rejected),
            gateways: admit(&inputs.gateways, &admission.rejected),
            authorization_policies: admit(&inputs.authorization_policies, &admission.rejected),
            mesh_configs: inputs.mesh_configs.clone(),
            others: Vec::new(),
            problems: Vec::new(),
            skipped: Vec::new(),
            unread: Vec::new(),
            files: inputs.files.clone(),
            roots: inputs.roots.clone(),
        };
        let mut replaced = last_applied_wins(&mut admitted.service_entries);
        replaced.extend(last_applied_wins(&mut admitted.sidecars));
        replaced.extend(last_applied_wins(&mut admitted.services));
        replaced.extend(last_applied_wins(&mut admitted.endpoints));
        replaced.extend(last_applied_wins(&mut admitted.endpoint_slices));
        replaced.extend(last_applied_wins(&mut admitted.virtual_services));
        replaced.extend(last_applied_wins(&mut admitted.destination_rules));
        replaced.extend(last_applied_wins(&mut admitted.gateways));
        replaced.extend(last_applied_wins(&mut admitted.authorization_policies));
        rejected.sort_by(|a, b| a.origin.cmp(&b.origin));
        let mesh = mesh_settings(&admitted, outbound_policy)?;
        let dns_capture = admitted.mesh_dns_capture();
        Ok(Workspace {
            inputs,
            admitted,
            admission: admission.findings,
            rejected,
            replaced,
            mesh,
            dns_capture,
        })
    }

    /// Everything read, rejected documents and other kinds included (what `check` lints).
    #[must_use]
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The resources Istio would admit: all the engine ever compiles.
    #[must_use]
    pub fn admitted(&self) -> &Inputs {
        &self.admitted
    }

    /// The MSH0xx and MSH1xx findings behind [`Workspace::rejected`] (and admission warnings).
    #[must_use]
    pub fn admission(&self) -> &[Diagnostic] {
        &self.admission
    }

    /// Documents Istio would reject, one entry per rejecting finding.
    #[must_use]
    pub fn rejected(&self) -> &[RejectedResource] {
        &self.rejected
    }

    /// Documents replaced by a later one of the same kind, namespace and name.
    #[must_use]
    pub fn replaced(&self) -> &[ReplacedResource] {
        &self.replaced
    }

    /// The mesh settings in force, with where the outbound policy came from.
    #[must_use]
    pub fn mesh(&self) -> &MeshSettings {
        &self.mesh
    }

    /// True when nothing Istio-shaped was admitted: no ServiceEntry, Sidecar or mesh config.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.admitted.service_entries.is_empty()
            && self.admitted.sidecars.is_empty()
            && self.admitted.mesh_configs.is_empty()
    }

    /// `workload` as this mesh runs it: DNS proxying is on when the workload or the mesh config
    /// turns it on.
    #[must_use]
    pub fn in_mesh(&self, mut workload: Workload) -> Workload {
        workload.dns_capture |= self.dns_capture;
        workload
    }

    /// The rules' view of this workspace, with the documented thresholds: every document read
    /// (so rejected ones get their admission findings), the mesh settings in force, and DNS
    /// proxying as the mesh config sets it. Callers adjust thresholds and DNS facts.
    #[must_use]
    pub fn lint_context(&self) -> rules::Context<'_> {
        let mut cx = rules::Context::new(&self.inputs);
        cx.mesh = self.mesh.clone();
        cx.dns_capture = self.dns_capture;
        cx
    }

    /// The gateway workloads of the admitted resources, for following a connection past the
    /// sidecar.
    #[must_use]
    pub fn gateways(&self) -> engine::Gateways<'_> {
        engine::Gateways::new(engine::Resources::from_inputs(
            &self.admitted,
            self.mesh.clone(),
        ))
    }

    /// Compiles the sidecar view of `workload` (after [`Workspace::in_mesh`]) from the admitted
    /// resources.
    #[must_use]
    pub fn compile(&self, workload: &Workload) -> Registry {
        engine::compile(
            &engine::Resources::from_inputs(&self.admitted, self.mesh.clone()),
            workload,
        )
    }
}

/// Loads the `--mesh-config` file: it must be valid and hold a mesh configuration.
pub(crate) fn load_mesh_config(
    file: &std::path::Path,
    options: &LoadOptions,
) -> Result<Vec<Loaded<crate::model::MeshConfig>>, WorkspaceError> {
    let path = file.display().to_string();
    let mesh = load::load_paths(&[file.to_path_buf()], options)?
        .into_valid()
        .map_err(|problem| WorkspaceError::MeshConfigInvalid {
            path: path.clone(),
            problem: Box::new(problem),
        })?;
    if mesh.mesh_configs.is_empty() {
        return Err(WorkspaceError::NoMeshConfig(path));
    }
    Ok(mesh.mesh_configs)
}

/// The outbound policy in force: the flag, else the mesh configs (which must agree), else
/// meshctl's default.
fn mesh_settings(
    inputs: &Inputs,
    flag: Option<OutboundPolicy>,
) -> Result<MeshSettings, WorkspaceError> {
    let mut settings = match inputs.mesh_configs.as_slice() {
        [] => MeshSettings::default(),
        [first, rest @ ..] => {
            let settings = MeshSettings::from_mesh_config(first);
            let disagreeing = rest.iter().find_map(|m| {
                let other = MeshSettings::from_mesh_config(m);
                (other.outbound_policy != settings.outbound_policy).then_some((m, other))
            });
            // Even with `--outbound-policy` the mesh configs would still disagree on what the
            // policy *is* in the cluster; only `--mesh-config` says which one is meant.
            if let Some((other, other_settings)) = disagreeing {
                return Err(WorkspaceError::MeshConfigsDisagree {
                    first: Box::new(first.origin.clone()),
                    first_policy: settings.outbound_policy,
                    other: Box::new(other.origin.clone()),
                    other_policy: other_settings.outbound_policy,
                });
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

/// The rejected documents, named by the admission findings that keep them out.
fn rejections(findings: &[Diagnostic]) -> Vec<RejectedResource> {
    findings
        .iter()
        .map(|d| RejectedResource {
            origin: d.origin.to_string(),
            resource: d.resource.clone(),
            code: d.rule.code(),
            message: d.message.clone(),
        })
        .collect()
}

/// The loaded resources Istio would admit, in input order (cloned in parallel: a large
/// repository's entries are most of the pipeline's work after parsing).
fn admit<T: Clone + Send + Sync>(
    loaded: &[Loaded<T>],
    rejected: &std::collections::BTreeSet<Origin>,
) -> Vec<Loaded<T>> {
    loaded
        .par_iter()
        .filter(|l| !rejected.contains(&l.origin))
        .cloned()
        .collect()
}

/// Keeps the last of the documents that share kind, namespace and name, in input order, and
/// names the ones it drops.
fn last_applied_wins<T: Resource>(loaded: &mut Vec<Loaded<T>>) -> Vec<ReplacedResource> {
    // Each key is built once: formatting it again per lookup was a third of this step.
    let keys: Vec<String> = loaded.iter().map(|l| l.resource.key()).collect();
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        last.insert(key, i);
    }
    let mut replaced = Vec::new();
    let mut index = 0;
    let winners: Vec<Origin> = keys
        .iter()
        .map(|key| loaded[last[key.as_str()]].origin.clone())
        .collect();
    loaded.retain(|l| {
        let keep = winners[index] == l.origin;
        if !keep {
            replaced.push(ReplacedResource {
                origin: l.origin.to_string(),
                resource: l.resource.describe(),
                replaced_by: winners[index].to_string(),
            });
        }
        index += 1;
        keep
    });
    replaced
}

#[cfg(test)]
mod tests;
