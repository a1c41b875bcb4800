//! The read-only views a linter and a proxy admin page use, and `explain`'s shape.

use super::*;
use crate::engine::capture::EXCLUDE_PORTS;
use crate::engine::order::Precedence;

const CONFIG: &str = "hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}]";

fn registry(yaml: &str) -> Registry {
    let inputs = load(yaml);
    compile(
        &Resources::from_inputs(&inputs, MeshSettings::default()),
        &Workload::default(),
    )
}

#[test]
fn registry_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Registry>();
    assert_send_sync::<std::sync::Arc<Registry>>();
}

#[test]
fn listeners_chains_and_sni_peeking() {
    let yaml = se("default/api", CONFIG)
        + &se(
            "default/pinned",
            "hosts: [pinned.example.com], addresses: [192.0.2.10], ports: [{number: 443, name: tls, protocol: TLS}, {number: 3306, name: db, protocol: TCP}]",
        );
    let registry = registry(&yaml);
    assert!(registry.listener_has_sni(443));
    assert!(!registry.listener_has_sni(3306));
    assert!(
        !registry
            .exact_listener("192.0.2.10".parse().expect("ip"), 443)
            .expect("exact")
            .has_sni()
    );
    let mut names: Vec<_> = registry
        .listeners()
        .iter()
        .map(|l| l.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["0.0.0.0_443", "192.0.2.10_3306", "192.0.2.10_443"]);
    let wildcard = registry.wildcard_listener(443).expect("wildcard");
    let chains: Vec<_> = registry
        .chains_of(wildcard)
        .map(|c| {
            (
                c.match_description(),
                c.cluster.to_string(),
                registry.entry(c.entry).to_string(),
            )
        })
        .collect();
    assert_eq!(
        chains,
        [(
            "SNI api.example.com".to_owned(),
            "outbound|443||api.example.com".to_owned(),
            "default/api".to_owned()
        )]
    );
    assert_eq!(wildcard.default_chain, None);
    assert_eq!(registry.outbound_policy(), OutboundPolicy::RegistryOnly);
    assert_eq!(registry.policy_source(), "meshctl default");
    assert!(registry.sidecar().is_none());
}

#[test]
fn dropped_records_name_the_winner() {
    let yaml = se(
        "default/b",
        "hosts: [b.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}]",
    ) + &se(
        "default/a",
        "hosts: [a.example.com], ports: [{number: 3306, name: tcp, protocol: TCP}]",
    );
    let registry = registry(&yaml);
    let dropped: Vec<_> = registry.dropped().collect();
    assert_eq!(dropped.len(), 1);
    let Fate::Shadowed {
        winner, precedence, ..
    } = &dropped[0].fate
    else {
        panic!("not shadowed: {:?}", dropped[0]);
    };
    assert_eq!(
        registry.entry(registry.chain(*winner).entry).to_string(),
        "default/a"
    );
    assert_eq!(*precedence, Precedence::HostName);
    assert_eq!(
        registry.records().iter().filter(|r| r.is_active()).count(),
        1
    );
    let listener = registry.wildcard_listener(3306).expect("listener");
    let default = listener
        .default_chain
        .map(|c| registry.chain(c).cluster.to_string());
    assert_eq!(default.as_deref(), Some("outbound|3306||a.example.com"));
}

#[test]
fn explain_traces_every_step() {
    let registry = registry(&se("default/api", CONFIG));
    let conn = Connection::tls(
        "203.0.113.9".parse().expect("ip"),
        443,
        Some("api.example.com"),
    );
    let e = explain(&registry, &conn);
    let steps: Vec<_> = e
        .trace
        .iter()
        .map(|s| s.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(steps, ["capture", "scope", "listener", "chain", "cluster"]);
    assert!(
        e.trace[3].contains("SNI api.example.com matches exactly"),
        "{}",
        e.trace[3]
    );
    assert_eq!(e.service_entry.as_deref(), Some("default/api"));
    assert_eq!(e.host.as_deref(), Some("api.example.com"));
    assert_eq!(
        e.upstream.as_deref(),
        Some("original destination 203.0.113.9:443")
    );
    assert!(e.near_misses.is_empty(), "{:?}", e.near_misses);
}

#[test]
fn verdicts_order_by_restriction() {
    assert!(Verdict::Deny > Verdict::Bypass);
    assert!(Verdict::Bypass > Verdict::Passthrough);
    assert!(Verdict::Passthrough > Verdict::Allow);
    assert_eq!(
        [Verdict::Allow, Verdict::Deny, Verdict::Passthrough]
            .iter()
            .max(),
        Some(&Verdict::Deny)
    );
}

#[test]
fn mesh_settings_from_a_mesh_config_document() {
    let inputs = load("outboundTrafficPolicy:\n  mode: ALLOW_ANY\nrootNamespace: mesh-root\n");
    let mesh = inputs.mesh_configs.first().expect("mesh config");
    let settings = MeshSettings::from_mesh_config(mesh);
    assert_eq!(settings.outbound_policy, OutboundPolicy::AllowAny);
    assert_eq!(settings.policy_source, "mesh config case.yaml:2:9");
    assert_eq!(settings.root_namespace, "mesh-root");
    assert_eq!(settings.default_export_to, ["*"]);
}

#[test]
fn near_misses_name_the_difference() {
    let db = "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3307, name: tcp, protocol: TCP}]";
    let pinned = "hosts: [db.example.com], addresses: [198.51.100.8], ports: [{number: 3306, name: tcp, protocol: TCP}]";
    let bad = "hosts: [odd.example.com], addresses: ['198.51.100.300', 198.51.100.9], ports: [{number: 3306, name: tcp, protocol: TCP}]";
    run(&[
        case("port differs", se("default/db", db), tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("entry default/db (host db.example.com) has port 3307, not 3306"),
        case("IP differs", se("default/db", pinned), tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("entry default/db (host db.example.com) covers 198.51.100.8 on port 3306, not 198.51.100.7 — did the IP change?"),
        case("unusable address is reported, usable one kept", se("default/odd", bad), tcp("198.51.100.7", 3306), deny(VIRTUAL_OUTBOUND, CATCH_ALL_CHAIN))
            .registry_only()
            .near("address `198.51.100.300` is not an IP or CIDR; it is ignored")
            .near("covers 198.51.100.9 on port 3306"),
    ]);
    let registry = registry(&se("default/db", db));
    let conn = Connection::tcp("198.51.100.7".parse().expect("ip"), 3307);
    let e = explain(&registry, &conn);
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(
        e.near_misses.is_empty(),
        "a plain allow has no near misses: {:?}",
        e.near_misses
    );
}

#[test]
fn bypass_explanation_stops_at_capture() {
    let inputs = load(&se(
        "default/db",
        "hosts: [db.example.com], addresses: [198.51.100.7], ports: [{number: 3306, name: tcp, protocol: TCP}]",
    ));
    let workload = Workload {
        annotations: [(EXCLUDE_PORTS.to_owned(), "3306".to_owned())].into(),
        ..Workload::default()
    };
    let registry = compile(
        &Resources::from_inputs(&inputs, MeshSettings::default()),
        &workload,
    );
    let e = explain(
        &registry,
        &Connection::tcp("198.51.100.7".parse().expect("ip"), 3306),
    );
    assert_eq!(e.verdict, Verdict::Bypass);
    assert_eq!(e.trace.len(), 2, "{:?}", e.trace);
    assert!(e.trace[0].starts_with("capture: 198.51.100.7:3306 is not redirected: port 3306"));
    assert_eq!(e.listener, "");
}

#[test]
fn near_misses_of_one_kind_are_grouped_and_dns_allows_get_notes() {
    let yaml: String = (11..=16)
        .map(|i| {
            se(
                &format!("default/db-{i}"),
                &format!("hosts: [db{i}.example.com], addresses: [198.51.100.{i}], ports: [{{number: 3306, name: tcp, protocol: TCP}}]"),
            )
        })
        .collect();
    let pinned = registry(&yaml);
    let conn = Connection::tcp("198.51.100.7".parse().expect("ip"), 3306);
    let e = explain(&pinned, &conn);
    assert_eq!(e.verdict, Verdict::Deny);
    assert_eq!(e.near_misses.len(), 4, "{:?}", e.near_misses);
    assert!(
        e.near_misses[..3]
            .iter()
            .all(|n| n.ends_with("did the IP change?")),
        "{:?}",
        e.near_misses
    );
    assert_eq!(e.near_misses[3], "… and 3 more like this");
    assert!(e.notes.is_empty(), "{:?}", e.notes);

    let dns = "hosts: [api.example.com], addresses: [198.51.100.20], resolution: DNS, ports: [{number: 5432, name: tcp, protocol: TCP}]";
    let resolved = registry(&se("default/api", dns));
    let conn = Connection::tcp("198.51.100.20".parse().expect("ip"), 5432);
    let e = explain(&resolved, &conn);
    assert_eq!(e.verdict, Verdict::Allow);
    assert!(e.near_misses.is_empty(), "{:?}", e.near_misses);
    assert_eq!(e.notes.len(), 1, "{:?}", e.notes);
    assert!(e.notes[0].contains("has resolution DNS"), "{:?}", e.notes);
}
