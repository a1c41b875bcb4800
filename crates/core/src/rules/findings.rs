//! The sink a rule writes into. The runner binds a [`Findings`] to one rule (its default
//! severity) before calling that rule's check function, so a rule file needs neither the registry
//! nor its own code, and every finding reads as one expression:
//! `out.at(se, "spec.addresses[0]", message).help("…")`. The runner turns the result into
//! [`Diagnostic`](super::diagnostic::Diagnostic)s by naming the rule.

use super::fix::Edit;
use super::severity::Severity;
use crate::load::{Loaded, Origin};
use crate::model::Resource;

/// The findings of one rule, in the order it found them.
#[derive(Debug)]
pub(crate) struct Findings {
    /// The bound rule's default severity, given to every new finding.
    severity: Severity,
    found: Vec<Finding>,
}

/// One finding of the bound rule; its builder methods adjust it in place.
#[derive(Debug)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) origin: Origin,
    pub(crate) resource: Option<String>,
    pub(crate) help: Option<String>,
    /// Where the resource's document starts (`Loaded::origin`), when the finding is about a
    /// loaded resource: the admission verdict rejects by document, not by field.
    pub(crate) document: Option<Origin>,
    /// An error Istio's admission lets through anyway (see [`Finding::admitted_anyway`]).
    pub(crate) admitted: bool,
    /// The unambiguous source edit, for `check --fix`.
    pub(crate) fix: Option<Edit>,
}

impl Findings {
    /// An empty sink for a rule whose default severity is `severity`.
    pub(crate) fn new(severity: Severity) -> Findings {
        Findings {
            severity,
            found: Vec::new(),
        }
    }

    /// A finding about `loaded`, positioned at its field `path` (`spec.ports[0].name`; the
    /// nearest written ancestor when the field itself is absent).
    pub(crate) fn at<T: Resource>(
        &mut self,
        loaded: &Loaded<T>,
        path: &str,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(Finding {
            severity: self.severity,
            message: message.into(),
            origin: loaded.locate(path),
            resource: Some(loaded.resource.describe()),
            help: None,
            document: Some(loaded.origin.clone()),
            admitted: false,
            fix: None,
        })
    }

    /// A finding at a position that is not a loaded resource's field: a document the loader
    /// could not use, or the mesh configuration.
    pub(crate) fn at_origin(
        &mut self,
        origin: Origin,
        resource: Option<String>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(Finding {
            severity: self.severity,
            message: message.into(),
            origin,
            resource,
            help: None,
            document: None,
            admitted: false,
            fix: None,
        })
    }

    fn push(&mut self, finding: Finding) -> &mut Finding {
        self.found.push(finding);
        let last = self.found.len() - 1;
        &mut self.found[last]
    }

    /// The findings, in the order they were made.
    pub(crate) fn into_vec(self) -> Vec<Finding> {
        self.found
    }
}

impl Finding {
    /// The source edit `check --fix` applies: only for fixes with one right answer.
    pub(crate) fn fix(&mut self, edit: Edit) -> &mut Finding {
        self.fix = Some(edit);
        self
    }

    /// The fix, as an action the user can take.
    pub(crate) fn help(&mut self, help: impl Into<String>) -> &mut Finding {
        self.help = Some(help.into());
        self
    }

    /// Marks an error Istio's admission lets through (its analyzers only warn): the finding
    /// stands, but the document still reaches the sidecar.
    pub(crate) fn admitted_anyway(&mut self) -> &mut Finding {
        self.admitted = true;
        self
    }

    /// Raises (or lowers) this finding from the rule's default, e.g. MSH205 on a server-first
    /// port, where the default warning understates a connection that hangs.
    pub(crate) fn severity(&mut self, severity: Severity) -> &mut Finding {
        self.severity = severity;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_starts_at_the_rule_default_and_the_builder_adjusts_it() {
        let inputs = crate::load::load_bytes(
            "sink.yaml",
            b"apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: db, namespace: apps}\nspec:\n  hosts: [db.example.com]\n  addresses: [203.0.113.7/32]\n  ports: [{number: 3306, name: tcp, protocol: TCP}]\n",
            &crate::load::LoadOptions::default(),
        )
        .expect("parser thread");
        let se = &inputs.service_entries[0];
        let mut out = Findings::new(Severity::Warning);
        out.at(se, "spec.addresses[0]", "first");
        out.at(se, "spec.ports[0].number", "second")
            .help("fix it")
            .severity(Severity::Error);
        let found = out.into_vec();
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].help, None);
        assert_eq!(found[0].origin.to_string(), "sink.yaml:6:15");
        assert_eq!(found[0].resource.as_deref(), Some("ServiceEntry apps/db"));
        assert_eq!(found[0].document.as_ref(), Some(&se.origin));
        assert_eq!(found[1].severity, Severity::Error);
        assert_eq!(found[1].help.as_deref(), Some("fix it"));
    }
}
