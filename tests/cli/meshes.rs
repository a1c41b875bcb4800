//! Mesh scopes on a repository shaped like a real GitOps one (`fixtures/gitops`): two clusters
//! with different outbound policies and the same entry names, a kustomize base with two
//! overlays whose patches change an address, a Helm chart and a CI workflow. Kustomize is the
//! real `kubectl kustomize`; without kubectl these tests print SKIPPED (and fail under CI).

use serde_json::Value;

use super::common::{meshctl, outcome, skip_or_fail, stdout};

const REPO: &str = "fixtures/gitops";

fn run() -> assert_cmd::Command {
    let mut cmd = meshctl();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// True when `kubectl` can run here; otherwise the test is reported as skipped.
fn have_kubectl() -> bool {
    let found = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip_or_fail("kustomize scopes", std::path::Path::new("kubectl"));
    }
    found
}

fn json(args: &[&str], code: i32) -> Vec<Value> {
    let text = stdout(run().args(args), code);
    serde_json::from_str(&text).expect("JSON array")
}

#[test]
fn check_groups_findings_by_mesh() {
    if !have_kubectl() {
        return;
    }
    // One error in staging (an address-less TCP entry): exit 1, not 2 — the clusters' mesh
    // configs disagree, which is no error between meshes.
    insta::assert_snapshot!(outcome(
        run().args(["check", "--color", "never", REPO]),
        &[]
    ));
}

#[test]
fn every_json_finding_names_its_mesh_policy_and_source_file() {
    if !have_kubectl() {
        return;
    }
    let findings = json(&["check", "-o", "json", REPO], 1);
    assert!(!findings.is_empty());
    for finding in &findings {
        let file = finding["file"].as_str().expect("file");
        assert!(file.starts_with("fixtures/gitops/"), "{finding}");
        assert!(
            !file.contains("meshctl-kustomize"),
            "a temporary file: {finding}"
        );
        assert!(
            finding["mesh"].is_string() && finding["policy"].is_string(),
            "{finding}"
        );
    }
    let staging: Vec<&Value> = findings
        .iter()
        .filter(|f| f["mesh"] == "overlays/staging")
        .collect();
    // The patched address (overlays/staging/address.yaml) is linted in its resource, which
    // kustomize's origin annotation places in the base file, at the field's line there.
    assert_eq!(staging.len(), 1, "{staging:?}");
    assert_eq!(staging[0]["code"], "MSH202");
    assert_eq!(staging[0]["file"], "fixtures/gitops/base/payments-db.yaml");
    assert_eq!(
        staging[0]["line"], 10,
        "the line of `addresses[0]` in the base file"
    );
    assert!(
        staging[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`198.51.100.20`"),
        "the message quotes the patched value: {}",
        staging[0]
    );
    let prod = findings.iter().find(|f| f["mesh"] == "clusters/prod");
    assert!(prod.is_none(), "prod is clean: {prod:?}");
}

#[test]
fn patches_and_bases_are_never_linted_on_their_own() {
    if !have_kubectl() {
        return;
    }
    let findings = json(&["check", "-o", "json", "--fail-on", "none", REPO], 0);
    for finding in &findings {
        let file = finding["file"].as_str().unwrap_or_default();
        assert!(
            !file.contains("overlays/"),
            "a patch linted alone: {finding}"
        );
        assert!(
            finding["code"] != "MSH002",
            "a patch read as a resource: {finding}"
        );
    }
    // Read raw, the patches are half resources: the schema says so.
    let raw = json(&["check", "-o", "json", "--no-kustomize", REPO], 1);
    assert!(
        raw.iter().any(|f| f["file"]
            .as_str()
            .unwrap_or_default()
            .contains("overlays/prod/address.yaml")),
        "{raw:?}"
    );
}

struct Case {
    mesh: &'static str,
    dest: &'static str,
    want: &'static str,
    code: i32,
}

#[test]
fn simulate_decides_in_the_mesh_it_is_given() {
    if !have_kubectl() {
        return;
    }
    let cases = [
        // The address the prod overlay patches in is allowed in prod only.
        Case {
            mesh: "overlays/prod",
            dest: "198.51.100.21:5432",
            want: "ALLOW",
            code: 0,
        },
        Case {
            mesh: "overlays/staging",
            dest: "198.51.100.21:5432",
            want: "DENY",
            code: 1,
        },
        Case {
            mesh: "overlays/staging",
            dest: "198.51.100.20:5432",
            want: "ALLOW",
            code: 0,
        },
        Case {
            mesh: "overlays/prod",
            dest: "198.51.100.20:5432",
            want: "DENY",
            code: 1,
        },
        // Same entry name in both clusters: prod pins .7, staging's entry has no address.
        Case {
            mesh: "clusters/prod",
            dest: "203.0.113.9:3306",
            want: "DENY",
            code: 1,
        },
        Case {
            mesh: "clusters/staging",
            dest: "203.0.113.9:3306",
            want: "ALLOW",
            code: 0,
        },
        Case {
            mesh: "clusters/prod",
            dest: "203.0.113.7:3306",
            want: "ALLOW",
            code: 0,
        },
    ];
    for case in cases {
        let out = stdout(
            run().args(["simulate", case.dest, "-f", REPO, "--mesh", case.mesh]),
            case.code,
        );
        assert!(
            out.starts_with(&format!("{} {}", case.want, case.dest)),
            "{} in {}: {out}",
            case.dest,
            case.mesh
        );
    }
}

#[test]
fn deciding_commands_refuse_several_meshes_without_mesh() {
    if !have_kubectl() {
        return;
    }
    for args in [
        &["simulate", "203.0.113.7:3306", "-f", REPO][..],
        &["export", "envoy", "-f", REPO][..],
    ] {
        let output = run().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("pick it with --mesh NAME: clusters/prod, clusters/staging, overlays/prod, overlays/staging"),
            "{stderr}"
        );
    }
    let output = run()
        .args([
            "simulate",
            "203.0.113.7:3306",
            "-f",
            REPO,
            "--mesh",
            "clusters/qa",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--mesh `clusters/qa` names no mesh"));
}

/// The unit of meaning is the mesh: each one's findings are exactly what checking its files
/// alone gives.
#[test]
fn per_mesh_results_equal_each_mesh_checked_alone() {
    if !have_kubectl() {
        return;
    }
    let strip = |findings: Vec<Value>| -> Vec<Value> {
        findings
            .into_iter()
            .map(|mut f| {
                if let Some(object) = f.as_object_mut() {
                    object.remove("mesh");
                }
                f
            })
            .collect()
    };
    let together = json(&["check", "-o", "json", "--fail-on", "none", REPO], 0);
    for mesh in [
        "clusters/prod",
        "clusters/staging",
        "overlays/prod",
        "overlays/staging",
    ] {
        let path = format!("{REPO}/{mesh}");
        let alone = strip(json(
            &["check", "-o", "json", "--fail-on", "none", &path],
            0,
        ));
        let scoped = strip(
            together
                .iter()
                .filter(|f| f["mesh"] == mesh)
                .cloned()
                .collect(),
        );
        assert_eq!(scoped, alone, "{mesh}");
    }
}

#[test]
fn list_meshes_says_what_meshctl_thinks_the_repository_is() {
    if !have_kubectl() {
        return;
    }
    let listed: Vec<Value> = serde_json::from_str(&stdout(
        run().args(["check", "--list-meshes", "-o", "json", REPO]),
        0,
    ))
    .expect("JSON");
    let summary: Vec<(String, String, String)> = listed
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or_default().to_owned(),
                m["kind"].as_str().unwrap_or_default().to_owned(),
                m["policy"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let want = [
        ("clusters/prod", "mesh-config", "REGISTRY_ONLY"),
        ("clusters/staging", "mesh-config", "ALLOW_ANY"),
        ("overlays/prod", "kustomization", "REGISTRY_ONLY"),
        ("overlays/staging", "kustomization", "REGISTRY_ONLY"),
        ("default", "default", "REGISTRY_ONLY"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(summary, want);
    insta::assert_snapshot!(stdout(run().args(["check", "--list-meshes", REPO]), 0));
}

#[test]
fn a_missing_kubectl_is_named_never_a_silent_raw_read() {
    let empty = std::env::temp_dir().join(format!("meshctl-no-kubectl-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("mkdir");
    let output = run()
        .env("PATH", &empty)
        .args(["check", &format!("{REPO}/overlays/prod")])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`kubectl` is not on PATH") && stderr.contains("--no-kustomize"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&empty);
}

#[test]
fn configured_meshes_replace_discovery() {
    let dir = std::env::temp_dir().join(format!("meshctl-configured-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in [
        (
            "meshctl.toml",
            "[[mesh]]\nname = \"east\"\npaths = [\"east/**\"]\nnamespace = \"shop\"\n\n[[mesh]]\nname = \"west\"\npaths = [\"west/**\"]\nignore = [\"MSH201\"]\n",
        ),
        (
            "east/db.yaml",
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n",
        ),
        (
            "west/db.yaml",
            "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n",
        ),
    ] {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let mut cmd = meshctl();
    cmd.current_dir(&dir).args(["check", "-o", "json", "."]);
    let findings: Vec<Value> = serde_json::from_str(&stdout(&mut cmd, 1)).expect("JSON");
    // The same name in two meshes is two objects; west ignores MSH201, east's namespace
    // default applies to its resource.
    let meshes: Vec<&str> = findings.iter().filter_map(|f| f["mesh"].as_str()).collect();
    assert_eq!(meshes, ["east"], "{findings:?}");
    assert_eq!(findings[0]["resource"], "ServiceEntry shop/db");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn stdin_findings_name_the_file_they_were_rendered_from() {
    let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db}\nspec:\n  hosts: [db.example.com]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n";
    let findings: Vec<Value> = serde_json::from_str(&stdout(
        run()
            .args([
                "check",
                "-o",
                "json",
                "--stdin-filename",
                "charts/db/templates/se.yaml",
                "-",
            ])
            .write_stdin(text),
        1,
    ))
    .expect("JSON");
    assert!(!findings.is_empty());
    for finding in findings {
        assert_eq!(finding["file"], "charts/db/templates/se.yaml");
    }
}

/// This repository passes its own check (fixtures/ and fuzz/ hold deliberately broken inputs
/// and are excluded in its meshctl.toml), whatever a build left in target/.
#[test]
fn this_repository_passes_its_own_check() {
    let output = run().args(["check", "."]).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A kustomization is hostile input too: it may not make meshctl copy what it was not asked to
/// read (`resources: [../../..]`), and a symbolic link loop inside it ends.
#[test]
fn a_render_copies_only_what_it_was_asked_to_read() {
    if !have_kubectl() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("meshctl-kz-bounds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("overlay")).expect("mkdir");
    std::fs::create_dir_all(dir.join("outside")).expect("mkdir");
    std::fs::write(dir.join("outside/kustomization.yaml"), "resources: []\n").expect("write");
    std::fs::write(
        repo.join("overlay/kustomization.yaml"),
        "resources: [../../outside]\n",
    )
    .expect("write");
    // Outside any git repository, the bound is the current directory.
    let output = meshctl()
        .current_dir(&repo)
        .args(["check", "."])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lies outside the paths given"), "{stderr}");

    // Inside the bounds (the current directory), a base the walk never reads may hold a link
    // back to its parent: it is copied once, not forever.
    std::fs::create_dir_all(dir.join("lib")).expect("mkdir");
    std::fs::write(
        repo.join("overlay/kustomization.yaml"),
        "resources: [../../lib]\n",
    )
    .expect("write");
    std::fs::write(dir.join("lib/kustomization.yaml"), "resources: [db.yaml]\n").expect("write");
    std::fs::write(
        dir.join("lib/db.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db, namespace: shop}\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7/32]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n  location: MESH_EXTERNAL\n  resolution: NONE\n",
    )
    .expect("write");
    std::os::unix::fs::symlink("..", dir.join("lib/loop")).expect("symlink");
    let output = meshctl()
        .current_dir(&dir)
        .args(["check", "--list-meshes", "-o", "json", "repo"])
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(listed[0]["resources"], 1, "{listed:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
