use super::*;
use crate::load::{LoadOptions, load_bytes};

fn workspace(yaml: &str) -> Workspace {
    let inputs = load_bytes("in.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("loads");
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    Workspace::from_inputs(inputs, None).expect("workspace")
}

fn workspace_with(yaml: &str, policy: crate::model::OutboundPolicy) -> Workspace {
    let inputs = load_bytes("in.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("loads");
    Workspace::from_inputs(inputs, Some(policy)).expect("workspace")
}

const DB: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: db, namespace: default}
spec:
  hosts: [db.example.com]
  addresses: [203.0.113.7/32]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
";

fn changed(old: &str, new: &str) -> MeshDiff {
    diff_mesh("default", &workspace(old), &workspace(new))
}

#[test]
fn no_change_is_empty() {
    assert!(changed(DB, DB).views.is_empty());
    let spelled = DB.replace("203.0.113.7/32", "203.0.113.7");
    assert!(changed(DB, &spelled).views.is_empty());
}

#[test]
fn moved_address_is_allowed_and_denied_exactly_there() {
    let new = DB.replace("203.0.113.7/32", "203.0.113.8/32");
    let diff = changed(DB, &new);
    let view = diff
        .views
        .iter()
        .find(|v| v.view.namespace == "default")
        .expect("default view");
    let classes: Vec<_> = view
        .regions
        .iter()
        .map(|r| (r.addresses[0].to_string(), r.classes[0]))
        .collect();
    assert_eq!(
        classes,
        [
            ("203.0.113.7/32".to_owned(), ChangeClass::NewlyDenied),
            ("203.0.113.8/32".to_owned(), ChangeClass::NewlyAllowed)
        ]
    );
    let cause = &view.regions[0].causes[0];
    assert_eq!(cause.resource, "ServiceEntry default/db");
    assert_eq!(
        cause.fields[0].to_string(),
        "spec.addresses[0]: 203.0.113.7/32 → 203.0.113.8/32"
    );
    assert_eq!(cause.fields[0].location.line, 6);
    assert_eq!(view.regions[0].ports[0].to_string(), "3306");
}

#[test]
fn an_entry_without_addresses_hijacks_the_port() {
    let other = "---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: any, namespace: default}
spec:
  hosts: [any.example.com]
  ports: [{number: 3306, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
";
    let diff = changed(DB, &format!("{DB}{other}"));
    let regions = &diff.views[0].regions;
    assert!(!regions.is_empty());
    assert!(
        regions
            .iter()
            .all(|r| r.classes.contains(&ChangeClass::PortHijacked))
    );
    assert!(
        regions
            .iter()
            .all(|r| r.classes[0] == ChangeClass::PortHijacked)
    );
    // 203.0.113.7 keeps its own listener.
    let ip = "203.0.113.7".parse().expect("ip");
    assert!(!regions.iter().any(|r| region_contains(r, ip, 3306)));
}

#[test]
fn a_listing_covers_the_allowed_address() {
    let listing = list("default", &workspace(DB));
    let view = &listing.views[0];
    let allowed: Vec<_> = view
        .regions
        .iter()
        .filter(|r| r.outcome.verdict == crate::engine::Verdict::Allow)
        .collect();
    assert_eq!(allowed.len(), 1);
    assert_eq!(allowed[0].addresses[0].to_string(), "203.0.113.7/32");
}

mod property {
    use std::net::{IpAddr, Ipv4Addr};

    use proptest::prelude::*;

    use super::super::space::{self, PortCells, SniClass};
    use super::super::{diff_mesh, outcome, region_contains, views};
    use super::workspace_with;
    use crate::engine::decide;
    use crate::model::OutboundPolicy;

    const ADDRESSES: [&str; 5] = [
        "203.0.113.1",
        "203.0.113.2/32",
        "198.51.100.0/30",
        "198.51.100.0/29",
        "203.0.113.0/31",
    ];
    const PORTS: [u16; 3] = [3306, 5432, 443];
    const HOSTS: [&str; 3] = ["a.example.com", "b.example.com", "*.example.com"];
    const NAMESPACES: [&str; 3] = ["default", "team", "other"];

    #[derive(Debug, Clone)]
    struct Entry {
        namespace: usize,
        host: usize,
        addresses: Vec<usize>,
        port: usize,
        tls: bool,
        local: bool,
    }

    fn entry() -> impl Strategy<Value = Entry> {
        (
            0..NAMESPACES.len(),
            0..HOSTS.len(),
            proptest::collection::vec(0..ADDRESSES.len(), 0..3),
            0..PORTS.len(),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(namespace, host, addresses, port, tls, local)| Entry {
                namespace,
                host,
                addresses,
                port,
                tls,
                local,
            })
    }

    /// One change: what it touches and a value for it.
    #[derive(Debug, Clone)]
    enum Change {
        Addresses(usize, Vec<usize>),
        Port(usize, usize),
        Protocol(usize),
        Namespace(usize),
        Export(usize),
        Host(usize, usize),
        Remove(usize),
        Add(Entry),
        Policy,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (
                any::<usize>(),
                proptest::collection::vec(0..ADDRESSES.len(), 0..3)
            )
                .prop_map(|(i, a)| Change::Addresses(i, a)),
            (any::<usize>(), 0..PORTS.len()).prop_map(|(i, p)| Change::Port(i, p)),
            any::<usize>().prop_map(Change::Protocol),
            any::<usize>().prop_map(Change::Namespace),
            any::<usize>().prop_map(Change::Export),
            (any::<usize>(), 0..HOSTS.len()).prop_map(|(i, h)| Change::Host(i, h)),
            any::<usize>().prop_map(Change::Remove),
            entry().prop_map(Change::Add),
            Just(Change::Policy),
        ]
    }

    fn apply(mut entries: Vec<Entry>, policy: bool, change: &Change) -> (Vec<Entry>, bool) {
        let n = entries.len().max(1);
        let mut policy = policy;
        match change {
            Change::Addresses(i, a) => entries[i % n].addresses.clone_from(a),
            Change::Port(i, p) => entries[i % n].port = *p,
            Change::Protocol(i) => entries[i % n].tls = !entries[i % n].tls,
            Change::Namespace(i) => {
                entries[i % n].namespace = (entries[i % n].namespace + 1) % NAMESPACES.len();
            }
            Change::Export(i) => entries[i % n].local = !entries[i % n].local,
            Change::Host(i, h) => entries[i % n].host = *h,
            Change::Remove(i) => {
                entries.remove(i % n);
            }
            Change::Add(e) => entries.push(e.clone()),
            Change::Policy => policy = !policy,
        }
        (entries, policy)
    }

    fn yaml(entries: &[Entry]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (i, e) in entries.iter().enumerate() {
            let addresses: Vec<&str> = e.addresses.iter().map(|a| ADDRESSES[*a]).collect();
            let _ = write!(
                out,
                "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: e{i}, namespace: {}}}\nspec:\n  hosts: [\"{}\"]\n  addresses: [{}]\n  ports: [{{number: {}, name: p, protocol: {}}}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n{}",
                NAMESPACES[e.namespace],
                HOSTS[e.host],
                addresses.join(", "),
                PORTS[e.port],
                if e.tls { "TLS" } else { "TCP" },
                if e.local { "  exportTo: [\".\"]\n" } else { "" },
            );
        }
        out
    }

    fn policy(allow: bool) -> OutboundPolicy {
        if allow {
            OutboundPolicy::AllowAny
        } else {
            OutboundPolicy::RegistryOnly
        }
    }

    fn probe() -> impl Strategy<Value = (IpAddr, u16, Option<&'static str>)> {
        let ip = prop_oneof![
            (0u8..8).prop_map(|i| IpAddr::V4(Ipv4Addr::new(198, 51, 100, i))),
            (0u8..4).prop_map(|i| IpAddr::V4(Ipv4Addr::new(203, 0, 113, i))),
            any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
            any::<u128>().prop_map(|v| IpAddr::V6(v.into())),
        ];
        let port = prop_oneof![(0..PORTS.len()).prop_map(|i| PORTS[i]), 1u16..];
        let sni = prop_oneof![
            Just(None),
            Just(Some("a.example.com")),
            Just(Some("b.example.com")),
            Just(Some("x.example.com")),
            Just(Some("other.invalid")),
        ];
        (ip, port, sni)
    }

    /// The server-name class a connection's SNI falls in on `port`, by Envoy's rule (exact
    /// name, else the longest wildcard, else none), as the region labels spell it.
    fn sni_label(partition: &[PortCells], port: u16, sni: Option<&str>) -> String {
        let Some(cells) = partition
            .iter()
            .find(|c| c.ports.ranges.iter().any(|(a, b)| *a <= port && port <= *b))
        else {
            return String::new();
        };
        let classes: Vec<&SniClass> = cells.sni.iter().map(|c| &c.class).collect();
        let pick = match sni {
            _ if classes.iter().any(|c| matches!(c, SniClass::Any)) => SniClass::Any,
            None => SniClass::NoSni,
            Some(name) => classes
                .iter()
                .find(|c| matches!(c, SniClass::Exact(n) if &**n == name))
                .or_else(|| {
                    classes
                        .iter()
                        .filter(|c| {
                            matches!(c, SniClass::Under(w, _)
                                if name.len() > w.len() - 1 && name.ends_with(&w[1..]))
                        })
                        .max_by_key(|c| match c {
                            SniClass::Under(w, _) => w.len(),
                            _ => 0,
                        })
                })
                .or_else(|| classes.iter().find(|c| matches!(c, SniClass::Other(_))))
                .map_or(SniClass::NoSni, |c| (*c).clone()),
        };
        pick.label()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn every_changed_connection_is_in_a_region_and_every_region_changes(
            entries in proptest::collection::vec(entry(), 1..4),
            allow in any::<bool>(),
            change in change(),
            probes in proptest::collection::vec(probe(), 48),
        ) {
            let (after, allow_after) = apply(entries.clone(), allow, &change);
            let old = workspace_with(&yaml(&entries), policy(allow));
            let new = workspace_with(&yaml(&after), policy(allow_after));
            prop_assume!(old.rejected().is_empty() && new.rejected().is_empty());
            let diff = diff_mesh("default", &old, &new);
            // Every namespace a shared view stands for (and one no resource names) is compiled
            // on its own here, so the sharing is checked too.
            let members = views::views(&[&old, &new]).into_iter().flat_map(|view| {
                let mut members = vec![view.clone()];
                for namespace in &view.also {
                    let mut member = view.clone();
                    member.namespace.clone_from(namespace);
                    member.also.clear();
                    members.push(member);
                }
                // A namespace no resource names sees the view that says so.
                if view.other_namespaces {
                    let mut member = view.clone();
                    member.namespace = "never-named".into();
                    member.also.clear();
                    members.push(member);
                }
                members.into_iter().map(move |member| (view.clone(), member))
            });
            for (view, member) in members {
                let before = old.compile(&member.workload(&old));
                let now = new.compile(&member.workload(&new));
                let partition = space::partition(&[&before, &now]);
                let regions: Vec<_> = diff
                    .views
                    .iter()
                    .filter(|v| v.view == view)
                    .flat_map(|v| &v.regions)
                    .collect();
                for region in &regions {
                    let conn = region.example.connection();
                    prop_assert!(
                        !outcome::same(&decide(&before, &conn), &decide(&now, &conn)),
                        "invented: {region:?}"
                    );
                }
                for (ip, port, sni) in &probes {
                    let conn = match sni {
                        Some(name) => crate::engine::Connection::tls(*ip, *port, Some(name)),
                        None => crate::engine::Connection::tcp(*ip, *port),
                    };
                    if !outcome::same(&decide(&before, &conn), &decide(&now, &conn)) {
                        let label = sni_label(&partition, *port, *sni);
                        prop_assert!(
                            regions
                                .iter()
                                .any(|r| region_contains(r, *ip, *port) && r.sni.contains(&label)),
                            "missed {ip}:{port} {sni:?} ({label}) in {view:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn exporting_to_more_namespaces_widens_the_scope() {
    let local = DB.replace(
        "  resolution: NONE\n",
        "  resolution: NONE\n  exportTo: [\".\"]\n",
    );
    let team = "---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: team}
spec:
  egress:
  - hosts: [\"*/*\"]
";
    let diff = changed(&format!("{local}{team}"), &format!("{DB}{team}"));
    let team_view = diff
        .views
        .iter()
        .find(|v| v.view.namespace == "team")
        .expect("team sees the entry now");
    let region = &team_view.regions[0];
    assert_eq!(
        region.classes,
        [ChangeClass::NewlyAllowed, ChangeClass::ScopeWidened]
    );
    assert_eq!(region.causes[0].fields[0].field, "spec.exportTo");
    // The entry's own namespace saw it before and after.
    assert!(!diff.views.iter().any(|v| v.view.namespace == "default"));
}

#[test]
fn a_sidecar_selector_is_a_view_of_its_own() {
    let sidecar = "---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: payments, namespace: default}
spec:
  workloadSelector:
    labels: {app: payments}
  egress:
  - hosts: [\"./*\"]
";
    let narrowed = sidecar.replace("./*", "~/*");
    let diff = changed(&format!("{DB}{sidecar}"), &format!("{DB}{narrowed}"));
    assert_eq!(diff.views.len(), 1, "{diff:?}");
    let view = &diff.views[0];
    assert_eq!(view.view.label(), "namespace default, labels app=payments");
    assert_eq!(view.regions[0].classes, [ChangeClass::NewlyDenied]);
    assert_eq!(
        view.regions[0].causes[0].resource,
        "Sidecar default/payments"
    );
}
