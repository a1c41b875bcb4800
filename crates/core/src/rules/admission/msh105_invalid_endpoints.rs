//! # MSH105 invalid-endpoints
//!
//! ## What it does
//! Flags `endpoints` Istio rejects: any endpoint with resolution NONE, a STATIC endpoint address that
//! is not an IP or `unix://` path, a DNS endpoint address that is neither an IP nor a host name, a
//! `ports` key that names no port of the entry, more than one endpoint with DNS_ROUND_ROBIN, an
//! endpoint with neither address nor network, and unix-socket endpoints that declare ports.
//!
//! ## Why it matters
//! The webhook (and for some cases the CRD) refuses the entry, so the apply fails. For STATIC and DNS
//! entries the endpoints are where the sidecar actually sends matched connections. Their `ports` map is
//! keyed by the entry's port *name*, not its number, so a key that names no port is meaningless.
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
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: STATIC
//!   endpoints:
//!   - address: 203.0.113.7
//!     ports:
//!       mysql: 3306          # no port is named `mysql`
//! ```
//!
//! ## Use instead
//! ```yaml
//!   endpoints:
//!   - address: 203.0.113.7
//!     ports:
//!       tcp: 3306
//! ```

use std::net::IpAddr;

use super::host;
use crate::load::{Inputs, ProblemKind};
use crate::model::Resolution;
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH105 invalid-endpoints: endpoints that do not fit the resolution mode (an FQDN under STATIC,
/// a non-name under DNS), a unix endpoint on an entry with several ports, or a port name the
/// entry does not define. The CRD's own endpoint rules arrive as schema problems this rule owns.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "Endpoints that do not fit the resolution mode or the entry's ports.",
};

/// Reports the CRD's endpoint rejections and the webhook's endpoint checks.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::InvalidEndpoints),
        out,
    );
    for se in &inputs.service_entries {
        let spec = &se.resource.spec;
        let names: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
        for (i, endpoint) in spec.endpoints.iter().enumerate() {
            let path = format!("spec.endpoints[{i}]");
            let address = endpoint.address.as_deref().unwrap_or_default();
            let is_ip = address.parse::<IpAddr>().is_ok();
            let is_unix = address.starts_with("unix://");
            let message = match spec.resolution() {
                Resolution::Static if !address.is_empty() && !is_ip && !is_unix => Some(format!(
                    "endpoint address \"{address}\" is not a valid IP address"
                )),
                Resolution::Dns | Resolution::DnsRoundRobin
                    if !is_ip && host::check_domain(address).is_err() =>
                {
                    Some(format!(
                        "endpoint address \"{address}\" is not a valid FQDN or an IP address"
                    ))
                }
                _ => None,
            };
            if let Some(message) = message {
                out.at(se, &format!("{path}.address"), message);
            }
            if is_unix && spec.ports.len() != 1 {
                out.at(
                    se,
                    &path,
                    "exactly 1 service port required for unix endpoints",
                );
            }
            for name in endpoint.ports.keys() {
                if !names.contains(&name.as_str()) {
                    out.at(
                        se,
                        &format!("{path}.ports.{name}"),
                        format!("endpoint port {name} is not defined by the service entry"),
                    );
                }
            }
        }
    }
}
