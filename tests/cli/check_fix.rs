//! `check --fix` and `--diff`: the unambiguous fixes (MSH202, MSH203, MSH205 on a server-first
//! port) edit only their spans, `--diff` shows them and exits 1, and the fixed file passes.

use super::common::{meshctl, outcome};

const FIXABLE: &str = "fixtures/fix/fixable.yaml";

#[test]
fn diff_shows_the_fixes_and_exits_1() {
    insta::assert_snapshot!(outcome(
        meshctl().current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "check",
            "--isolated",
            "--diff",
            FIXABLE
        ]),
        &[]
    ));
}

#[test]
fn the_fixed_file_passes_and_keeps_comments_and_quotes() {
    let dir = std::env::temp_dir().join(format!("meshctl-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("entry.yaml");
    let original =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXABLE))
            .expect("fixture");
    std::fs::write(&path, &original).expect("write");
    let tmp = dir.display().to_string();

    let text = outcome(
        meshctl()
            .args(["check", "--isolated", "--color", "never", "--fix"])
            .arg(&path),
        &[(&tmp, "[TMP]")],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(
        text.contains("All checks passed") && text.contains("fixed 3 findings in 1 file"),
        "{text}"
    );

    let fixed = std::fs::read_to_string(&path).expect("read back");
    assert!(
        fixed.contains("  - 203.0.113.7/32          # primary\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  - \"203.0.113.8/30\"     # the replica's block"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  - number: 3306\n    protocol: TCP\n    name: tcp-mysql\n"),
        "{fixed}"
    );
    assert!(
        fixed.starts_with("# Every finding here has one right fix"),
        "{fixed}"
    );
    assert_eq!(fixed.lines().count(), original.lines().count() + 1);

    let text = outcome(
        meshctl().args(["check", "--isolated", "--diff"]).arg(&path),
        &[],
    );
    assert!(text.starts_with("exit: 0"), "nothing left to fix: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A copy of the fixable fixture in a fresh directory.
fn fixable_copy(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("meshctl-fix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("entry.yaml");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXABLE),
        &path,
    )
    .expect("copy");
    (dir, path)
}

#[test]
fn fix_refuses_read_only_and_hard_linked_files() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, path) = fixable_copy("refuse");
    let before = std::fs::read(&path).expect("read");
    let tmp = dir.display().to_string();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let text = outcome(
        meshctl().args(["check", "--isolated", "--fix"]).arg(&path),
        &[(&tmp, "[TMP]")],
    );
    assert!(
        text.starts_with("exit: 2")
            && text.contains("error: `[TMP]/entry.yaml` is read-only; make it writable to fix it"),
        "{text}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::hard_link(&path, dir.join("second-name")).expect("link");
    let text = outcome(
        meshctl().args(["check", "--isolated", "--fix"]).arg(&path),
        &[(&tmp, "[TMP]")],
    );
    assert!(
        text.starts_with("exit: 2") && text.contains("`[TMP]/entry.yaml` has 2 hard links"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(dir.join("second-name")).expect("read"),
        before
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn fix_writes_a_symlinked_file_at_its_target_keeping_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, path) = fixable_copy("symlink");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let link = dir.join("link.yaml");
    std::os::unix::fs::symlink("entry.yaml", &link).expect("symlink");
    let text = outcome(
        meshctl().args(["check", "--isolated", "--fix"]).arg(&link),
        &[],
    );
    assert!(text.starts_with("exit: 0"), "{text}");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    let fixed = std::fs::read_to_string(&path).expect("read");
    assert!(fixed.contains("name: tcp-mysql"), "{fixed}");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let names = std::fs::read_dir(&dir).expect("list").count();
    assert_eq!(names, 2, "no temporary file left");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
