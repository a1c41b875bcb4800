//! Gateway and AuthorizationPolicy, the egress gateway's kinds: one case per CRD rule.

use super::*;

const SERVER: &str =
    "  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [db.example.com]\n";

#[test]
fn gateway_rules() {
    let cases = [
        Case {
            name: "egress gateway with passthrough and origination",
            spec: "  selector: {istio: egressgateway}\n  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [db.example.com]\n    tls: {mode: PASSTHROUGH}\n  - port: {number: 15443, name: mtls, protocol: TLS, targetPort: 15443}\n    bind: 0.0.0.0\n    hosts: [bookinfo/db.example.com]\n    tls:\n      mode: ISTIO_MUTUAL\n      minProtocolVersion: TLSV1_2\n      insecureSkipVerify: null\n",
            want: None,
        },
        Case {
            name: "port name required",
            spec: "  servers:\n  - port: {number: 443, protocol: TLS}\n    hosts: [db.example.com]\n",
            want: Some(("spec.servers[0].port.name", "Required value")),
        },
        Case {
            name: "hosts required",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n",
            want: Some(("spec.servers[0].hosts", "Required value")),
        },
        Case {
            name: "tls mode enum",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [db.example.com]\n    tls: {mode: DISABLE}\n",
            want: Some(("spec.servers[0].tls.mode", "Unsupported value")),
        },
        Case {
            name: "tls version enum",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [db.example.com]\n    tls: {mode: SIMPLE, maxProtocolVersion: TLSV1_4}\n",
            want: Some((
                "spec.servers[0].tls.maxProtocolVersion",
                "Unsupported value",
            )),
        },
        Case {
            name: "at most two credential names",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: HTTPS}\n    hosts: [db.example.com]\n    tls: {mode: SIMPLE, credentialNames: [a, b, c]}\n",
            want: Some(("spec.servers[0].tls.credentialNames", "at most 2 items")),
        },
        Case {
            name: "at least one tls certificate",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: HTTPS}\n    hosts: [db.example.com]\n    tls: {mode: SIMPLE, tlsCertificates: []}\n",
            want: Some(("spec.servers[0].tls.tlsCertificates", "at least 1 items")),
        },
        Case {
            name: "credentialName with credentialNames",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: HTTPS}\n    hosts: [db.example.com]\n    tls: {mode: SIMPLE, credentialName: a, credentialNames: [b]}\n",
            want: Some((
                "spec.servers[0].tls",
                "only one of credentialName or credentialNames can be set",
            )),
        },
        Case {
            name: "credentialNames with tlsCertificates",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: HTTPS}\n    hosts: [db.example.com]\n    tls:\n      mode: SIMPLE\n      credentialNames: [b]\n      tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]\n",
            want: Some((
                "spec.servers[0].tls",
                "only one of credentialNames or tlsCertificates can be set",
            )),
        },
        Case {
            // The CRD's third rule tests credentialNames, whatever its message says.
            name: "credentialName with tlsCertificates",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: HTTPS}\n    hosts: [db.example.com]\n    tls:\n      mode: SIMPLE\n      credentialName: a\n      tlsCertificates: [{serverCertificate: /c.pem, privateKey: /k.pem}]\n",
            want: None,
        },
        Case {
            name: "port number is uint32",
            spec: "  servers:\n  - port: {number: '443', name: tls, protocol: TLS}\n    hosts: [db.example.com]\n",
            want: Some(("spec.servers[0].port.number", "must be of type integer")),
        },
        Case {
            name: "selector values are strings",
            spec: "  selector: {istio: {app: egress}}\n",
            want: Some(("spec.selector.istio", "must be of type string")),
        },
        Case {
            name: "unknown server field",
            spec: "  servers:\n  - port: {number: 443, name: tls, protocol: TLS}\n    hosts: [db.example.com]\n    tls: {mode: PASSTHROUGH, sni: db.example.com}\n",
            want: Some(("spec.servers[0].tls.sni", "unknown field")),
        },
        Case {
            name: "the minimal server",
            spec: SERVER,
            want: None,
        },
    ];
    run("Gateway", validate_gateway, &cases);
}

#[test]
fn authorization_policy_rules() {
    let long_account: &'static str = Box::leak(
        format!(
            "  rules:\n  - from:\n    - source:\n        serviceAccounts: [bookinfo/{}]\n",
            "a".repeat(312)
        )
        .into_boxed_str(),
    );
    let cases = [
        Case {
            name: "egress gateway allow by sni and port",
            spec: "  selector:\n    matchLabels: {istio: egressgateway}\n  action: ALLOW\n  rules:\n  - from:\n    - source: {principals: [cluster.local/ns/bookinfo/sa/ratings], ipBlocks: [192.0.2.0/24]}\n    to:\n    - operation: {hosts: [db.example.com], ports: ['443']}\n    when:\n    - {key: connection.sni, values: [db.example.com]}\n",
            want: None,
        },
        Case {
            name: "custom with a provider and target refs",
            spec: "  action: CUSTOM\n  provider: {name: ext-authz}\n  targetRefs:\n  - {group: gateway.networking.k8s.io, kind: Gateway, name: egress}\n  rules:\n  - to:\n    - operation: {methods: [GET], paths: [/admin/*]}\n",
            want: None,
        },
        Case {
            name: "action enum",
            spec: "  action: LOG\n",
            want: Some(("spec.action", "Unsupported value")),
        },
        Case {
            name: "condition key required",
            spec: "  rules:\n  - when:\n    - values: [a]\n",
            want: Some(("spec.rules[0].when[0].key", "Required value")),
        },
        Case {
            name: "ports are strings",
            spec: "  rules:\n  - to:\n    - operation: {ports: [443]}\n",
            want: Some((
                "spec.rules[0].to[0].operation.ports[0]",
                "must be of type string",
            )),
        },
        Case {
            name: "service account length",
            spec: long_account,
            want: Some((
                "spec.rules[0].from[0].source.serviceAccounts[0]",
                "may not be more than 320 bytes",
            )),
        },
        Case {
            name: "target ref needs a name",
            spec: "  targetRef: {kind: Gateway}\n",
            want: Some(("spec.targetRef.name", "Required value")),
        },
        Case {
            name: "target ref kind pattern",
            spec: "  targetRef: {kind: gateway.v1, name: egress}\n",
            want: Some(("spec.targetRef.kind", "should match")),
        },
        Case {
            name: "target ref group pattern",
            spec: "  targetRefs:\n  - {group: Gateway.Networking, kind: Gateway, name: egress}\n",
            want: Some(("spec.targetRefs[0].group", "should match")),
        },
        Case {
            name: "target ref in another namespace",
            spec: "  targetRef: {kind: Gateway, name: egress, namespace: istio-system}\n",
            want: Some((
                "spec.targetRef.namespace",
                "cross namespace referencing is not currently supported",
            )),
        },
        Case {
            name: "selector and target refs",
            spec: "  selector:\n    matchLabels: {istio: egressgateway}\n  targetRefs:\n  - {kind: Gateway, name: egress}\n",
            want: Some(("spec", "only one of targetRefs or selector can be set")),
        },
        Case {
            name: "service accounts with namespaces",
            spec: "  rules:\n  - from:\n    - source: {serviceAccounts: [bookinfo/ratings], namespaces: [bookinfo]}\n",
            want: Some((
                "spec.rules[0].from[0].source",
                "Cannot set serviceAccounts with namespaces or principals",
            )),
        },
        Case {
            name: "selector value wildcard",
            spec: "  selector:\n    matchLabels: {istio: 'egress*'}\n",
            want: Some((
                "spec.selector.matchLabels.istio",
                "wildcard not allowed in label value match",
            )),
        },
        Case {
            name: "unknown source field",
            spec: "  rules:\n  - from:\n    - source: {principal: [a]}\n",
            want: Some(("spec.rules[0].from[0].source.principal", "unknown field")),
        },
    ];
    run("AuthorizationPolicy", validate_authorization_policy, &cases);
}
