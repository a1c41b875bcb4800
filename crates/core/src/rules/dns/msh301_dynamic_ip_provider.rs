//! # MSH301 dynamic-ip-provider
//!
//! ## What it does
//! Warns, without any network access, when a host matches a provider whose addresses change (managed
//! databases such as `*.rds.amazonaws.com` or `*.database.azure.com`, CDNs such as `*.cloudfront.net`,
//! load balancers such as `*.elb.amazonaws.com`, …) and the entry pins it to host addresses (`/32`,
//! `/128` or bare IPs). The provider list is kept as data, with a source for each pattern.
//!
//! ## Why it matters
//! `addresses` is a snapshot. When the provider moves the name (failover, maintenance, scaling), the
//! application resolves and dials the new IP, which matches no listener: under REGISTRY_ONLY the
//! connection is black-holed, under ALLOW_ANY it leaves through the passthrough cluster with none of
//! the entry's settings. Nothing changed in Git, so the outage is hard to trace. The blog's advice:
//! list the range as CIDR blocks when it is known, otherwise send that traffic around the sidecar.
//!
//! Severity: warning: pinned addresses that the provider may move break connections (or, once reassigned, reach someone else), but nothing is open today.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: orders-db
//! spec:
//!   hosts:
//!   - orders.c1x2y3z4.eu-west-1.rds.amazonaws.com
//!   addresses:
//!   - 203.0.113.40/32          # today's address of a failover-capable instance
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.0/24           # the subnet the provider places the instance in
//! ```
//! Run `meshctl check --dns` on a schedule to catch drift (MSH302).

use crate::rules::address;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

use super::providers::dynamic_provider;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH301 dynamic-ip-provider: a host under a provider whose addresses change, on an entry that
/// pins host addresses. Offline: the provider list is data, no DNS query is made.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A host at a provider whose IPs change, pinned to fixed addresses.",
};

/// Reports each provider host of an entry with at least one host-route address.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        let spec = &se.resource.spec;
        if !spec.addresses.iter().any(|a| address::is_host_route(a)) {
            continue;
        }
        for (i, host) in spec.hosts.iter().enumerate() {
            if let Some(provider) = dynamic_provider(host) {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!(
                        "{host} is under {provider}, whose addresses change; the pinned addresses will go stale"
                    ),
                )
                .help("use the provider's published CIDR ranges, DNS proxying with auto-allocated VIPs, or exclude the traffic from capture");
            }
        }
    }
}
