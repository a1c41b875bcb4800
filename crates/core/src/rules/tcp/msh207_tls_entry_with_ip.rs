//! MSH207 tls-entry-with-ip: a TLS port on an entry with a plain address. Istio matches SNI only
//! on a wildcard or CIDR listener; on `<ip>_<port>` any connection goes to the entry, whatever
//! name it asks for (istio/istio `pilot/pkg/networking/core/tls.go`,
//! `buildSidecarOutboundTLSFilterChainOpts`).

use crate::engine::Protocol;
use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports each host-route address of an entry, once per TLS port.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        for port in &spec.ports {
            let declared = port.protocol.as_deref().filter(|p| !p.is_empty());
            if !Protocol::parse(declared).is_tls() {
                continue;
            }
            let n = u16::try_from(port.number).unwrap_or(0);
            for (j, address) in spec.addresses.iter().enumerate() {
                if address::is_host_route(address) {
                    out.at(
                        se,
                        &format!("spec.addresses[{j}]"),
                        format!(
                            "TLS port {n} on the plain address `{address}`: SNI is not checked there, any connection to it on {n} is sent to this entry"
                        ),
                    )
                    .help("drop `addresses` to match by SNI, or keep them if any name on that IP is acceptable");
                }
            }
        }
    }
}
