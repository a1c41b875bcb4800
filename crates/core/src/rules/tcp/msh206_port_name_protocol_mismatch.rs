//! MSH206 port-name-protocol-mismatch: a port name whose prefix announces a protocol (`mysql`,
//! `tcp-db`, `http-api`) that `protocol` does not set. Kubernetes Services take the protocol from
//! the name; a ServiceEntry takes it only from `protocol`.

use crate::engine::Protocol;
use crate::rules::context::Context;
use crate::rules::findings::Findings;

/// Reports port names that suggest another protocol class than the one declared.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, port) in se.resource.spec.ports.iter().enumerate() {
            let Some(implied) = implied_protocol(&port.name) else {
                continue;
            };
            let declared = port.protocol.as_deref().filter(|p| !p.is_empty());
            let actual = Protocol::parse(declared);
            let same_class = declared.is_some()
                && actual.listener() == implied.listener()
                && actual.is_tls() == implied.is_tls();
            if same_class {
                continue;
            }
            let says = declared.map_or_else(|| "is unset".to_owned(), |p| format!("says {p}"));
            out.at(
                se,
                &format!("spec.ports[{i}].name"),
                format!(
                    "port name `{}` suggests {implied} but `protocol` {says}; for a ServiceEntry only `protocol` counts",
                    port.name
                ),
            )
            .help(format!(
                "set `protocol: {}` or rename the port",
                implied.as_str()
            ));
        }
    }
}

/// The protocol a port name's prefix announces (`mysql`, `tcp-db`, `http-api`), if any.
fn implied_protocol(name: &str) -> Option<Protocol> {
    let prefix = name.split('-').next().unwrap_or(name);
    let protocol = Protocol::parse(Some(prefix));
    (protocol != Protocol::Auto).then_some(protocol)
}
