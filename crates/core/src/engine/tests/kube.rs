//! Kubernetes Services on the sidecar hop, as istiod converts them (istio/istio
//! pilot/pkg/serviceregistry/kube/conversion.go) and builds their listeners
//! (pilot/pkg/networking/core/listener.go; the merge cases follow listener_test.go
//! `TestOutboundListenerConflict_*`).

use super::*;

/// A Service document; `spec` is a YAML flow-mapping body.
fn service(id: &str, spec: &str) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{{spec}}}\n"
    )
}

/// An EndpointSlice of Service `id` with these ready addresses on a port named `port_name`.
fn slice(id: &str, port_name: &str, port: u16, addresses: &[&str]) -> String {
    let (ns, name) = id.split_once('/').expect("namespace/name");
    let endpoints: Vec<String> = addresses
        .iter()
        .map(|a| format!("{{addresses: [{a}]}}"))
        .collect();
    format!(
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: {name}-abc, namespace: {ns}, labels: {{kubernetes.io/service-name: {name}}}}}\naddressType: IPv4\nendpoints: [{}]\nports: [{{name: {port_name}, port: {port}}}]\n",
        endpoints.join(", ")
    )
}

const MYSQL_SVC: &str =
    "clusterIP: 192.0.2.20, ports: [{name: mysql, port: 3306, targetPort: 3306}]";
const EXTERNAL_DB: &str =
    "hosts: [db.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE";

#[test]
fn a_cluster_ip_service_listens_on_its_vip() {
    run(&[
        case(
            "ClusterIP TCP port",
            service("db/mysql", MYSQL_SVC),
            tcp("192.0.2.20", 3306),
            allow(
                "192.0.2.20_3306",
                "outbound|3306||mysql.db.svc.cluster.local",
            ),
        )
        .registry_only()
        .upstream("the Service's endpoints in the cluster"),
        case(
            "ClusterIP with its EndpointSlice",
            service("db/mysql", MYSQL_SVC) + &slice("db/mysql", "mysql", 3306, &["192.0.2.31"]),
            tcp("192.0.2.20", 3306),
            allow(
                "192.0.2.20_3306",
                "outbound|3306||mysql.db.svc.cluster.local",
            ),
        )
        .registry_only()
        .upstream("192.0.2.31:3306"),
        case(
            "another IP on the Service's port is not the Service's",
            service("db/mysql", MYSQL_SVC),
            tcp("192.0.2.21", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only(),
    ]);
}

#[test]
fn an_external_wildcard_entry_and_a_service_vip_share_a_port() {
    // The Service's VIP listener is exact; the entry without addresses takes every other IP.
    run(&[
        case(
            "the VIP goes to the Service",
            service("db/mysql", MYSQL_SVC) + &se("default/db", EXTERNAL_DB),
            tcp("192.0.2.20", 3306),
            allow(
                "192.0.2.20_3306",
                "outbound|3306||mysql.db.svc.cluster.local",
            ),
        )
        .registry_only(),
        case(
            "any other IP goes to the entry",
            service("db/mysql", MYSQL_SVC) + &se("default/db", EXTERNAL_DB),
            tcp("198.51.100.7", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    ]);
}

#[test]
fn an_http_service_port_makes_the_external_port_sniffed() {
    // An HTTP-class Service port binds the wildcard listener; the external TCP entry's
    // match-all chain joins it and the listener sniffs (listener.go
    // `buildSidecarOutboundListener`, the HTTP-then-TCP merge of TestOutboundListenerConflict).
    let config = service(
        "web/app",
        "clusterIP: 192.0.2.40, ports: [{name: http-web, port: 3306}]",
    ) + &se("default/db", EXTERNAL_DB);
    let registry = compiled(&config, &Workload::default());
    let decision = decide(
        &registry,
        &Connection::tcp("198.51.100.7".parse().unwrap(), 3306),
    );
    assert_eq!(decision.verdict(), Verdict::Allow, "{decision}");
    assert_eq!(decision.listener(), "0.0.0.0_3306");
    assert!(
        decision.to_string().contains("protocol-sniffed"),
        "a server-first protocol hangs on a sniffed port: {decision}"
    );
}

#[test]
fn a_headless_service_listens_per_endpoint() {
    let headless = "clusterIP: None, ports: [{name: tcp-db, port: 3306}]";
    run(&[
        case(
            "each ready pod IP gets its listener",
            service("db/pg", headless)
                + &slice("db/pg", "tcp-db", 3306, &["192.0.2.31", "192.0.2.32"]),
            tcp("192.0.2.32", 3306),
            allow("192.0.2.32_3306", "outbound|3306||pg.db.svc.cluster.local"),
        )
        .registry_only()
        .upstream("original destination 192.0.2.32:3306"),
        case(
            "no endpoints in the inputs: no listener",
            service("db/pg", headless),
            tcp("192.0.2.32", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("headless Service listens per endpoint"),
    ]);
}

#[test]
fn an_external_name_service_is_an_alias_without_listener() {
    run(&[case(
        "ExternalName",
        service(
            "db/legacy",
            "type: ExternalName, externalName: db.example.com, ports: [{name: tcp, port: 3306}]",
        ),
        tcp("198.51.100.7", 3306),
        deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
    )
    .registry_only()
    .near("ExternalName Service is a DNS alias")]);
}

#[test]
fn the_export_to_annotation_hides_a_service() {
    run(&[case(
        "exported to its own namespace only",
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: mysql, namespace: db, annotations: {networking.istio.io/exportTo: '.'}}\nspec: {clusterIP: 192.0.2.20, ports: [{name: mysql, port: 3306}]}\n",
        tcp("192.0.2.20", 3306),
        deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
    )
    .registry_only()
    .namespace("shop")]);
}

#[test]
fn an_external_name_alias_adds_its_name_to_the_target_sni_chain() {
    // A TLS entry without addresses matches by SNI on the wildcard listener; an ExternalName
    // Service aliasing its host makes the alias name match too (tls.go adds the aliases).
    let config = se(
        "default/api",
        "hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: DNS",
    ) + &service(
        "shop/payments",
        "type: ExternalName, externalName: api.example.com, ports: [{name: tls, port: 443}]",
    );
    let registry = compiled(&config, &Workload::default());
    let alias = decide(
        &registry,
        &Connection::tls(
            "192.0.2.60".parse().unwrap(),
            443,
            Some("payments.shop.svc.cluster.local"),
        ),
    );
    assert_eq!(alias.verdict(), Verdict::Allow, "{alias}");
    assert_eq!(alias.cluster(), "outbound|443||api.example.com");
    assert_eq!(
        alias.chain(),
        "outbound|443||api.example.com payments.shop.svc.cluster.local",
        "the alias chain is named after its match"
    );
    run(&[case(
        "the concrete name still",
        config,
        tls("192.0.2.60", 443, Some("api.example.com")),
        allow("0.0.0.0_443", "outbound|443||api.example.com"),
    )
    .registry_only()]);
}

#[test]
fn an_older_http_service_port_drops_a_mysql_entry_on_the_well_known_port() {
    // listener_test.go `TestOutboundListenerConflict_WellKnowPorts`: on 3306 the oldest service's
    // protocol wins and a MySQL service cannot share the listener with an HTTP one.
    let config = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: app, creationTimestamp: '2024-01-01T00:00:00Z'}\nspec: {clusterIP: 192.0.2.40, ports: [{name: http-web, port: 3306}]}\n".to_owned()
        + &se_at(
            "default/db",
            Some("2025-01-01T00:00:00Z"),
            "hosts: [db.example.com], ports: [{number: 3306, name: mysql, protocol: MYSQL}], resolution: NONE",
        );
    let registry = compiled(&config, &Workload::default());
    let decision = decide(
        &registry,
        &Connection::tcp("198.51.100.7".parse().unwrap(), 3306),
    );
    assert_eq!(decision.verdict(), Verdict::Deny, "{decision}");
    assert_eq!(
        decision.listener(),
        "0.0.0.0_3306",
        "the Service's HTTP listener"
    );
    let explanation = explain(
        &registry,
        &Connection::tcp("198.51.100.7".parse().unwrap(), 3306),
    );
    assert!(
        explanation
            .near_misses
            .iter()
            .any(|m| m.contains("default/db")),
        "the dropped entry is named: {:?}",
        explanation.near_misses
    );
}

#[test]
fn an_older_mysql_entry_keeps_the_port_from_a_newer_http_service() {
    let config = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: app, creationTimestamp: '2025-01-01T00:00:00Z'}\nspec: {clusterIP: 192.0.2.40, ports: [{name: http-web, port: 3306}]}\n".to_owned()
        + &se_at(
            "default/db",
            Some("2024-01-01T00:00:00Z"),
            "hosts: [db.example.com], ports: [{number: 3306, name: mysql, protocol: MYSQL}], resolution: NONE",
        );
    run(&[case(
        "the entry's MySQL chain stays",
        config,
        tcp("198.51.100.7", 3306),
        allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
    )
    .registry_only()]);
}
