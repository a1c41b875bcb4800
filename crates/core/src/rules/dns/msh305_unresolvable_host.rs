//! MSH305 unresolvable-host: the host does not resolve (NXDOMAIN, no address records), or its
//! lookup could not be completed (timeout, SERVFAIL, unreachable resolver). The two are told
//! apart: a name that no longer exists makes pinned addresses stale, while a resolver that did
//! not answer says nothing about the name ("could not verify").

use super::facts::DnsFacts;
use crate::dns::DnsError;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

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
