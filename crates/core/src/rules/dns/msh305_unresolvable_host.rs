//! # MSH305 unresolvable-host
//!
//! ## What it does
//! Runs only with `--dns`. Warns when a host has no A or AAAA records (NXDOMAIN, or a name with no
//! address records). Wildcard hosts are not queried. When the lookup itself fails — a timeout,
//! SERVFAIL, a resolver that cannot be reached — the finding says "could not verify" instead: that
//! is about the resolver, not the name, and pinned addresses are not called stale.
//!
//! ## Why it matters
//! With resolution DNS, Envoy resolves the same name to find its upstream, so every matched connection
//! fails. With resolution NONE the addresses still work, but a host that no longer exists usually means
//! a retired service whose IP may be handed to someone else, or a typo that makes the entry describe a
//! server other than the one the addresses point at.
//!
//! Severity: warning: the answer depends on the resolver the check used, which may not be the cluster's.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - bd.example.com           # typo for db.example.com: NXDOMAIN
//!   ports:
//!   - name: tcp
//!     number: 3306
//!     protocol: TCP
//!   resolution: DNS
//! ```
//!
//! ## Use instead
//! ```yaml
//!   hosts:
//!   - db.example.com
//! ```
//! Check the name with `meshctl resolve db.example.com`.

use super::facts::DnsFacts;
use crate::dns::DnsError;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH305 unresolvable-host: the host does not resolve (NXDOMAIN, no address records), or its
/// lookup could not be completed (timeout, SERVFAIL, unreachable resolver). The two are told
/// apart: a name that no longer exists makes pinned addresses stale, while a resolver that did
/// not answer says nothing about the name ("could not verify").
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Dns(check),
    summary: "The host does not resolve.",
};

/// Reports every host whose lookup failed, with the resolver's reason.
pub(crate) fn check(cx: &Context<'_>, facts: &DnsFacts, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, host) in se.resource.spec.hosts.iter().enumerate() {
            let Some(Err(error)) = facts.hosts.get(host) else {
                continue;
            };
            let field = format!("spec.hosts[{i}]");
            if answered(error) {
                out.at(se, &field, format!("{host} does not resolve: {error}"))
                    .help(
                        "check the name; addresses pinned for a name that no longer exists are stale",
                    );
            } else {
                out.at(se, &field, format!("could not verify {host}: {error}"))
                    .help("the resolver gave no answer about the name; rerun, or check --nameserver and --timeout");
            }
        }
    }
}

/// True when DNS answered about the name itself (it does not exist, or has no addresses), as
/// opposed to a lookup that failed before any answer about the name.
fn answered(error: &DnsError) -> bool {
    matches!(
        error,
        DnsError::NxDomain { .. } | DnsError::NoRecords { .. } | DnsError::InvalidName { .. }
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn only_answers_about_the_name_say_it_does_not_resolve() {
        let name = String::from("db.example.com");
        assert!(answered(&DnsError::NxDomain { name: name.clone() }));
        assert!(answered(&DnsError::NoRecords { name: name.clone() }));
        assert!(!answered(&DnsError::Timeout {
            name: name.clone(),
            timeout: Duration::from_secs(1),
            server: "192.0.2.53:53".into(),
        }));
        assert!(!answered(&DnsError::Server {
            name,
            server: "192.0.2.53:53".into(),
            reason: "SERVFAIL".into(),
        }));
    }
}
