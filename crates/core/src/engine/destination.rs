//! Which DestinationRule shapes a cluster, and what it makes of it: subsets (one cluster each,
//! `outbound|<port>|<subset>|<host>`), the upstream transport and CONNECT tunnelling.
//!
//! Selection follows istio/istio pilot/pkg/model/push_context.go `destinationRule`: the proxy's
//! own namespace first (any rule there), then rules the service's namespace exports to the
//! proxy's, then rules the root namespace exports; within a namespace the most specific host
//! wins (`MostSpecificHostMatch`: the exact name, else the longest wildcard). A rule with a
//! `workloadSelector` applies only to the workloads it selects in its own namespace. Transport
//! settings follow pilot/pkg/networking/core/cluster_tls.go: a subset's policy over the
//! rule's, a port-level setting over the whole policy, and `ISTIO_MUTUAL` sends the SNI
//! `outbound_.<port>_.<subset>_.<host>` unless the rule names one.

use std::sync::Arc;
use std::time::Duration;

use super::input::{Resources, Workload};
use super::scope::{Visibility, visibility};
use crate::load::Loaded;
use crate::model::{ClientTls, DestinationRule, TcpSettings, TrafficPolicy};

/// How a cluster talks to its upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// The client's bytes as they are.
    Plaintext,
    /// Istio's automatic mTLS: mutual TLS to endpoints that run a sidecar, plaintext to the
    /// others (an in-mesh service without a TLS setting).
    AutoMtls,
    /// `ISTIO_MUTUAL`: mTLS with the mesh's certificates.
    IstioMutual {
        /// The SNI sent.
        sni: Arc<str>,
    },
    /// `SIMPLE` or `MUTUAL`: the sidecar originates TLS to the upstream.
    Originate {
        /// True for `MUTUAL` (a client certificate).
        mutual: bool,
        /// The SNI sent, when the rule names one.
        sni: Option<Arc<str>>,
        /// Names the upstream certificate must carry.
        subject_alt_names: Vec<Arc<str>>,
    },
}

impl Transport {
    /// `plaintext`, `auto mTLS`, `ISTIO_MUTUAL mTLS`, `TLS origination (SIMPLE)`, ….
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Transport::Plaintext => "plaintext".into(),
            Transport::AutoMtls => "auto mTLS (mTLS to sidecar endpoints, else plaintext)".into(),
            Transport::IstioMutual { sni } => format!("ISTIO_MUTUAL mTLS, SNI {sni}"),
            Transport::Originate {
                mutual,
                sni,
                subject_alt_names,
            } => {
                let mode = if *mutual { "MUTUAL" } else { "SIMPLE" };
                let mut text = match sni {
                    Some(sni) => format!("TLS origination ({mode}), SNI {sni}"),
                    None => format!("TLS origination ({mode}), no SNI"),
                };
                if !subject_alt_names.is_empty() {
                    let names: Vec<&str> = subject_alt_names.iter().map(|n| &**n).collect();
                    text.push_str(", SAN ");
                    text.push_str(&names.join(", "));
                }
                text
            }
        }
    }

    /// True when the sidecar starts a TLS handshake of its own toward the upstream.
    #[must_use]
    pub fn originates_tls(&self) -> bool {
        matches!(
            self,
            Transport::Originate { .. } | Transport::IstioMutual { .. }
        )
    }
}

/// `trafficPolicy.tunnel`: the cluster is a forward proxy, asked to CONNECT to this target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunnelTarget {
    /// `host:port` sent in the CONNECT request.
    pub authority: Arc<str>,
    /// `CONNECT` or `POST`.
    pub protocol: Arc<str>,
}

/// `connectionPool.tcp` as the sidecar enforces it on one cluster: Envoy's circuit breaker
/// (`max_connections`), the cluster's `connect_timeout` and upstream keepalive (istio/istio
/// pilot/pkg/networking/core/cluster_traffic_policy.go `applyConnectionPool`), and the
/// `tcp_proxy` idle timeout, which istiod reads from the rule's top-level policy only
/// (pilot/pkg/networking/core/networkfilter.go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// At most this many connections to the cluster at once; one more is closed at once and
    /// counted as overflow.
    pub max_connections: Option<u32>,
    /// How long a connect may take.
    pub connect_timeout: Option<Duration>,
    /// How long a connection may be idle.
    pub idle_timeout: Option<Duration>,
    /// Keepalive probes on the upstream socket.
    pub keepalive: Option<Keepalive>,
}

/// `connectionPool.tcp.tcpKeepalive`; unset fields keep the system's values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keepalive {
    /// Idle time before the first probe.
    pub time: Option<Duration>,
    /// Time between probes.
    pub interval: Option<Duration>,
    /// Unanswered probes before the connection is dropped.
    pub probes: Option<u32>,
}

impl ConnectionLimits {
    /// True when nothing is limited.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == ConnectionLimits::default()
    }
}

/// A duration as Istio reads one from YAML (Go's syntax: `10s`, `0.5s`, `1h2m`, `250ms`), the
/// same reading the schema's checks make; negative durations are none.
#[must_use]
pub fn parse_duration(text: &str) -> Option<Duration> {
    crate::schema::parse_go_duration(text.trim())
        .and_then(|ns| u64::try_from(ns).ok())
        .map(Duration::from_nanos)
}

/// The DestinationRule that shaped a cluster, for the hop's deciding resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// `namespace/name`.
    pub name: Arc<str>,
    /// Where it is written.
    pub origin: crate::load::Origin,
}

/// The DestinationRule in force for one host, as a proxy sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chosen<'c> {
    pub(crate) rule: &'c Loaded<DestinationRule>,
}

impl<'c> Chosen<'c> {
    /// The transport of cluster `outbound|port|subset|host`.
    pub(crate) fn transport(
        self,
        host: &str,
        port: u16,
        subset: Option<&str>,
        internal: bool,
    ) -> Transport {
        let spec = &self.rule.resource.spec;
        let tls = self
            .subset_policy(subset)
            .and_then(|p| tls_for_port(p, port))
            .or_else(|| {
                spec.traffic_policy
                    .as_ref()
                    .and_then(|p| tls_for_port(p, port))
            });
        transport_of(tls, host, port, subset, internal)
    }

    /// The connection limits of cluster `outbound|port|subset|host`: the subset's pool over the
    /// rule's, a port-level pool over the whole policy's, field by field.
    pub(crate) fn limits(self, port: u16, subset: Option<&str>) -> Option<Arc<ConnectionLimits>> {
        let spec = &self.rule.resource.spec;
        let layers: Vec<&TcpSettings> = [spec.traffic_policy.as_ref(), self.subset_policy(subset)]
            .into_iter()
            .flatten()
            .flat_map(|policy| {
                let whole = policy.connection_pool.as_ref().and_then(|p| p.tcp.as_ref());
                let port_level = policy
                    .port_level_settings
                    .iter()
                    .find(|p| p.port.as_ref().is_some_and(|s| s.number == u32::from(port)))
                    .and_then(|p| p.connection_pool.as_ref())
                    .and_then(|p| p.tcp.as_ref());
                [whole, port_level]
            })
            .flatten()
            .collect();
        let mut limits = ConnectionLimits::default();
        for tcp in layers {
            if let Some(max) = tcp
                .max_connections
                .and_then(|m| u32::try_from(m).ok())
                .filter(|m| *m > 0)
            {
                limits.max_connections = Some(max);
            }
            if let Some(timeout) = tcp.connect_timeout.as_deref().and_then(parse_duration) {
                limits.connect_timeout = Some(timeout);
            }
            if let Some(keepalive) = tcp.tcp_keepalive.as_ref().map(keepalive_of) {
                limits.keepalive = Some(keepalive);
            }
        }
        limits.idle_timeout = spec
            .traffic_policy
            .as_ref()
            .and_then(|p| p.connection_pool.as_ref())
            .and_then(|p| p.tcp.as_ref())
            .and_then(|t| t.idle_timeout.as_deref())
            .and_then(parse_duration);
        (!limits.is_empty()).then(|| Arc::new(limits))
    }

    /// The traffic policy of subset `subset`, when the rule names one.
    fn subset_policy(self, subset: Option<&str>) -> Option<&'c TrafficPolicy> {
        let name = subset?;
        self.rule
            .resource
            .spec
            .subsets
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.traffic_policy.as_ref())
    }

    /// The rule's name and origin.
    pub(crate) fn reference(self) -> Arc<RuleRef> {
        let meta = &self.rule.resource.metadata;
        Arc::new(RuleRef {
            name: Arc::from(format!("{}/{}", meta.namespace(), meta.name)),
            origin: self.rule.origin.clone(),
        })
    }

    /// The tunnel the rule asks for (top level; subsets do not change it).
    pub(crate) fn tunnel(self) -> Option<TunnelTarget> {
        let tunnel = self
            .rule
            .resource
            .spec
            .traffic_policy
            .as_ref()?
            .tunnel
            .as_ref()?;
        Some(TunnelTarget {
            authority: Arc::from(format!("{}:{}", tunnel.target_host, tunnel.target_port)),
            protocol: Arc::from(tunnel.protocol.as_deref().unwrap_or("CONNECT")),
        })
    }
}

fn keepalive_of(value: &serde_json::Value) -> Keepalive {
    let duration = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(parse_duration)
    };
    Keepalive {
        time: duration("time"),
        interval: duration("interval"),
        probes: value
            .get("probes")
            .and_then(serde_json::Value::as_u64)
            .and_then(|p| u32::try_from(p).ok()),
    }
}

/// The transport of a cluster no rule shapes: auto mTLS inside the mesh, plaintext outside.
pub(crate) fn default_transport(internal: bool) -> Transport {
    if internal {
        Transport::AutoMtls
    } else {
        Transport::Plaintext
    }
}

fn tls_for_port(policy: &TrafficPolicy, port: u16) -> Option<&ClientTls> {
    policy
        .port_level_settings
        .iter()
        .find(|p| p.port.as_ref().is_some_and(|s| s.number == u32::from(port)))
        .and_then(|p| p.tls.as_ref())
        .or(policy.tls.as_ref())
}

fn transport_of(
    tls: Option<&ClientTls>,
    host: &str,
    port: u16,
    subset: Option<&str>,
    internal: bool,
) -> Transport {
    let Some(tls) = tls else {
        return default_transport(internal);
    };
    let sni = tls.sni.as_deref().filter(|s| !s.is_empty()).map(Arc::from);
    match tls.mode.as_deref().unwrap_or("DISABLE") {
        "ISTIO_MUTUAL" => Transport::IstioMutual {
            sni: sni.unwrap_or_else(|| {
                Arc::from(format!(
                    "outbound_.{port}_.{}_.{host}",
                    subset.unwrap_or("")
                ))
            }),
        },
        mode @ ("SIMPLE" | "MUTUAL") => Transport::Originate {
            mutual: mode == "MUTUAL",
            sni,
            subject_alt_names: tls
                .subject_alt_names
                .iter()
                .map(|s| Arc::from(s.as_str()))
                .collect(),
        },
        _ => Transport::Plaintext,
    }
}

/// The rule for `host` (a service of namespace `service_ns`) as the workload sees it.
pub(crate) fn choose<'c>(
    config: &Resources<'c>,
    workload: &Workload,
    host: &str,
    service_ns: &str,
) -> Option<Chosen<'c>> {
    let rules = config.in_mesh.destination_rules;
    let proxy_ns = workload.namespace.as_str();
    let root = config.mesh.root_namespace.as_str();
    let applies = |rule: &&Loaded<DestinationRule>| {
        let spec = &rule.resource.spec;
        spec.workload_selector.as_ref().is_none_or(|selector| {
            rule.resource.metadata.namespace() == proxy_ns
                && selector
                    .match_labels
                    .iter()
                    .all(|(k, v)| workload.labels.get(k) == Some(v))
        })
    };
    let in_ns = |ns: &str, exported_only: bool| {
        let candidates = rules.iter().filter(|r| {
            r.resource.metadata.namespace() == ns
                && applies(r)
                && (!exported_only
                    || visibility(ns, &r.resource.spec.export_to, &[], proxy_ns)
                        != Visibility::Hidden)
        });
        most_specific(candidates, host, ns)
    };
    let local = if proxy_ns == root {
        in_ns(root, false)
    } else {
        in_ns(proxy_ns, false)
    };
    local
        .or_else(|| in_ns(service_ns, true))
        .or_else(|| in_ns(root, true))
        .map(|rule| Chosen { rule })
}

/// The rule whose host is the most specific match for `host`: the exact name, else the
/// longest wildcard covering it; the oldest (then first written) among equals.
fn most_specific<'c>(
    rules: impl Iterator<Item = &'c Loaded<DestinationRule>>,
    host: &str,
    rule_ns: &str,
) -> Option<&'c Loaded<DestinationRule>> {
    let host = host.to_ascii_lowercase();
    let mut best: Option<(usize, &'c Loaded<DestinationRule>)> = None;
    for rule in rules {
        let pattern = qualify(&rule.resource.spec.host, rule_ns).to_ascii_lowercase();
        let rank = if pattern == host {
            usize::MAX
        } else if pattern == "*" {
            0
        } else if let Some(suffix) = pattern.strip_prefix('*') {
            if host.len() > suffix.len() && host.ends_with(suffix) {
                suffix.len()
            } else {
                continue;
            }
        } else {
            continue;
        };
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, rule));
        }
    }
    best.map(|(_, rule)| rule)
}

/// A host as Istio reads a short name in a rule of namespace `ns` (istio/istio
/// pilot/pkg/model/virtualservice.go `ResolveShortnameToFQDN`): a name without a dot is a
/// Service of that namespace.
#[must_use]
pub(crate) fn qualify(host: &str, ns: &str) -> String {
    let host = host.trim();
    if host.contains('.') || host.starts_with('*') || host.is_empty() {
        host.to_owned()
    } else {
        super::kube::service_host(host, ns)
    }
}
