//! # MSH117 invalid-gateway
//!
//! ## What it does
//! Flags a Gateway Istio's webhook rejects: a name that is not a DNS label, no servers, a server
//! without hosts or with a host Istio refuses, a port with an unknown protocol, an out-of-range
//! number, a `targetPort` or no name, two servers with one port name, a `bind` that is neither an
//! IP address nor a `unix://` path, an HTTPS or TLS server without `tls` (or `tls` on a plain TCP
//! port), and TLS settings whose certificates contradict the mode (`ISTIO_MUTUAL` with its own
//! certificate, two certificate sources, `SIMPLE` or `MUTUAL` without a certificate, a CRL beside
//! a credential name).
//!
//! ## Why it matters
//! The webhook refuses the whole Gateway, so `kubectl apply` fails: the egress gateway opens none
//! of its ports, and the VirtualServices that send sidecar traffic through it route to a listener
//! that does not exist.
//!
//! Severity: error, because Istio rejects the resource (the API server's CRD validation or Istio's validating webhook): it never reaches a sidecar, and `kubectl apply` fails.
//!
//! ## Example
//! ```yaml
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata:
//!   name: istio-egressgateway
//!   namespace: istio-system
//! spec:
//!   selector:
//!     istio: egressgateway
//!   servers:
//!   - port: {number: 443, name: tls, protocol: TLS}
//!     hosts: [db.example.com]      # a TLS server without `tls`
//! ```
//!
//! ## Use instead
//! ```yaml
//!   servers:
//!   - port: {number: 443, name: tls, protocol: TLS}
//!     hosts: [db.example.com]
//!     tls:
//!       mode: PASSTHROUGH
//! ```

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::host::is_dns_label;
use super::names::{port_error, quoted, wildcard_domain_error};
use crate::load::Inputs;
use crate::model::{GatewayPort, Server, ServerTls};
use crate::rules::findings::Findings;
use crate::rules::row::{CheckFn, Row};
use crate::rules::severity::Severity;

/// MSH117 invalid-gateway: what istio/istio `pkg/config/validation/validation.go`
/// (`ValidateGateway`, `validateServer`, `validateServerPort`, `validateServerBind`,
/// `validateTLSOptions`) rejects. Its warnings (cipher suites, certificates a passthrough server
/// ignores, `httpsRedirect` on a non-HTTP server) are not reported.
pub(crate) const RULE: Row = Row {
    severity: Severity::Error,
    check: CheckFn::Admission(check),
    summary: "A Gateway whose servers, ports, hosts or TLS settings Istio's webhook rejects.",
};

/// Reports each webhook error about a Gateway.
pub(crate) fn check(inputs: &Inputs, out: &mut Findings) {
    for gateway in &inputs.gateways {
        let name = &gateway.resource.metadata.name;
        if !is_dns_label(name) || name.len() > 63 {
            out.at(
                gateway,
                "metadata.name",
                format!("invalid gateway name: {}", quoted(name)),
            );
        }
        let servers = &gateway.resource.spec.servers;
        if servers.is_empty() {
            out.at(gateway, "spec", "gateway must have at least one server");
        }
        let mut port_names = BTreeSet::new();
        for (i, server) in servers.iter().enumerate() {
            let at = format!("spec.servers[{i}]");
            for (field, message) in server_errors(server) {
                out.at(gateway, &format!("{at}{field}"), message);
            }
            if let Some(port) = &server.port
                && !port_names.insert(port.name.as_str())
            {
                out.at(
                    gateway,
                    &format!("{at}.port.name"),
                    format!(
                        "port names in servers must be unique: duplicate name {}",
                        port.name
                    ),
                )
                .help("name each server's port differently; Istio names routes after them");
            }
        }
    }
}

/// `validateServer`: hosts, port, bind, TLS, and whether the protocol wants TLS; each error
/// with the field under the server it is about.
fn server_errors(server: &Server) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let under = |field: &str, messages: Vec<String>| {
        let field = field.to_owned();
        messages.into_iter().map(move |m| (field.clone(), m))
    };
    if server.hosts.is_empty() {
        let message = "server config must contain at least one host";
        errors.push((String::new(), message.to_owned()));
    }
    for (i, host) in server.hosts.iter().enumerate() {
        errors.extend(under(&format!(".hosts[{i}]"), host_errors(host)));
    }
    let bind = server.bind.as_deref().unwrap_or_default();
    let port_errors = port_errors(server.port.as_ref(), bind);
    let port_ok = port_errors.is_empty();
    errors.extend(under(".port", port_errors));
    errors.extend(under(".bind", bind_errors(server.port.as_ref(), bind)));
    if let Some(tls) = &server.tls {
        errors.extend(under(".tls", tls_errors(tls)));
    }
    if let Some(port) = server.port.as_ref().filter(|_| port_ok) {
        let protocol = port.protocol.to_ascii_lowercase();
        let is_tls = matches!(protocol.as_str(), "https" | "tls");
        let is_http = matches!(
            protocol.as_str(),
            "http" | "http2" | "http_proxy" | "grpc" | "grpc-web"
        );
        match &server.tls {
            None if is_tls => {
                let message = "server must have TLS settings for HTTPS/TLS protocols";
                errors.push((".port.protocol".to_owned(), message.to_owned()));
            }
            Some(tls) if !is_tls && is_http => {
                // Only a passthrough `tls` block (such as one that just sets `httpsRedirect`)
                // may sit on a plain HTTP port.
                let passthrough = matches!(
                    tls.mode.as_deref().unwrap_or("PASSTHROUGH"),
                    "PASSTHROUGH" | "AUTO_PASSTHROUGH"
                );
                let files = [
                    &tls.ca_certificates,
                    &tls.private_key,
                    &tls.server_certificate,
                ]
                .iter()
                .any(|f| f.as_deref().is_some_and(|f| !f.is_empty()));
                if !passthrough || files {
                    let message = "server cannot have TLS settings for plain text HTTP ports";
                    errors.push((".tls".to_owned(), message.to_owned()));
                }
            }
            Some(_) if !is_tls => {
                let message = "server cannot have TLS settings for non HTTPS/TLS ports";
                errors.push((".tls".to_owned(), message.to_owned()));
            }
            _ => {}
        }
    }
    errors
}

/// `ValidateNamespaceSlashWildcardHostname` for a gateway: `namespace/host` or a bare host, where
/// the host may also be an IP address.
fn host_errors(entry: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let host = match entry.split_once('/') {
        None => entry,
        Some((namespace, host)) => {
            if namespace.is_empty() || host.is_empty() {
                errors
                    .push("config namespace and dnsName in host entry cannot be empty".to_owned());
            }
            if !matches!(namespace, "*" | ".") && !is_dns_label(namespace) {
                errors.push(format!(
                    "invalid namespace value {} in gateway",
                    quoted(namespace)
                ));
            }
            host
        }
    };
    if host != "*" && !host.contains('.') {
        errors.push("short names (non FQDN) are not allowed".to_owned());
    }
    if let Some(message) = wildcard_domain_error(host)
        && host.parse::<IpAddr>().is_err()
    {
        errors.push(message);
    }
    if host.contains('*') && host.len() != 1 && !host.starts_with("*.") {
        errors.push(format!("partial wildcard {} not allowed", quoted(host)));
    }
    errors
}

/// `validateServerPort`.
fn port_errors(port: Option<&GatewayPort>, bind: &str) -> Vec<String> {
    let Some(port) = port else {
        return vec!["port is required".to_owned()];
    };
    let mut errors = Vec::new();
    let known = [
        "tcp",
        "udp",
        "grpc",
        "grpc-web",
        "http",
        "http_proxy",
        "http2",
        "https",
        "tls",
        "mongo",
        "redis",
        "mysql",
    ];
    // Istio's parser compares lowercased names, so its internal `DoubleHBONE` never matches.
    if !known.contains(&port.protocol.to_ascii_lowercase().as_str()) {
        errors.push(format!(
            "invalid protocol {}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP",
            quoted(&port.protocol)
        ));
    }
    if port.number > 0 || !bind.starts_with("unix://") {
        errors.extend(port_error(i128::from(port.number)));
    }
    if port.target_port.is_some_and(|p| p > 0) {
        errors.push("targetPort has no impact on Gateways".to_owned());
    }
    if port.name.is_empty() {
        errors.push("port name must be set".to_owned());
    }
    errors
}

/// `validateServerBind`: a `unix://` path (with port 0) or an IP address.
fn bind_errors(port: Option<&GatewayPort>, bind: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(path) = bind.strip_prefix("unix://") {
        if path.is_empty() {
            errors.push("unix address must not be empty".to_owned());
        } else if !path.starts_with('@') && (!path.starts_with('/') || path.ends_with('/')) {
            errors.push(format!("{path} is not an absolute path to a file"));
        }
        if port.is_some_and(|p| p.number != 0) {
            errors.push("port number must be 0 for unix domain socket".to_owned());
        }
    } else if !bind.is_empty() && bind.parse::<IpAddr>().is_err() {
        errors.push(format!("{bind} is not a valid IP"));
    }
    errors
}

/// `validateTLSOptions`' errors.
fn tls_errors(tls: &ServerTls) -> Vec<String> {
    let set = |field: &Option<String>| field.as_deref().is_some_and(|f| !f.is_empty());
    let mode = tls.mode.as_deref().unwrap_or("PASSTHROUGH");
    let mut errors = Vec::new();
    if mode == "ISTIO_MUTUAL" {
        let own = [
            (set(&tls.server_certificate), "server certificate"),
            (set(&tls.private_key), "private key"),
            (set(&tls.ca_certificates), "CA bundle"),
            (!tls.tls_certificates.is_empty(), "tlsCertificates"),
            (set(&tls.credential_name), "credentialName"),
            (!tls.credential_names.is_empty(), "credentialNames"),
        ];
        for (present, what) in own {
            if present {
                errors.push(format!("ISTIO_MUTUAL TLS cannot have associated {what}"));
            }
        }
        return errors;
    }
    let sources = [
        set(&tls.server_certificate) && set(&tls.private_key),
        set(&tls.credential_name),
        !tls.credential_names.is_empty(),
        !tls.tls_certificates.is_empty(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        errors.push("only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified".to_owned());
    }
    let terminates = matches!(mode, "SIMPLE" | "MUTUAL" | "OPTIONAL_MUTUAL");
    if terminates && (set(&tls.credential_name) || !tls.credential_names.is_empty()) {
        return errors;
    }
    if terminates {
        let prefix = if mode == "SIMPLE" {
            "SIMPLE TLS"
        } else {
            "MUTUAL TLS"
        };
        if mode != "SIMPLE" && !set(&tls.ca_certificates) {
            errors.push(format!("{prefix} requires a client CA bundle"));
        }
        let files = |cert: &serde_json::Value, key: &str| {
            cert.get(key)
                .and_then(serde_json::Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        let pairs: Vec<(bool, bool)> = if tls.tls_certificates.is_empty() {
            vec![(set(&tls.server_certificate), set(&tls.private_key))]
        } else {
            tls.tls_certificates
                .iter()
                .map(|c| (files(c, "serverCertificate"), files(c, "privateKey")))
                .collect()
        };
        for (certificate, key) in pairs {
            if !certificate {
                errors.push(format!("{prefix} requires a server certificate"));
            }
            if !key {
                errors.push(format!("{prefix} requires a private key"));
            }
        }
    }
    if set(&tls.ca_crl) {
        if set(&tls.credential_name) {
            errors.push("CRL is not supported with credentialName. CRL has to be specified in the credential".to_owned());
        }
        if mode == "SIMPLE" {
            errors.push("CRL is not supported with SIMPLE TLS".to_owned());
        }
    }
    errors
}
