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
