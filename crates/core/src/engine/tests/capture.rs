//! Capture bypass annotations, the loop guard around them, and undecidable input.

use super::*;
use crate::engine::capture::{EXCLUDE_PORTS, INCLUDE_PORTS};

const DB: &str = "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP}, {number: 5432, name: pg, protocol: TCP}]";

#[test]
fn capture_bypass_annotations() {
    let config = se("default/db", DB);
    run(&[
        case(
            "excluded port",
            config.clone(),
            tcp("198.51.100.7", 5432),
            Want::Bypass("port 5432 is in traffic.sidecar.istio.io/excludeOutboundPorts"),
        )
        .annotations(&[(EXCLUDE_PORTS, "5432,9000")])
        .near("would match 198.51.100.7:5432, but the connection bypasses the sidecar"),
        case(
            "excluded range",
            config.clone(),
            tcp("198.51.100.7", 3306),
            Want::Bypass("198.51.100.0/24 is in traffic.sidecar.istio.io/excludeOutboundIPRanges"),
        )
        .annotations(&[(EXCLUDE_RANGES, "198.51.100.0/24")])
        .registry_only(),
        case(
            "include ranges not covering the destination",
            config.clone(),
            tcp("203.0.113.7", 3306),
            Want::Bypass("outside traffic.sidecar.istio.io/includeOutboundIPRanges"),
        )
        .annotations(&[(INCLUDE_RANGES, "198.51.100.0/24")])
        .registry_only(),
        case(
            "include ranges covering the destination",
            config.clone(),
            tcp("203.0.113.7", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .annotations(&[(INCLUDE_RANGES, "198.51.100.0/24,203.0.113.0/24")])
        .registry_only(),
        case(
            "include ports capture outside include ranges",
            config.clone(),
            tcp("203.0.113.7", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .annotations(&[(INCLUDE_RANGES, ""), (INCLUDE_PORTS, "3306")])
        .registry_only(),
        case(
            "exclude ranges beat include ports",
            config.clone(),
            tcp("198.51.100.7", 3306),
            Want::Bypass("excludeOutboundIPRanges"),
        )
        .annotations(&[(EXCLUDE_RANGES, "198.51.100.7/32"), (INCLUDE_PORTS, "3306")]),
        case(
            "loopback is never captured",
            config.clone(),
            tcp("127.0.0.5", 3306),
            Want::Bypass("loopback"),
        ),
        case(
            "an excluded loop port is bypassed like any port",
            config.clone(),
            tcp("203.0.113.1", 15001),
            Want::Bypass("port 15001"),
        )
        .annotations(&[(EXCLUDE_PORTS, "15001")]),
        case(
            "loop guard on loopback even when excluded",
            config.clone(),
            tcp("127.0.0.1", 15001),
            deny(VIRTUAL_OUTBOUND, BLACKHOLE_CHAIN),
        )
        .annotations(&[(EXCLUDE_PORTS, "15001")]),
        case(
            "port 0 is undecidable",
            config,
            tcp("198.51.100.7", 0),
            deny("", ""),
        ),
    ]);
}

#[test]
fn bad_annotation_values_are_notes() {
    let c = case("notes", "", tcp("203.0.113.1", 1), pass("", "")).annotations(&[
        (EXCLUDE_PORTS, "80,http"),
        (INCLUDE_RANGES, "198.51.100.300/24"),
    ]);
    let registry = registry_for(&c);
    assert_eq!(registry.notes().len(), 2, "{:?}", registry.notes());
    assert_eq!(registry.capture().exclude_ports, [80]);
    // An include list left empty by bad values captures nothing (fail safe towards bypass).
    let conn = Connection::tcp("203.0.113.1".parse().expect("ip"), 443);
    assert_eq!(decide(&registry, &conn).verdict(), Verdict::Bypass);
}

#[test]
fn forwarded_connections_skip_capture_but_keep_the_loop_guard() {
    let config = format!(
        "{}{}",
        se("default/db", DB),
        se(
            "default/local",
            "hosts: [local.example.com], addresses: [127.0.0.1/32], ports: [{number: 3306, name: tcp, protocol: TCP}]"
        )
    );
    let c = case("forwarded", config, tcp("127.0.0.1", 3306), pass("", ""))
        .annotations(&[(EXCLUDE_PORTS, "5432")])
        .registry_only();
    let registry = registry_for(&c);
    let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
    let loopback = Connection::tcp(ip("127.0.0.1"), 3306);
    assert_eq!(decide(&registry, &loopback).verdict(), Verdict::Bypass);
    let forwarded = decide_forwarded(&registry, &loopback);
    assert_eq!(forwarded.verdict(), Verdict::Allow);
    assert_eq!(forwarded.listener(), "127.0.0.1_3306");
    // Annotations describe iptables, which a forwarded connection never met.
    let excluded = Connection::tcp(ip("198.51.100.7"), 5432);
    assert_eq!(decide(&registry, &excluded).verdict(), Verdict::Bypass);
    assert_eq!(
        decide_forwarded(&registry, &excluded).verdict(),
        Verdict::Allow
    );
    let other = Connection::tcp(ip("127.0.0.1"), 5432);
    assert_eq!(decide_forwarded(&registry, &other).verdict(), Verdict::Deny);
    for port in LOOP_PORTS {
        let looping = Connection::tcp(ip("198.51.100.7"), port);
        assert_eq!(
            decide_forwarded(&registry, &looping).verdict(),
            Verdict::Deny
        );
    }
}
