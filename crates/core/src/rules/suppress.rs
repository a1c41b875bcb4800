//! `check -S/--suppress "CODE=Kind name.namespace"`: istioctl analyze's suppression syntax, so a
//! team can carry its istioctl flags over. The code is an MSH code, a mapped IST code or `*`;
//! the resource is `Kind name.namespace` where `*` matches any run of characters in the kind,
//! the name or the namespace (`"MSH201=ServiceEntry *.legacy"`).

use super::diagnostic::Diagnostic;
use super::rule::Rule;
use super::selection::from_istio_code;

/// One `--suppress` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule it applies to; `None` for `*`.
    rule: Option<Rule>,
    /// `Kind name.namespace`, possibly with `*`.
    resource: String,
}

impl Suppression {
    /// Parses `CODE=Kind name.namespace`.
    ///
    /// # Errors
    /// A message naming the value when it has no `=`, no resource, or an unknown code.
    pub fn parse(text: &str) -> Result<Suppression, String> {
        let Some((code, resource)) = text.split_once('=') else {
            return Err(format!(
                "--suppress `{text}`: expected `CODE=Kind name.namespace` (e.g. `MSH201=ServiceEntry db.prod`)"
            ));
        };
        let (code, resource) = (code.trim(), resource.trim());
        if resource.split_whitespace().count() != 2 {
            return Err(format!(
                "--suppress `{text}`: the resource is `Kind name.namespace`, with `*` as a wildcard"
            ));
        }
        let rule = if code == "*" {
            None
        } else {
            Some(
                Rule::find(code)
                    .or_else(|| from_istio_code(code))
                    .ok_or_else(|| format!("--suppress `{text}`: `{code}` is not a rule code"))?,
            )
        };
        Ok(Suppression {
            rule,
            resource: resource.split_whitespace().collect::<Vec<_>>().join(" "),
        })
    }

    /// True when this suppression covers `diagnostic` (which must name a resource).
    #[must_use]
    pub fn covers(&self, diagnostic: &Diagnostic) -> bool {
        if self.rule.is_some_and(|rule| rule != diagnostic.rule) {
            return false;
        }
        // Findings name resources `Kind namespace/name`; istioctl writes `Kind name.namespace`.
        let Some((kind, qualified)) = diagnostic
            .resource
            .as_deref()
            .and_then(|r| r.split_once(' '))
        else {
            return false;
        };
        let Some((namespace, name)) = qualified.split_once('/') else {
            return false;
        };
        wildcard(&self.resource, &format!("{kind} {name}.{namespace}"))
    }
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_istioctl() {
        struct Case {
            pattern: &'static str,
            text: &'static str,
            want: bool,
        }
        let cases = [
            Case {
                pattern: "ServiceEntry db.prod",
                text: "ServiceEntry db.prod",
                want: true,
            },
            Case {
                pattern: "ServiceEntry *.prod",
                text: "ServiceEntry db.prod",
                want: true,
            },
            Case {
                pattern: "ServiceEntry *.prod",
                text: "ServiceEntry db.staging",
                want: false,
            },
            Case {
                pattern: "* db.*",
                text: "Sidecar db.prod",
                want: true,
            },
            Case {
                pattern: "ServiceEntry d*b.prod",
                text: "ServiceEntry db.prod",
                want: true,
            },
            Case {
                pattern: "ServiceEntry db",
                text: "ServiceEntry db.prod",
                want: false,
            },
        ];
        for case in cases {
            assert_eq!(
                wildcard(case.pattern, case.text),
                case.want,
                "{} ~ {}",
                case.pattern,
                case.text
            );
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_value() {
        for bad in ["MSH201", "MSH201=ServiceEntry", "MSH999=ServiceEntry a.b"] {
            let err = Suppression::parse(bad).expect_err(bad);
            assert!(err.contains(bad), "{err}");
        }
        assert!(Suppression::parse("IST0134=ServiceEntry *.prod").is_ok());
        assert!(Suppression::parse("*=ServiceEntry *.prod").is_ok());
    }
}
