//! MSH105 invalid-endpoints: endpoints that do not fit the resolution mode (an FQDN under STATIC,
//! a non-name under DNS), a unix endpoint on an entry with several ports, or a port name the
//! entry does not define. The CRD's own endpoint rules arrive as schema problems this rule owns.

use std::net::IpAddr;

use super::host;
use crate::load::{Inputs, ProblemKind};
use crate::model::Resolution;
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};

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
