//! `meshctl diff` and `meshctl list`: every format on the fixture GitOps repository with one
//! file edited, a `--base` run on a repository the test creates with two commits, the no-op
//! refactors that must print nothing, `--fail-on`, and the inputs that make it exit 2.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::common::{meshctl, outcome};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("dir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} holds `{from}`", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

/// The fixture repository with prod's database moved to another address.
fn edited_gitops(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_tree(Path::new("fixtures/gitops"), &dir);
    edit(
        &dir.join("clusters/prod/db.yaml"),
        "203.0.113.7/32",
        "203.0.113.8/32",
    );
    dir
}

#[test]
fn every_format_on_the_gitops_fixture() {
    let new = edited_gitops("formats");
    let shown = new.display().to_string();
    for format in ["text", "json", "markdown", "github", "sarif"] {
        let text = outcome(
            meshctl()
                .args(["diff", "fixtures/gitops"])
                .arg(&new)
                .args(["-o", format]),
            &[(&shown, "[NEW]"), (env!("CARGO_PKG_VERSION"), "[VERSION]")],
        );
        insta::assert_snapshot!(format!("gitops_{format}"), text);
    }
    let _ = std::fs::remove_dir_all(&new);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let new = edited_gitops("sarif");
    let text = outcome(
        meshctl()
            .args(["diff", "fixtures/gitops"])
            .arg(&new)
            .args(["-o", "sarif"]),
        &[],
    );
    let log: serde_json::Value =
        serde_json::from_str(crate::common::stdout_section(&text)).expect("sarif is json");
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(2));
    crate::common::assert_valid_sarif(&log);
    let _ = std::fs::remove_dir_all(&new);
}

#[test]
fn fail_on_picks_the_classes_that_fail() {
    let new = edited_gitops("fail-on");
    let run = |classes: &str| {
        meshctl()
            .args(["diff", "fixtures/gitops"])
            .arg(&new)
            .args(["--fail-on", classes])
            .output()
            .expect("runs")
    };
    assert_eq!(run("newly-allowed,newly-denied").status.code(), Some(1));
    let quiet = run("rerouted");
    assert_eq!(quiet.status.code(), Some(0));
    assert!(
        quiet.stdout.is_empty(),
        "only the --fail-on classes are reported"
    );
    let denied = run("newly-denied");
    assert_eq!(denied.status.code(), Some(1));
    let text = String::from_utf8_lossy(&denied.stdout);
    assert!(
        text.contains("newly-denied (1)") && !text.contains("newly-allowed ("),
        "{text}"
    );
    let bad = run("newly-open");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--fail-on `newly-open`"));
    let _ = std::fs::remove_dir_all(&new);
}

#[test]
fn the_listing_of_one_version() {
    insta::assert_snapshot!(outcome(
        meshctl().args(["list", "fixtures/gitops", "--mesh", "clusters/prod"]),
        &[]
    ));
}

const ENTRIES: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: orders-db
  namespace: shop
spec:
  hosts:
  - orders-db.example.com
  addresses:
  - 203.0.113.7/32
  ports:
  - number: 3306
    name: tcp
    protocol: TCP
  location: MESH_EXTERNAL
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cache
  namespace: shop
spec:
  hosts:
  - cache.example.com
  addresses:
  - 198.51.100.0/28
  ports:
  - number: 6379
    name: tcp
    protocol: TCP
  location: MESH_EXTERNAL
  resolution: NONE
";

fn write(dir: &Path, files: &[(&str, String)]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("dir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

#[test]
fn no_op_refactors_print_nothing() {
    let root = scratch("noop");
    let old = root.join("old");
    write(&old, &[("entries.yaml", ENTRIES.to_owned())]);
    let (first, second) = ENTRIES.split_once("---\n").expect("two documents");
    let refactors: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "reordered",
            vec![("entries.yaml", format!("{second}---\n{first}"))],
        ),
        (
            "split",
            vec![
                ("db.yaml", first.to_owned()),
                ("cache.yaml", second.to_owned()),
            ],
        ),
        ("renamed", vec![("egress.yml", ENTRIES.to_owned())]),
        (
            "commented",
            vec![(
                "entries.yaml",
                format!(
                    "# egress to the shop's databases\n{}",
                    ENTRIES.replace("  ports:", "  # one port\n  ports:")
                ),
            )],
        ),
        (
            "flow style",
            vec![(
                "entries.yaml",
                ENTRIES
                    .replace(
                        "  hosts:\n  - orders-db.example.com",
                        "  hosts: [orders-db.example.com]",
                    )
                    .replace(
                        "  ports:\n  - number: 3306\n    name: tcp\n    protocol: TCP",
                        "  ports: [{number: 3306, name: tcp, protocol: TCP}]",
                    ),
            )],
        ),
        (
            "keys reordered",
            vec![(
                "entries.yaml",
                ENTRIES.replace(
                    "  location: MESH_EXTERNAL\n  resolution: NONE\n---",
                    "  resolution: NONE\n  location: MESH_EXTERNAL\n---",
                ),
            )],
        ),
        (
            "address spelling",
            vec![(
                "entries.yaml",
                ENTRIES.replace("203.0.113.7/32", "203.0.113.7"),
            )],
        ),
    ];
    for (what, files) in refactors {
        let new = root.join("new");
        write(&new, &files);
        let output = meshctl()
            .arg("diff")
            .arg(&old)
            .arg(&new)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{what}: {output:?}");
        assert!(
            output.stdout.is_empty(),
            "{what}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_unreadable_or_rejected_side_is_named_and_exits_2() {
    let root = scratch("broken");
    write(&root.join("old"), &[("entries.yaml", ENTRIES.to_owned())]);
    write(
        &root.join("new"),
        &[(
            "entries.yaml",
            ENTRIES.replace("203.0.113.7/32", "203.0.113.300/32"),
        )],
    );
    let text = outcome(
        meshctl()
            .arg("diff")
            .arg(root.join("old"))
            .arg(root.join("new")),
        &[(&root.display().to_string(), "[TMP]")],
    );
    insta::assert_snapshot!(text);
    let _ = std::fs::remove_dir_all(&root);
}

fn git(repo: &Path, args: &[&str]) {
    let status = Process::new("git")
        .current_dir(repo)
        .args([
            "-c",
            "user.name=meshctl",
            "-c",
            "user.email=dev@meshctl.invalid",
        ])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

#[test]
fn base_reads_a_revision_from_the_repository() {
    let repo = scratch("git");
    git(&repo, &["init", "-q"]);
    copy_tree(
        Path::new("fixtures/gitops/clusters"),
        &repo.join("clusters"),
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "two clusters"]);
    edit(
        &repo.join("clusters/prod/db.yaml"),
        "  - 203.0.113.7/32\n",
        "  - 203.0.113.7/32\n  - 203.0.113.9/32\n",
    );
    git(&repo, &["commit", "-qam", "a second address for prod"]);
    let text = outcome(
        meshctl()
            .current_dir(&repo)
            .args(["diff", "--base", "HEAD~1"]),
        &[],
    );
    insta::assert_snapshot!(text);
    // The working tree equals HEAD: nothing to say.
    let same = meshctl()
        .current_dir(&repo)
        .args(["diff", "--base", "HEAD", "clusters"])
        .output()
        .expect("runs");
    assert_eq!(same.status.code(), Some(0));
    assert!(same.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&repo);
}
