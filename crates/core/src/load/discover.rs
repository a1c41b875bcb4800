//! Finds the manifests under a directory the way ripgrep finds source files: `.gitignore`,
//! `.ignore` and `.git/info/exclude` are honoured (also outside a git checkout, so a copied
//! tree behaves like its clone), hidden files and directories are skipped, and `--exclude`
//! globs prune more. Only this walk filters: a file named on the command line is always read
//! (pre-commit passes the changed files one by one).
//!
//! Hidden-file skipping is also what keeps a mounted ConfigMap from being read three times: the
//! kubelet writes the data into `..2024_01_01_00_00_00.123/`, points `..data` at it and links
//! each key at the top level, so only the top-level links are seen.
//!
//! The walk runs in parallel (the `ignore` crate's walker) and the result is sorted, so output
//! stays byte-stable whatever order the threads finish in.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::WalkState;
use ignore::overrides::OverrideBuilder;

/// The extensions read from directories; explicit files are read whatever their name.
const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Why a directory could not be walked; `source` turns it into a [`super::SourceError`].
#[derive(Debug)]
pub(super) enum WalkError {
    /// A directory or file could not be read.
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: std::io::Error,
    },
    /// A symbolic link points back to one of its ancestors.
    SymlinkLoop {
        /// The looping link.
        path: String,
        /// The ancestor it points to.
        ancestor: String,
    },
    /// An `--exclude` glob does not parse.
    BadExclude {
        /// The glob as given.
        glob: String,
        /// Why.
        reason: String,
    },
}

/// How directories are walked (`check --exclude`, `--no-ignore`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Gitignore-style globs, relative to the directory walked (`node_modules`, `charts/**`).
    pub exclude: Vec<String>,
    /// Read files that `.gitignore`/`.ignore` exclude (hidden files stay skipped).
    pub no_ignore: bool,
}

/// Every manifest under `dir`, sorted by path.
pub(super) fn walk(dir: &Path, options: &WalkOptions) -> Result<Vec<PathBuf>, WalkError> {
    let mut overrides = OverrideBuilder::new(dir);
    for glob in &options.exclude {
        overrides
            .add(&format!("!{glob}"))
            .map_err(|e| WalkError::BadExclude {
                glob: glob.clone(),
                reason: e.to_string(),
            })?;
    }
    let overrides = overrides.build().map_err(|e| WalkError::BadExclude {
        glob: options.exclude.join(","),
        reason: e.to_string(),
    })?;
    let respect = !options.no_ignore;
    let walker = ignore::WalkBuilder::new(dir)
        .follow_links(true)
        .hidden(true)
        .git_ignore(respect)
        .git_exclude(respect)
        .git_global(false)
        .ignore(respect)
        .parents(respect)
        .require_git(false)
        .overrides(overrides)
        .build_parallel();

    let found = Mutex::new(Ok(Vec::new()));
    walker.run(|| {
        let found = &found;
        Box::new(move |entry| {
            let outcome = match entry {
                Ok(entry) if is_manifest(&entry) => Ok(Some(entry.into_path())),
                Ok(_) => Ok(None),
                Err(error) => fatal(dir, error).map_or(Ok(None), Err),
            };
            let mut found = found
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match (outcome, &mut *found) {
                (Ok(Some(path)), Ok(paths)) => paths.push(path),
                (Err(error), Ok(_)) => {
                    *found = Err(error);
                    return WalkState::Quit;
                }
                _ => {}
            }
            WalkState::Continue
        })
    });
    let mut files = found
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)?;
    files.sort();
    Ok(files)
}

fn is_manifest(entry: &ignore::DirEntry) -> bool {
    entry.file_type().is_some_and(|t| t.is_file())
        && entry
            .path()
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// A walk error that ends the run: an unreadable directory or a symlink loop. A malformed
/// line in some `.gitignore` is not one (git itself ignores such lines).
fn fatal(dir: &Path, error: ignore::Error) -> Option<WalkError> {
    let mut path = dir.to_path_buf();
    let mut error = error;
    loop {
        match error {
            ignore::Error::WithPath { path: p, err } => {
                path = p;
                error = *err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                error = *err;
            }
            ignore::Error::Loop { ancestor, child } => {
                return Some(WalkError::SymlinkLoop {
                    path: child.display().to_string(),
                    ancestor: ancestor.display().to_string(),
                });
            }
            ignore::Error::Io(reason) => {
                return Some(WalkError::Io {
                    path: path.display().to_string(),
                    reason,
                });
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("meshctl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn names(dir: &Path, options: &WalkOptions) -> Vec<String> {
        walk(dir, options)
            .expect("walk")
            .iter()
            .map(|p| {
                p.strip_prefix(dir)
                    .expect("under dir")
                    .display()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn gitignore_hidden_and_exclude_prune_like_ripgrep() {
        let dir = tree(
            "walk",
            &[
                (".gitignore", "/target\n"),
                ("target/debug/build.json", "{}"),
                (".github/workflows/ci.yaml", "on: push"),
                ("node_modules/pkg/package.json", "{}"),
                ("deploy/se.yaml", "kind: ServiceEntry"),
                ("deploy/notes.txt", "not a manifest"),
                ("config/..2024_01_01/se.yaml", "kind: ServiceEntry"),
                ("config/..data/se.yaml", "kind: ServiceEntry"),
            ],
        );
        let options = WalkOptions {
            exclude: vec!["node_modules".into()],
            no_ignore: false,
        };
        assert_eq!(names(&dir, &options), ["deploy/se.yaml"]);

        let all = WalkOptions {
            exclude: Vec::new(),
            no_ignore: true,
        };
        assert_eq!(
            names(&dir, &all),
            [
                "deploy/se.yaml",
                "node_modules/pkg/package.json",
                "target/debug/build.json"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_exclude_glob_is_an_error_naming_it() {
        let dir = tree("bad-glob", &[("a.yaml", "")]);
        let options = WalkOptions {
            exclude: vec!["a{b".into()],
            no_ignore: false,
        };
        let err = walk(&dir, &options).expect_err("bad glob");
        assert!(
            matches!(&err, WalkError::BadExclude { glob, .. } if glob == "a{b"),
            "{err:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
