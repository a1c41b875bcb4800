//! The `Rule` enum: one variant per rule file, with its stable code and kebab-case name, both
//! read off the file's name by the crate's `build.rs`. Codes are a public contract (CI configs
//! and suppressions name them): never renumber or reuse.
//!
//! This file holds only what the file names say, so findings and diagnostics can name a rule
//! without importing the rule files; `registry.rs` adds what the files themselves state.

include!(concat!(env!("OUT_DIR"), "/rule_enum.rs"));

impl Rule {
    /// Looks a rule up by code (`MSH204`) or name (`broad-cidr`), case-insensitively.
    #[must_use]
    pub fn find(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(text) || r.name().eq_ignore_ascii_case(text))
    }
}
