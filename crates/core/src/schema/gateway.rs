//! The Gateway schema (v1, v1beta1 and v1alpha3 are identical): servers with their port, hosts
//! and TLS settings, and the CRD's three CEL rules on `tls`. The webhook's rules are MSH117.

use crate::load::node::{Node, Value};

use super::violation::Violation;
use super::walk::{STRING, STRING_MAP, STRINGS, Schema, UINT32, istio_object};

/// A whole Gateway object.
pub(super) const DOCUMENT: Schema = istio_object!(SPEC, required: []);

const SPEC: Schema = Schema::Object {
    fields: &[
        ("selector", STRING_MAP),
        (
            "servers",
            Schema::Array {
                items: &SERVER,
                min_items: 0,
                max_items: None,
            },
        ),
    ],
    required: &[],
};

const SERVER: Schema = Schema::Object {
    fields: &[
        ("bind", STRING),
        ("defaultEndpoint", STRING),
        ("hosts", STRINGS),
        ("name", STRING),
        (
            "port",
            Schema::Object {
                fields: &[
                    ("name", STRING),
                    ("number", UINT32),
                    ("protocol", STRING),
                    ("targetPort", UINT32),
                ],
                required: &["number", "protocol", "name"],
            },
        ),
        ("tls", TLS),
    ],
    required: &["port", "hosts"],
};

const TLS_VERSION: Schema = Schema::Str {
    max_len: None,
    one_of: Some(&["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]),
    rule: None,
};

/// One or two of something (`credentialNames`, `tlsCertificates`).
const fn one_or_two(items: &'static Schema) -> Schema {
    Schema::Array {
        items,
        min_items: 1,
        max_items: Some(2),
    }
}

const TLS: Schema = Schema::Object {
    fields: &[
        ("caCertCredentialName", STRING),
        ("caCertificates", STRING),
        ("caCrl", STRING),
        ("cipherSuites", STRINGS),
        ("credentialName", STRING),
        ("credentialNames", one_or_two(&STRING)),
        ("ecdhCurves", STRINGS),
        ("httpsRedirect", Schema::Bool),
        ("insecureSkipVerify", Schema::Bool),
        ("maxProtocolVersion", TLS_VERSION),
        ("minProtocolVersion", TLS_VERSION),
        (
            "mode",
            Schema::Str {
                max_len: None,
                one_of: Some(&[
                    "PASSTHROUGH",
                    "SIMPLE",
                    "MUTUAL",
                    "AUTO_PASSTHROUGH",
                    "ISTIO_MUTUAL",
                    "OPTIONAL_MUTUAL",
                ]),
                rule: None,
            },
        ),
        ("privateKey", STRING),
        ("serverCertificate", STRING),
        ("subjectAltNames", STRINGS),
        ("tlsCertificates", one_or_two(&TLS_CERTIFICATE)),
        ("verifyCertificateHash", STRINGS),
        ("verifyCertificateSpki", STRINGS),
    ],
    required: &[],
};

const TLS_CERTIFICATE: Schema = Schema::Object {
    fields: &[
        ("caCertificates", STRING),
        ("privateKey", STRING),
        ("serverCertificate", STRING),
    ],
    required: &[],
};

/// The CRD's rules on each server's `tls`, which compare the presence of several fields.
///
/// The CRD's third rule says `credentialName or tlsCertificates` but tests `credentialNames`
/// with `tlsCertificates`, exactly like the first; the API server runs the test, so that is what
/// is encoded, and both messages appear together.
pub(super) fn cel_rules(doc: &Node) -> Vec<Violation> {
    let mut out = Vec::new();
    let servers = match doc.get("spec").and_then(|s| s.get("servers")) {
        Some(Node {
            value: Value::Seq(servers),
            ..
        }) => servers.as_slice(),
        _ => &[],
    };
    for (i, server) in servers.iter().enumerate() {
        let Some(tls) = server.get("tls") else {
            continue;
        };
        let has = |field: &str| {
            tls.get(field)
                .is_some_and(|n| !matches!(n.value, Value::Null))
        };
        let pairs = [
            (
                "tlsCertificates",
                "credentialNames",
                "only one of credentialNames or tlsCertificates can be set",
            ),
            (
                "credentialName",
                "credentialNames",
                "only one of credentialName or credentialNames can be set",
            ),
            (
                "credentialNames",
                "tlsCertificates",
                "only one of credentialName or tlsCertificates can be set",
            ),
        ];
        for (a, b, message) in pairs {
            if has(a) && has(b) {
                let path = format!("spec.servers[{i}].tls");
                out.push(Violation {
                    pos: doc.locate(&path),
                    path,
                    message: format!("Invalid value: {message}"),
                });
            }
        }
    }
    out
}
