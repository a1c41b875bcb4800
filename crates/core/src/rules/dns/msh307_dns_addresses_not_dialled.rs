//! # MSH307 dns-addresses-not-dialled
//!
//! ## What it does
//! Runs only with `--dns`. Warns on an entry with resolution DNS (or DNS_ROUND_ROBIN) and explicit
//! `addresses`, when the sidecar's DNS capture is off and the host's real DNS answer does not contain
//! those addresses.
//!
//! ## Why it matters
//! With DNS resolution the addresses only choose the listener; Envoy then connects to the name's
//! resolved IP. Clients resolve the host through ordinary DNS and dial the real IP, which has no
//! listener, so the entry is never used: under REGISTRY_ONLY the connections are black-holed. A
//! placeholder address only works when the sidecar's DNS proxy (`ISTIO_META_DNS_CAPTURE`) answers
//! queries for the host with it.
//!
//! Severity: warning: clients dial addresses the entry does not list, so their connections fall outside it.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com           # resolves to 203.0.113.7; DNS capture off
//!   addresses:
//!   - 192.0.2.50               # placeholder VIP nobody resolves to
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//!   addresses:
//!   - 203.0.113.7/32           # the address clients really dial
//!   resolution: NONE
//! ```

use super::facts::{DnsFacts, unique};
use super::listed::{Resolved, listed_and_resolved};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH307 dns-addresses-not-dialled: resolution DNS with `addresses` that the host's DNS does not
/// return, while sidecars do not proxy DNS. Clients resolve the name themselves, dial the real
/// addresses, and miss the listener built on the listed ones.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "Resolution DNS with addresses the host's DNS does not return: clients dial other IPs.",
};

/// Reports, per host, DNS-mode entries none of whose addresses the host resolves to. Entries
/// matched by their addresses are MSH302's.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    if cx.dns_capture {
        return; // the sidecar answers with the listed addresses, so clients dial them
    }
    listed_and_resolved(cx, facts, Resolved::ByDns, |se, nets, host, resolved| {
        if nets
            .iter()
            .any(|n| resolved.iter().any(|ip| n.contains(ip)))
        {
            return;
        }
        out.at(
            se,
            "spec.addresses",
            format!(
                "{host} resolves to {}, none of them in `addresses`: clients dial those IPs and miss this entry's listener",
                unique(resolved.iter()).join(", ")
            ),
        )
        .help("use resolution NONE with the resolved addresses, or turn on DNS proxying so clients get the listed addresses");
    });
}
