//! The rule registry for people: `check --list-rules` (one row per rule) and `--statistics`
//! (findings counted per rule), and what `check -v` says it skipped. Explanations are printed as
//! written in the registry.

use std::collections::BTreeMap;
use std::io::Write;

use super::table;
use meshctl_core::load::Skipped;
use meshctl_core::rules::{Diagnostic, Rule};

/// `--list-rules`: code, name, default severity and summary of every rule.
pub(crate) fn table(out: &mut dyn Write) -> std::io::Result<()> {
    let rows = Rule::ALL.iter().map(|rule| {
        let info = rule.info();
        vec![
            info.code.to_owned(),
            info.name.to_owned(),
            info.severity.as_str().to_owned(),
            info.summary.to_owned(),
        ]
    });
    table::write(&["CODE", "NAME", "SEVERITY", "SUMMARY"], rows, out)
}

/// `--list-rules -o json`: the same rows as an array of objects (`code`, `name`, `severity`,
/// `summary`, `needs_dns`), for tools that configure meshctl.
pub(crate) fn json(out: &mut dyn Write) -> anyhow::Result<()> {
    let rows: Vec<serde_json::Value> = Rule::ALL
        .iter()
        .map(|rule| {
            let info = rule.info();
            serde_json::json!({
                "code": info.code,
                "name": info.name,
                "severity": info.severity.as_str(),
                "summary": info.summary,
                "needs_dns": info.needs_dns,
            })
        })
        .collect();
    super::document::write_json(&rows, out)
}

/// `check -v`: every file or document read but not linted, and why, one per line.
pub(crate) fn skipped(skipped: &[Skipped], out: &mut dyn Write) -> std::io::Result<()> {
    for skip in skipped {
        writeln!(out, "skipped {}: {}", skip.origin, skip.reason.describe())?;
    }
    Ok(())
}

/// `check -v -o json`: the same list as one JSON object per line (`file`, `line`, `reason`,
/// `detail`), on stderr beside the findings array, so the array on stdout keeps its shape.
pub(crate) fn skipped_json(skipped: &[Skipped], out: &mut dyn Write) -> anyhow::Result<()> {
    for skip in skipped {
        let row = serde_json::json!({
            "file": &*skip.origin.path,
            "line": skip.origin.pos.line,
            "reason": skip.reason.code(),
            "detail": skip.reason.describe(),
        });
        writeln!(out, "{}", serde_json::to_string(&row)?)?;
    }
    Ok(())
}

/// `--statistics`: how many findings each rule produced, in code order.
pub(crate) fn statistics(diagnostics: &[Diagnostic], out: &mut dyn Write) -> std::io::Result<()> {
    let mut counts: BTreeMap<Rule, usize> = BTreeMap::new();
    for d in diagnostics {
        *counts.entry(d.rule).or_default() += 1;
    }
    for (rule, count) in counts {
        writeln!(out, "{count:>5}  {}  {}", rule.code(), rule.name())?;
    }
    Ok(())
}
