//! The rule registry: what each rule file states (its `RULE` row and its module documentation)
//! joined to the `Rule` enum, in code order. The crate's `build.rs` lists the rule files; this
//! file only reads the rows it generates, so a new rule needs no line here.
//!
//! This file imports the rule files; rule files never import it (the runner hands them a
//! [`Findings`](super::findings::Findings) already bound to their rule), which keeps the module
//! free of import cycles.

pub(crate) use super::row::CheckFn;
use super::row::Row;
use super::rule::Rule;
use super::severity::Severity;

include!(concat!(env!("OUT_DIR"), "/rule_rows.rs"));

/// Static facts about a rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// `MSH204`.
    pub code: &'static str,
    /// `broad-cidr`.
    pub name: &'static str,
    /// Severity unless the finding raises it.
    pub severity: Severity,
    /// One line for `--list-rules` and SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown with the sections What it does / Why it matters / Example / Use instead.
    pub explanation: &'static str,
    /// The rule compares entries with live DNS answers, so it runs only when the caller gathered
    /// them (`check --dns`).
    pub needs_dns: bool,
}

impl Rule {
    /// The rule's registry entry.
    #[must_use]
    pub fn info(self) -> RuleInfo {
        let row = ROWS[self as usize];
        RuleInfo {
            code: self.code(),
            name: self.name(),
            severity: row.severity,
            summary: row.summary,
            explanation: EXPLANATIONS[self as usize],
            needs_dns: matches!(row.check, CheckFn::Dns(_)),
        }
    }

    /// The function that finds this rule's problems.
    pub(crate) fn check_fn(self) -> CheckFn {
        ROWS[self as usize].check
    }

    /// The command that reports this rule when `check` does not run it (`meshctl sync --check`).
    #[must_use]
    pub fn reported_by(self) -> Option<&'static str> {
        match self.check_fn() {
            CheckFn::Reported(by) => Some(by),
            _ => None,
        }
    }

    /// The rule's default severity.
    #[must_use]
    pub fn default_severity(self) -> Severity {
        ROWS[self as usize].severity
    }

    /// True when the rule reads live DNS answers: `check --dns` resolves hosts only if a
    /// selected rule does.
    #[must_use]
    pub fn needs_dns(self) -> bool {
        matches!(self.check_fn(), CheckFn::Dns(_))
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/check")
    }

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        let codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted, "codes must be unique and in order");
        for rule in Rule::ALL {
            let info = rule.info();
            assert!(
                info.code.len() == 6 && info.code.starts_with("MSH"),
                "{}",
                info.code
            );
            assert!(
                info.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                info.name
            );
        }
    }

    #[test]
    fn every_rule_is_explained_and_has_a_firing_and_a_near_miss_fixture() {
        for rule in Rule::ALL {
            let info = rule.info();
            assert!(
                info.explanation
                    .starts_with(&format!("# {} {}\n", info.code, info.name)),
                "{} explanation title",
                info.code
            );
            for section in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Use instead",
            ] {
                assert!(
                    info.explanation.contains(section),
                    "{} lacks {section}",
                    info.code
                );
            }
            for suffix in ["", "-ok"] {
                let path = fixtures().join(format!("{}-{}{suffix}.yaml", info.code, info.name));
                assert!(path.is_file(), "missing fixture {}", path.display());
            }
        }
    }

    #[test]
    fn every_check_fixture_belongs_to_a_rule() {
        let mut seen = 0;
        for entry in std::fs::read_dir(fixtures()).expect("fixtures/check is readable") {
            let name = entry.expect("directory entry").file_name();
            let name = name.to_string_lossy();
            let stem = name.strip_suffix(".yaml").unwrap_or(&name);
            let stem = stem.strip_suffix("-ok").unwrap_or(stem);
            assert!(
                Rule::ALL
                    .iter()
                    .any(|r| stem == format!("{}-{}", r.code(), r.name())),
                "fixtures/check/{name} names no rule"
            );
            seen += 1;
        }
        assert!(seen > 0, "no fixture found in fixtures/check");
        assert_eq!(seen, 2 * Rule::ALL.len());
    }

    #[test]
    fn only_the_rules_that_read_dns_answers_need_dns() {
        for rule in Rule::ALL {
            assert_eq!(
                rule.needs_dns(),
                matches!(rule.check_fn(), CheckFn::Dns(_)),
                "{}",
                rule.code()
            );
        }
        let dns: Vec<&str> = Rule::ALL
            .iter()
            .filter(|r| r.needs_dns())
            .map(|r| r.code())
            .collect();
        assert_eq!(
            dns,
            ["MSH302", "MSH303", "MSH304", "MSH305", "MSH306", "MSH307"]
        );
    }
}
