//! `meshctl diff`'s settings: which two sides (`OLD NEW`, or `--base REF` against the working
//! tree), how meshes are found on them, and the `--fail-on` classes of change, parsed before
//! anything is read.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::DiffArgs;
use crate::settings::inputs;
use meshctl_core::diff::ChangeClass;
use meshctl_core::meshes::ScopeOptions;

/// The two sides compared.
#[derive(Debug, Clone)]
pub(crate) enum Sides {
    /// `--base REF [PATH...]`: the paths at REF against the working tree.
    Base {
        /// The git revision.
        rev: String,
        /// The paths compared (the current directory by default).
        paths: Vec<PathBuf>,
    },
    /// `OLD NEW`.
    Pair {
        /// The old side.
        old: PathBuf,
        /// The new side.
        new: PathBuf,
    },
}

/// One `diff` run.
#[derive(Debug, Clone)]
pub(crate) struct DiffSettings {
    /// The classes reported (and failing the run); every class by default.
    pub(crate) fail_on: Vec<ChangeClass>,
    /// How meshes are found on each side.
    pub(crate) scope: ScopeOptions,
    /// What is compared.
    pub(crate) sides: Sides,
}

impl DiffSettings {
    /// The flags, resolved.
    ///
    /// # Errors
    /// An unknown class of change, or neither two paths nor `--base`.
    pub(crate) fn resolve(args: &DiffArgs) -> anyhow::Result<Self> {
        let fail_on = fail_on(&args.fail_on)?;
        let sides = if let Some(rev) = &args.base {
            Sides::Base {
                rev: rev.clone(),
                paths: inputs::paths_or_cwd(&args.paths),
            }
        } else {
            let [old, new] = args.paths.as_slice() else {
                bail!("give OLD and NEW paths, or --base REF [PATH...]");
            };
            Sides::Pair {
                old: old.clone(),
                new: new.clone(),
            }
        };
        Ok(Self {
            fail_on,
            scope: inputs::unconfigured_scope(!args.kustomize.no_kustomize),
            sides,
        })
    }
}

/// `--fail-on CLASS,...`: every class when none is given.
fn fail_on(names: &[String]) -> anyhow::Result<Vec<ChangeClass>> {
    if names.is_empty() {
        return Ok(ChangeClass::ALL.to_vec());
    }
    names
        .iter()
        .map(|name| {
            ChangeClass::parse(name.trim()).ok_or_else(|| {
                let all: Vec<&str> = ChangeClass::ALL.iter().map(|c| c.as_str()).collect();
                anyhow::anyhow!(
                    "--fail-on `{name}` is not a class of change; use {}",
                    all.join(", ")
                )
            })
        })
        .collect()
}
