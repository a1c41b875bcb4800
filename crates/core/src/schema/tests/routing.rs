//! VirtualService and DestinationRule: one case per CRD rule, as for the other kinds.

use super::*;

#[test]
fn virtual_service_rules() {
    let cases = [
        Case {
            name: "tcp and tls routes",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - match:\n    - {port: 3306, destinationSubnets: [203.0.113.0/24], sourceLabels: {app: ratings}}\n    route:\n    - destination: {host: db.example.com, subset: v1, port: {number: 3306}}\n      weight: 100\n  tls:\n  - match:\n    - sniHosts: [db.example.com]\n    route:\n    - destination: {host: db.example.com}\n",
            want: None,
        },
        Case {
            name: "tls match needs sniHosts",
            spec: "  hosts: [db.example.com]\n  tls:\n  - match:\n    - port: 443\n",
            want: Some(("spec.tls[0].match[0].sniHosts", "Required value")),
        },
        Case {
            name: "tls route needs match",
            spec: "  hosts: [db.example.com]\n  tls:\n  - route: []\n",
            want: Some(("spec.tls[0].match", "Required value")),
        },
        Case {
            name: "destination needs host",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - route:\n    - destination: {subset: v1}\n",
            want: Some(("spec.tcp[0].route[0].destination.host", "Required value")),
        },
        Case {
            name: "route needs destination",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - route:\n    - weight: 100\n",
            want: Some(("spec.tcp[0].route[0].destination", "Required value")),
        },
        Case {
            name: "weight is int32",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - route:\n    - destination: {host: db.example.com}\n      weight: 2147483648\n",
            want: Some((
                "spec.tcp[0].route[0].weight",
                "less than or equal to 2147483647",
            )),
        },
        Case {
            name: "match port is uint32",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - match:\n    - port: -1\n",
            want: Some(("spec.tcp[0].match[0].port", "greater than or equal to 0")),
        },
        Case {
            name: "unknown route field",
            spec: "  hosts: [db.example.com]\n  tcp:\n  - routes: []\n",
            want: Some(("spec.tcp[0].routes", "unknown field")),
        },
        Case {
            name: "http timeout duration",
            spec: "  hosts: [db.example.com]\n  http:\n  - timeout: 500us\n",
            want: Some((
                "spec.http[0].timeout",
                "must be a valid duration greater than 1ms",
            )),
        },
        Case {
            name: "http subtrees are opaque",
            spec: "  hosts: [db.example.com]\n  http:\n  - match:\n    - uri: {prefix: /}\n      anything: 1\n    route:\n    - destination: {host: db.example.com}\n",
            want: None,
        },
        Case {
            name: "http destination required",
            spec: "  hosts: [db.example.com]\n  http:\n  - route:\n    - {}\n",
            want: Some(("spec.http[0].route[0].destination", "Required value")),
        },
        Case {
            name: "unknown http field",
            spec: "  hosts: [db.example.com]\n  http:\n  - routes: []\n",
            want: Some(("spec.http[0].routes", "unknown field")),
        },
    ];
    run("VirtualService", validate_virtual_service, &cases);
}

#[test]
#[allow(clippy::too_many_lines)] // a table of cases reads best as one table
fn destination_rule_rules() {
    let cases = [
        Case {
            name: "full policy",
            spec: "  host: db.example.com\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: 100, connectTimeout: 10s, idleTimeout: 0s, tcpKeepalive: {time: 7200s, interval: 75s, probes: 9}}\n      http: {useClientProtocol: true}\n    tls: {mode: SIMPLE, sni: db.example.com, insecureSkipVerify: false}\n    tunnel: {protocol: CONNECT, targetHost: db.example.com, targetPort: 3306}\n    loadBalancer: {simple: ROUND_ROBIN}\n    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}\n    retryBudget: {percent: 12.5}\n    portLevelSettings:\n    - port: {number: 3306}\n      tls: {mode: DISABLE}\n  subsets:\n  - name: v1\n    labels: {version: v1}\n    trafficPolicy:\n      tls: {mode: ISTIO_MUTUAL}\n  workloadSelector:\n    matchLabels: {app: ratings}\n",
            want: None,
        },
        Case {
            name: "host required",
            spec: "  subsets: []\n",
            want: Some(("spec.host", "Required value")),
        },
        Case {
            name: "subset name required",
            spec: "  host: db.example.com\n  subsets:\n  - labels: {version: v1}\n",
            want: Some(("spec.subsets[0].name", "Required value")),
        },
        Case {
            name: "tls mode enum",
            spec: "  host: db.example.com\n  trafficPolicy:\n    tls: {mode: STRICT}\n",
            want: Some((
                "spec.trafficPolicy.tls.mode",
                "Unsupported value: \"STRICT\"",
            )),
        },
        Case {
            name: "tunnel needs target",
            spec: "  host: db.example.com\n  trafficPolicy:\n    tunnel: {protocol: CONNECT, targetHost: db.example.com}\n",
            want: Some(("spec.trafficPolicy.tunnel.targetPort", "Required value")),
        },
        Case {
            name: "connect timeout below 1ms",
            spec: "  host: db.example.com\n  trafficPolicy:\n    connectionPool:\n      tcp: {connectTimeout: 100us}\n",
            want: Some((
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
                "must be a valid duration greater than 1ms",
            )),
        },
        Case {
            name: "connect timeout not a duration",
            spec: "  host: db.example.com\n  trafficPolicy:\n    connectionPool:\n      tcp: {connectTimeout: 10}\n",
            want: Some((
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
                "must be of type string",
            )),
        },
        Case {
            name: "max connections int32",
            spec: "  host: db.example.com\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: many}\n",
            want: Some((
                "spec.trafficPolicy.connectionPool.tcp.maxConnections",
                "must be of type integer",
            )),
        },
        Case {
            name: "insecureSkipVerify is a boolean",
            spec: "  host: db.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE, insecureSkipVerify: yes-please}\n",
            want: Some((
                "spec.trafficPolicy.tls.insecureSkipVerify",
                "must be of type boolean",
            )),
        },
        Case {
            name: "retry budget percent",
            spec: "  host: db.example.com\n  trafficPolicy:\n    retryBudget: {percent: 120}\n",
            want: Some((
                "spec.trafficPolicy.retryBudget.percent",
                "less than or equal to 100",
            )),
        },
        Case {
            name: "port level settings in subsets",
            spec: "  host: db.example.com\n  subsets:\n  - name: v1\n    trafficPolicy:\n      portLevelSettings:\n      - port: {number: 3306}\n        tunnel: {}\n",
            want: Some((
                "spec.subsets[0].trafficPolicy.portLevelSettings[0].tunnel",
                "unknown field",
            )),
        },
        Case {
            name: "selector key wildcard",
            spec: "  host: db.example.com\n  workloadSelector:\n    matchLabels: {'app*': ratings}\n",
            want: Some((
                "spec.workloadSelector.matchLabels",
                "wildcard not allowed in label key match",
            )),
        },
        Case {
            name: "selector value wildcard",
            spec: "  host: db.example.com\n  workloadSelector:\n    matchLabels: {app: 'rat*'}\n",
            want: Some((
                "spec.workloadSelector.matchLabels.app",
                "wildcard not allowed in label value match",
            )),
        },
        Case {
            name: "selector uses matchLabels",
            spec: "  host: db.example.com\n  workloadSelector:\n    labels: {app: ratings}\n",
            want: Some(("spec.workloadSelector.labels", "unknown field")),
        },
        Case {
            name: "load balancer is an object",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer: ROUND_ROBIN\n",
            want: Some(("spec.trafficPolicy.loadBalancer", "must be of type object")),
        },
        Case {
            name: "warmup percent",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer:\n      warmup: {duration: 300s, minimumPercent: 150.0}\n",
            want: Some((
                "spec.trafficPolicy.loadBalancer.warmup.minimumPercent",
                "less than or equal to 100",
            )),
        },
        Case {
            name: "warmup duration required",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer:\n      warmup: {minimumPercent: 5.0}\n",
            want: Some((
                "spec.trafficPolicy.loadBalancer.warmup.duration",
                "Required value",
            )),
        },
        Case {
            name: "warmup aggression",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer:\n      warmup: {duration: 300s, aggression: -0.1}\n",
            want: Some((
                "spec.trafficPolicy.loadBalancer.warmup.aggression",
                "greater than or equal to 0",
            )),
        },
        Case {
            name: "one algorithm",
            spec: "  host: db.example.com\n  subsets:\n  - name: v1\n    trafficPolicy:\n      portLevelSettings:\n      - port: {number: 80}\n        loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}\n",
            want: Some((
                "spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer",
                "must validate one and only one schema (oneOf)",
            )),
        },
        Case {
            name: "one hash ring",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, ringHash: {}, maglev: {tableSize: 65537}}\n",
            want: Some((
                "spec.trafficPolicy.loadBalancer.consistentHash",
                "ringHash, maglev are set together",
            )),
        },
        Case {
            name: "one hash key and a ring",
            spec: "  host: db.example.com\n  trafficPolicy:\n    loadBalancer:\n      consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 65537}}\n      localityLbSetting: {enabled: true, distribute: [{from: a/*, to: {b/*: 100}}]}\n",
            want: None,
        },
    ];
    run("DestinationRule", validate_destination_rule, &cases);
}
