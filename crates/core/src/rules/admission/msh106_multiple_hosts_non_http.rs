//! MSH106 multiple-hosts-non-http: several hosts, a resolution other than NONE, and a port that
//! is neither HTTP nor TLS (an unset protocol counts). The webhook rejects it because such a port
//! cannot tell the hosts apart; with NONE the hosts do not route, so it is accepted.

use crate::engine::Protocol;
use crate::load::Inputs;
use crate::model::Resolution;
use crate::rules::findings::Findings;

/// Reports entries the webhook rejects for listing several hosts on a plain port.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for se in &inputs.service_entries {
        let spec = &se.resource.spec;
        if spec.resolution() == Resolution::None || spec.hosts.len() <= 1 {
            continue;
        }
        let plain = spec.ports.iter().any(|p| {
            let protocol = Protocol::parse(p.protocol.as_deref());
            !protocol.is_tls() && protocol != Protocol::Http
        });
        if plain {
            out.at(
                se,
                "spec.hosts",
                "multiple hosts provided with non-HTTP, non-TLS ports",
            )
            .help("write one ServiceEntry per host");
        }
    }
}
