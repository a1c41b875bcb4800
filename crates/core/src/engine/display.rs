//! The one-line "why" of a decision, as `simulate` prints it and the proxy logs it. Istio's
//! names (listener, chain, cluster) are always spelled out so an operator can compare with
//! `istioctl proxy-config` and Envoy access logs (cluster names as istio/istio spells them:
//! pilot/pkg/networking/util/util.go, and `BuildSubsetKey` in pilot/pkg/model/service.go).

use std::fmt;

use super::decide::{Decision, DenyReason, Unmatched, Upstream};
use super::listener::{BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER};

impl fmt::Display for Unmatched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unmatched::NoListener => "no listener for this destination",
            Unmatched::NoChain => "no filter chain matches and the port has no match-all entry",
            Unmatched::HttpPort => {
                "HTTP port: its services are matched by Host header, which a TCP connection does not carry"
            }
        })
    }
}

impl fmt::Display for Upstream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, endpoints: &[super::listener::Endpoint]| {
            for (i, endpoint) in endpoints.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{endpoint}")?;
            }
            Ok(())
        };
        match self {
            Upstream::OriginalDst(addr) => write!(f, "original destination {addr}"),
            Upstream::Resolve {
                endpoints,
                round_robin,
            } => {
                f.write_str("resolve ")?;
                list(f, endpoints)?;
                if *round_robin {
                    f.write_str(" (DNS_ROUND_ROBIN: first address), not the dialled IP")
                } else {
                    f.write_str(" (DNS), not the dialled IP")
                }
            }
            Upstream::Static(endpoints) => {
                f.write_str("static endpoints ")?;
                list(f, endpoints)
            }
            Upstream::NoUpstream => {
                f.write_str("none: the cluster has no endpoints, the connection is closed")
            }
            Upstream::FromSni { port } => {
                write!(f, "the SNI name resolved per connection, port {port}")
            }
            Upstream::ServiceEndpoints([]) => {
                f.write_str("the Service's endpoints in the cluster (the inputs hold none)")
            }
            Upstream::ServiceEndpoints(endpoints) => {
                f.write_str("the Service's endpoints ")?;
                list(f, endpoints)
            }
        }
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Allow {
                entry,
                listener,
                chain,
                upstream,
            } => {
                write!(
                    f,
                    "ALLOW via {} {entry} (host {}): listener {} → chain {} → cluster {}; upstream: {upstream}",
                    entry.kind, chain.host, listener.name, chain.name, chain.cluster
                )?;
                if let Some(route) = &chain.route {
                    write!(
                        f,
                        "; routed by VirtualService {} {}",
                        route.source.virtual_service, route.source.path
                    )?;
                    if route.destinations.len() > 1 {
                        f.write_str(" (weighted:")?;
                        for (i, d) in route.destinations.iter().enumerate() {
                            let sep = if i == 0 { " " } else { ", " };
                            write!(f, "{sep}{} {}%", d.cluster, d.weight)?;
                        }
                        f.write_str(")")?;
                    }
                }
                if chain.transport.originates_tls() {
                    write!(f, "; transport {}", chain.transport.describe())?;
                }
                if let Some(tunnel) = &chain.tunnel {
                    write!(
                        f,
                        "; tunnelled ({} {}) through the cluster",
                        tunnel.protocol, tunnel.authority
                    )?;
                }
                if listener.is_sniffed() {
                    f.write_str("; port is protocol-sniffed: a server-first protocol will hang")?;
                }
                Ok(())
            }
            Decision::Passthrough {
                listener,
                chain,
                unmatched,
                policy,
                policy_source,
            } => write!(
                f,
                "PASSTHROUGH ({unmatched}; {policy} from {policy_source}): listener {listener} → chain {chain} → cluster {PASSTHROUGH_CLUSTER}"
            ),
            Decision::Deny {
                listener,
                chain,
                reason,
            } => {
                match reason {
                    DenyReason::RegistryOnly {
                        unmatched,
                        policy_source,
                    } => {
                        write!(f, "DENY ({unmatched}; REGISTRY_ONLY from {policy_source})")?;
                    }
                    DenyReason::LoopGuard { port } => write!(
                        f,
                        "DENY (loop guard: port {port} is the sidecar's own capture port)"
                    )?,
                    DenyReason::Undecidable { what } => {
                        return write!(f, "DENY (undecidable: {what})");
                    }
                    DenyReason::MissingCluster {
                        cluster,
                        virtual_service,
                    } => {
                        return write!(
                            f,
                            "DENY (VirtualService {virtual_service} routes to cluster {cluster}, which the sidecar does not have: Envoy closes the connection): listener {listener} → chain {chain} → cluster {cluster}"
                        );
                    }
                }
                write!(
                    f,
                    ": listener {listener} → chain {chain} → cluster {BLACKHOLE_CLUSTER}"
                )
            }
            Decision::Bypass { reason } => write!(
                f,
                "BYPASS ({reason}): the connection never reaches the sidecar, no Istio policy applies"
            ),
        }
    }
}
