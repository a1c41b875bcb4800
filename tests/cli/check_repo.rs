//! `meshctl check` pointed at a whole repository, as a platform team's CI and pre-commit hook do:
//! the walk (ignore files, hidden and ConfigMap `..data` directories, `--exclude`, `--no-ignore`),
//! explicit files always read, non-resources skipped and listed, "nothing checked" as a finding,
//! and the output switches scripts rely on (`-q`, `--statistics`, `--list-rules -o json`, `-f`).

use super::common::{meshctl, outcome, stdout, stdout_section};

/// The test repository: a chart, a workflow, a pre-commit hook list, a compose file, a mounted
/// ConfigMap, git-ignored build output, a misspelled kind and an entry open to every IP.
const REPO: &str = "fixtures/repo";

fn check() -> assert_cmd::Command {
    let mut cmd = meshctl();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--color", "never"]);
    cmd
}

#[test]
fn a_repository_gives_exactly_the_expected_findings() {
    // -v lists the five skipped files; the ConfigMap's entry is read once (through its
    // top-level link), build/ and .github/ are never read.
    insta::assert_snapshot!(outcome(check().args(["-v", REPO]), &[]));
}

#[test]
fn explicit_files_are_read_even_when_ignored_or_hidden() {
    let text = outcome(check().arg(format!("{REPO}/build/report.json")), &[]);
    assert!(
        text.contains("report.json:1:") && text.contains("MSH001"),
        "{text}"
    );
    let text = outcome(
        check().arg(format!("{REPO}/.github/workflows/ci.yaml")),
        &[],
    );
    assert!(
        text.contains("MSH004") && !text.contains("MSH001"),
        "{text}"
    );
}

#[test]
fn no_ignore_reads_build_output_and_exclude_prunes() {
    let text = outcome(check().args(["--no-ignore", REPO]), &[]);
    assert!(
        text.contains("build/report.json") && text.contains("MSH001"),
        "{text}"
    );
    let text = outcome(check().args(["--exclude", "deploy", "-f", REPO]), &[]);
    assert!(
        text.starts_with("exit: 0") && !text.contains("MSH201"),
        "{text}"
    );
    assert!(text.contains("in 6 files"), "{text}");
}

#[test]
fn a_bad_exclude_glob_is_a_usage_error() {
    let text = outcome(check().args(["--exclude", "a{b", REPO]), &[]);
    assert!(
        text.starts_with("exit: 2") && text.contains("--exclude `a{b`"),
        "{text}"
    );
}

#[test]
fn nothing_checked_is_a_warning_that_fail_on_warning_turns_red() {
    let dir = std::env::temp_dir().join(format!("meshctl-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let text = outcome(
        check().args(["--fail-on", "warning"]).arg(&dir),
        &[(&dir.display().to_string(), "[TMP]")],
    );
    insta::assert_snapshot!(text);
    // A chart alone: its template is skipped, so nothing was checked either.
    let text = outcome(
        check().args(["--fail-on", "warning", "-f", "fixtures/repo/chart"]),
        &[],
    );
    assert!(
        text.starts_with("exit: 1") && text.contains("MSH004"),
        "{text}"
    );
    assert!(text.contains("helm template"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quiet_prints_findings_only() {
    let text = outcome(check().args(["-q", REPO]), &[]);
    let out = stdout_section(&text);
    assert!(out.contains("MSH201") && !out.contains("Found "), "{text}");
}

#[test]
fn statistics_replace_the_findings_on_stdout() {
    let text = outcome(check().args(["--statistics", REPO]), &[]);
    assert_eq!(
        stdout_section(&text),
        "    1  MSH003  misspelled-istio-kind\n    1  MSH201  hosts-ignored-for-tcp\n",
        "{text}"
    );
    assert!(text.starts_with("exit: 1"), "{text}");
}

#[test]
fn list_rules_as_json_names_every_rule() {
    let out = stdout(check().args(["--list-rules", "-o", "json"]), 0);
    let rows: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let codes: Vec<&str> = rows
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    let want: Vec<&str> = meshctl_core::rules::Rule::ALL
        .iter()
        .map(|r| r.code())
        .collect();
    assert_eq!(codes, want);
    assert_eq!(rows[0]["severity"], "error");
}

#[test]
fn a_duplicated_document_is_a_duplicate_not_a_shadowed_entry() {
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/repo/deploy/egress.yaml"),
    )
    .expect("fixture");
    let open_port = manifest.split("---\n").nth(2).expect("third document");
    let path = std::env::temp_dir().join(format!("meshctl-dup-{}.yaml", std::process::id()));
    std::fs::write(&path, format!("{open_port}---\n{open_port}")).expect("write");
    let text = outcome(check().arg("--isolated").arg(&path), &[]);
    // MSH405 says applying both keeps the last one; MSH401 must not call the copy shadowed by
    // itself ("only the first is used"), which would contradict it.
    assert!(
        text.contains("MSH405") && !text.contains("MSH401"),
        "{text}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_resolver_timeout_is_could_not_verify_not_a_missing_name() {
    let (_socket, addr) = meshctl_testkit::dns::unresponsive_server();
    let text = outcome(
        check()
            .args(["--isolated", "--dns", "--select", "MSH305"])
            .args(["--timeout", "200ms", "--nameserver", &addr.to_string()])
            .arg(format!("{REPO}/deploy/egress.yaml")),
        &[],
    );
    assert!(
        text.contains("could not verify db.example.com") && !text.contains("does not resolve"),
        "{text}"
    );
}

#[test]
fn suppressions_that_suppress_nothing_are_warnings_and_ist_codes_work() {
    let text = outcome(
        check().args([
            "--isolated",
            "fixtures/check/MSH005-unused-suppression.yaml",
        ]),
        &[],
    );
    assert!(
        text.contains("`MSH2O1` in `meshctl.dev/ignore` is not a rule code"),
        "{text}"
    );
    assert!(
        text.contains("`MSH204` in `meshctl.dev/ignore` suppresses nothing"),
        "{text}"
    );
    // A rule that did not run cannot be called unused.
    let text = outcome(
        check().args([
            "--isolated",
            "--select",
            "MSH005",
            "fixtures/check/MSH005-unused-suppression.yaml",
        ]),
        &[],
    );
    assert!(!text.contains("MSH204` in"), "{text}");

    let explained = stdout(check().args(["--explain", "IST0134"]), 0);
    assert!(
        explained.starts_with("# MSH201 hosts-ignored-for-tcp"),
        "{explained}"
    );
    let text = outcome(
        check().args(["--isolated", "--ignore", "IST0134", "-q", REPO]),
        &[],
    );
    assert!(!text.contains("MSH201"), "{text}");
}

#[test]
fn suppress_takes_istioctl_syntax_and_output_threshold_hides_lower_severities() {
    let text = outcome(
        check().args(["--isolated", "-S", "MSH201=ServiceEntry *.shop", "-q", REPO]),
        &[],
    );
    assert!(
        text.starts_with("exit: 0") && !text.contains("MSH201") && text.contains("MSH003"),
        "{text}"
    );
    let text = outcome(
        check().args([
            "--isolated",
            "-S",
            "IST0134=ServiceEntry redis-external.other",
            "-q",
            REPO,
        ]),
        &[],
    );
    assert!(
        text.contains("MSH201"),
        "another namespace is not suppressed: {text}"
    );
    let text = outcome(
        check().args([
            "--isolated",
            "--output-threshold",
            "error",
            "--fail-on",
            "warning",
            REPO,
        ]),
        &[],
    );
    assert!(
        text.contains("MSH201") && !text.contains("MSH003"),
        "{text}"
    );
    assert!(
        text.starts_with("exit: 1"),
        "the exit code still counts hidden warnings: {text}"
    );
    let text = outcome(check().args(["-S", "MSH201", REPO]), &[]);
    assert!(
        text.starts_with("exit: 2") && text.contains("--suppress `MSH201`"),
        "{text}"
    );
}
