//! Kubernetes Services as the sidecar's registry sees them (istio/istio
//! pilot/pkg/serviceregistry/kube/conversion.go `ConvertService`): each becomes a service entry
//! of its own, so the one listener builder and the one conflict logic treat it exactly as istiod
//! does — a `<clusterIP>_<port>` listener for TCP ports, the wildcard HTTP listener for HTTP
//! ports, per-endpoint `<podIP>_<port>` listeners for a headless Service (listener.go
//! `buildSidecarOutboundListeners`, with `PILOT_ENABLE_HEADLESS_FILTER_CHAIN_LISTENER` at its
//! default, off), and no listener at all for an `ExternalName` alias (listener.go: alias
//! services get no listeners).
//!
//! The conversion writes what istiod derives into the entry's terms: the host
//! `<name>.<namespace>.svc.cluster.local`, `MESH_INTERNAL`, the port protocol of
//! pkg/config/kube/conversion.go `ConvertProtocol`, `networking.istio.io/exportTo` as `exportTo`,
//! and the endpoints the inputs hold (EndpointSlices, else Endpoints).

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::load::Loaded;
use crate::model::{
    IntOrString, KubeEndpointSlice, KubeEndpoints, KubeService, KubeServicePort, Location,
    ObjectMeta, Resolution, ServiceEntry, ServiceEntrySpec, ServicePort, WorkloadEntry,
};

/// The cluster domain every sidecar of a default installation uses.
pub(crate) const DOMAIN_SUFFIX: &str = "cluster.local";

/// The annotation that sets a Service's visibility.
const EXPORT_TO_ANNOTATION: &str = "networking.istio.io/exportTo";

/// Ports that carry a server-first protocol: without a protocol name Istio treats them as TCP
/// instead of sniffing (pkg/config/kube/conversion.go `wellKnownPorts`: SMTP, DNS, MySQL,
/// MongoDB).
const WELL_KNOWN_TCP_PORTS: [i64; 4] = [25, 53, 3306, 27017];

/// What kind of mesh service a Kubernetes Service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KubeShape {
    /// A virtual IP in front of endpoints.
    ClusterIp,
    /// `clusterIP: None`: clients dial pod IPs.
    Headless {
        /// The inputs hold endpoints for it.
        has_endpoints: bool,
    },
    /// `type: ExternalName`: a DNS alias, no listener.
    Alias,
}

/// A Kubernetes Service converted for the listener builder.
#[derive(Debug, Clone)]
pub(crate) struct Converted {
    /// The service in entry terms; its origin is the Service's.
    pub(crate) entry: Loaded<ServiceEntry>,
    /// How it was shaped.
    pub(crate) shape: KubeShape,
    /// The Service's own name, which orders services after the creation time (push_context.go
    /// `SortServicesByCreationTime` compares `Attributes.Name`).
    pub(crate) name: String,
    /// For an `ExternalName` Service, the host it aliases, lower-case.
    pub(crate) alias_of: Option<String>,
}

/// The host Istio gives a Service.
#[must_use]
pub(crate) fn service_host(name: &str, namespace: &str) -> String {
    format!("{name}.{namespace}.svc.{DOMAIN_SUFFIX}")
}

/// Converts every Service, in input order.
pub(crate) fn convert_all(
    services: &[Loaded<KubeService>],
    endpoints: &[Loaded<KubeEndpoints>],
    slices: &[Loaded<KubeEndpointSlice>],
) -> Vec<Converted> {
    services
        .iter()
        .map(|svc| convert(svc, endpoints, slices))
        .collect()
}

fn convert(
    loaded: &Loaded<KubeService>,
    endpoints: &[Loaded<KubeEndpoints>],
    slices: &[Loaded<KubeEndpointSlice>],
) -> Converted {
    let svc = &loaded.resource;
    let spec = &svc.spec;
    let namespace = svc.metadata.namespace();
    let pods = pod_endpoints(&svc.metadata, endpoints, slices);
    let (shape, addresses, resolution) = if spec.is_external_name() {
        (KubeShape::Alias, Vec::new(), Resolution::Dns)
    } else if spec.is_headless() {
        let mut ips: Vec<String> = pods.iter().map(|p| p.ip.to_string()).collect();
        ips.sort();
        ips.dedup();
        let shape = KubeShape::Headless {
            has_endpoints: !ips.is_empty(),
        };
        (shape, ips, Resolution::None)
    } else {
        let mut vips = if spec.cluster_ips.len() > 1 {
            spec.cluster_ips.clone()
        } else {
            spec.cluster_ip.iter().cloned().collect()
        };
        vips.retain(|ip| !ip.is_empty());
        (KubeShape::ClusterIp, vips, Resolution::Static)
    };
    let mut annotations = BTreeMap::new();
    let export_to = svc
        .metadata
        .annotations
        .get(EXPORT_TO_ANNOTATION)
        .map(|v| v.split(',').map(|ns| ns.trim().to_owned()).collect())
        .unwrap_or_default();
    // Suppressions written on the Service apply to what is said about it.
    for (key, value) in &svc.metadata.annotations {
        if key.starts_with("meshctl.io/") {
            annotations.insert(key.clone(), value.clone());
        }
    }
    let ports: Vec<ServicePort> = spec.ports.iter().map(entry_port).collect();
    let workload_endpoints = if shape == KubeShape::ClusterIp {
        pods.iter()
            .map(|p| WorkloadEntry {
                address: Some(p.ip.to_string()),
                ports: p.ports.clone(),
                ..WorkloadEntry::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    let entry = ServiceEntry {
        api_version: "v1".into(),
        kind: "Service".into(),
        metadata: ObjectMeta {
            name: svc.metadata.name.clone(),
            namespace: Some(namespace.to_owned()),
            labels: BTreeMap::new(),
            annotations,
            creation_timestamp: svc.metadata.creation_timestamp.clone(),
        },
        spec: ServiceEntrySpec {
            hosts: vec![service_host(&svc.metadata.name, namespace)],
            addresses,
            ports,
            location: Some(Location::MeshInternal),
            resolution: Some(resolution),
            endpoints: workload_endpoints,
            workload_selector: None,
            export_to,
            subject_alt_names: Vec::new(),
        },
        status: None,
    };
    Converted {
        entry: Loaded {
            resource: entry,
            origin: loaded.origin.clone(),
            node: loaded.node.clone(),
        },
        shape,
        name: svc.metadata.name.clone(),
        alias_of: spec.is_external_name().then(|| {
            spec.external_name
                .as_deref()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        }),
    }
}

/// A Service port in entry terms: the protocol Istio derives, and the target port when it is a
/// number (a named target port is resolved per endpoint).
fn entry_port(port: &KubeServicePort) -> ServicePort {
    ServicePort {
        number: u32::try_from(port.port).unwrap_or(0),
        name: port.name.clone().unwrap_or_default(),
        protocol: protocol_of(port).map(str::to_owned),
        target_port: match port.target_port {
            Some(IntOrString::Int(n)) => u32::try_from(n).ok(),
            _ => None,
        },
    }
}

/// The protocol istiod gives a Service port (pkg/config/kube/conversion.go `ConvertProtocol`):
/// UDP by `protocol`, else `appProtocol`, else the port name's prefix before `-`; unknown
/// names sniff, except on the well-known server-first ports, which are TCP. `None` means
/// sniffed.
#[must_use]
pub(crate) fn protocol_of(port: &KubeServicePort) -> Option<&'static str> {
    if port
        .protocol
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("UDP"))
    {
        return Some("UDP");
    }
    let name = port
        .app_protocol
        .as_deref()
        .or(port.name.as_deref())
        .unwrap_or("");
    match name {
        "kubernetes.io/h2c" | "kubernetes.io/ws" => return Some("HTTP"),
        "kubernetes.io/wss" => return Some("HTTPS"),
        _ => {}
    }
    if name.len() >= 8 && name[..8].eq_ignore_ascii_case("grpc-web") {
        return Some("HTTP");
    }
    let prefix = name.split('-').next().unwrap_or("");
    let known = [
        ("tcp", "TCP"),
        ("udp", "UDP"),
        ("grpc", "HTTP"),
        ("http", "HTTP"),
        ("http2", "HTTP"),
        ("http_proxy", "HTTP"),
        ("https", "HTTPS"),
        ("tls", "TLS"),
        ("mongo", "MONGO"),
        ("mysql", "MYSQL"),
        ("redis", "REDIS"),
    ];
    if let Some((_, protocol)) = known
        .iter()
        .find(|(name, _)| prefix.eq_ignore_ascii_case(name))
    {
        return Some(protocol);
    }
    WELL_KNOWN_TCP_PORTS.contains(&port.port).then_some("TCP")
}

/// [`protocol_of`] as the engine's [`Protocol`].
#[must_use]
pub(crate) fn service_port_protocol(port: &KubeServicePort) -> super::protocol::Protocol {
    super::protocol::Protocol::parse(protocol_of(port))
}

/// A ready pod endpoint of a Service with its named ports.
struct PodEndpoint {
    ip: IpAddr,
    ports: BTreeMap<String, u32>,
}

/// The ready endpoints the inputs hold for a Service: its EndpointSlices (by the service-name
/// label), else its Endpoints object (same name). Addresses that are not IPs are skipped, as
/// istiod skips them for per-endpoint listeners.
fn pod_endpoints(
    meta: &ObjectMeta,
    endpoints: &[Loaded<KubeEndpoints>],
    slices: &[Loaded<KubeEndpointSlice>],
) -> Vec<PodEndpoint> {
    let namespace = meta.namespace();
    let mut out = Vec::new();
    for slice in slices.iter().map(|l| &l.resource) {
        if slice.metadata.namespace() != namespace || slice.service_name() != Some(&meta.name) {
            continue;
        }
        let ports = named_ports(&slice.ports);
        for endpoint in &slice.endpoints {
            if endpoint
                .conditions
                .as_ref()
                .and_then(|c| c.ready)
                .is_some_and(|ready| !ready)
            {
                continue;
            }
            for address in &endpoint.addresses {
                if let Ok(ip) = address.trim().parse::<IpAddr>() {
                    out.push(PodEndpoint {
                        ip: ip.to_canonical(),
                        ports: ports.clone(),
                    });
                }
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    for object in endpoints.iter().map(|l| &l.resource) {
        if object.metadata.namespace() != namespace || object.metadata.name != meta.name {
            continue;
        }
        for subset in &object.subsets {
            let ports = named_ports(&subset.ports);
            for address in &subset.addresses {
                if let Ok(ip) = address.ip.trim().parse::<IpAddr>() {
                    out.push(PodEndpoint {
                        ip: ip.to_canonical(),
                        ports: ports.clone(),
                    });
                }
            }
        }
    }
    out
}

fn named_ports(ports: &[crate::model::EndpointPort]) -> BTreeMap<String, u32> {
    ports
        .iter()
        .filter_map(|p| {
            let number = u32::try_from(p.port?).ok()?;
            Some((p.name.clone().unwrap_or_default(), number))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: Option<&str>, app: Option<&str>, number: i64) -> KubeServicePort {
        KubeServicePort {
            name: name.map(str::to_owned),
            port: number,
            protocol: None,
            app_protocol: app.map(str::to_owned),
            target_port: None,
        }
    }

    #[test]
    fn protocols_follow_istio_naming() {
        assert_eq!(protocol_of(&port(Some("mysql"), None, 3306)), Some("MYSQL"));
        assert_eq!(
            protocol_of(&port(Some("http-web"), None, 3306)),
            Some("HTTP")
        );
        assert_eq!(
            protocol_of(&port(Some("db"), None, 3306)),
            Some("TCP"),
            "well-known port"
        );
        assert_eq!(protocol_of(&port(Some("db"), None, 5432)), None, "sniffed");
        assert_eq!(protocol_of(&port(None, Some("tcp"), 5432)), Some("TCP"));
        assert_eq!(
            protocol_of(&port(Some("tcp"), Some("http"), 3306)),
            Some("HTTP"),
            "appProtocol wins over the name"
        );
        assert_eq!(protocol_of(&port(Some("grpc-web"), None, 80)), Some("HTTP"));
        assert_eq!(
            protocol_of(&port(None, Some("kubernetes.io/wss"), 443)),
            Some("HTTPS")
        );
    }
}
