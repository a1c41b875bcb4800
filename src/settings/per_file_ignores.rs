//! `per-file-ignores` in `meshctl.toml`: findings in files matching a glob, for the rules listed
//! with it, are dropped (ruff's setting of the same name).

use meshctl_core::rules::{Diagnostic, RuleSelection};

use crate::settings::config::ConfigFile;

/// `per-file-ignores`: findings in files matching a glob, for the rules listed with it, are
/// dropped. Globs use gitignore syntax, relative to the configuration file's directory (as
/// ruff's do), whatever directory `check` runs in.
pub(crate) struct PerFileIgnores {
    cwd: std::path::PathBuf,
    entries: Vec<(ignore::overrides::Override, RuleSelection)>,
}

impl PerFileIgnores {
    /// The file's `per-file-ignores`, with globs relative to its directory.
    ///
    /// # Errors
    /// A glob or rule list that does not parse, naming the file.
    pub(crate) fn new(
        config: &ConfigFile,
        cwd: &std::path::Path,
    ) -> anyhow::Result<PerFileIgnores> {
        let root = cwd.join(config.path.parent().unwrap_or(std::path::Path::new("")));
        let mut entries = Vec::new();
        for (glob, codes) in &config.per_file_ignores {
            let place = || format!("`{}`: `per-file-ignores` `{glob}`", config.path.display());
            let mut builder = ignore::overrides::OverrideBuilder::new(&root);
            builder
                .add(glob)
                .map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            let matcher = builder
                .build()
                .map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            let rules =
                RuleSelection::new(codes, &[]).map_err(|e| anyhow::anyhow!("{}: {e}", place()))?;
            entries.push((matcher, rules));
        }
        Ok(PerFileIgnores {
            cwd: cwd.to_path_buf(),
            entries,
        })
    }

    /// Whether a `per-file-ignores` entry drops the finding.
    pub(crate) fn suppresses(&self, diagnostic: &Diagnostic) -> bool {
        // Override strips its (absolute) root, so findings' paths are made absolute and
        // lexically normal too (`./x`, `sub/../x` and `x` name one file).
        let mut path = std::path::PathBuf::new();
        for part in self.cwd.join(&*diagnostic.origin.path).components() {
            match part {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    path.pop();
                }
                other => path.push(other),
            }
        }
        self.entries.iter().any(|(matcher, rules)| {
            rules.enabled(diagnostic.rule) && matcher.matched(&path, false).is_whitelist()
        })
    }
}
