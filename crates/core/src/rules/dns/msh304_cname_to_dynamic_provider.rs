//! # MSH304 cname-to-dynamic-provider
//!
//! ## What it does
//! Runs only with `--dns`. Warns when a host's CNAME chain leads to a name that matches the provider
//! list of MSH301 (`*.rds.amazonaws.com`, `*.cloudfront.net`, `*.elb.amazonaws.com`, …).
//!
//! ## Why it matters
//! A friendly name under your own domain often hides a managed service: `db.example.com` looks stable,
//! but its addresses belong to the provider and change when the provider moves the instance. The
//! offline rule MSH301 cannot see through the alias, so the pinned `/32` looks harmless until a
//! failover black-holes (REGISTRY_ONLY) or unmanages (ALLOW_ANY) the connections.
//!
//! Severity: warning, for the same reason as MSH301: a future breakage, not an open port.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # CNAME orders.c1x2y3z4.eu-west-1.rds.amazonaws.com
//!   addresses:
//!   - 203.0.113.40/32
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.0/24           # the provider subnet the instance can move within
//! ```

use super::facts::DnsFacts;
use super::providers::dynamic_provider;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH304 cname-to-dynamic-provider: the host is an alias (CNAME) for a name under a provider
/// whose addresses change, so whatever it resolves to today will not last.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "The host is a CNAME to a provider whose IPs change.",
};

/// Reports every host whose first answer's CNAME chain reaches a dynamic provider.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let Some(first) = facts.samples(host).and_then(<[_]>::first) else {
                continue;
            };
            if let Some((name, provider)) = first
                .cname_chain
                .iter()
                .find_map(|link| dynamic_provider(&link.target).map(|p| (link.target.as_str(), p)))
            {
                out.at(
                    se,
                    &format!("spec.hosts[{i}]"),
                    format!("{host} is a CNAME to {name} ({provider}), whose addresses change"),
                )
                .help("use the provider's published CIDR ranges instead of pinned addresses");
            }
        }
    }
}
