//! # MSH207 tls-entry-with-ip
//!
//! ## What it does
//! Reports, as info, a TLS or HTTPS port on an entry whose `addresses` include a plain IP (or a `/32`
//! or `/128` block).
//!
//! ## Why it matters
//! A plain address gets its own listener, `203.0.113.10_443`, and Istio puts no SNI match on it: every
//! connection to that IP and port goes to this entry, whatever server name it sends, TLS or not. The
//! `hosts` then describe intent but filter nothing. Without addresses (or with a CIDR block) the
//! sidecar does compare the ClientHello's SNI with `hosts`, and other names fall through to the
//! passthrough or blackhole default. Fine when the IP serves only this host; on a shared IP (a CDN,
//! virtual hosting) it admits every tenant.
//!
//! Severity: info: the connection is still limited to the listed IP; only the SNI check that the entry's host suggests is absent.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: api-external
//! spec:
//!   hosts:
//!   - api.example.com
//!   addresses:
//!   - 203.0.113.10/32
//!   ports:
//!   - name: tls
//!     number: 443
//!     protocol: TLS
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   hosts:
//!   - api.example.com          # no addresses: matched by SNI
//!   ports:
//!   - name: tls
//!     number: 443
//!     protocol: TLS
//! ```

use crate::engine::Protocol;
use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH207 tls-entry-with-ip: a TLS port on an entry with a plain address. Istio matches SNI only
/// on a wildcard or CIDR listener; on `<ip>_<port>` any connection goes to the entry, whatever
/// name it asks for (istio/istio `pilot/pkg/networking/core/tls.go`,
/// `buildSidecarOutboundTLSFilterChainOpts`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Info,
    check: CheckFn::Lint(check),
    summary: "A TLS port on a plain IP address: SNI is not checked there.",
};

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
