use std::path::PathBuf;

use super::*;
use crate::engine::{Connection, Verdict};

fn entry(name: &str, host: &str, address: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}, namespace: default}}\nspec: {{hosts: ['{host}'], addresses: ['{address}'], ports: [{{number: 3306, name: tcp, protocol: TCP}}], location: MESH_EXTERNAL, resolution: NONE}}\n"
    )
}

fn mesh(policy: &str) -> String {
    format!("---\noutboundTrafficPolicy:\n  mode: {policy}\n")
}

fn workspace(text: &str, flag: Option<OutboundPolicy>) -> Result<Workspace, WorkspaceError> {
    let inputs = load::load_bytes("in.yaml", text.as_bytes(), &LoadOptions::default())
        .expect("parser thread");
    Workspace::from_inputs(inputs, flag)
}

fn verdict(ws: &Workspace, ip: [u8; 4]) -> Verdict {
    let registry = ws.compile(&ws.in_mesh(Workload::default()));
    crate::engine::explain(&registry, &Connection::tcp(ip.into(), 3306)).verdict
}

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn what_istio_would_reject_never_reaches_a_decision() {
    let ws = workspace(
        &format!(
            "{}{}",
            entry("good", "db.example.com", "203.0.113.7/32"),
            entry("dot", ".", "203.0.113.8/32")
        ),
        None,
    )
    .expect("workspace");
    assert_eq!(ws.inputs().service_entries.len(), 2);
    assert_eq!(ws.admitted().service_entries.len(), 1);
    assert_eq!(ws.rejected().len(), 1);
    let rejected = &ws.rejected()[0];
    assert_eq!(rejected.code, "MSH101");
    assert_eq!(
        rejected.resource.as_deref(),
        Some("ServiceEntry default/dot")
    );
    assert!(rejected.to_string().starts_with("in.yaml:"), "{rejected}");
    assert_eq!(verdict(&ws, [203, 0, 113, 7]), Verdict::Allow);
    assert_eq!(verdict(&ws, [203, 0, 113, 8]), Verdict::Deny);
}

#[test]
fn the_last_applied_gateway_and_authorization_policy_of_a_name_win() {
    let gateway = |host: &str| {
        format!(
            "---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {{name: egress, namespace: istio-system}}\nspec: {{selector: {{istio: egressgateway}}, servers: [{{port: {{number: 443, name: tls, protocol: TLS}}, hosts: ['{host}'], tls: {{mode: PASSTHROUGH}}}}]}}\n"
        )
    };
    let policy = |action: &str| {
        format!(
            "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: egress, namespace: istio-system}}\nspec: {{action: {action}, rules: [{{to: [{{operation: {{ports: ['443']}}}}]}}]}}\n"
        )
    };
    let text = [
        gateway("a.example.com"),
        policy("ALLOW"),
        gateway("b.example.com"),
        policy("DENY"),
    ]
    .concat();
    let ws = workspace(&text, None).expect("workspace");
    assert_eq!(ws.inputs().gateways.len(), 2);
    assert_eq!(ws.inputs().authorization_policies.len(), 2);
    let admitted = ws.admitted();
    assert_eq!(admitted.gateways.len(), 1);
    assert_eq!(
        admitted.gateways[0].resource.spec.servers[0].hosts,
        ["b.example.com"]
    );
    assert_eq!(admitted.authorization_policies.len(), 1);
    assert_eq!(
        admitted.authorization_policies[0]
            .resource
            .spec
            .action
            .as_deref(),
        Some("DENY")
    );
}

#[test]
fn a_name_kubernetes_rejects_never_reaches_a_decision() {
    let ws = workspace(
        &format!(
            "{}{}",
            entry("good", "db.example.com", "203.0.113.7/32"),
            entry(
                "'bad\\nFAKE LOG LINE'",
                "other.example.com",
                "203.0.113.8/32"
            )
            .replace('\'', "\""),
        ),
        None,
    )
    .expect("workspace");
    assert_eq!(ws.inputs().service_entries.len(), 2);
    assert_eq!(ws.admitted().service_entries.len(), 1);
    let rejected = &ws.rejected()[0];
    assert_eq!(rejected.code, "MSH111");
    assert_eq!(
        rejected.resource.as_deref(),
        Some("ServiceEntry default/bad\\nFAKE LOG LINE")
    );
    assert!(!rejected.to_string().contains('\n'), "{rejected}");
    assert_eq!(verdict(&ws, [203, 0, 113, 8]), Verdict::Deny);
}

#[test]
fn documents_that_do_not_parse_are_rejected_and_named() {
    let ws = workspace(
        &format!(
            "{}---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: bad}}\nspec: {{hosts: [a.example.com], ports: [{{number: 0, name: tcp}}]}}\n",
            entry("good", "db.example.com", "203.0.113.7/32")
        ),
        None,
    )
    .expect("workspace");
    assert_eq!(ws.admitted().service_entries.len(), 1);
    assert!(
        ws.rejected().iter().any(|r| r.code.starts_with("MSH")),
        "{:?}",
        ws.rejected()
    );
}

#[test]
fn the_later_of_two_same_named_documents_replaces_the_earlier() {
    let ws = workspace(
        &format!(
            "{}{}",
            entry("db", "db.example.com", "203.0.113.7/32"),
            entry("db", "db.example.com", "203.0.113.8/32")
        ),
        None,
    )
    .expect("workspace");
    assert_eq!(ws.admitted().service_entries.len(), 1);
    assert_eq!(ws.replaced().len(), 1);
    assert!(ws.rejected().is_empty());
    assert_eq!(verdict(&ws, [203, 0, 113, 7]), Verdict::Deny);
    assert_eq!(verdict(&ws, [203, 0, 113, 8]), Verdict::Allow);
}

#[test]
fn the_flag_beats_the_mesh_config_which_beats_the_default() {
    let entries = entry("db", "db.example.com", "203.0.113.7/32");
    let default = workspace(&entries, None).expect("workspace");
    assert_eq!(default.mesh().outbound_policy, OutboundPolicy::RegistryOnly);
    assert_eq!(default.mesh().policy_source, "meshctl default");

    let from_mesh = workspace(&format!("{entries}{}", mesh("ALLOW_ANY")), None).expect("ws");
    assert_eq!(from_mesh.mesh().outbound_policy, OutboundPolicy::AllowAny);
    assert!(
        from_mesh
            .mesh()
            .policy_source
            .starts_with("mesh config in.yaml:")
    );
    assert_eq!(verdict(&from_mesh, [192, 0, 2, 1]), Verdict::Passthrough);

    let flagged = workspace(
        &format!("{entries}{}", mesh("ALLOW_ANY")),
        Some(OutboundPolicy::RegistryOnly),
    )
    .expect("ws");
    assert_eq!(flagged.mesh().outbound_policy, OutboundPolicy::RegistryOnly);
    assert_eq!(flagged.mesh().policy_source, "--outbound-policy flag");
    assert_eq!(verdict(&flagged, [192, 0, 2, 1]), Verdict::Deny);
}

#[test]
fn mesh_configs_that_disagree_are_an_error_unless_one_is_chosen() {
    let text = format!("{}{}", mesh("ALLOW_ANY"), mesh("REGISTRY_ONLY"));
    let err = workspace(&text, None).expect_err("disagree");
    assert!(err.to_string().contains("disagree"), "{err}");

    let dir = std::env::temp_dir().join(format!("meshctl-ws-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("both.yaml");
    std::fs::write(&file, &text).expect("write");
    let chosen = Workspace::load(&Sources {
        paths: vec![file],
        mesh_config: Some(fixture("fixtures/mesh/allow-any.yaml")),
        ..Sources::default()
    })
    .expect("--mesh-config replaces the mesh configs among the inputs");
    assert_eq!(chosen.mesh().outbound_policy, OutboundPolicy::AllowAny);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_blog_directory_with_an_allow_any_mesh_config_is_one_answer() {
    // The blog's fixtures hold a REGISTRY_ONLY mesh config; adding ALLOW_ANY beside it is a
    // disagreement every face reports the same way.
    let err = Workspace::load(&Sources {
        paths: vec![
            fixture("fixtures/blog"),
            fixture("fixtures/mesh/allow-any.yaml"),
        ],
        ..Sources::default()
    })
    .expect_err("two mesh configs with different policies");
    assert!(
        matches!(err, WorkspaceError::MeshConfigsDisagree { .. }),
        "{err}"
    );
}

#[test]
fn an_invalid_or_empty_mesh_config_flag_is_an_error() {
    let err = Workspace::load(&Sources {
        paths: vec![fixture("fixtures/blog/mysql-external.yaml")],
        mesh_config: Some(fixture("fixtures/blog/mysql-external.yaml")),
        ..Sources::default()
    })
    .expect_err("no mesh config in it");
    assert!(matches!(err, WorkspaceError::NoMeshConfig(_)), "{err}");
}

#[test]
fn nothing_istio_shaped_is_empty() {
    let ws = workspace(
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: x}\n",
        None,
    )
    .expect("ws");
    assert!(ws.is_empty());
    let ws = workspace(&mesh("REGISTRY_ONLY"), None).expect("ws");
    assert!(
        !ws.is_empty(),
        "a mesh config alone is a deliberate deny-all"
    );
}

#[test]
fn two_selectorless_sidecars_are_an_error_finding_but_both_are_admitted() {
    let sidecar = |name: &str| {
        format!(
            "---\napiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: {name}, namespace: default}}\nspec: {{egress: [{{hosts: ['./*']}}]}}\n"
        )
    };
    let ws = workspace(&format!("{}{}", sidecar("a"), sidecar("b")), None).expect("ws");
    assert!(
        ws.admission()
            .iter()
            .any(|d| d.rule.code() == "MSH110" && d.severity >= crate::rules::Severity::Error),
        "{:?}",
        ws.admission()
    );
    assert!(ws.rejected().is_empty(), "{:?}", ws.rejected());
    assert_eq!(ws.admitted().sidecars.len(), 2);
}
