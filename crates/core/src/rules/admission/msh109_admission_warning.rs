//! # MSH109 admission-warning
//!
//! ## What it does
//! Reports what Istio's webhook accepts with a warning, using Istio's text: a partial wildcard host
//! (`*db.example.com`), a `workloadSelector` without labels, a `workloadSelector` with resolution NONE,
//! and resolution DNS with `addresses`, a TCP port and more than one host.
//!
//! ## Why it matters
//! kubectl prints these as `Warning:` lines (istioctl analyze as IST0133) and applies the resource
//! anyway, so in a CI log or a GitOps sync they are easy to miss. Each one marks a combination Istio's
//! authors consider a mistake: a partial wildcard is not a supported pattern, a selector without labels
//! selects every workload in the namespace, a selector on a NONE entry mixes "forward to what was
//! dialled" with "send to these workloads", and several hosts on one address and TCP port cannot be
//! told apart.
//!
//! Severity: warning, because Istio admits the resource and only warns; it runs as written.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: NONE
//!   workloadSelector:          # left over from a mesh-internal template
//!     labels:
//!       app: mysql
//! ```
//!
//! ## Use instead
//! ```yaml
//!   resolution: NONE           # external server: no workloadSelector
//! ```

use super::host;
use crate::engine::Protocol;
use crate::load::{Inputs, Loaded};
use crate::model::{Resolution, ServiceEntry, Sidecar};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH109 admission-warning: what Istio admits but `kubectl apply` prints as `Warning:` — a
/// partial wildcard host, a label-less or NONE-mode `workloadSelector`, several hosts with
/// addresses on a TCP port under DNS, and Sidecar egress hosts that are duplicated or listed
/// beside `*/*`.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Admission(check),
    summary: "A configuration Istio accepts with a warning.",
};

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
