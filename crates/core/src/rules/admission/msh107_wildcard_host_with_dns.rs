//! # MSH107 wildcard-host-with-dns
//!
//! ## What it does
//! Flags an entry with `resolution: DNS` or `DNS_ROUND_ROBIN`, no `endpoints`, and a host that contains
//! a wildcard such as `*.api.example.com`.
//!
//! ## Why it matters
//! Without endpoints Envoy finds the upstream by resolving the entry's host, and a wildcard is not a
//! name it can look up. Istio's webhook therefore rejects the entry (`hosts must be FQDN or contain
//! only prefix wildcards if no endpoints are provided for resolution mode DNS, …`). Wildcard hosts also
//! never receive an auto-allocated VIP, so DNS proxying cannot rescue them.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: api-external
//! spec:
//!   hosts:
//!   - "*.api.example.com"
//!   ports:
//!   - name: tls
//!     number: 443
//!     protocol: TLS
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//!   resolution: NONE           # forward to the IP the client dialled; SNI is still matched
//! ```
//! For plain TCP use NONE with the range as CIDR `addresses`; for HTTP or TLS on Istio 1.28 or later,
//! `resolution: DYNAMIC_DNS` resolves each name on demand.

use crate::load::Inputs;
use crate::model::Resolution;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH107 wildcard-host-with-dns: resolution DNS or DNS_ROUND_ROBIN with no endpoints and a
/// wildcard host. Envoy would have to resolve the host name itself, and a wildcard has no
/// addresses, so the webhook rejects it.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A wildcard host with DNS resolution and no endpoints.",
};

/// Reports every wildcard host of an endpoint-less DNS entry.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        let spec = &se.resource.spec;
        let dns = matches!(
            spec.resolution(),
            Resolution::Dns | Resolution::DnsRoundRobin
        );
        if !dns || !spec.endpoints.is_empty() {
            continue;
        }
        for (i, h) in spec
            .hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.contains('*'))
        {
            out.at(
                se,
                &format!("spec.hosts[{i}]"),
                format!(
                    "hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, got {h}"
                ),
            )
            .help("use resolution NONE with the provider's CIDR blocks, or DYNAMIC_DNS for HTTP/TLS");
        }
    }
}
