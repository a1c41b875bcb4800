//! MSH101 invalid-host: a ServiceEntry host the webhook rejects — including an IP address, whose
//! all-digit last label fails the domain check — or `*`, which the CRD rejects first.

use std::net::IpAddr;

use super::host;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};

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
