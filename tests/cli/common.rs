//! Running the binary and folding its outcome into one reviewable snapshot string.

use std::io::Write as _;

use assert_cmd::Command;

/// A `meshctl` command with a clean, deterministic environment.
pub(crate) fn meshctl() -> Command {
    let mut cmd = Command::cargo_bin("meshctl").expect("binary built");
    cmd.env_remove("MYSQL_DB_HOST")
        .env_remove("MYSQL_DB_PORT")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    cmd
}

/// Runs and returns `exit: N`, stdout and stderr as one string, with `[PORT]` in place of the
/// test DNS server's port and `[TMP]` for temporary directories.
pub(crate) fn outcome(cmd: &mut Command, replace: &[(&str, &str)]) -> String {
    let output = cmd.output().expect("runs");
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    text
}

/// Runs and returns stdout, asserting the exit code.
pub(crate) fn stdout(cmd: &mut Command, code: i32) -> String {
    let output = cmd.output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The stdout section of an [`outcome`] string.
pub(crate) fn stdout_section(outcome: &str) -> &str {
    outcome
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr\n").next())
        .expect("an outcome has a stdout section")
}

/// A check that needs `../shared` (Istio's CRDs, the SARIF schema) and cannot run without it:
/// under CI (`CI=true`, as GitHub Actions and GitLab set it) a missing directory fails the test,
/// since a green run would be a lie; elsewhere `SKIPPED` goes straight to the process's stderr,
/// past the harness's capture, so a clone without `../shared` sees what did not run.
pub(crate) fn skip_or_fail(what: &str, missing: &std::path::Path) {
    let message = format!("SKIPPED: {what} — {} not found", missing.display());
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!in_ci, "{message}, and CI=true requires it");
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Asserts that `log` is valid against the SARIF 2.1.0 schema in `../shared/schemas/sarif/`
/// (skipped, or failed under CI, when it is missing).
pub(crate) fn assert_valid_sarif(log: &serde_json::Value) {
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/schemas/sarif/sarif-schema-2.1.0.json");
    let Ok(schema) = std::fs::read_to_string(&schema_path) else {
        skip_or_fail("SARIF schema validation", &schema_path);
        return;
    };
    let schema: serde_json::Value = serde_json::from_str(&schema).expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
