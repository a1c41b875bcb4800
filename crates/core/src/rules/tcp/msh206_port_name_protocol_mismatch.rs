//! # MSH206 port-name-protocol-mismatch
//!
//! ## What it does
//! Warns on a port whose name reads as a protocol (`tcp`, `http`, `mysql`, or a `tcp-`, `http-`,
//! `mysql-` … prefix) while `protocol` is missing or names a different one. `protocol: TCP` under a
//! database name (`mysql`, `mongo`, `redis`) is accepted: it is the plain-TCP form of the same thing.
//!
//! ## Why it matters
//! Istio reads a ServiceEntry port's protocol only from `protocol` and never parses the name; the
//! naming convention belongs to Kubernetes Services. When the two disagree, reviewers believe the name
//! and the sidecar obeys the field: a `tcp-mysql` port with `protocol: HTTP` gets an HTTP listener that
//! routes by Host header, and a `mysql` port with no protocol is sniffed and hangs (MSH205).
//!
//! Severity: warning: only `protocol` decides, so the name misleads readers, not the sidecar; it matters when the intended protocol was never set.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: ServiceEntry
//! metadata:
//!   name: mysql-external
//! spec:
//!   hosts:
//!   - db.example.com
//!   addresses:
//!   - 203.0.113.7/32
//!   ports:
//!   - name: tcp-mysql
//!     number: 3306
//!     protocol: HTTP           # copied from an HTTP entry
//! ```
//!
//! ## Use instead
//! ```yaml
//!   ports:
//!   - name: tcp-mysql
//!     number: 3306
//!     protocol: TCP
//! ```

use crate::engine::Protocol;
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH206 port-name-protocol-mismatch: a port name whose prefix announces a protocol (`mysql`,
/// `tcp-db`, `http-api`) that `protocol` does not set. Kubernetes Services take the protocol from
/// the name; a ServiceEntry takes it only from `protocol`.
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A port name that suggests a protocol the `protocol` field does not set.",
};

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
