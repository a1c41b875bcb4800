use super::*;
use crate::load::{LoadOptions, load_bytes};

fn workspace(yaml: &str) -> Workspace {
    let inputs = load_bytes("in.yaml", yaml.as_bytes(), &LoadOptions::default()).expect("loads");
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    Workspace::from_inputs(inputs, None).expect("workspace")
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
