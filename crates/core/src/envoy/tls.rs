//! TLS contexts of an exported bootstrap: the mesh certificate a sidecar presents to an
//! `ISTIO_MUTUAL` upstream, and the context a gateway server terminates TLS with.
//!
//! Certificates come from files named as Istio mounts them when SDS is off (`root-cert.pem`,
//! `cert-chain.pem`, `key.pem`: istio/istio pkg/security/security.go `DefaultRootCertFilePath`
//! and its neighbours), or, for a gateway exported without files, from the node agent's SDS
//! secrets `default` and `ROOTCA` as istiod names them (pilot/pkg/networking/core/listener.go
//! `BuildListenerTLSContext`, pilot/pkg/security/model/authentication.go
//! `ConstructSdsSecretConfig`).
//!
//! The gateway's certificate is checked by the sidecar against the mesh root and by its URI
//! SAN: any service account in the gateway Service's namespace
//! (`spiffe://<trust domain>/ns/<namespace>/sa/<any>`). Istio names the exact service accounts
//! of the Service's pods; those pods are not among meshctl's inputs, while the namespace is in
//! the cluster's host, and a certificate from another namespace (a workload posing as the
//! gateway) is still refused.

use std::path::Path;

use serde_json::{Value, json};

/// The cluster through which a proxy without certificate files asks the node agent for them.
pub(crate) const SDS_CLUSTER: &str = "sds-grpc";
/// Where the node agent serves SDS in an Istio pod.
const SDS_SOCKET: &str = "./var/run/secrets/workload-spiffe-uds/socket";

/// The three files of a workload certificate, as paths written into the bootstrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    /// The mesh CA's certificate (`root-cert.pem`).
    pub root: String,
    /// The workload certificate and its chain (`cert-chain.pem`).
    pub chain: String,
    /// The workload key (`key.pem`).
    pub key: String,
}

impl CertFiles {
    /// The file names Istio mounts, under `dir`.
    #[must_use]
    pub fn in_dir(dir: &Path) -> CertFiles {
        let path = |name: &str| dir.join(name).display().to_string();
        CertFiles {
            root: path("root-cert.pem"),
            chain: path("cert-chain.pem"),
            key: path("key.pem"),
        }
    }

    fn certificate(&self) -> Value {
        json!([{
            "certificate_chain": { "filename": &self.chain },
            "private_key": { "filename": &self.key },
        }])
    }
}

/// Adds the workload certificate and the check of the upstream's certificate to the
/// `common_tls_context` of an `ISTIO_MUTUAL` cluster towards `host`.
pub(crate) fn mesh_client(common: &mut Value, certs: &CertFiles, host: &str) {
    let Some(fields) = common.as_object_mut() else {
        return;
    };
    fields.insert("tls_certificates".into(), certs.certificate());
    fields.insert(
        "validation_context".into(),
        json!({
            "trusted_ca": { "filename": &certs.root },
            "match_typed_subject_alt_names": [{
                "san_type": "URI",
                "matcher": { "safe_regex": { "regex": identity_pattern(host) } },
            }],
        }),
    );
}

/// The identities a service's pods may hold: any service account of the namespace a
/// Kubernetes Service host names (`<name>.<namespace>.svc…`), else any mesh identity.
fn identity_pattern(host: &str) -> String {
    let mut labels = host.split('.');
    let namespace = match (labels.next(), labels.next(), labels.next()) {
        (Some(_), Some(ns), Some("svc")) if !ns.is_empty() => Some(ns),
        _ => None,
    };
    match namespace {
        Some(ns) => format!("spiffe://[^/]+/ns/{}/sa/[^/]+", quote_meta(ns)),
        None => "spiffe://[^/]+/ns/[^/]+/sa/[^/]+".into(),
    }
}

/// What a gateway server asks of the client's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientCert {
    /// None (`SIMPLE`).
    None,
    /// One signed by the CA the server trusts (`MUTUAL`, `ISTIO_MUTUAL`).
    Required,
}

/// The `DownstreamTlsContext` of a terminating gateway server: the files when given, else the
/// node agent's SDS secrets.
pub(crate) fn server(certs: Option<&CertFiles>, client: ClientCert) -> Value {
    let mut common = serde_json::Map::new();
    if let Some(certs) = certs {
        common.insert("tls_certificates".into(), certs.certificate());
        if client == ClientCert::Required {
            common.insert(
                "validation_context".into(),
                json!({ "trusted_ca": { "filename": &certs.root } }),
            );
        }
    } else {
        common.insert(
            "tls_certificate_sds_secret_configs".into(),
            json!([{ "name": "default", "sds_config": sds_config() }]),
        );
        if client == ClientCert::Required {
            common.insert(
                "combined_validation_context".into(),
                json!({
                    "default_validation_context": {},
                    "validation_context_sds_secret_config": { "name": "ROOTCA", "sds_config": sds_config() },
                }),
            );
        }
    }
    let mut context = json!({
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
        "common_tls_context": Value::Object(common),
    });
    if client == ClientCert::Required {
        context
            .as_object_mut()
            .expect("json! object")
            .insert("require_client_certificate".into(), json!(true));
    }
    json!({ "name": "envoy.transport_sockets.tls", "typed_config": context })
}

fn sds_config() -> Value {
    json!({
        "api_config_source": {
            "api_type": "GRPC",
            "transport_api_version": "V3",
            "set_node_on_first_message_only": true,
            "grpc_services": [{ "envoy_grpc": { "cluster_name": SDS_CLUSTER } }],
        },
        "initial_fetch_timeout": "0s",
        "resource_api_version": "V3",
    })
}

/// The cluster [`SDS_CLUSTER`]: gRPC over the node agent's socket, as Istio's bootstrap has it.
pub(crate) fn sds_cluster() -> Value {
    json!({
        "name": SDS_CLUSTER,
        "type": "STATIC",
        "connect_timeout": "1s",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": { "http2_protocol_options": {} },
            },
        },
        "load_assignment": {
            "cluster_name": SDS_CLUSTER,
            "endpoints": [{ "lb_endpoints": [{ "endpoint": { "address": { "pipe": { "path": SDS_SOCKET } } } }] }],
        },
    })
}

/// `regexp.QuoteMeta`: the text as a regular expression that matches only itself.
pub(crate) fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_host_pins_its_namespace() {
        assert_eq!(
            identity_pattern("istio-egressgateway.istio-system.svc.cluster.local"),
            "spiffe://[^/]+/ns/istio-system/sa/[^/]+"
        );
        assert_eq!(
            identity_pattern("db.example.com"),
            "spiffe://[^/]+/ns/[^/]+/sa/[^/]+"
        );
        assert_eq!(quote_meta("a.b*"), "a\\.b\\*");
    }
}
