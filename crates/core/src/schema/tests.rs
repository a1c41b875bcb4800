//! One case per CRD rule: the document, and the field and message kubectl would report.

use super::*;

struct Case {
    name: &'static str,
    spec: &'static str,
    want: Option<(&'static str, &'static str)>,
}

fn doc(kind: &str, spec: &str) -> Node {
    let text = format!(
        "apiVersion: networking.istio.io/v1\nkind: {kind}\nmetadata:\n  name: x\nspec:\n{spec}"
    );
    let mut docs: Vec<Node> = serde_saphyr::from_multiple(&text).expect("test yaml parses");
    docs.remove(0)
}

fn run(kind: &str, validate: fn(&Node) -> Vec<Violation>, cases: &[Case]) {
    for case in cases {
        let violations = validate(&doc(kind, case.spec));
        match case.want {
            None => assert!(violations.is_empty(), "{}: {violations:?}", case.name),
            Some((path, message)) => assert!(
                violations
                    .iter()
                    .any(|v| v.path == path && v.message.contains(message)),
                "{}: want `{path}`: {message}, got {violations:?}",
                case.name
            ),
        }
    }
}

mod egress;
mod routing;

const PORT: &str = "  ports:\n  - {number: 3306, name: tcp, protocol: TCP}\n";

#[test]
#[allow(clippy::too_many_lines)] // a table of cases reads best as one table
fn service_entry_rules() {
    let addresses_257: &'static str = Box::leak(
        format!(
            "  hosts: [db.example.com]\n  addresses: [{}]\n",
            (0..257)
                .map(|i| format!("192.0.2.{}", i % 256))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into_boxed_str(),
    );
    let cases = [
        Case {
            name: "blog entry",
            spec: "  hosts: [db.example.com]\n  addresses: [203.0.113.7/32]\n  ports:\n  - {number: 3306, name: tcp, protocol: tcp}\n  location: MESH_EXTERNAL\n",
            want: None,
        },
        Case {
            name: "hosts required",
            spec: PORT,
            want: Some(("spec.hosts", "Required value")),
        },
        Case {
            name: "hosts min 1",
            spec: "  hosts: []\n",
            want: Some(("spec.hosts", "should have at least 1 items")),
        },
        Case {
            name: "wildcard host",
            spec: "  hosts: ['*']\n",
            want: Some(("spec.hosts[0]", "hostname cannot be wildcard")),
        },
        Case {
            name: "address too long",
            spec: "  hosts: [a.example.com]\n  addresses: ['2001:0db8:0000:0000:0000:0000:0000:0001/128-and-some-more-text-to-exceed']\n",
            want: Some(("spec.addresses[0]", "Too long: may not be more than 64")),
        },
        Case {
            name: "too many addresses",
            spec: addresses_257,
            want: Some(("spec.addresses", "must have at most 256 items")),
        },
        Case {
            name: "port zero",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 0, name: tcp}\n",
            want: Some(("spec.ports[0].number", "port must be between 1-65535")),
        },
        Case {
            name: "port too big",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 70000, name: tcp}\n",
            want: Some(("spec.ports[0].number", "port must be between 1-65535")),
        },
        Case {
            name: "negative port",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: -1, name: tcp}\n",
            want: Some(("spec.ports[0].number", "greater than or equal to 0")),
        },
        Case {
            name: "target port range",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 1, name: tcp, targetPort: 65536}\n",
            want: Some(("spec.ports[0].targetPort", "port must be between 1-65535")),
        },
        Case {
            name: "port name required",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 1}\n",
            want: Some(("spec.ports[0].name", "Required value")),
        },
        Case {
            name: "duplicate port number",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 1, name: a}\n  - {number: 1, name: b}\n",
            want: Some(("spec.ports[1].number", "port number cannot be duplicated")),
        },
        Case {
            name: "duplicate port name",
            spec: "  hosts: [a.example.com]\n  ports:\n  - {number: 1, name: a}\n  - {number: 2, name: a}\n",
            want: Some(("spec.ports[1]", "Duplicate value")),
        },
        Case {
            name: "resolution enum",
            spec: "  hosts: [a.example.com]\n  resolution: dns\n",
            want: Some(("spec.resolution", "Unsupported value: \"dns\"")),
        },
        Case {
            name: "location enum",
            spec: "  hosts: [a.example.com]\n  location: EXTERNAL\n",
            want: Some((
                "spec.location",
                "supported values: \"MESH_EXTERNAL\", \"MESH_INTERNAL\"",
            )),
        },
        Case {
            name: "cidr with dns",
            spec: "  hosts: [a.example.com]\n  addresses: [203.0.113.7, 203.0.113.8/32]\n  resolution: DNS\n",
            want: Some((
                "spec.addresses[1]",
                "CIDR addresses are allowed only for NONE/STATIC resolution types",
            )),
        },
        Case {
            name: "bare ip with dns is fine",
            spec: "  hosts: [a.example.com]\n  addresses: [203.0.113.7]\n  resolution: DNS\n",
            want: None,
        },
        Case {
            name: "none with endpoints",
            spec: "  hosts: [a.example.com]\n  endpoints:\n  - address: 203.0.113.7\n",
            want: Some(("spec", "NONE mode cannot set endpoints")),
        },
        Case {
            name: "selector and endpoints",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  workloadSelector: {labels: {app: x}}\n  endpoints:\n  - address: 203.0.113.7\n",
            want: Some((
                "spec",
                "only one of WorkloadSelector or Endpoints can be set",
            )),
        },
        Case {
            name: "dns round robin endpoints",
            spec: "  hosts: [a.example.com]\n  resolution: DNS_ROUND_ROBIN\n  endpoints:\n  - address: a.example.com\n  - address: b.example.com\n",
            want: Some((
                "spec",
                "DNS_ROUND_ROBIN mode cannot have multiple endpoints",
            )),
        },
        Case {
            name: "endpoint needs address or network",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - labels: {a: b}\n",
            want: Some(("spec.endpoints[0]", "Address is required")),
        },
        Case {
            name: "uds relative",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - address: unix://tmp/sock\n",
            want: Some((
                "spec.endpoints[0].address",
                "UDS must be an absolute path or abstract socket",
            )),
        },
        Case {
            name: "uds dir",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - address: unix:///tmp/\n",
            want: Some(("spec.endpoints[0].address", "UDS may not be a dir")),
        },
        Case {
            name: "uds with ports",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - address: unix:///tmp/sock\n    ports: {tcp: 1}\n",
            want: Some(("spec.endpoints[0]", "UDS may not include ports")),
        },
        Case {
            name: "endpoint port name",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - address: 203.0.113.7\n    ports: {'-bad': 1}\n",
            want: Some(("spec.endpoints[0].ports", "port name must be valid")),
        },
        Case {
            name: "selector wildcard",
            spec: "  hosts: [a.example.com]\n  workloadSelector: {labels: {app: '*'}}\n",
            want: Some((
                "spec.workloadSelector.labels.app",
                "wildcard is not supported in selector",
            )),
        },
        Case {
            name: "weight type",
            spec: "  hosts: [a.example.com]\n  resolution: STATIC\n  endpoints:\n  - {address: 203.0.113.7, weight: heavy}\n",
            want: Some(("spec.endpoints[0].weight", "must be of type integer")),
        },
        Case {
            name: "unknown field",
            spec: "  hosts: [a.example.com]\n  resolutions: NONE\n",
            want: Some(("spec.resolutions", "unknown field \"spec.resolutions\"")),
        },
        Case {
            name: "exportTo is a list",
            spec: "  hosts: [a.example.com]\n  exportTo: '.'\n",
            want: Some(("spec.exportTo", "must be of type array")),
        },
        Case {
            name: "status is preserved",
            spec: "  hosts: [a.example.com]\nstatus:\n  addresses:\n  - {value: 240.240.0.1, host: a.example.com}\n  anything: 1\n",
            want: None,
        },
    ];
    run("ServiceEntry", validate_service_entry, &cases);
}

#[test]
fn sidecar_rules() {
    let cases = [
        Case {
            name: "egress hosts",
            spec: "  egress:\n  - hosts: ['./*', 'istio-system/*']\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
            want: None,
        },
        Case {
            name: "egress needs hosts",
            spec: "  egress:\n  - port: {number: 3306, protocol: TCP, name: mysql}\n",
            want: Some(("spec.egress[0].hosts", "Required value")),
        },
        Case {
            name: "mode enum",
            spec: "  outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}\n",
            want: Some(("spec.outboundTrafficPolicy.mode", "Unsupported value")),
        },
        Case {
            name: "capture mode enum",
            spec: "  egress:\n  - {hosts: ['*/*'], captureMode: TPROXY}\n",
            want: Some(("spec.egress[0].captureMode", "Unsupported value")),
        },
        Case {
            name: "egress proxy host",
            spec: "  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy: {port: {number: 80}}\n",
            want: Some((
                "spec.outboundTrafficPolicy.egressProxy.host",
                "Required value",
            )),
        },
        Case {
            name: "unknown field",
            spec: "  egres: []\n",
            want: Some(("spec.egres", "unknown field")),
        },
        Case {
            name: "ingress is opaque",
            spec: "  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1:8080\n",
            want: None,
        },
    ];
    run("Sidecar", validate_sidecar, &cases);
}

#[test]
fn metadata_name_is_required() {
    let mut docs: Vec<Node> = serde_saphyr::from_multiple(
        "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {}\nspec: {}\n",
    )
    .expect("yaml");
    let violations = validate_sidecar(&docs.remove(0));
    assert_eq!(violations[0].path, "metadata.name");
    assert!(
        violations[0]
            .message
            .contains("name or generateName is required")
    );
}
