//! Which services a workload's sidecar knows about: Sidecar selection (istio/istio
//! pilot/pkg/model/push_context.go `doGetSidecarScope`), egress host imports
//! (pilot/pkg/model/sidecar.go `selectServices`), exportTo visibility (push_context.go
//! `IsServiceVisible`), and the outbound policy in effect (the Sidecar's own, else the mesh's:
//! istio/api networking/v1alpha3/sidecar.proto `OutboundTrafficPolicy`).
//!
//! This file only answers questions ("which Sidecar", "is this host imported by that egress
//! listener", "is this entry visible here"); expanding entries into services and building
//! listeners is `build`'s job.

use std::fmt;

use super::host::HostPattern;
use super::input::{Resources, Workload};
use super::order::parse_timestamp;
use crate::load::{Loaded, Origin};
use crate::model::{OutboundPolicy, Sidecar};

/// Why a Sidecar applies to the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarChoice {
    /// Its `workloadSelector` labels are a subset of the pod's (oldest such Sidecar wins).
    Selector,
    /// The namespace's Sidecar without selector.
    NamespaceDefault,
    /// The root namespace's Sidecar without selector.
    RootDefault,
}

/// The Sidecar resource in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarRef {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Where it was written.
    pub origin: Origin,
    /// Why it applies.
    pub choice: SidecarChoice,
}

impl fmt::Display for SidecarRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sidecar {}/{}", self.namespace, self.name)
    }
}

/// The namespace half of an egress host.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NsPattern {
    /// `*`.
    Any,
    /// A namespace (`.` already replaced by the workload's namespace).
    Named(String),
    /// `~` (and, from Istio 1.31, `~ns` exclusions, which meshctl does not subtract): nothing.
    Nothing,
}

/// One `namespace/host` import.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Import {
    namespace: NsPattern,
    host: HostPattern,
}

/// One Sidecar egress listener (or the implicit `*/*` one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Egress {
    /// The port it is restricted to (and locks against the catch-all listener).
    pub(crate) port: Option<u16>,
    imports: Vec<Import>,
}

impl Egress {
    fn everything() -> Self {
        Self {
            port: None,
            imports: vec![Import {
                namespace: NsPattern::Any,
                host: HostPattern::Any,
            }],
        }
    }

    /// True when a service of `namespace` with lower-case `host` is imported.
    pub(crate) fn imports(&self, namespace: &str, host: &str) -> bool {
        self.imports.iter().any(|import| {
            let ns_ok = match &import.namespace {
                NsPattern::Any => true,
                NsPattern::Named(name) => name == namespace,
                NsPattern::Nothing => false,
            };
            ns_ok && import.host.imports(host)
        })
    }
}

/// The workload's view of the mesh.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// The Sidecar in effect, `None` for the implicit default scope.
    pub(crate) sidecar: Option<SidecarRef>,
    /// Egress listeners, port-specific ones first, then the catch-all (at most one in valid
    /// configs), each group in declaration order.
    pub(crate) egress: Vec<Egress>,
    /// The outbound policy in effect and where it came from.
    pub(crate) policy: OutboundPolicy,
    pub(crate) policy_source: String,
}

/// Selects the Sidecar and resolves its imports and policy.
pub(crate) fn resolve(
    config: &Resources<'_>,
    workload: &Workload,
    notes: &mut Vec<String>,
) -> Scope {
    let mut scope = Scope {
        sidecar: None,
        egress: vec![Egress::everything()],
        policy: config.mesh.outbound_policy,
        policy_source: config.mesh.policy_source.clone(),
    };
    let Some((sidecar, choice)) = select(config, workload) else {
        return scope;
    };
    let meta = &sidecar.resource.metadata;
    let reference = SidecarRef {
        namespace: meta.namespace().to_owned(),
        name: meta.name.clone(),
        origin: sidecar.origin.clone(),
        choice,
    };
    let spec = &sidecar.resource.spec;
    if let Some(mode) = spec.outbound_traffic_policy.as_ref().and_then(|p| p.mode) {
        scope.policy = mode;
        scope.policy_source = format!(
            "{reference} at {}",
            sidecar.locate("spec.outboundTrafficPolicy.mode")
        );
    }
    if !spec.egress.is_empty() {
        let mut listeners: Vec<(bool, Egress)> = Vec::new();
        for (i, listener) in spec.egress.iter().enumerate() {
            let port = match listener.port.as_ref().map(|p| p.number) {
                None | Some(0) => None,
                Some(number) => {
                    if let Ok(port) = u16::try_from(number) {
                        Some(port)
                    } else {
                        notes.push(format!(
                            "{reference}: egress[{i}] port {number} is out of range; listener ignored"
                        ));
                        continue;
                    }
                }
            };
            let imports = listener
                .hosts
                .iter()
                .filter_map(|raw| parse_import(raw, &workload.namespace, &reference, notes))
                .collect();
            listeners.push((port.is_none(), Egress { port, imports }));
        }
        // Stable: port-specific listeners keep their order, then the catch-all.
        listeners.sort_by_key(|(catch_all, _)| *catch_all);
        scope.egress = listeners.into_iter().map(|(_, e)| e).collect();
    }
    scope.sidecar = Some(reference);
    scope
}

fn parse_import(
    raw: &str,
    workload_ns: &str,
    sidecar: &SidecarRef,
    notes: &mut Vec<String>,
) -> Option<Import> {
    let Some((ns, host)) = raw.trim().split_once('/') else {
        notes.push(format!(
            "{sidecar}: egress host `{raw}` is not namespace/host; ignored"
        ));
        return None;
    };
    // `.` means the workload's namespace: for a namespace-local Sidecar that is its own
    // namespace, and for the root-namespace default it is each workload's namespace, which is
    // how the documented `./*` + `istio-system/*` mesh default works.
    let namespace = match ns {
        "*" => NsPattern::Any,
        "." => NsPattern::Named(workload_ns.to_owned()),
        ns if ns.starts_with('~') => NsPattern::Nothing,
        ns => NsPattern::Named(ns.to_owned()),
    };
    Some(Import {
        namespace,
        host: HostPattern::parse(host),
    })
}

/// Oldest first; a missing timestamp is the zero time (see `order`), then name.
fn age_key(sidecar: &Loaded<Sidecar>) -> (i64, &str) {
    let meta = &sidecar.resource.metadata;
    let created = meta.creation_timestamp.as_deref().and_then(parse_timestamp);
    (created.unwrap_or(i64::MIN), meta.name.as_str())
}

fn select<'c>(
    config: &Resources<'c>,
    workload: &Workload,
) -> Option<(&'c Loaded<Sidecar>, SidecarChoice)> {
    fn in_ns<'c, 'n>(
        sidecars: &'c [Loaded<Sidecar>],
        ns: &'n str,
    ) -> impl Iterator<Item = &'c Loaded<Sidecar>> + use<'c, 'n> {
        sidecars
            .iter()
            .filter(move |s| s.resource.metadata.namespace() == ns)
    }
    let ns = workload.namespace.as_str();
    let by_selector = in_ns(config.sidecars, ns)
        .filter(|s| {
            s.resource
                .spec
                .workload_selector
                .as_ref()
                .is_some_and(|sel| sel.matches(&workload.labels))
        })
        .min_by(|a, b| age_key(a).cmp(&age_key(b)));
    if let Some(sidecar) = by_selector {
        return Some((sidecar, SidecarChoice::Selector));
    }
    let default_in = |ns: &str| {
        in_ns(config.sidecars, ns)
            .filter(|s| s.resource.spec.workload_selector.is_none())
            .min_by(|a, b| age_key(a).cmp(&age_key(b)))
    };
    if let Some(sidecar) = default_in(ns) {
        return Some((sidecar, SidecarChoice::NamespaceDefault));
    }
    default_in(&config.mesh.root_namespace).map(|s| (s, SidecarChoice::RootDefault))
}

/// How an entry is visible from the proxy's namespace (istio/istio
/// pilot/pkg/model/push_context.go `IsServiceVisible`, `servicesExportedToNamespace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    /// `.` in its own namespace, or naming the proxy's namespace: processed first.
    Explicit,
    /// `*`.
    Public,
    /// Not exported here.
    Hidden,
}

/// Applies `exportTo` (or the mesh default when empty).
pub(crate) fn visibility(
    entry_ns: &str,
    export_to: &[String],
    mesh_default: &[String],
    proxy_ns: &str,
) -> Visibility {
    let list = if export_to.is_empty() {
        mesh_default
    } else {
        export_to
    };
    if list.is_empty() {
        return Visibility::Public;
    }
    let explicit = list
        .iter()
        .any(|e| (e == "." && entry_ns == proxy_ns) || e == proxy_ns);
    if explicit {
        Visibility::Explicit
    } else if list.iter().any(|e| e == "*") {
        Visibility::Public
    } else {
        Visibility::Hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_to_visibility() {
        let v = |export: &[&str], default: &[&str], entry_ns, proxy_ns| {
            let export: Vec<String> = export.iter().map(|s| (*s).to_owned()).collect();
            let default: Vec<String> = default.iter().map(|s| (*s).to_owned()).collect();
            visibility(entry_ns, &export, &default, proxy_ns)
        };
        assert_eq!(v(&[], &["*"], "a", "b"), Visibility::Public);
        assert_eq!(v(&[], &[], "a", "b"), Visibility::Public);
        assert_eq!(v(&["."], &["*"], "a", "a"), Visibility::Explicit);
        assert_eq!(v(&["."], &["*"], "a", "b"), Visibility::Hidden);
        assert_eq!(v(&["~"], &["*"], "a", "a"), Visibility::Hidden);
        assert_eq!(v(&["b", "c"], &["*"], "a", "b"), Visibility::Explicit);
        assert_eq!(v(&["c"], &["*"], "a", "b"), Visibility::Hidden);
        assert_eq!(v(&[], &["."], "a", "b"), Visibility::Hidden);
    }
}
