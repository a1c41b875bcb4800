//! What the proxy enforces — a compiled [`Registry`] with its generation and sources — built
//! for the first load and every reload alike by the pipeline `check` and `simulate` use:
//! `Workspace::load` → refuse what Istio would reject (a failed `kubectl apply` leaves the
//! previous resources in place, so a reload keeps the previous generation) → lint findings are
//! logged, and refuse the configuration only with `--strict` → `Workspace::compile`. The result
//! travels to every connection through a `watch` channel as an `Arc<Policy>`; readers never
//! lock.
//!
//! Generation 0 is the empty policy the proxy starts with before anything is loaded: it
//! compiles no entries under `REGISTRY_ONLY`, so it fails closed, and `/ready` says 503.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use meshctl_core::engine::{self, MeshSettings, Registry, Workload};
use meshctl_core::rules::{self, RuleSelection, Severity};
use meshctl_core::workspace::Sources;

/// Most lint errors quoted in one rejection message.
const QUOTED_ERRORS: usize = 3;

/// A compiled configuration and where it came from.
#[derive(Debug)]
pub struct Policy {
    /// The compiled sidecar view the engine decides on.
    pub registry: Registry,
    /// 0 before the first load, then +1 per accepted change.
    pub generation: u64,
    /// Files the configuration was read from.
    pub sources: Vec<String>,
    /// When it was loaded.
    pub loaded_at: SystemTime,
}

impl Policy {
    /// The fail-closed placeholder served until the first configuration is loaded.
    #[must_use]
    pub fn empty(workload: &Workload) -> Arc<Policy> {
        let config = engine::Resources {
            service_entries: &[],
            sidecars: &[],
            mesh: MeshSettings::default(),
            in_mesh: engine::InMesh::default(),
        };
        Arc::new(Policy {
            registry: engine::compile(&config, workload),
            generation: 0,
            sources: Vec::new(),
            loaded_at: SystemTime::now(),
        })
    }

    /// True once a real configuration is in force.
    #[must_use]
    pub fn is_loaded(&self) -> bool {
        self.generation > 0
    }
}

/// Everything needed to (re)build the policy from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// `-f`, `--mesh-config`, `--outbound-policy`, `-n`.
    pub sources: Sources,
    /// The workload whose sidecar is modelled.
    pub workload: Workload,
    /// `--strict`: lint errors refuse a configuration too, not only what Istio would reject.
    pub strict: bool,
    /// `--mesh`: the mesh to enforce when the inputs hold several.
    pub mesh: Option<String>,
    /// Render kustomizations (`--no-kustomize` turns this off).
    pub kustomize: bool,
}

impl Source {
    /// Every file or directory whose change means a reload.
    #[must_use]
    pub fn watched(&self) -> Vec<PathBuf> {
        self.sources.watched()
    }
}

/// Why a configuration was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// Unreadable input or ambiguous mesh settings.
    #[error("{0}")]
    Load(#[from] meshctl_core::workspace::WorkspaceError),
    /// The meshes of the inputs could not be built, or `--mesh` does not pick one.
    #[error("{0}")]
    Mesh(meshctl_core::meshes::MeshError),
    /// Istio would not admit some resources.
    #[error("{count} resource(s) Istio would reject: {quoted}")]
    Admission {
        /// How many rejecting findings.
        count: usize,
        /// The first few, `file:line:col: Kind ns/name: MSH101 message`.
        quoted: String,
    },
    /// The build itself failed (a task that panicked or was cancelled).
    #[error("{0}")]
    Internal(String),
    /// `--strict` and `rules::check` found lint errors.
    #[error("{count} lint error(s) (--strict): {quoted}")]
    Lint {
        /// How many Error-severity findings.
        count: usize,
        /// The first few, `file:line:col: MSH401 message`.
        quoted: String,
    },
}

impl From<meshctl_core::meshes::MeshError> for Rejected {
    /// A workspace error stays [`Rejected::Load`], whichever mesh it came from.
    fn from(error: meshctl_core::meshes::MeshError) -> Self {
        match error {
            meshctl_core::meshes::MeshError::Workspace(error) => Rejected::Load(error),
            other => Rejected::Mesh(other),
        }
    }
}

/// Builds the workspace, refuses it when Istio would reject part of it (or, with `--strict`,
/// when it has lint errors), and compiles it; `generation` is stamped on the result. Lint
/// findings below that bar are returned for the caller to log.
pub fn build(source: &Source, generation: u64) -> Result<Accepted, Rejected> {
    let workspace = meshctl_core::meshes::load_one(
        &source.sources,
        &meshctl_core::load::WalkOptions::default(),
        &meshctl_core::meshes::ScopeOptions {
            configured: Vec::new(),
            kustomize: source.kustomize,
        },
        source.mesh.as_deref(),
    )?
    .workspace;
    if !workspace.rejected().is_empty() {
        let lines: Vec<String> = workspace
            .rejected()
            .iter()
            .map(ToString::to_string)
            .collect();
        return Err(Rejected::Admission {
            count: lines.len(),
            quoted: quote(&lines),
        });
    }
    let mut cx = workspace.lint_context();
    cx.dns_capture |= source.workload.dns_capture;
    let lint: Vec<String> = rules::check(&cx, &RuleSelection::default())
        .into_iter()
        .filter(|d| d.severity >= Severity::Error)
        .map(|d| format!("{}: {} {}", d.origin, d.rule.code(), d.message))
        .collect();
    if source.strict && !lint.is_empty() {
        return Err(Rejected::Lint {
            count: lint.len(),
            quoted: quote(&lint),
        });
    }
    let workload = workspace.in_mesh(source.workload.clone());
    let policy = Policy {
        registry: workspace.compile(&workload),
        generation,
        sources: workspace
            .inputs()
            .files
            .iter()
            .map(ToString::to_string)
            .collect(),
        loaded_at: SystemTime::now(),
    };
    Ok(Accepted {
        policy,
        lint_errors: lint,
        empty: workspace.is_empty(),
    })
}

/// An accepted configuration and the lint errors it was accepted with.
#[derive(Debug)]
pub struct Accepted {
    /// What to enforce.
    pub policy: Policy,
    /// `file:line:col: CODE message` of each Error-severity lint finding, for the log.
    pub lint_errors: Vec<String>,
    /// Istio would hold nothing: no ServiceEntry, Sidecar or mesh configuration was admitted.
    /// A reload refuses that (see `reload`), unless it is a deliberate REGISTRY_ONLY mesh config.
    pub empty: bool,
}

/// The first few lines, joined, with `…` when there are more.
fn quote(lines: &[String]) -> String {
    let mut quoted = lines
        .iter()
        .take(QUOTED_ERRORS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if lines.len() > QUOTED_ERRORS {
        quoted.push_str("; …");
    }
    quoted
}
