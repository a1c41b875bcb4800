//! VirtualService `tcp`/`tls` routes and DestinationRules on the sidecar hop (istio/istio
//! pilot/pkg/networking/core/tls.go, networkfilter.go, cluster_tls.go,
//! pilot/pkg/model/push_context.go `destinationRule`).

use super::*;

fn vs(id: &str, spec: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{{spec}}}\n"
    )
}

fn dr(id: &str, spec: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{{spec}}}\n"
    )
}

const DB: &str = "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE";
const DB_WILDCARD: &str =
    "hosts: [db.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE";
const SUBSETS: &str = "host: db.example.com, subsets: [{name: primary, labels: {role: primary}}, {name: replica, labels: {role: replica}}]";

fn decision_text(
    config: &str,
    conn: Connection<'_>,
    workload: &Workload,
) -> (Verdict, String, String) {
    let registry = compiled(config, workload);
    let decision = decide(&registry, &conn);
    (
        decision.verdict(),
        decision.cluster().to_owned(),
        decision.to_string(),
    )
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

#[test]
fn a_tcp_route_sends_to_a_subset_cluster() {
    let config = se("default/db", DB)
        + &dr("default/db", SUBSETS)
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{route: [{destination: {host: db.example.com, subset: primary}}]}]",
        );
    run(&[case(
        "subset of the route",
        config,
        tcp("198.51.100.7", 3306),
        allow("198.51.100.7_3306", "outbound|3306|primary|db.example.com"),
    )
    .registry_only()]);
}

#[test]
fn a_route_to_an_undefined_subset_is_closed() {
    let config = se("default/db", DB)
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{route: [{destination: {host: db.example.com, subset: primary}}]}]",
        );
    let (verdict, cluster, text) = decision_text(
        &config,
        Connection::tcp(ip("198.51.100.7"), 3306),
        &Workload::default(),
    );
    assert_eq!(verdict, Verdict::Deny, "{text}");
    assert_eq!(cluster, "outbound|3306|primary|db.example.com");
    assert!(text.contains("does not have"), "{text}");
}

#[test]
fn a_route_to_another_host_sends_there() {
    let config = se("default/db", DB)
        + &se(
            "default/proxy",
            "hosts: [sqlproxy.example.com], ports: [{number: 3307, name: tcp, protocol: TCP}], resolution: DNS",
        )
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{route: [{destination: {host: sqlproxy.example.com}}]}]",
        );
    run(&[case(
        "the lone port of the destination",
        config,
        tcp("198.51.100.7", 3306),
        allow("198.51.100.7_3306", "outbound|3307||sqlproxy.example.com"),
    )
    .registry_only()
    .upstream("resolve sqlproxy.example.com:3307")]);
}

#[test]
fn destination_subnets_add_a_chain_and_keep_the_default() {
    let config = se("default/db", DB_WILDCARD)
        + &dr("default/db", SUBSETS)
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{match: [{destinationSubnets: [203.0.113.0/24]}], route: [{destination: {host: db.example.com, subset: replica}}]}]",
        );
    run(&[
        case(
            "inside the subnet",
            config.clone(),
            tcp("203.0.113.9", 3306),
            allow("0.0.0.0_3306", "outbound|3306|replica|db.example.com"),
        )
        .registry_only(),
        case(
            "outside it, the service's own chain",
            config,
            tcp("198.51.100.7", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    ]);
}

#[test]
fn static_predicates_are_evaluated_for_the_workload() {
    let config = se("default/db", DB)
        + &dr("default/db", SUBSETS)
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{match: [{sourceLabels: {app: batch}}], route: [{destination: {host: db.example.com, subset: replica}}]}]",
        );
    run(&[
        case(
            "labels match",
            config.clone(),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306|replica|db.example.com"),
        )
        .registry_only()
        .labels(&[("app", "batch")]),
        case(
            "labels do not match",
            config,
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .registry_only()
        .labels(&[("app", "web")]),
    ]);
}

#[test]
fn a_route_bound_only_to_a_gateway_does_not_touch_the_sidecar() {
    let config = se("default/db", DB)
        + &dr("default/db", SUBSETS)
        + &vs(
            "default/db",
            "hosts: [db.example.com], gateways: [istio-system/egress], tcp: [{route: [{destination: {host: db.example.com, subset: replica}}]}]",
        );
    run(&[case(
        "gateway-only route",
        config,
        tcp("198.51.100.7", 3306),
        allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
    )
    .registry_only()]);
}

#[test]
fn weighted_routes_name_every_destination() {
    let config = se("default/db", DB)
        + &dr("default/db", SUBSETS)
        + &vs(
            "default/db",
            "hosts: [db.example.com], tcp: [{route: [{destination: {host: db.example.com, subset: primary}, weight: 20}, {destination: {host: db.example.com, subset: replica}, weight: 80}]}]",
        );
    let (verdict, cluster, text) = decision_text(
        &config,
        Connection::tcp(ip("198.51.100.7"), 3306),
        &Workload::default(),
    );
    assert_eq!(verdict, Verdict::Allow, "{text}");
    assert_eq!(
        cluster, "outbound|3306|replica|db.example.com",
        "the heavier one"
    );
    assert!(
        text.contains("outbound|3306|primary|db.example.com 20%")
            && text.contains("outbound|3306|replica|db.example.com 80%"),
        "{text}"
    );
}

#[test]
fn tls_routes_match_on_sni() {
    let api = "hosts: ['*.example.com'], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE";
    let config = se("default/api", api)
        + &se(
            "default/mirror",
            "hosts: [mirror.example.net], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS",
        )
        + &vs(
            "default/api",
            "hosts: ['*.example.com'], tls: [{match: [{sniHosts: [old.example.com]}], route: [{destination: {host: mirror.example.net}}]}]",
        );
    run(&[
        case(
            "the routed name",
            config.clone(),
            tls("192.0.2.50", 443, Some("old.example.com")),
            allow("0.0.0.0_443", "outbound|443||mirror.example.net"),
        )
        .registry_only(),
        case(
            "any other name has no chain once a route matched",
            config,
            tls("192.0.2.50", 443, Some("new.example.com")),
            deny("0.0.0.0_443", PASSTHROUGH_CHAIN),
        )
        .registry_only(),
    ]);
}

#[test]
fn a_destination_rule_sets_the_transport_and_the_tunnel() {
    let simple = se("default/db", DB)
        + &dr(
            "default/db",
            "host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE, sni: db.example.com, subjectAltNames: [db.example.com]}}",
        );
    let (_, _, text) = decision_text(
        &simple,
        Connection::tcp(ip("198.51.100.7"), 3306),
        &Workload::default(),
    );
    assert!(
        text.contains("transport TLS origination (SIMPLE), SNI db.example.com, SAN db.example.com"),
        "{text}"
    );
    let tunnel = se("default/db", DB)
        + &dr(
            "default/db",
            "host: db.example.com, trafficPolicy: {tunnel: {targetHost: 192.0.2.99, targetPort: 3306}}",
        );
    let (_, _, text) = decision_text(
        &tunnel,
        Connection::tcp(ip("198.51.100.7"), 3306),
        &Workload::default(),
    );
    assert!(
        text.contains("tunnelled (CONNECT 192.0.2.99:3306)"),
        "{text}"
    );
}

#[test]
fn the_proxy_namespace_rule_wins_over_the_service_namespace() {
    let config = se("db/db", DB)
        + &dr(
            "db/db",
            "host: db.example.com, trafficPolicy: {tls: {mode: SIMPLE}}",
        )
        + &dr(
            "shop/db",
            "host: db.example.com, trafficPolicy: {tls: {mode: DISABLE}}",
        );
    let shop = Workload {
        namespace: "shop".into(),
        ..Workload::default()
    };
    let (_, _, text) = decision_text(&config, Connection::tcp(ip("198.51.100.7"), 3306), &shop);
    assert!(
        !text.contains("TLS origination"),
        "shop's own rule disables TLS: {text}"
    );
    let web = Workload {
        namespace: "web".into(),
        ..Workload::default()
    };
    let (_, _, text) = decision_text(&config, Connection::tcp(ip("198.51.100.7"), 3306), &web);
    assert!(
        text.contains("TLS origination (SIMPLE)"),
        "db's exported rule: {text}"
    );
}

#[test]
fn connection_pool_limits_merge_port_level_over_the_whole_policy() {
    let config = se("default/db", DB)
        + &dr(
            "default/db",
            "host: db.example.com, trafficPolicy: {connectionPool: {tcp: {maxConnections: 100, connectTimeout: 2s, idleTimeout: 1h}}, portLevelSettings: [{port: {number: 3306}, connectionPool: {tcp: {maxConnections: 5, tcpKeepalive: {time: 30s, probes: 3}}}}]}",
        );
    let registry = compiled(&config, &Workload::default());
    let decision = decide(&registry, &Connection::tcp(ip("198.51.100.7"), 3306));
    let Decision::Allow { chain, .. } = decision else {
        panic!("{decision}");
    };
    let limits = chain.limits.as_deref().expect("limits");
    assert_eq!(limits.max_connections, Some(5), "the port's setting wins");
    assert_eq!(
        limits.connect_timeout,
        Some(std::time::Duration::from_secs(2))
    );
    assert_eq!(
        limits.idle_timeout,
        Some(std::time::Duration::from_secs(3600))
    );
    let keepalive = limits.keepalive.as_ref().expect("keepalive");
    assert_eq!(keepalive.time, Some(std::time::Duration::from_secs(30)));
    assert_eq!(keepalive.probes, Some(3));
}

#[test]
fn durations_read_as_istio_writes_them() {
    use std::time::Duration;
    assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
    assert_eq!(parse_duration("0.5s"), Some(Duration::from_millis(500)));
    assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
    assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
    assert_eq!(parse_duration("-1s"), None);
    assert_eq!(parse_duration("soon"), None);
}
