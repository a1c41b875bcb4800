//! MSH104 invalid-port: a port out of range or duplicated (the CRD rejects those), a port name
//! that is not a DNS-1123 label, or a protocol Istio does not know.

use crate::engine::Protocol;
use crate::load::{Inputs, ProblemKind};
use crate::rules::findings::Findings;
use crate::rules::input::problems::{self, CelOwner};

use super::host;

/// Reports the CRD's port rejections and the webhook's port name and protocol checks.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    problems::report(
        inputs,
        ProblemKind::Schema,
        Some(CelOwner::InvalidPort),
        out,
    );
    for se in &inputs.service_entries {
        for (i, port) in se.resource.spec.ports.iter().enumerate() {
            if !host::is_dns_label(&port.name) {
                out.at(
                    se,
                    &format!("spec.ports[{i}].name"),
                    format!("invalid port name: {}", port.name),
                )
                .help("port names are DNS labels: lower-case letters, digits and `-`, e.g. `tcp` or `tcp-mysql`");
            }
            if let Some(protocol) = port.protocol.as_deref().filter(|p| !p.is_empty())
                && Protocol::parse(Some(protocol)) == Protocol::Auto
            {
                out.at(
                    se,
                    &format!("spec.ports[{i}].protocol"),
                    format!("unsupported protocol: {protocol}"),
                )
                .help("use one of HTTP, HTTPS, GRPC, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP");
            }
        }
    }
}
