//! # MSH215 unspecified-endpoint
//!
//! ## What it does
//! Flags an endpoint in `spec.endpoints[].address` of `0.0.0.0` or `::` (also `::ffff:0.0.0.0`). The
//! same address in `spec.addresses` is MSH201's finding.
//!
//! ## Why it matters
//! The unspecified address means "no address". Connecting to it reaches the local host, so the
//! sidecar forwards the service's connections to the pod itself, where whatever listens on the port
//! answers as the service. It is also what DNS filters such as Pi-hole answer, in their NULL mode, for
//! a name they block: an endpoint of `0.0.0.0` is usually a blocked lookup written down as the
//! service's address. `meshctl gen serviceentry` and `meshctl sync` refuse such answers.
//!
//! Severity: error. An entry that means it says so with the annotation
//! `meshctl.dev/allowed-address-classes: unspecified`.
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
//!   resolution: STATIC
//!   endpoints:
//!   - address: 0.0.0.0         # the resolver's "blocked" answer
//! ```
//!
//! ## Use instead
//! ```yaml
//!   endpoints:
//!   - address: 203.0.113.7
//! ```

use crate::address_class::AddressClass;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::special_address::{Field, in_class, on_purpose};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH215 unspecified-endpoint: an endpoint of `0.0.0.0` or `::`. Connecting to the
/// unspecified address reaches the local host, so the sidecar forwards the service's
/// connections to the pod itself; and `0.0.0.0` is what DNS filters (Pi-hole's NULL mode)
/// answer for a name they block, so the endpoint is usually a blocked lookup written down.
/// The same address in `spec.addresses` is MSH201's: there it matches every destination.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "An endpoint of 0.0.0.0 or ::, which reaches the pod itself (a DNS filter's \"blocked\" answer).",
};

/// Reports unspecified endpoints.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    let class = AddressClass::Unspecified;
    in_class(cx, class, &[Field::Endpoint], |found| {
        out.at(
            found.se,
            &found.path,
            format!(
                "{}: connecting to it reaches the pod itself, and DNS filters answer it for names they block",
                found.what
            ),
        )
        .help(format!(
            "list the service's own addresses as endpoints; {}",
            on_purpose(class)
        ));
    });
}
