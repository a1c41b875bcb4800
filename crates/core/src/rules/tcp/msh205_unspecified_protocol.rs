//! # MSH205 unspecified-protocol
//!
//! ## What it does
//! Warns on a port without `protocol`. It is an error on server-first ports: 3306 (MySQL), 25 (SMTP),
//! 27017 (MongoDB), 21 (FTP), 110 (POP3), 143 (IMAP) and any port given with `--server-first-port`.
//!
//! ## Why it matters
//! Without a protocol the sidecar sniffs: its HTTP inspector waits for the client's first bytes to pick
//! an HTTP or a TCP chain, and by default it waits forever (`protocolDetectionTimeout: 0s`). In a
//! server-first protocol the client waits for the server's greeting, so nobody sends anything and the
//! connection hangs until the application times out. The port name does not help: for a ServiceEntry
//! only `protocol` counts; name prefixes and the TCP default for 3306 apply only to Kubernetes
//! Services.
//!
//! Severity: warning when the sidecar can still sniff the protocol; error on server-first ports, where connections hang.
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
//!   - name: mysql              # the name does not set the protocol
//!     number: 3306
//! ```
//!
//! ## Use instead
//! ```yaml
//!   ports:
//!   - name: mysql
//!     number: 3306
//!     protocol: TCP
//! ```

use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::fix::Edit;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH205 unspecified-protocol: a port without `protocol`. The sidecar then sniffs the first
/// client bytes to choose HTTP or TCP, with no detection timeout by default; on a server-first
/// port (the server greets first) client and sidecar wait for each other and the connection
/// hangs, so there it is an error. Kubernetes Services default some well-known ports to TCP;
/// ServiceEntries do not (istio/istio `pkg/config/kube/conversion.go`, `wellKnownPorts`, applies
/// to Services only; istio.io `docs/ops/deployment/application-requirements`, "Server First
/// Protocols").
pub(crate) const RULE: Row = Row {
    severity: Severity::Warning,
    check: CheckFn::Lint(check),
    summary: "A port without `protocol`: the sidecar sniffs it and server-first protocols hang.",
};

/// Ports where the server speaks first; unset protocol makes the sidecar wait for the client.
pub const SERVER_FIRST_PORTS: [u16; 6] = [3306, 25, 27017, 21, 110, 143];

/// Reports every port without a protocol; an error on server-first ports.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for se in &cx.inputs.service_entries {
        for (i, port) in se.resource.spec.ports.iter().enumerate() {
            if port.protocol.as_deref().is_some_and(|p| !p.is_empty()) {
                continue;
            }
            let n = u16::try_from(port.number).unwrap_or(0);
            let server_first =
                SERVER_FIRST_PORTS.contains(&n) || cx.server_first_ports.contains(&n);
            let path = format!("spec.ports[{i}]");
            let finding = if server_first {
                // Only TCP works on a server-first port (sniffing hangs), so the fix is certain
                // here; elsewhere HTTP may be meant, and no edit is offered.
                let line = se.locate(&format!("{path}.number")).pos.line;
                out.at(
                    se,
                    &path,
                    format!(
                        "port {n} has no protocol: the sidecar waits for the client's first bytes, but on {n} the server speaks first, so connections hang"
                    ),
                )
                .severity(Severity::Error)
                .fix(Edit::AddSibling {
                    line,
                    key_on_line: "number".into(),
                    text: "protocol: TCP".into(),
                })
            } else {
                out.at(
                    se,
                    &path,
                    format!(
                        "port {n} has no protocol: the sidecar sniffs the first client bytes to choose HTTP or TCP"
                    ),
                )
            };
            finding
                .help("set `protocol: TCP` (the port name does not set a ServiceEntry's protocol)");
        }
    }
}
