//! What the proxy enforces — a compiled [`Registry`] with its generation and sources — and
//! the one pipeline that produces it, for the first load and every reload alike:
//! load (the same loader as `check`/`simulate`) → lint (`rules::check`, Error findings block)
//! → compile (`engine::compile`). The result travels to every connection through a
//! `watch` channel as an `Arc<Policy>`; readers never lock.
//!
//! Generation 0 is the empty policy the proxy starts with before anything is loaded: it
//! compiles no entries under `REGISTRY_ONLY`, so it fails closed, and `/ready` says 503.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use meshctl_core::engine::{self, MeshSettings, Registry, Workload};
use meshctl_core::model::OutboundPolicy;
use meshctl_core::rules::{self, RuleSelection, Severity};
use meshctl_core::workspace as config;

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
        let config = engine::Config {
            service_entries: &[],
            sidecars: &[],
            mesh: MeshSettings::default(),
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
    /// `-f` paths.
    pub paths: Vec<PathBuf>,
    /// `--mesh-config`.
    pub mesh_config: Option<PathBuf>,
    /// `--outbound-policy`.
    pub outbound_policy: Option<OutboundPolicy>,
    /// How to load (`-n` sets the namespace of resources that name none).
    pub load: meshctl_core::load::LoadOptions,
    /// The workload whose sidecar is modelled.
    pub workload: Workload,
}

impl Source {
    /// Every file or directory whose change means a reload.
    #[must_use]
    pub fn watched(&self) -> Vec<PathBuf> {
        self.paths
            .iter()
            .chain(self.mesh_config.iter())
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect()
    }
}

/// Why a configuration was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Rejected {
    /// Unreadable or invalid input.
    #[error("{0:#}")]
    Load(anyhow::Error),
    /// `rules::check` found errors.
    #[error("{count} lint error(s): {quoted}")]
    Lint {
        /// How many Error-severity findings.
        count: usize,
        /// The first few, `file:line:col: MSH401 message`.
        quoted: String,
    },
}

/// Loads, lints and compiles; `generation` is stamped on the result.
pub fn build(source: &Source, generation: u64) -> Result<Policy, Rejected> {
    let loaded = config::load_inputs(&source.paths, source.mesh_config.as_deref(), &source.load)
        .map_err(Rejected::Load)?;
    let mesh = config::mesh_settings(&loaded, source.outbound_policy).map_err(Rejected::Load)?;
    let mut cx = rules::Context::new(&loaded);
    cx.mesh = mesh.clone();
    let workload = config::in_mesh(source.workload.clone(), &loaded);
    cx.dns_capture = workload.dns_capture;
    let errors: Vec<String> = rules::check(&cx, &RuleSelection::default())
        .into_iter()
        .filter(|d| d.severity >= Severity::Error)
        .map(|d| format!("{}: {} {}", d.origin, d.rule.code(), d.message))
        .collect();
    if !errors.is_empty() {
        let mut quoted = errors
            .iter()
            .take(QUOTED_ERRORS)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        if errors.len() > QUOTED_ERRORS {
            quoted.push_str("; …");
        }
        return Err(Rejected::Lint {
            count: errors.len(),
            quoted,
        });
    }
    let registry = engine::compile(&engine::Config::from_inputs(&loaded, mesh), &workload);
    Ok(Policy {
        registry,
        generation,
        sources: loaded.files.iter().map(ToString::to_string).collect(),
        loaded_at: SystemTime::now(),
    })
}
