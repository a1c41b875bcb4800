//! Which findings survive: `--select`/`--ignore` (codes, prefixes or names) and per-resource
//! suppression annotations — meshctl's own `meshctl.dev/ignore` and Istio's
//! `galley.istio.io/analyze-suppress` (its IST codes mapped to ours where they mean the same).

use std::collections::BTreeMap;

use super::rule::Rule;

/// The annotation that suppresses meshctl rules on one resource: `"MSH201,MSH202"`.
pub(crate) const IGNORE_ANNOTATION: &str = "meshctl.dev/ignore";

/// Istio's analyzer suppression annotation, honoured for the codes that map to ours.
pub(crate) const ISTIO_SUPPRESS_ANNOTATION: &str = "galley.istio.io/analyze-suppress";

/// Istio analyzer codes with a meshctl equivalent: IST0134 (ServiceEntry addresses required)
/// is MSH201; IST0177 (conflicting protocol) is MSH404.
const ISTIO_EQUIVALENTS: [(&str, Rule); 2] = [
    ("IST0134", Rule::HostsIgnoredForTcp),
    ("IST0177", Rule::ConflictingProtocol),
];

/// The meshctl rule an Istio analyzer code (`IST0134`) means, so IST codes work wherever MSH
/// codes do: `--explain`, `--select`, `--ignore`, `--suppress` and annotations.
#[must_use]
pub fn from_istio_code(code: &str) -> Option<Rule> {
    ISTIO_EQUIVALENTS
        .iter()
        .find(|(ist, _)| ist.eq_ignore_ascii_case(code.trim()))
        .map(|(_, rule)| *rule)
}

/// The rules the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    enabled: Vec<Rule>,
}

impl Default for RuleSelection {
    /// Every rule.
    fn default() -> Self {
        RuleSelection {
            enabled: Rule::ALL.to_vec(),
        }
    }
}

impl RuleSelection {
    /// Builds the selection from `--select` and `--ignore` values.
    ///
    /// # Errors
    /// A message naming a value that matches no rule.
    pub fn new(select: &[String], ignore: &[String]) -> Result<RuleSelection, String> {
        let select = matches_of(select)?;
        let ignore = matches_of(ignore)?;
        let enabled = Rule::ALL
            .iter()
            .copied()
            .filter(|r| select.is_empty() || select.contains(r))
            .filter(|r| !ignore.contains(r))
            .collect();
        Ok(RuleSelection { enabled })
    }

    /// True when `rule` runs.
    #[must_use]
    pub fn enabled(&self, rule: Rule) -> bool {
        self.enabled.contains(&rule)
    }
}

fn matches_of(values: &[String]) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if value.len() >= 3 && value[..3].eq_ignore_ascii_case("IST") {
            let Some(rule) = from_istio_code(value) else {
                return Err(format!(
                    "`{value}` is an Istio analyzer code meshctl has no rule for (mapped: {})",
                    ISTIO_EQUIVALENTS.map(|(ist, _)| ist).join(", ")
                ));
            };
            rules.push(rule);
            continue;
        }
        let found: Vec<Rule> = Rule::ALL
            .iter()
            .copied()
            .filter(|r| {
                r.code()
                    .to_ascii_uppercase()
                    .starts_with(&value.to_ascii_uppercase())
                    || r.name().eq_ignore_ascii_case(value)
            })
            .collect();
        if found.is_empty() {
            return Err(format!(
                "`{value}` matches no rule (see `meshctl check --list-rules`)"
            ));
        }
        rules.extend(found);
    }
    Ok(rules)
}

/// Every code a resource's suppression annotations list: the annotation, the code as written,
/// and the rule it names (`None` for an unknown code or an unmapped IST code).
#[must_use]
pub(crate) fn annotation_entries(
    annotations: &BTreeMap<String, String>,
) -> Vec<(&'static str, String, Option<Rule>)> {
    let mut entries = Vec::new();
    for annotation in [IGNORE_ANNOTATION, ISTIO_SUPPRESS_ANNOTATION] {
        let Some(list) = annotations.get(annotation) else {
            continue;
        };
        for entry in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            // Istio's form may carry a resource after `=`; the code comes first.
            let code = entry.split('=').next().unwrap_or(entry).trim();
            let rule = Rule::find(code).or_else(|| from_istio_code(code));
            entries.push((annotation, code.to_owned(), rule));
        }
    }
    entries
}

/// True for an `IST…` code: Istio's analyzer owns it even when meshctl maps none.
#[must_use]
pub(crate) fn is_istio_code(code: &str) -> bool {
    code.len() > 3 && code[..3].eq_ignore_ascii_case("IST")
}

/// The rules a resource's annotations suppress.
#[must_use]
pub(crate) fn suppressed_by(annotations: &BTreeMap<String, String>) -> Vec<Rule> {
    let mut rules = Vec::new();
    if let Some(list) = annotations.get(IGNORE_ANNOTATION) {
        rules.extend(
            list.split(',')
                .filter_map(|c| Rule::find(c.trim()).or_else(|| from_istio_code(c))),
        );
    }
    if let Some(list) = annotations.get(ISTIO_SUPPRESS_ANNOTATION) {
        for code in list.split(',').map(str::trim) {
            // Istio's form may carry a resource after `=`; the code comes first.
            let code = code.split('=').next().unwrap_or(code).trim();
            rules.extend(
                ISTIO_EQUIVALENTS
                    .iter()
                    .filter(|(ist, _)| *ist == code)
                    .map(|(_, r)| *r),
            );
            rules.extend(Rule::find(code));
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_and_ignore_take_codes_prefixes_and_names() {
        let s = RuleSelection::new(&["MSH2".into()], &["broad-cidr".into(), "msh205".into()])
            .expect("valid");
        assert!(s.enabled(Rule::MissingCidr));
        assert!(!s.enabled(Rule::BroadCidr));
        assert!(!s.enabled(Rule::UnspecifiedProtocol));
        assert!(!s.enabled(Rule::InvalidHost));
        assert!(RuleSelection::new(&["MSH999".into()], &[]).is_err());
        let ist = RuleSelection::new(&["IST0134".into()], &[]).expect("mapped IST code");
        assert!(ist.enabled(Rule::HostsIgnoredForTcp) && !ist.enabled(Rule::BroadCidr));
        assert!(RuleSelection::new(&["IST0102".into()], &[]).is_err());
        assert!(
            RuleSelection::new(&[], &[])
                .expect("all")
                .enabled(Rule::ParseError)
        );
    }

    #[test]
    fn annotations_suppress_meshctl_and_mapped_istio_codes() {
        let annotations = BTreeMap::from([
            (IGNORE_ANNOTATION.to_owned(), "MSH202, MSH204".to_owned()),
            (
                ISTIO_SUPPRESS_ANNOTATION.to_owned(),
                "IST0134,IST0102".to_owned(),
            ),
        ]);
        let rules = suppressed_by(&annotations);
        let ist_in_ours = BTreeMap::from([(IGNORE_ANNOTATION.to_owned(), "IST0177".to_owned())]);
        assert_eq!(suppressed_by(&ist_in_ours), [Rule::ConflictingProtocol]);
        assert!(rules.contains(&Rule::MissingCidr));
        assert!(rules.contains(&Rule::BroadCidr));
        assert!(rules.contains(&Rule::HostsIgnoredForTcp));
        assert_eq!(rules.len(), 3);
    }
}
