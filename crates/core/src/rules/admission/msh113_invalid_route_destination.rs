//! # MSH113 invalid-route-destination
//!
//! ## What it does
//! Flags a VirtualService `tcp` or `tls` route Istio's webhook rejects for where it sends traffic:
//! a route without destinations, a destination host that is empty, `*` or not a DNS name, a subset
//! name that is not a DNS label, a destination port outside 1–65535, a negative weight, and several
//! destinations whose weights add up to 0.
//!
//! ## Why it matters
//! The webhook refuses the whole VirtualService, for example with `port number 70000 must be in the
//! range 1..65535` or `total destination weight = 0`, so `kubectl apply` fails and none of its routes
//! reach a sidecar. A route whose weights are all 0 would send nothing anywhere.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata:
//!   name: mysql-split
//!   namespace: bookinfo
//! spec:
//!   hosts:
//!   - db.example.com
//!   tcp:
//!   - route:
//!     - destination:
//!         host: db.example.com
//!         subset: Primary_1     # not a DNS label
//!       weight: 0
//!     - destination:
//!         host: db.example.com
//!         subset: replica
//!       weight: 0               # the weights add up to 0
//! ```
//!
//! ## Use instead
//! ```yaml
//!   tcp:
//!   - route:
//!     - destination:
//!         host: db.example.com
//!         subset: primary-1
//!       weight: 90
//!     - destination:
//!         host: db.example.com
//!         subset: replica
//!       weight: 10
//! ```

use super::names;
use crate::load::{Inputs, Loaded};
use crate::model::{RouteDestination, VirtualService};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH113 invalid-route-destination: what istio/istio `pkg/config/validation/validation.go`
/// (`validateTLSRoute`, `validateTCPRoute`, `validateRouteDestinations`, `validateDestination`,
/// `validateSubsetName`, `validatePortSelector`, `validateWeight`) rejects in the routes of a
/// VirtualService's `tcp` and `tls` sections.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A `tcp` or `tls` route whose destinations or weights Istio's webhook rejects.",
};

/// Reports each webhook error about the destinations of `tcp` and `tls` routes.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for vs in &inputs.virtual_services {
        let spec = &vs.resource.spec;
        for (i, route) in spec.tls.iter().enumerate() {
            let path = format!("spec.tls[{i}]");
            if route.route.is_empty() {
                out.at(vs, &path, "TLS route is required");
            }
            destinations(vs, &route.route, &path, out);
        }
        for (i, route) in spec.tcp.iter().enumerate() {
            let path = format!("spec.tcp[{i}]");
            if route.route.is_empty() {
                out.at(vs, &path, "TCP route is required");
            }
            destinations(vs, &route.route, &path, out);
        }
    }
}

fn destinations(
    vs: &Loaded<VirtualService>,
    routes: &[RouteDestination],
    path: &str,
    out: &mut Findings,
) {
    let mut total: i64 = 0;
    for (j, route) in routes.iter().enumerate() {
        let at = format!("{path}.route[{j}]");
        let destination = &route.destination;
        let host = &destination.host;
        let host_error = if host == "*" {
            Some(format!("invalid destination host {host}"))
        } else {
            names::wildcard_domain_error(host)
        };
        if let Some(message) = host_error {
            out.at(vs, &format!("{at}.destination.host"), message)
                .help("name one service host of the registry (a ServiceEntry's or a Kubernetes Service's)");
        }
        if let Some(subset) = &destination.subset
            && !subset.is_empty()
            && let Some(message) = names::subset_name_error(subset)
        {
            out.at(vs, &format!("{at}.destination.subset"), message);
        }
        if let Some(port) = &destination.port
            && let Some(message) = names::port_error(i128::from(port.number))
        {
            out.at(vs, &format!("{at}.destination.port.number"), message);
        }
        let weight = route.weight.unwrap_or(0);
        if weight < 0 {
            out.at(vs, &format!("{at}.weight"), format!("weight {weight} < 0"));
        }
        total += weight;
    }
    if routes.len() > 1 && total == 0 {
        out.at(vs, &format!("{path}.route"), "total destination weight = 0")
            .help("give the destinations weights that add up to 100");
    }
}
