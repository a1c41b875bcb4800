//! Sidecar selection, egress imports, the Sidecar policy override and exportTo.

use super::*;

fn db(host: &str, ip: &str) -> String {
    format!(
        "hosts: [{host}], addresses: [{ip}], ports: [{{number: 3306, name: tcp, protocol: TCP}}]"
    )
}

fn any(host: &str, extra: &str) -> String {
    format!("hosts: [{host}], ports: [{{number: 3306, name: tcp, protocol: TCP}}]{extra}")
}

#[test]
fn sidecar_egress_scoping() {
    let restrict = sidecar("default/restrict", "egress: [{hosts: ['./*']}]");
    let entries = se("prod/db", &db("db.prod.example.com", "198.51.100.7"))
        + &se("default/local", &db("local.example.com", "198.51.100.8"))
        + &se("prod/any", &any("any.example.com", ""));
    let config = restrict.clone() + &entries;
    let wildcard_import = sidecar("default/wild", "egress: [{hosts: ['*/*.example.com']}]")
        + &se("prod/api", &db("api.example.com", "198.51.100.9"))
        + &se("prod/wild", &db("'*.example.com'", "198.51.100.10"));
    let exact_import = sidecar("default/exact", "egress: [{hosts: ['*/api.example.com']}]")
        + &se("prod/wild", &db("'*.example.com'", "198.51.100.10"));
    let nothing = sidecar("default/none", "egress: [{hosts: ['~/*']}]") + &entries;
    let locked = sidecar(
        "default/ports",
        "egress: [{port: {number: 3306, protocol: TCP, name: mysql}, hosts: ['prod/*']}, {hosts: ['*/*']}]",
    ) + &se("default/local", &db("local.example.com", "198.51.100.8"))
        + &se("prod/db", &db("db.prod.example.com", "198.51.100.7"));
    run(&[
        case(
            "own namespace imported",
            config.clone(),
            tcp("198.51.100.8", 3306),
            allow("198.51.100.8_3306", "outbound|3306||local.example.com"),
        )
        .registry_only(),
        case(
            "other namespace not imported",
            config.clone(),
            tcp("198.51.100.7", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("entry prod/db is not imported by Sidecar default/restrict"),
        case(
            "scoping out an address-less entry removes its hijack",
            config.clone(),
            tcp("203.0.113.1", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("entry prod/any is not imported"),
        case(
            "scoping only blocks under REGISTRY_ONLY",
            config,
            tcp("198.51.100.7", 3306),
            pass(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        ),
        case(
            "wildcard import takes subdomains",
            wildcard_import.clone(),
            tcp("198.51.100.9", 3306),
            allow("198.51.100.9_3306", "outbound|3306||api.example.com"),
        )
        .registry_only(),
        case(
            "wildcard import takes narrower wildcard services",
            wildcard_import,
            tcp("198.51.100.10", 3306),
            allow("198.51.100.10_3306", "outbound|3306||*.example.com"),
        )
        .registry_only(),
        case(
            "exact import never pulls in a wildcard service",
            exact_import,
            tcp("198.51.100.10", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("is not imported by Sidecar default/exact"),
        case(
            "~/* imports nothing",
            nothing,
            tcp("198.51.100.8", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only(),
        case(
            "port-specific egress listener locks its port",
            locked.clone(),
            tcp("198.51.100.8", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .near("port 3306 has its own egress listener in Sidecar default/ports"),
        case(
            "port-specific egress listener imports its hosts",
            locked,
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.prod.example.com"),
        )
        .registry_only(),
    ]);
}

#[test]
fn sidecar_selection_and_policy_override() {
    let entries = se("default/db", &db("db.example.com", "198.51.100.7"));
    let override_ = sidecar(
        "default/strict",
        "outboundTrafficPolicy: {mode: REGISTRY_ONLY}",
    ) + &entries;
    let selectors = sidecar("default/nothing", "egress: [{hosts: ['~/*']}]")
        + &sidecar(
            "default/for-db",
            "workloadSelector: {labels: {app: db}}, egress: [{hosts: ['*/*']}]",
        )
        + &entries;
    let root = sidecar(
        "istio-system/default",
        "egress: [{hosts: ['./*', 'istio-system/*']}], outboundTrafficPolicy: {mode: REGISTRY_ONLY}",
    ) + &se("team/db", &db("db.team.example.com", "198.51.100.20"))
        + &se("other/db", &db("db.other.example.com", "198.51.100.21"))
        + &sidecar("other/open", "egress: [{hosts: ['*/*']}]");
    run(&[
        case(
            "Sidecar REGISTRY_ONLY overrides mesh ALLOW_ANY",
            override_.clone(),
            tcp("203.0.113.1", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        ),
        case(
            "Sidecar override still allows registered",
            override_,
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        ),
        case(
            "selector Sidecar beats namespace default",
            selectors.clone(),
            tcp("198.51.100.7", 3306),
            allow("198.51.100.7_3306", "outbound|3306||db.example.com"),
        )
        .registry_only()
        .labels(&[("app", "db"), ("version", "v1")]),
        case(
            "namespace default when the selector does not match",
            selectors,
            tcp("198.51.100.7", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .registry_only()
        .labels(&[("app", "web")])
        .near("not imported by Sidecar default/nothing"),
        case(
            "root-namespace Sidecar: `.` is the workload's namespace",
            root.clone(),
            tcp("198.51.100.20", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .namespace("elsewhere"),
        case(
            "root-namespace Sidecar imports own namespace",
            root.clone(),
            tcp("198.51.100.20", 3306),
            allow("198.51.100.20_3306", "outbound|3306||db.team.example.com"),
        )
        .namespace("team"),
        case(
            "root-namespace Sidecar policy applies",
            root.clone(),
            tcp("198.51.100.21", 3306),
            deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN),
        )
        .namespace("team")
        .near("entry other/db is not imported by Sidecar istio-system/default"),
        case(
            "namespace Sidecar beats root default",
            root,
            tcp("198.51.100.20", 3306),
            allow("198.51.100.20_3306", "outbound|3306||db.team.example.com"),
        )
        .namespace("other"),
    ]);
    let c = case(
        "source",
        sidecar(
            "default/strict",
            "outboundTrafficPolicy: {mode: REGISTRY_ONLY}",
        ),
        tcp("203.0.113.1", 1),
        pass("", ""),
    );
    let registry = registry_for(&c);
    assert_eq!(registry.outbound_policy(), OutboundPolicy::RegistryOnly);
    assert!(
        registry
            .policy_source()
            .starts_with("Sidecar default/strict at case.yaml:"),
        "{}",
        registry.policy_source()
    );
}

#[test]
fn export_to() {
    let dot = se(
        "other/db",
        &format!("{}, exportTo: ['.']", db("db.example.com", "198.51.100.7")),
    );
    let none = se(
        "default/db",
        &format!("{}, exportTo: ['~']", db("db.example.com", "198.51.100.7")),
    );
    let named = se(
        "other/db",
        &format!(
            "{}, exportTo: [default, team]",
            db("db.example.com", "198.51.100.7")
        ),
    );
    // The public entry is older and sorts first by host, but the explicit export goes first.
    let explicit_first = se_at(
        "other/a",
        Some("2020-01-01T00:00:00Z"),
        &any("a.example.com", ""),
    ) + &se_at(
        "other/b",
        Some("2024-01-01T00:00:00Z"),
        &any("b.example.com", ", exportTo: [default]"),
    );
    let same_host = se("other/db", &any("db.example.com", ""))
        + &se("default/db", &db("db.example.com", "198.51.100.7"));
    run(&[
        case("exportTo . hides from other namespaces", dot.clone(), tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("entry other/db is not exported to namespace default (exportTo: .)"),
        case("exportTo . shows in its own namespace", dot, tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||db.example.com"))
            .registry_only()
            .namespace("other"),
        case("exportTo ~ hides everywhere", none, tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("(exportTo: ~)"),
        case("exportTo names the namespace", named.clone(), tcp("198.51.100.7", 3306), allow("198.51.100.7_3306", "outbound|3306||db.example.com"))
            .registry_only(),
        case("exportTo names other namespaces", named, tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .namespace("prod"),
        case("explicit export is processed first", explicit_first, tcp("203.0.113.1", 3306), allow("0.0.0.0_3306", "outbound|3306||b.example.com"))
            .near("shadowed by other/b (host b.example.com) on 0.0.0.0_3306 (same match: any destination (match-all); other/b is first: exported explicitly to this namespace)"),
        case("same host: the proxy's namespace wins", same_host, tcp("203.0.113.1", 3306), pass(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .near("host db.example.com is also defined in namespace default"),
    ]);
}
