//! MSH109 admission-warning: what Istio admits but `kubectl apply` prints as `Warning:` — a
//! partial wildcard host, a label-less or NONE-mode `workloadSelector`, several hosts with
//! addresses on a TCP port under DNS, and Sidecar egress hosts that are duplicated or listed
//! beside `*/*`.

use super::host;
use crate::engine::Protocol;
use crate::load::{Inputs, Loaded};
use crate::model::{Resolution, ServiceEntry, Sidecar};
use crate::rules::findings::Findings;

/// Reports the webhook's warnings for every ServiceEntry and Sidecar.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        service_entry(se, out);
    }
    for sidecar in &inputs.sidecars {
        sidecar_hosts(sidecar, out);
    }
}

fn service_entry(se: &Loaded<ServiceEntry>, out: &mut Findings) {
    let spec = &se.resource.spec;
    for (i, h) in spec.hosts.iter().enumerate() {
        // An invalid host is MSH101's; only a valid one can be a (warned) partial wildcard.
        if host::check_domain(h).is_ok()
            && host::is_partial_wildcard(h)
            && spec.resolution() != Resolution::DynamicDns
        {
            out.at(
                se,
                &format!("spec.hosts[{i}]"),
                format!("partial wildcard \"{h}\" not allowed"),
            )
            .help("a wildcard must be a whole leading label: `*.example.com`");
        }
    }
    if let Some(selector) = &spec.workload_selector {
        if selector.labels.is_empty() {
            out.at(
                se,
                "spec.workloadSelector",
                "service entry: workload selector specified without labels, will be applied to all services in namespace",
            );
        }
        if spec.resolution() == Resolution::None {
            out.at(
                se,
                "spec.workloadSelector",
                "workloadSelector should not be set when resolution mode is NONE",
            );
        }
    }
    let dns = matches!(
        spec.resolution(),
        Resolution::Dns | Resolution::DnsRoundRobin
    );
    let tcp_port = spec.ports.iter().any(|p| {
        let protocol = Protocol::parse(p.protocol.as_deref());
        protocol != Protocol::Http && protocol != Protocol::Udp
    });
    if dns && !spec.addresses.is_empty() && spec.hosts.len() > 1 && tcp_port {
        out.at(
            se,
            "spec.hosts",
            "service entry can not have more than one host specified simultaneously with address and tcp port",
        );
    }
}

fn sidecar_hosts(sidecar: &Loaded<Sidecar>, out: &mut Findings) {
    for (i, listener) in sidecar.resource.spec.egress.iter().enumerate() {
        let mut seen = Vec::new();
        for (j, h) in listener.hosts.iter().enumerate() {
            if seen.contains(&h) {
                out.at(
                    sidecar,
                    &format!("spec.egress[{i}].hosts[{j}]"),
                    format!("duplicated egress host: {h}"),
                );
            }
            seen.push(h);
        }
        if listener.hosts.len() > 1 && listener.hosts.iter().any(|h| h == "*/*") {
            out.at(
                sidecar,
                &format!("spec.egress[{i}].hosts"),
                "`*/*` host select all resources, no other hosts can be added",
            );
        }
    }
}
