//! The rule registry for people: `check --list-rules` (one row per rule) and `--statistics`
//! (findings counted per rule). Explanations are printed as written in the registry.

use std::collections::BTreeMap;
use std::io::Write;

use super::table;
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
