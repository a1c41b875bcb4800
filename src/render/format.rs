//! The formats `check` prints its findings in; [`super::diagnostics`] picks the writer.

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Grouped by file, `file:line:col: CODE [severity] name: message`, with a summary.
    Text,
    /// A stable JSON array (keys: code, name, severity, message, file, line, column, resource, help, url).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report.
    Gitlab,
}
