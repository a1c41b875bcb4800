//! Worked outcomes O1–O10 (meshctl's numbering), with Istio's listener, chain and cluster names.
//! They follow Istio's own simulation tests in istio/istio pilot/pkg/networking/core/:
//! `TestPassthroughTraffic` and `TestLoop` (O10) in sidecar_simulation_test.go, and
//! serviceentry_simulation_test.go; O9's hang is the "Server First Protocols" section of
//! https://istio.io/latest/docs/ops/deployment/application-requirements/.

use super::*;

const O1: &str = "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE";
const O3: &str =
    "hosts: [db.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}], resolution: NONE";
const O5: &str = "hosts: [pg.example.com], addresses: [198.51.100.0/24], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: NONE";
const O6: &str =
    "hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE";
const O7: &str = "hosts: [api.example.com], addresses: [192.0.2.10], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE";
const O8: &str = "hosts: [httpbin.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS";
const O9: &str = "hosts: [db.example.com], ports: [{number: 3306, name: db}], resolution: NONE";

#[test]
fn o1_plain_ip_gets_its_own_listener() {
    run(&[
        case(
            "O1",
            se("default/db", O1),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .upstream("original destination 198.51.100.7:3306"),
        case(
            "O1 registry-only",
            se("default/db", O1),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
    ]);
}

#[test]
fn o2_other_ip_falls_to_virtual_outbound() {
    run(&[
        case(
            "O2 allow-any",
            se("default/db", O1),
            tcp("198.51.100.8", 3306),
            pass(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .near("covers 198.51.100.7 on port 3306, not 198.51.100.8 — did the IP change?"),
        case(
            "O2 registry-only",
            se("default/db", O1),
            tcp("198.51.100.8", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("entry default/db (host db.example.com) covers 198.51.100.7"),
    ]);
}

#[test]
fn o3_address_less_tcp_captures_the_port_under_both_policies() {
    let dns = O3.replace("resolution: NONE", "resolution: DNS");
    run(&[
        case(
            "O3 allow-any",
            se("default/db", O3),
            tcp("203.0.113.50", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .upstream("original destination 203.0.113.50:3306")
        .near("has no addresses: its match-all chain takes every destination on port 3306"),
        case(
            "O3 registry-only",
            se("default/db", O3),
            tcp("192.0.2.1", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only(),
        case(
            "O3 DNS goes to the host, not the dialled IP",
            se("default/db", &dns),
            tcp("192.0.2.1", 3306),
            allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
        )
        .registry_only()
        .upstream("resolve db.example.com:3306 (DNS)")
        .near("the dialled 192.0.2.1 only selected the listener"),
    ]);
}

#[test]
fn o4_second_address_less_entry_is_dead() {
    let b = O3.replace("db.example.com", "b.example.com");
    let a = O3.replace("db.example.com", "a.example.com");
    let config = se("default/b", &b) + &se("default/a", &a);
    run(&[case(
        "O4",
        config,
        tcp("203.0.113.1", 3306),
        allow("0.0.0.0_3306", "outbound|3306||a.example.com"),
    )
    .near(
        "entry default/b (host b.example.com, no addresses) on port 3306 is shadowed by default/a",
    )
    .near("same creation time, host name sorts first")]);
}

#[test]
fn o5_cidr_chain_then_passthrough_chain() {
    run(&[
        case(
            "O5 inside",
            se("default/pg", O5),
            tcp("198.51.100.20", 5432),
            allow("0.0.0.0_5432", "outbound|5432||pg.example.com"),
        ),
        case(
            "O5 outside",
            se("default/pg", O5),
            tcp("203.0.113.5", 5432),
            pass("0.0.0.0_5432", PASSTHROUGH_CHAIN),
        )
        .near("covers 198.51.100.0/24 on port 5432, which does not contain 203.0.113.5"),
        case(
            "O5 outside registry-only",
            se("default/pg", O5),
            tcp("203.0.113.5", 5432),
            deny("0.0.0.0_5432", PASSTHROUGH_CHAIN),
        )
        .registry_only(),
    ]);
}

#[test]
fn o6_tls_without_address_matches_only_its_sni() {
    run(&[
        case("O6 match", se("default/api", O6), tls("203.0.113.9", 443, Some("api.example.com")), allow("0.0.0.0_443", "outbound|443||api.example.com")),
        case("O6 other SNI", se("default/api", O6), tls("203.0.113.9", 443, Some("www.example.com")), pass("0.0.0.0_443", PASSTHROUGH_CHAIN))
            .near("SNI www.example.com matches no host of the TLS entries on 0.0.0.0_443 (api.example.com)"),
        case("O6 other SNI registry-only", se("default/api", O6), tls("203.0.113.9", 443, Some("www.example.com")), deny("0.0.0.0_443", PASSTHROUGH_CHAIN))
            .registry_only(),
        case("O6 no TLS", se("default/api", O6), tcp("203.0.113.9", 443), deny("0.0.0.0_443", PASSTHROUGH_CHAIN))
            .registry_only()
            .near("carries no SNI"),
    ]);
}

#[test]
fn o7_tls_with_plain_ip_ignores_sni() {
    run(&[
        case(
            "O7 any SNI",
            se("default/api", O7),
            tls("192.0.2.10", 443, Some("anything.example.org")),
            allow("192.0.2.10_443", "outbound|443||api.example.com"),
        )
        .registry_only()
        .near("SNI is not checked on 192.0.2.10_443"),
        case(
            "O7 not even TLS",
            se("default/api", O7),
            tcp("192.0.2.10", 443),
            allow("192.0.2.10_443", "outbound|443||api.example.com"),
        ),
    ]);
}

#[test]
fn o8_http_ports_are_not_decided_by_tcp_matching() {
    run(&[
        case(
            "O8 allow-any",
            se("default/httpbin", O8),
            tcp("203.0.113.80", 80),
            pass("0.0.0.0_80", PASSTHROUGH_CHAIN),
        )
        .near("is HTTP on port 80"),
        case(
            "O8 registry-only",
            se("default/httpbin", O8),
            tcp("203.0.113.80", 80),
            deny("0.0.0.0_80", PASSTHROUGH_CHAIN),
        )
        .registry_only(),
    ]);
    let registry = registry_for(&case(
        "O8 summary",
        se("default/httpbin", O8),
        tcp("203.0.113.80", 80),
        pass("", ""),
    ));
    let conn = Connection::tcp("203.0.113.80".parse().expect("ip"), 80);
    assert!(
        decide(&registry, &conn)
            .to_string()
            .contains("matched by Host header")
    );
}

#[test]
fn o9_port_without_protocol_is_sniffed() {
    let c = case(
        "O9",
        se("default/db", O9),
        tcp("203.0.113.33", 3306),
        allow("0.0.0.0_3306", "outbound|3306||db.example.com"),
    )
    .near("sniffs the protocol");
    let registry = registry_for(&c);
    let listener = registry.wildcard_listener(3306).expect("listener");
    assert_eq!(listener.protocol, ListenerProtocol::Auto);
    let conn = Connection::tcp("203.0.113.33".parse().expect("ip"), 3306);
    assert!(
        decide(&registry, &conn)
            .to_string()
            .contains("server-first protocol will hang")
    );
    run(&[c]);
}

#[test]
fn o10_loop_guard() {
    run(&[
        case(
            "O10 loopback",
            se("default/db", O1),
            tcp("127.0.0.1", 15001),
            deny(VIRTUAL_OUTBOUND, BLACKHOLE_CHAIN),
        ),
        case(
            "O10 any IP",
            se("default/db", O1),
            tcp("203.0.113.1", 15001),
            deny(VIRTUAL_OUTBOUND, BLACKHOLE_CHAIN),
        ),
        case(
            "O10 inbound port",
            "",
            tcp("203.0.113.1", 15006),
            deny(VIRTUAL_INBOUND, INBOUND_BLACKHOLE_CHAIN),
        ),
        case(
            "O10 ipv6 loopback",
            "",
            tcp("::1", 15001),
            deny(VIRTUAL_OUTBOUND, BLACKHOLE_CHAIN),
        ),
    ]);
}

#[test]
fn o13_entries_sharing_a_cluster_share_its_upstream() {
    // Two entries for one host and port: each has its own listener, but both chains name
    // `outbound|9042||db.example.com`, the one cluster the oldest service builds.
    let older = "hosts: [db.example.com], addresses: [203.0.113.20], ports: [{number: 9042, name: tcp, protocol: TCP}], resolution: DNS, location: MESH_EXTERNAL";
    let newer = "hosts: [db.example.com], addresses: [203.0.113.21], ports: [{number: 9042, name: tcp, protocol: TCP}], resolution: NONE, location: MESH_EXTERNAL";
    let config = se_at("default/older", Some("2024-01-01T00:00:00Z"), older)
        + &se_at("default/newer", Some("2025-01-01T00:00:00Z"), newer);
    run(&[
        case(
            "O13 the newer entry's own listener",
            config.clone(),
            tcp("203.0.113.21", 9042),
            allow("203.0.113.21_9042", "outbound|9042||db.example.com"),
        )
        .upstream("resolve db.example.com:9042 (DNS)"),
        case(
            "O13 the older entry's listener",
            config,
            tcp("203.0.113.20", 9042),
            allow("203.0.113.20_9042", "outbound|9042||db.example.com"),
        )
        .upstream("resolve db.example.com:9042 (DNS)"),
    ]);
}
