//! `meshctl.toml`: found upward from the current directory, `--config` and `--isolated`,
//! flags beating the file, `per-file-ignores` relative to the file, and strict keys.

use std::path::{Path, PathBuf};

use super::common::{meshctl, outcome};

/// A throwaway repository holding the test repository's deploy/ manifests and `config`.
fn repo(name: &str, config: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("meshctl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("deploy")).expect("mkdir");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repo/deploy/egress.yaml");
    std::fs::copy(manifest, root.join("deploy/egress.yaml")).expect("copy");
    std::fs::write(root.join("meshctl.toml"), config).expect("write");
    root
}

fn codes(text: &str) -> Vec<&str> {
    ["MSH003", "MSH201"]
        .into_iter()
        .filter(|code| text.contains(code))
        .collect()
}

#[test]
fn the_nearest_file_applies_from_a_subdirectory_and_flags_beat_it() {
    let root = repo(
        "config-upward",
        "fail-on = \"warning\"\n[per-file-ignores]\n\"deploy/*.yaml\" = [\"MSH201\"]\n",
    );
    let sub = root.join("sub");
    let run = |args: &[&str]| outcome(meshctl().current_dir(&sub).arg("check").args(args), &[]);

    let text = run(&[".."]);
    assert!(text.starts_with("exit: 1"), "fail-on = warning: {text}");
    assert_eq!(codes(&text), ["MSH003"], "{text}");

    let text = run(&["--fail-on", "error", ".."]);
    assert!(
        text.starts_with("exit: 0"),
        "the flag beats the file: {text}"
    );

    let text = run(&["--isolated", ".."]);
    assert_eq!(codes(&text), ["MSH003", "MSH201"], "--isolated: {text}");

    std::fs::write(root.join("other.toml"), "ignore = [\"MSH003\"]\n").expect("write");
    let text = run(&["--config", "../other.toml", ".."]);
    assert_eq!(codes(&text), ["MSH201"], "--config: {text}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_unknown_key_is_an_error_with_file_and_line() {
    let root = repo("config-unknown", "exclude = []\nfail_on = \"warning\"\n");
    let text = outcome(meshctl().current_dir(&root).arg("check"), &[]);
    assert!(text.starts_with("exit: 2"), "{text}");
    let want = format!(
        "error: {}/meshctl.toml:2:1: unknown field `fail_on`",
        root.display()
    );
    assert!(text.contains(&want), "{text}");
    let _ = std::fs::remove_dir_all(&root);
}

/// The README shows `fixtures/config/meshctl.toml` as the sample file (its block is compared with
/// the file): every key in it must parse and apply.
#[test]
fn the_readme_sample_parses_and_applies() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/meshctl.toml");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/MSH202-missing-cidr.yaml");
    let text = outcome(
        meshctl()
            .arg("check")
            .arg("--config")
            .arg(&sample)
            .arg(&fixture),
        &[],
    );
    // `fail-on = "warning"` turns MSH202's warning into exit 1; `mesh-config` was read (its
    // ConfigMap counts as a resource).
    assert!(text.starts_with("exit: 1"), "{text}");
    assert!(
        text.contains("MSH202 [warning]") && text.contains("in 2 resources"),
        "{text}"
    );
    let isolated = outcome(meshctl().args(["check", "--isolated"]).arg(&fixture), &[]);
    assert!(isolated.starts_with("exit: 0"), "{isolated}");
}

/// `exclude` in the file is relative to the file's directory, whichever directory is walked:
/// `/deploy/` prunes `<root>/deploy`, never a `deploy/` under a subdirectory that is walked
/// itself. `--exclude` globs stay relative to the walked directory, as ripgrep's `--glob`.
#[test]
fn file_excludes_are_anchored_at_the_file_flag_excludes_at_the_walk() {
    let root = repo("config-anchored", "exclude = [\"/deploy/\"]\n");
    std::fs::create_dir_all(root.join("sub/deploy")).expect("mkdir");
    std::fs::copy(
        root.join("deploy/egress.yaml"),
        root.join("sub/deploy/egress.yaml"),
    )
    .expect("copy");
    // From the root: only sub/deploy is read (its findings name `sub/deploy/egress.yaml`).
    let text = outcome(meshctl().current_dir(&root).args(["check", "."]), &[]);
    assert!(text.contains("sub/deploy/egress.yaml"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("deploy/") || l.starts_with("./deploy/")),
        "{text}"
    );
    // Walking `sub` itself, from the root or from inside it: its deploy/ is not the root's.
    let text = outcome(meshctl().current_dir(&root).args(["check", "sub"]), &[]);
    assert!(text.contains("sub/deploy/egress.yaml"), "{text}");
    let text = outcome(
        meshctl().current_dir(root.join("sub")).args(["check", "."]),
        &[],
    );
    assert!(text.contains("deploy/egress.yaml"), "{text}");
    // The flag is relative to the walk: `--exclude /deploy/` on `sub` prunes sub/deploy.
    let text = outcome(
        meshctl()
            .current_dir(&root)
            .args(["check", "--exclude", "/deploy/", "sub"]),
        &[],
    );
    assert!(!text.contains("egress.yaml:"), "{text}");
    let _ = std::fs::remove_dir_all(&root);
}
