//! Stamps the binary with what `meshctl version` prints: the git commit, the build date and the
//! target triple. Only std: a build dependency would compile for every user of `cargo install`.
//!
//! - Commit: `git rev-parse --short=12 HEAD` when this package is the top of a git checkout;
//!   inside a crates.io tarball, the `sha1` cargo recorded in `.cargo_vcs_info.json`; otherwise
//!   `unknown`. The top-level check keeps a vendored copy inside another repository from reporting
//!   that repository's commit.
//! - Date: `SOURCE_DATE_EPOCH` when set (reproducible builds, as the convention at
//!   reproducible-builds.org asks), else the clock, as a UTC `YYYY-MM-DD`.
//! - Target: cargo's `TARGET`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git_commit(&manifest_dir)
        .or_else(|| vcs_info_commit(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=MESHCTL_COMMIT={commit}");
    println!("cargo:rustc-env=MESHCTL_BUILD_DATE={}", build_date());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=MESHCTL_TARGET={target}");

    // Naming any path replaces cargo's default of rerunning on every file of the package: rerun
    // when HEAD moves (a checkout, a commit on the current branch) or the date is pinned anew.
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    for path in git_watch_paths(&manifest_dir) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let vcs_info = manifest_dir.join(".cargo_vcs_info.json");
    if vcs_info.exists() {
        println!("cargo:rerun-if-changed={}", vcs_info.display());
    }
}

/// Runs git in `dir` and returns its trimmed stdout when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Whether `dir` is the top of its git work tree (not a directory inside someone else's).
fn is_checkout_top(dir: &Path) -> bool {
    let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]) else {
        return false;
    };
    match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(top), Ok(dir)) => top == dir,
        _ => false,
    }
}

fn git_commit(dir: &Path) -> Option<String> {
    if !is_checkout_top(dir) {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    commit
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then_some(commit)
}

/// The commit `cargo package` recorded: `{"git": {"sha1": "<40 hex>"}, ...}`. A string search is
/// enough for the one field of a file cargo itself writes.
fn vcs_info_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let start = after.find('"')? + 1;
    let hex: String = after[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .take(12)
        .collect();
    (hex.len() == 12).then_some(hex)
}

/// HEAD, the ref it points to and packed-refs, wherever this checkout keeps them (a linked
/// worktree keeps HEAD in its own git dir and refs in the common one; `--git-path` knows both).
fn git_watch_paths(dir: &Path) -> Vec<PathBuf> {
    if !is_checkout_top(dir) {
        return Vec::new();
    }
    let mut names = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(reference) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(reference);
    }
    names
        .iter()
        .filter_map(|name| git(dir, &["rev-parse", "--git-path", name]))
        .map(|path| dir.join(path))
        // A path that does not exist would make cargo rerun this script on every build.
        .filter(|path| path.exists())
        .collect()
}

fn build_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|value| value.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(0))
        });
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date: Howard Hinnant's `civil_from_days`
/// (howardhinnant.github.io/date_algorithms.html), which the standard library does not offer.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
