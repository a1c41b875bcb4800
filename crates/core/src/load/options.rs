//! How to load: the namespace for resources that name none, the parse budgets and how
//! directories are walked.

use super::budget::Limits;
use super::walk::WalkOptions;

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Namespace for resources that name none (`-n`, else `default`), as kubectl does.
    pub default_namespace: String,
    /// Parse budgets.
    pub limits: Limits,
    /// How directories are walked.
    pub walk: WalkOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".into(),
            limits: Limits::default(),
            walk: WalkOptions::default(),
        }
    }
}
