//! What was read but not linted: documents of kinds meshctl does not read, and files or
//! documents that are not Kubernetes resources as written (templates, workflow files).

use super::origin::Origin;

/// A document of a kind meshctl does not read (Deployment, Service, …): kept aside, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherDocument {
    /// Where it starts.
    pub origin: Origin,
    /// Its `apiVersion`, empty when absent.
    pub api_version: String,
    /// Its `kind`, empty when absent.
    pub kind: String,
}

/// Why a file or document was not linted: it is not a Kubernetes resource meshctl can read as
/// written. Counted and listed (`check -v`), never an error: a repository holds workflow files,
/// compose files and chart templates next to its manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Template syntax (`{{ … }}`) stands where YAML or the resource needs structure: the file
    /// is not YAML as written, or a key or an Istio resource's field is a template. Render it
    /// first (`helm template … | meshctl check -`). `{{` inside a string value is data.
    Template,
    /// A document whose top level is a list or a scalar, not a mapping (`.pre-commit-hooks.yaml`).
    NotMapping,
    /// A mapping without `apiVersion` and `kind` (a workflow, a compose file, a values file).
    NotResource,
}

impl SkipReason {
    /// A stable one-word name, for `check -v -o json`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Template => "template",
            SkipReason::NotMapping => "not-mapping",
            SkipReason::NotResource => "not-resource",
        }
    }

    /// Why, in a few words, for `check -v`.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Template => {
                "template syntax `{{`; render it first: `helm template … | meshctl check -`"
            }
            SkipReason::NotMapping => "top level is not a mapping, so not a Kubernetes resource",
            SkipReason::NotResource => "no `apiVersion`/`kind`, so not a Kubernetes resource",
        }
    }
}

/// A file or document that was read but not linted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file, and the document's first line.
    pub origin: Origin,
    /// Why.
    pub reason: SkipReason,
}
