//! # MSH217 tls-origination-on-database-port
//!
//! ## What it does
//! Flags a DestinationRule whose `tls.mode` is `SIMPLE` or `MUTUAL` (in `trafficPolicy`, a subset's
//! `trafficPolicy`, or one of their `portLevelSettings`) for a MySQL or PostgreSQL port of the host
//! it applies to: port 3306 or 5432, a ServiceEntry port with `protocol: MYSQL`, or a port whose name
//! (or a Service's `appProtocol`) starts with `mysql` or `postgres`. The ports come from the
//! ServiceEntries and Kubernetes Services of the rule's host, and from the port-level settings
//! themselves.
//!
//! ## Why it matters
//! MySQL and PostgreSQL do not start with TLS: they negotiate it inside their own protocol (the
//! PostgreSQL client asks with an `SSLRequest` message, the MySQL server greets in plaintext and the
//! client upgrades after the capability exchange). A sidecar that originates TLS starts a TLS
//! handshake the moment the connection opens, so the database sees bytes it cannot parse, or the
//! sidecar sees a plaintext greeting where it expects a TLS ServerHello. Every connection fails, and
//! no client or server setting makes it work; Istio does not configure Envoy's in-protocol
//! (STARTTLS-style) upgrade for these databases (istio/istio#29761, and the discussion in
//! istio/istio#37290).
//!
//! Severity: error: no connection through the rule can succeed, and the failure is a handshake error far from its cause.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: DestinationRule
//! metadata:
//!   name: orders-db
//! spec:
//!   host: orders-db.example.com
//!   trafficPolicy:
//!     tls:
//!       mode: SIMPLE
//! ```
//!
//! ## Use instead
//! ```yaml
//! spec:                      # let the client negotiate TLS (sslmode=verify-full, --ssl-mode=VERIFY_IDENTITY)
//!   host: orders-db.example.com
//!   trafficPolicy:
//!     tls:
//!       mode: DISABLE
//! ```

use crate::load::Loaded;
use crate::model::{DestinationRule, TrafficPolicy};
use crate::rules::context::Context;
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH217 tls-origination-on-database-port: sidecar TLS origination (istio/istio
/// `pilot/pkg/networking/core/cluster_tls.go`, `buildUpstreamTLSSettings`) on a port whose
/// protocol negotiates TLS in-band. Port-level `tls` replaces the rule-wide one for its port
/// (`pilot/pkg/networking/core/cluster_traffic_policy.go`, `selectTrafficPolicyComponents`).
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Lint(check),
    summary: "Sidecar TLS origination on a MySQL or PostgreSQL port breaks the handshake.",
};

/// Well-known ports of the two protocols.
const DATABASE_PORTS: [(u32, &str); 2] = [(3306, "MySQL"), (5432, "PostgreSQL")];

/// One port of the rule's host, as a ServiceEntry or Service declares it.
struct HostPort<'a> {
    number: u32,
    /// Protocol, port name and `appProtocol`, whatever the declaration has.
    labels: Vec<&'a str>,
}

/// Reports each originating `tls` once per database port it covers.
pub(crate) fn check(cx: &Context<'_>, out: &mut Findings) {
    for dr in &cx.inputs.destination_rules {
        let ports = host_ports(cx, dr);
        if let Some(policy) = &dr.resource.spec.traffic_policy {
            policy_findings(dr, policy, "spec.trafficPolicy", &ports, out);
        }
        for (i, subset) in dr.resource.spec.subsets.iter().enumerate() {
            if let Some(policy) = &subset.traffic_policy {
                let path = format!("spec.subsets[{i}].trafficPolicy");
                policy_findings(dr, policy, &path, &ports, out);
            }
        }
    }
}

fn policy_findings(
    dr: &Loaded<DestinationRule>,
    policy: &TrafficPolicy,
    path: &str,
    ports: &[HostPort<'_>],
    out: &mut Findings,
) {
    let host = &dr.resource.spec.host;
    let mut overridden = Vec::new();
    for (j, setting) in policy.port_level_settings.iter().enumerate() {
        let Some(number) = setting.port.as_ref().map(|p| p.number) else {
            continue;
        };
        let Some(tls) = &setting.tls else {
            continue;
        };
        overridden.push(number);
        let Some(mode) = originating(tls.mode.as_deref()) else {
            continue;
        };
        if let Some(what) = database(number, ports) {
            out.at(
                dr,
                &format!("{path}.portLevelSettings[{j}].tls.mode"),
                message(mode, host, number, what),
            )
            .help(HELP);
        }
    }
    let Some(mode) = policy
        .tls
        .as_ref()
        .and_then(|t| originating(t.mode.as_deref()))
    else {
        return;
    };
    let mut reported = Vec::new();
    for port in ports {
        if overridden.contains(&port.number) || reported.contains(&port.number) {
            continue;
        }
        if let Some(what) = database(port.number, ports) {
            reported.push(port.number);
            out.at(
                dr,
                &format!("{path}.tls.mode"),
                message(mode, host, port.number, what),
            )
            .help(HELP);
        }
    }
}

const HELP: &str =
    "set `tls.mode: DISABLE` for the port and let the database client negotiate TLS itself";

fn message(mode: &str, host: &str, number: u32, what: &str) -> String {
    format!(
        "tls mode {mode} originates TLS on {host}:{number}, a {what} port: {what} negotiates TLS inside its own protocol, so every connection fails its handshake"
    )
}

/// `SIMPLE` or `MUTUAL`, the modes in which the sidecar starts TLS itself.
fn originating(mode: Option<&str>) -> Option<&'static str> {
    match mode?.trim() {
        m if m.eq_ignore_ascii_case("SIMPLE") => Some("SIMPLE"),
        m if m.eq_ignore_ascii_case("MUTUAL") => Some("MUTUAL"),
        _ => None,
    }
}

/// The database `number` speaks, judged by the port number and every declaration of it.
fn database(number: u32, ports: &[HostPort<'_>]) -> Option<&'static str> {
    if let Some((_, what)) = DATABASE_PORTS.iter().find(|(n, _)| *n == number) {
        return Some(what);
    }
    ports
        .iter()
        .filter(|p| p.number == number)
        .flat_map(|p| p.labels.iter())
        .find_map(|label| {
            let label = label.trim().to_ascii_lowercase();
            if label.starts_with("mysql") {
                Some("MySQL")
            } else if label.starts_with("postgres") {
                Some("PostgreSQL")
            } else {
                None
            }
        })
}

/// The ports of every ServiceEntry and Service named by the rule's host.
fn host_ports<'a>(cx: &Context<'a>, dr: &Loaded<DestinationRule>) -> Vec<HostPort<'a>> {
    let namespace = dr.resource.metadata.namespace();
    let pattern = qualified(&dr.resource.spec.host, namespace);
    let mut ports = Vec::new();
    for se in &cx.inputs.service_entries {
        let se_ns = se.resource.metadata.namespace();
        if se
            .resource
            .spec
            .hosts
            .iter()
            .any(|h| covers(&pattern, &qualified(h, se_ns)))
        {
            ports.extend(se.resource.spec.ports.iter().map(|p| {
                HostPort {
                    number: p.number,
                    labels: [p.protocol.as_deref(), Some(p.name.as_str())]
                        .into_iter()
                        .flatten()
                        .collect(),
                }
            }));
        }
    }
    for svc in &cx.inputs.services {
        let meta = &svc.resource.metadata;
        let fqdn = format!("{}.{}.svc.cluster.local", meta.name, meta.namespace());
        if !covers(&pattern, &fqdn) {
            continue;
        }
        ports.extend(svc.resource.spec.ports.iter().filter_map(|p| {
            Some(HostPort {
                number: u32::try_from(p.port).ok()?,
                labels: [p.app_protocol.as_deref(), p.name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect(),
            })
        }));
    }
    ports
}

/// A host as Istio reads it in `namespace`: short names (no dot) are Kubernetes services there.
fn qualified(host: &str, namespace: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    if host.contains('.') || host.starts_with('*') {
        host
    } else {
        format!("{host}.{namespace}.svc.cluster.local")
    }
}

/// True when the DestinationRule host `pattern` applies to `host` (both lower-case): equal, or
/// a `*.suffix` pattern over a deeper name or a narrower wildcard.
fn covers(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix('*') {
        None => pattern == host,
        Some(suffix) => {
            let concrete = host.strip_prefix('*').unwrap_or(host);
            suffix.is_empty() || (concrete.len() > suffix.len() && concrete.ends_with(suffix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(field line, message)` of every finding on `text`.
    fn findings(text: &str) -> Vec<(u64, String)> {
        crate::rules::testing::lint(check, RULE.severity, text)
            .into_iter()
            .map(|f| (f.origin.pos.line, f.message))
            .collect()
    }

    fn rule(host: &str, policy: &str) -> String {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db, namespace: bookinfo}}\nspec:\n  host: \"{host}\"\n{policy}"
        )
    }

    const ENTRY: &str = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db, namespace: bookinfo}\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7/32]\n  ports: [{name: mysql-main, number: 13306, protocol: TCP}, {name: tls, number: 8443, protocol: TLS}]\n---\n";

    #[test]
    fn port_level_tls_in_a_subset_on_3306_fires_without_any_entry() {
        let text = rule(
            "db.example.com",
            "  subsets:\n  - name: v1\n    labels: {version: v1}\n    trafficPolicy:\n      portLevelSettings:\n      - port: {number: 3306}\n        tls: {mode: MUTUAL}\n",
        );
        let found = findings(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 12, "the subset's port-level `mode`");
        assert!(
            found[0]
                .1
                .contains("tls mode MUTUAL originates TLS on db.example.com:3306, a MySQL port")
        );
    }

    #[test]
    fn a_wildcard_rule_reaches_a_port_named_mysql_but_not_the_tls_port() {
        let found = findings(
            &[
                ENTRY,
                &rule(
                    "*.example.com",
                    "  trafficPolicy:\n    tls: {mode: SIMPLE}\n",
                ),
            ]
            .concat(),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].1.contains(":13306, a MySQL port"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn modes_that_do_not_originate_and_other_hosts_are_quiet() {
        for policy in [
            "  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n",
            "  trafficPolicy:\n    tls: {mode: DISABLE}\n",
            "  trafficPolicy:\n    tls: {mode: SIMPLE}\n    portLevelSettings:\n    - port: {number: 13306}\n      tls: {mode: DISABLE}\n",
        ] {
            assert!(
                findings(&[ENTRY, &rule("db.example.com", policy)].concat()).is_empty(),
                "{policy}"
            );
        }
        let other = rule(
            "api.example.com",
            "  trafficPolicy:\n    tls: {mode: SIMPLE}\n",
        );
        assert!(findings(&[ENTRY, &other].concat()).is_empty());
    }
}
