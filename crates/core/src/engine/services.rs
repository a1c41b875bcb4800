//! `ServiceEntry` → internal services: one per (host × address), as istiod converts them
//! (istio/istio pilot/pkg/serviceregistry/serviceentry/conversion.go `convertServices`), each
//! with its visibility and its place in the processing order (`order`), and the upstream each of
//! its ports would send to (pilot/pkg/networking/core/cluster.go `convertResolution`).
//!
//! Full-length CIDRs (`/32`, `/128`) become plain IPs, except the unspecified address
//! (`0.0.0.0`, `::`), which istiod reads as "no address": the wildcard listener. Auto-allocated `status.addresses` replace
//! `0.0.0.0` only when the workload consumes them (pilot/pkg/model/service.go
//! `nodeUsesAutoallocatedIPs`). Addresses that are neither IP nor CIDR are recorded as unusable
//! instead of silently widening the entry to "any address".

use std::net::IpAddr;
use std::sync::Arc;

use super::capture::parse_net;
use super::input::{Resources, Workload};
use super::listener::{Addr, Endpoint, EntryId, UpstreamSpec};
use super::order::{OrderKey, parse_timestamp};
use super::protocol::Protocol;
use super::record::{EntryInfo, Fate, Record};
use super::scope::{Visibility, visibility};
use crate::load::Loaded;
use crate::model::{Resolution, ServiceEntry, ServicePort};

/// One (host × address) service of an entry.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) entry: EntryId,
    /// The host as written (cluster names use it).
    pub(crate) host: Arc<str>,
    /// The host lower-cased (imports and SNI use it).
    pub(crate) host_lc: Arc<str>,
    pub(crate) addr: Addr,
    pub(crate) visibility: Visibility,
    pub(crate) key: OrderKey,
}

/// What the registry keeps about an entry.
pub(crate) fn entry_info(loaded: &Loaded<ServiceEntry>) -> EntryInfo {
    let meta = &loaded.resource.metadata;
    EntryInfo {
        kind: if loaded.resource.kind == "Service" {
            "Service"
        } else {
            "ServiceEntry"
        },
        namespace: Arc::from(meta.namespace()),
        name: Arc::from(meta.name.as_str()),
        origin: loaded.origin.clone(),
        resolution: loaded.resource.spec.resolution(),
        export_to: loaded.resource.spec.export_to.clone(),
        unspecified_address: loaded
            .resource
            .spec
            .addresses
            .iter()
            .find(|a| crate::ip::is_unspecified_host(a))
            .map(|a| Arc::from(a.as_str())),
    }
}

/// A port number as `u16`, `None` when outside 1..=65535.
pub(crate) fn port_number(number: u32) -> Option<u16> {
    u16::try_from(number).ok().filter(|p| *p != 0)
}

/// The part of an entry's expansion that no workload changes: its parsed addresses, its hosts
/// and its creation time. [`super::compile_each`] prepares it once for all the views it
/// compiles; parsing every address again per namespace was most of a per-namespace compile.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The entry's namespace, shared with its [`EntryInfo`].
    namespace: Arc<str>,
    created: i64,
    addrs: Vec<Addr>,
    /// Records for addresses that are neither IP nor CIDR, in the order `expand` writes them.
    unusable: Vec<Record>,
    /// Each host as written (cluster names use it) and lower-cased (imports and SNI use it).
    hosts: Vec<(Arc<str>, Arc<str>)>,
    /// The name that orders it after the creation time, when it is not the host: a Kubernetes
    /// Service's own name.
    order_name: Option<Arc<str>>,
}

impl Prepared {
    /// Orders the service by `name` instead of its host (a Kubernetes Service).
    pub(crate) fn ordered_by(mut self, name: &str) -> Prepared {
        self.order_name = Some(Arc::from(name));
        self
    }
}

/// Prepares entry `id` (described by `info`) for [`expand`].
pub(crate) fn prepare(id: EntryId, info: &EntryInfo, loaded: &Loaded<ServiceEntry>) -> Prepared {
    let se = &loaded.resource;
    let spec = &se.spec;
    let created = se
        .metadata
        .creation_timestamp
        .as_deref()
        .and_then(parse_timestamp)
        .unwrap_or(i64::MIN);
    let mut addrs = Vec::new();
    let mut unusable = Vec::new();
    for raw in &spec.addresses {
        if crate::ip::is_unspecified_host(raw) {
            // istiod gives this service the default address `0.0.0.0`: the port's wildcard
            // listener, exactly as if the entry listed no addresses (conversion.go
            // `convertServices`, listener.go `buildSidecarOutboundListener`).
            addrs.push(Addr::Any);
            continue;
        }
        match parse_net(raw) {
            // `::ffff:0.0.0.0` is a different string to istiod (a listener no connection can
            // reach), but read as IPv4 it would be named like the wildcard listener: drop it.
            Some(net)
                if net.prefix_len() == net.max_prefix_len() && net.addr().is_unspecified() =>
            {
                unusable.extend(unusable_record(
                    id,
                    &spec.hosts,
                    &format!("address `{raw}` is the IPv4-mapped unspecified address, which no connection has as its destination; it is ignored"),
                ));
            }
            Some(net) if net.prefix_len() == net.max_prefix_len() => {
                addrs.push(Addr::Ip(net.addr()));
            }
            Some(net) => addrs.push(Addr::Cidr(net)),
            None => unusable.extend(unusable_record(
                id,
                &spec.hosts,
                &format!("address `{raw}` is not an IP or CIDR; it is ignored"),
            )),
        }
    }
    let hosts = spec
        .hosts
        .iter()
        .map(|host| {
            (
                Arc::from(host.as_str()),
                Arc::from(host.trim().to_ascii_lowercase()),
            )
        })
        .collect();
    Prepared {
        namespace: info.namespace.clone(),
        created,
        addrs,
        unusable,
        hosts,
        order_name: None,
    }
}

/// One record per host saying why an address of entry `id` is left out.
fn unusable_record(id: EntryId, hosts: &[String], why: &str) -> Vec<Record> {
    hosts
        .iter()
        .map(|host| Record {
            entry: id,
            host: Arc::from(host.as_str()),
            addr: Addr::Any,
            port: 0,
            protocol: Protocol::Auto,
            fate: Fate::Unusable {
                why: why.to_owned(),
            },
        })
        .collect()
}

/// Appends the entry's services to `out`; unusable addresses go to `records`.
pub(crate) fn expand(
    id: EntryId,
    prepared: &Prepared,
    loaded: &Loaded<ServiceEntry>,
    config: &Resources<'_>,
    workload: &Workload,
    records: &mut Vec<Record>,
    out: &mut Vec<Service>,
) {
    let se = &loaded.resource;
    let spec = &se.spec;
    let vis = visibility(
        &prepared.namespace,
        &spec.export_to,
        &config.mesh.default_export_to,
        &workload.namespace,
    );
    let created = prepared.created;
    let addrs = &prepared.addrs;
    records.extend(prepared.unusable.iter().cloned());
    if !spec.addresses.is_empty() && addrs.is_empty() {
        return; // every address was unusable: no service rather than "any address"
    }
    let input = id.0 as usize;
    for (host, host_lc) in &prepared.hosts {
        let host_addrs = if addrs.is_empty() {
            auto_allocated(se, host_lc, workload).unwrap_or_else(|| vec![Addr::Any])
        } else {
            addrs.clone()
        };
        for (n, addr) in host_addrs.into_iter().enumerate() {
            out.push(Service {
                entry: id,
                host: host.clone(),
                host_lc: host_lc.clone(),
                addr,
                visibility: vis,
                key: OrderKey {
                    egress: 0,
                    public: vis != Visibility::Explicit,
                    created,
                    host: prepared.order_name.clone().unwrap_or_else(|| host.clone()),
                    namespace: prepared.namespace.clone(),
                    input: (input, n),
                },
            });
        }
    }
}

/// True when Istio allocates a VIP for `host` of `se`: no `addresses`, resolution other than NONE,
/// no opt-out label (istio/istio pilot/pkg/networking/serviceentry/ip_autoallocation.go
/// `shouldV2AutoAllocateIPFromPieces`) and a non-wildcard host (the allocator in
/// pilot/pkg/controllers/ipallocate/ipallocate.go). Whether a workload uses it is
/// [`Workload::consumes_auto_allocated_vips`]; the linter asks the same question here.
#[must_use]
pub(crate) fn auto_allocation_applies(se: &ServiceEntry, host: &str) -> bool {
    let opted_out = se
        .metadata
        .labels
        .get("networking.istio.io/enable-autoallocate-ip")
        .is_some_and(|v| v == "false");
    se.spec.addresses.is_empty()
        && se.spec.resolution() != Resolution::None
        && !host.starts_with('*')
        && !opted_out
}

/// The VIPs allocated for `host` when the workload uses them (istio/istio
/// pilot/pkg/model/service.go `nodeUsesAutoallocatedIPs`).
fn auto_allocated(se: &ServiceEntry, host_lc: &str, workload: &Workload) -> Option<Vec<Addr>> {
    if !workload.consumes_auto_allocated_vips() || !auto_allocation_applies(se, host_lc) {
        return None;
    }
    let vips: Vec<Addr> = se
        .status
        .as_ref()?
        .addresses
        .iter()
        .filter(|a| a.host.eq_ignore_ascii_case(host_lc))
        .filter_map(|a| a.value.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        // An unspecified "VIP" would be named like the wildcard listener; no allocator
        // writes one, so a status holding it is not trusted.
        .filter(|ip| !ip.is_unspecified())
        .map(Addr::Ip)
        .collect();
    (!vips.is_empty()).then_some(vips)
}

/// Where a chain built for `port` of `se` (standing for `host`) sends a connection.
pub(crate) fn upstream(
    se: &ServiceEntry,
    port: &ServicePort,
    number: u16,
    host: &str,
) -> UpstreamSpec {
    let target = port.target_port.and_then(port_number);
    let endpoint_port = |overrides: &std::collections::BTreeMap<String, u32>| {
        overrides
            .get(&port.name)
            .copied()
            .and_then(port_number)
            .or(target)
            .unwrap_or(number)
    };
    let endpoints = || -> Vec<Endpoint> {
        se.spec
            .endpoints
            .iter()
            .filter_map(|e| {
                let address = e.address.as_deref()?.trim();
                let port = if address.starts_with("unix://") {
                    0
                } else {
                    endpoint_port(&e.ports)
                };
                Some(Endpoint {
                    address: Arc::from(address),
                    port,
                })
            })
            .collect()
    };
    match se.spec.resolution() {
        Resolution::None => UpstreamSpec::OriginalDst {
            target_port: target.filter(|t| *t != number),
        },
        Resolution::Static => UpstreamSpec::Static {
            endpoints: endpoints(),
        },
        resolution @ (Resolution::Dns | Resolution::DnsRoundRobin) => {
            let mut endpoints = endpoints();
            if endpoints.is_empty() && !host.starts_with('*') && se.spec.workload_selector.is_none()
            {
                // istiod's synthetic endpoint: the host itself (istio/istio conversion.go
                // `convertServiceEntryToInstances`).
                endpoints.push(Endpoint {
                    address: Arc::from(host),
                    port: target.unwrap_or(number),
                });
            }
            UpstreamSpec::Resolve {
                endpoints,
                round_robin: resolution == Resolution::DnsRoundRobin,
            }
        }
        Resolution::DynamicDns => UpstreamSpec::FromSni {
            port: target.unwrap_or(number),
        },
    }
}
