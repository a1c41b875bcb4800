//! `meshctl version`: the build stamp's fields have their documented shapes, and both formats
//! carry the same values.

use std::path::Path;
use std::process::Command;

use super::common::{meshctl, stdout};

/// `meshctl 0.1.0 (commit HASH, built YYYY-MM-DD, TARGET)` split into its four fields.
fn fields(line: &str) -> [String; 4] {
    let rest = line
        .strip_prefix("meshctl ")
        .and_then(|rest| rest.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("not `meshctl VERSION (…)`: {line:?}"));
    let (version, stamp) = rest
        .split_once(" (commit ")
        .unwrap_or_else(|| panic!("no ` (commit `: {line:?}"));
    let parts: Vec<&str> = stamp.split(", ").collect();
    let [commit, built, target] = parts[..] else {
        panic!("not `HASH, built DATE, TARGET`: {line:?}");
    };
    let date = built
        .strip_prefix("built ")
        .unwrap_or_else(|| panic!("no `built `: {line:?}"));
    [version, commit, date, target].map(str::to_owned)
}

fn assert_commit_shape(commit: &str) {
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "commit is neither 12 hex digits nor `unknown`: {commit:?}"
    );
}

fn assert_date_shape(date: &str) {
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts[..] else {
        panic!("date is not YYYY-MM-DD: {date:?}");
    };
    let number = |text: &str, digits: usize| -> u32 {
        assert!(
            text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()),
            "date is not YYYY-MM-DD: {date:?}"
        );
        text.parse().expect("digits")
    };
    assert!(number(year, 4) >= 1970, "year before the epoch: {date:?}");
    assert!((1..=12).contains(&number(month, 2)), "month: {date:?}");
    assert!((1..=31).contains(&number(day, 2)), "day: {date:?}");
}

/// A target triple for this machine: `ARCH-VENDOR-OS[-ENV]`.
fn assert_target_shape(target: &str) {
    let parts: Vec<&str> = target.split('-').collect();
    assert!(
        (3..=4).contains(&parts.len()),
        "not a target triple: {target:?}"
    );
    assert_eq!(parts[0], std::env::consts::ARCH, "{target}");
    assert!(parts.contains(&std::env::consts::OS), "{target}");
}

/// The commit git reports when the package root is the top of a checkout, as `build.rs` asks.
fn checkout_commit() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}

#[test]
fn version_prints_version_commit_date_and_target() {
    let line = stdout(meshctl().arg("version"), 0);
    let [version, commit, date, target] = fields(&line);
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert_commit_shape(&commit);
    assert_date_shape(&date);
    assert_target_shape(&target);
    if let Some(head) = checkout_commit() {
        assert_eq!(
            commit, head,
            "built from a checkout: the commit is its HEAD"
        );
    }
}

#[test]
fn version_json_carries_the_same_fields() {
    let line = stdout(meshctl().arg("version"), 0);
    let json: serde_json::Value =
        serde_json::from_str(&stdout(meshctl().args(["version", "-o", "json"]), 0))
            .expect("valid JSON");
    let object = json.as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "{json}");
    let [version, commit, date, target] = fields(&line);
    for (key, text) in [
        ("version", version),
        ("commit", commit),
        ("build_date", date),
        ("target", target),
    ] {
        assert_eq!(json[key].as_str(), Some(text.as_str()), "{key} in {json}");
    }
}
