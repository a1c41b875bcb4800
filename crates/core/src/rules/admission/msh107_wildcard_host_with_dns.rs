//! MSH107 wildcard-host-with-dns: resolution DNS or DNS_ROUND_ROBIN with no endpoints and a
//! wildcard host. Envoy would have to resolve the host name itself, and a wildcard has no
//! addresses, so the webhook rejects it.

use crate::load::Inputs;
use crate::model::Resolution;
use crate::rules::findings::Findings;

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
