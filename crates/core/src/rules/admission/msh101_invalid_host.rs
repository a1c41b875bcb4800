//! # MSH101 invalid-host
//!
//! ## What it does
//! Flags a `hosts` value that Istio's webhook rejects: anything other than a DNS name with an optional
//! leading `*.` label. An IP address is the common case, because Istio refuses its all-numeric last
//! label. Partial wildcards such as `*db.example.com` only draw a warning and are reported as MSH109.
//!
//! ## Why it matters
//! The webhook refuses the whole entry (`domain name "…" invalid`), so `kubectl apply` fails; Istio has
//! rejected IP literals in `hosts` since 1.1. Nothing is lost by moving the IP: a plain TCP connection
//! carries no name, and the sidecar matches it only by destination IP and port. The IP belongs in
//! `addresses`, where it becomes the listener `203.0.113.7_3306`.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - 203.0.113.7
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   location: MESH_EXTERNAL
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:
//!   hosts:
//!   - db.example.com         # with resolution NONE this only names the cluster
//!   addresses:
//!   - 203.0.113.7/32
//! ```
//! If the server has no DNS name, any name under a domain you control will do.

use std::net::IpAddr;

use super::host;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH101 invalid-host: a ServiceEntry host the webhook rejects — including an IP address, whose
/// all-digit last label fails the domain check — or `*`, which the CRD rejects first.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A host Istio's webhook rejects, including an IP address in `hosts`.",
};

/// Reports CRD rejections of `*` and every host that fails Istio's domain check.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::InvalidHost),
        out,
    );
    for se in &inputs.service_entries {
        for (i, h) in se.resource.spec.hosts.iter().enumerate() {
            let Err(label) = host::check_domain(h) else {
                continue;
            };
            let help = if h.parse::<IpAddr>().is_ok() {
                format!(
                    "`hosts` takes names; move `{h}` to `addresses` as `{h}/{}` and name the service in `hosts`",
                    if h.contains(':') { 128 } else { 32 }
                )
            } else {
                "use a DNS name, optionally with a leading `*.` wildcard label".to_owned()
            };
            out.at(
                se,
                &format!("spec.hosts[{i}]"),
                format!("domain name \"{h}\" invalid (label \"{label}\" invalid)"),
            )
            .help(help);
        }
    }
}
