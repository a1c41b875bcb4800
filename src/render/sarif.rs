//! `-o sarif`: SARIF 2.1.0 with the whole rule registry as `tool.driver.rules`, so code-scanning
//! UIs (GitHub, GitLab, VS Code) can show each rule's explanation next to the finding.

use std::io::Write;

use serde_json::{Value, json};

use meshctl_core::rules::{Diagnostic, Rule, Severity};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(super) fn write(diagnostics: &[Diagnostic], out: &mut dyn Write) -> anyhow::Result<()> {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|rule| {
            let info = rule.info();
            json!({
                "id": info.code,
                "name": info.name,
                "shortDescription": {"text": info.summary},
                "fullDescription": {"text": info.summary},
                "help": {"text": info.explanation, "markdown": info.explanation},
                "defaultConfiguration": {"level": level(info.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            json!({
                "properties": {"mesh": d.mesh.as_deref().unwrap_or(meshctl_core::meshes::DEFAULT_SCOPE)},
                "ruleId": d.rule.code(),
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&d.origin.path)},
                        "region": {
                            "startLine": d.origin.pos.line.max(1),
                            "startColumn": d.origin.pos.column.max(1),
                        }
                    }
                }],
            })
        })
        .collect();
    write_log(&rules, &results, out)
}

/// Writes one SARIF 2.1.0 log with meshctl as the tool, its `rules` and `results`.
///
/// # Errors
/// I/O errors from `out`.
pub(super) fn write_log(
    rules: &[Value],
    results: &[Value],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "meshctl",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    super::document::write_json(&log, out)
}

/// SARIF locations are URI references: forward slashes, no leading `./`.
pub(super) fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    path.strip_prefix("./").unwrap_or(&path).to_owned()
}
