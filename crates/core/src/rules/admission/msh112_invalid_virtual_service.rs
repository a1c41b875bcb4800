//! # MSH112 invalid-virtual-service
//!
//! ## What it does
//! Flags a VirtualService Istio's webhook rejects for its hosts, gateways, matches or `exportTo`:
//! an invalid host, `*` for the mesh gateway, two hosts that overlap, no route at all, a delegate
//! (host-less) VirtualService with gateways or `tcp`/`tls` routes, a `tls` route without a match or
//! a match without `sniHosts`, an SNI host outside the VirtualService's `hosts`, and a match with
//! a bad subnet, port, source label or gateway name. The routes' destinations are MSH113's.
//!
//! ## Why it matters
//! The webhook refuses the whole resource, for example with `SNI host "api.example.org" is not a
//! compatible subset of any of the virtual service hosts: [*.example.com]`, so `kubectl apply`
//! fails and none of its routes reach a sidecar: connections keep going wherever they went before.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata:
//!   name: api-tls
//!   namespace: bookinfo
//! spec:
//!   hosts:
//!   - "*.example.com"
//!   tls:
//!   - match:
//!     - sniHosts:
//!       - api.example.org      # not covered by `hosts`
//!     route:
//!     - destination:
//!         host: api.example.org
//! ```
//!
//! ## Use instead
//! ```yaml
//!   hosts:
//!   - "*.example.com"
//!   - api.example.org
//! ```

use super::names;
use crate::load::{Inputs, Loaded};
use crate::model::{L4Match, TlsMatch, VirtualService};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH112 invalid-virtual-service: what istio/istio `pkg/config/validation/validation.go`
/// (`ValidateVirtualService`, `validateTLSRoute`, `validateTLSMatch`, `validateSniHost`,
/// `validateTCPMatch`, `validateGatewayNames`, `validateExportTo`) rejects outside the routes'
/// destinations. `http` routes are not checked: a TCP connection never meets them.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A VirtualService whose hosts, gateways, matches or `exportTo` Istio's webhook rejects.",
};

/// Reports each webhook error about a VirtualService outside its destinations.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for vs in &inputs.virtual_services {
        delegate(vs, out);
        gateways_and_hosts(vs, out);
        let spec = &vs.resource.spec;
        let no_http = spec
            .http
            .as_ref()
            .is_none_or(|h| h.as_array().is_some_and(Vec::is_empty));
        if no_http && spec.tcp.is_empty() && spec.tls.is_empty() {
            out.at(
                vs,
                "spec",
                "http, tcp or tls must be provided in virtual service",
            );
        }
        for (i, route) in spec.tls.iter().enumerate() {
            if route.matches.is_empty() {
                out.at(
                    vs,
                    &format!("spec.tls[{i}]"),
                    "TLS route must have at least one match condition",
                );
            }
            for (j, m) in route.matches.iter().enumerate() {
                tls_match(vs, m, &format!("spec.tls[{i}].match[{j}]"), out);
            }
        }
        for (i, route) in spec.tcp.iter().enumerate() {
            for (j, m) in route.matches.iter().enumerate() {
                tcp_match(vs, m, &format!("spec.tcp[{i}].match[{j}]"), out);
            }
        }
        let namespace = vs.resource.metadata.namespace();
        for message in names::export_to_errors(namespace, &spec.export_to, false) {
            out.at(vs, "spec.exportTo", message);
        }
    }
}

/// A VirtualService without hosts is a delegate, which only `http` routes may use.
fn delegate(vs: &Loaded<VirtualService>, out: &mut Findings) {
    let spec = &vs.resource.spec;
    if !spec.hosts.is_empty() {
        return;
    }
    if !spec.gateways.is_empty() {
        out.at(
            vs,
            "spec.gateways",
            "delegate virtual service must have no gateways specified",
        );
    }
    if !spec.tls.is_empty() {
        out.at(
            vs,
            "spec.tls",
            "delegate virtual service must have no tls route specified",
        );
    }
    if !spec.tcp.is_empty() {
        out.at(
            vs,
            "spec.tcp",
            "delegate virtual service must have no tcp route specified",
        );
    }
}

/// True when the VirtualService binds to gateways only (no `mesh` among its gateways).
fn gateway_only(vs: &VirtualService) -> bool {
    !vs.spec.gateways.is_empty() && !vs.spec.gateways.iter().any(|g| g == "mesh")
}

fn gateways_and_hosts(vs: &Loaded<VirtualService>, out: &mut Findings) {
    let spec = &vs.resource.spec;
    for message in names::gateway_name_errors(&spec.gateways) {
        out.at(vs, "spec.gateways", message);
    }
    let applies_to_mesh = !gateway_only(&vs.resource);
    let mut all_valid = true;
    for (i, host) in spec.hosts.iter().enumerate() {
        let path = format!("spec.hosts[{i}]");
        // A gateway's TLS route may name istiod's generated SNI `outbound_.<port>_._.<host>`.
        let generated_sni = !applies_to_mesh && host.starts_with("outbound_");
        match names::wildcard_domain_error(host) {
            Some(message) if !generated_sni && crate::ip::parse_ip(host).is_none() => {
                out.at(vs, &path, message);
                all_valid = false;
            }
            None if applies_to_mesh && host == "*" => {
                out.at(
                    vs,
                    &path,
                    "wildcard host * is not allowed for virtual services bound to the mesh gateway",
                )
                .help(
                    "name the hosts the routes are for; `*` is for gateway-bound VirtualServices",
                );
                all_valid = false;
            }
            _ => {}
        }
    }
    if all_valid {
        for (i, a) in spec.hosts.iter().enumerate() {
            for b in &spec.hosts[i + 1..] {
                if names::hosts_match(a, b) {
                    out.at(
                        vs,
                        &format!("spec.hosts[{i}]"),
                        format!("duplicate hosts in virtual service: {a} & {b}"),
                    );
                }
            }
        }
    }
}

fn tls_match(vs: &Loaded<VirtualService>, m: &TlsMatch, path: &str, out: &mut Findings) {
    let hosts = &vs.resource.spec.hosts;
    if m.sni_hosts.is_empty() {
        out.at(vs, path, "TLS match must have at least one SNI host");
    }
    for (k, sni) in m.sni_hosts.iter().enumerate() {
        let at = format!("{path}.sniHosts[{k}]");
        let generated = gateway_only(&vs.resource) && sni.starts_with("outbound_");
        if generated {
            continue;
        }
        if let Some(message) = names::wildcard_domain_error(sni) {
            // An IP address is only warned about (it goes against the SNI specification).
            if crate::ip::parse_ip(sni).is_none() {
                out.at(vs, &at, message);
            }
            continue;
        }
        if !hosts.iter().any(|h| names::host_subset_of(sni, h)) {
            out.at(
                vs,
                &at,
                format!(
                    "SNI host {} is not a compatible subset of any of the virtual service hosts: [{}]",
                    names::quoted(sni),
                    hosts.join(", ")
                ),
            )
            .help("add the SNI host (or a wildcard covering it) to `spec.hosts`");
        }
    }
    tcp_match(vs, &m.l4, path, out);
}

/// The conditions a `tcp` match has, which a `tls` match has too.
fn tcp_match(vs: &Loaded<VirtualService>, m: &L4Match, path: &str, out: &mut Findings) {
    l4_common(vs, path, (&m.destination_subnets, m.port), out);
    for message in names::label_errors(&m.source_labels) {
        out.at(vs, &format!("{path}.sourceLabels"), message);
    }
    for message in names::gateway_name_errors(&m.gateways) {
        out.at(vs, &format!("{path}.gateways"), message);
    }
}

/// The subnets and the port, which `tcp` and `tls` matches check alike.
fn l4_common(
    vs: &Loaded<VirtualService>,
    path: &str,
    (subnets, port): (&[String], Option<u32>),
    out: &mut Findings,
) {
    for (k, subnet) in subnets.iter().enumerate() {
        if let Some(message) = names::subnet_error(subnet) {
            out.at(vs, &format!("{path}.destinationSubnets[{k}]"), message);
        }
    }
    if let Some(port) = port.filter(|p| *p != 0)
        && let Some(message) = names::port_error(i128::from(port))
    {
        out.at(vs, &format!("{path}.port"), message);
    }
}
