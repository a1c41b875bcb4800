//! What the `check` text and JSON formats say besides the findings: the counts of what was read
//! and the meshes checked, each with its outbound policy.

/// One mesh of a `check` run: its name, the outbound policy in force and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MeshFindings {
    /// The scope's name.
    pub name: String,
    /// `REGISTRY_ONLY` or `ALLOW_ANY`.
    pub policy: &'static str,
    /// Where the policy came from (`mesh config clusters/prod/mesh.yaml:4:11`).
    pub policy_source: String,
    /// How many findings it has (before `--output-threshold`).
    pub count: usize,
}

/// Counts shown in the text summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Files read.
    pub files: usize,
    /// Istio resources checked.
    pub resources: usize,
    /// Documents of other kinds skipped.
    pub skipped: usize,
    /// Files and documents that are not Kubernetes resources (templates, lists, workflows).
    pub not_resources: usize,
    /// `-q`: findings only, no summary line.
    pub quiet: bool,
    /// The meshes checked, in output order.
    pub meshes: Vec<MeshFindings>,
}
