//! `meshctl check`'s settings: `meshctl.toml` (found as ruff finds `ruff.toml`, or `--config`,
//! or none with `--isolated`) under the flags, resolved once per run into what the pass reads —
//! the inputs and how to walk them, how meshes are found, the rule selection (per mesh when
//! `[[mesh]]` tables or several meshes ask for it), suppressions, lint thresholds, the resolver
//! for `--dns`, and the severities that are shown and that fail the run.

use anyhow::Context as _;

use crate::cli::{CheckArgs, FailOn};
use crate::settings::config::{self, ConfigFile};
use crate::settings::lint::LintSettings;
use crate::settings::per_file_ignores::PerFileIgnores;
use crate::settings::{inputs, resolver};
use meshctl_core::dns::ResolverSettings;
use meshctl_core::load::WalkOptions;
use meshctl_core::meshes::ScopeOptions;
use meshctl_core::rules::{Diagnostic, RuleSelection, Severity, Suppression};
use meshctl_core::workspace::Sources;

/// One `check` pass.
pub(crate) struct CheckSettings {
    /// The configuration file's settings (empty without one).
    config: ConfigFile,
    per_file: PerFileIgnores,
    suppressions: Vec<Suppression>,
    /// The whole run's rule selection.
    selection: RuleSelection,
    /// The inputs, with `-n` and the mesh settings of flags and file.
    pub(crate) sources: Sources,
    /// How directories are walked (`--exclude`, `exclude`, `--no-ignore`).
    pub(crate) walk: WalkOptions,
    /// How meshes are found (`[[mesh]]` tables, kustomizations).
    pub(crate) scope: ScopeOptions,
    /// The lint thresholds.
    pub(crate) lint: LintSettings,
    /// Where `--dns` asks.
    pub(crate) resolver: ResolverSettings,
    /// The lowest severity that fails the run, if any does.
    pub(crate) fail_on: FailOn,
    /// The lowest severity printed (`--output-threshold`).
    pub(crate) output_threshold: Severity,
}

impl CheckSettings {
    /// Reads the configuration file and resolves the flags over it. The whole-run selection is
    /// checked before any input is read, so a bad code fails before any work.
    ///
    /// # Errors
    /// An unreadable or invalid configuration file, a bad suppression, rule code or glob.
    pub(crate) fn resolve(args: &CheckArgs) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let config =
            config::discover(args.config.as_deref(), args.isolated, &cwd)?.unwrap_or_default();
        let per_file = PerFileIgnores::new(&config, &cwd)?;
        let suppressions = args
            .suppress
            .iter()
            .map(|text| Suppression::parse(text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let selection = mesh_selection(args, &config, None)?;
        let paths = inputs::paths_or_cwd(args.paths.iter().chain(&args.filenames));
        let walk = WalkOptions {
            exclude: args.exclude.clone(),
            config_exclude: config.walk_exclude(),
            no_ignore: args.no_ignore,
            include_hidden: false,
        };
        let sources = inputs::checked(
            paths,
            &args.ns,
            args.mesh_config.mesh_config.as_ref(),
            &config,
        );
        let lint = LintSettings::resolve(args, &config);
        let scope = ScopeOptions {
            configured: config.mesh_specs(&walk)?,
            kustomize: !args.kustomize.no_kustomize,
        };
        Ok(Self {
            resolver: resolver::with_config(&args.dns_options, &config),
            fail_on: args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error),
            output_threshold: args.output_threshold.map_or(Severity::Info, Severity::from),
            config,
            per_file,
            suppressions,
            selection,
            sources,
            walk,
            scope,
            lint,
        })
    }

    /// The rule selection for the mesh named `mesh`: its `[[mesh]]` table's when it has one
    /// (or when there are several meshes), else the whole run's.
    ///
    /// # Errors
    /// A bad rule code in the mesh's table.
    pub(crate) fn selection_for(
        &self,
        args: &CheckArgs,
        mesh: &str,
        several: bool,
    ) -> anyhow::Result<RuleSelection> {
        let table = self.config.mesh_table(mesh);
        if several || table.is_some() {
            mesh_selection(args, &self.config, table)
        } else {
            Ok(self.selection.clone())
        }
    }

    /// Whether `per-file-ignores` or a `--suppress` drops the finding.
    pub(crate) fn suppresses(&self, diagnostic: &Diagnostic) -> bool {
        self.per_file.suppresses(diagnostic)
            || self.suppressions.iter().any(|s| s.covers(diagnostic))
    }
}

/// The rule selection for one mesh: flags beat the file; a `[[mesh]]` table's `select`
/// replaces the file's, its `ignore` adds to it. `--select` replaces every list, `--ignore`
/// adds to it.
fn mesh_selection(
    args: &CheckArgs,
    config: &ConfigFile,
    table: Option<&config::MeshTable>,
) -> anyhow::Result<RuleSelection> {
    let select = if args.select.is_empty() {
        table
            .and_then(|t| t.select.clone())
            .or_else(|| config.select.clone())
            .unwrap_or_default()
    } else {
        args.select.clone()
    };
    let ignore: Vec<String> = config
        .ignore
        .iter()
        .chain(table.map(|t| t.ignore.as_slice()).unwrap_or_default())
        .chain(&args.ignore)
        .cloned()
        .collect();
    RuleSelection::new(&select, &ignore).map_err(|e| with_config(e, config))
}

/// A selection error, naming the configuration file when its `select`/`ignore` may be the
/// culprit.
fn with_config(error: String, config: &ConfigFile) -> anyhow::Error {
    if config.select.is_none() && config.ignore.is_empty() {
        anyhow::Error::msg(error)
    } else {
        anyhow::anyhow!("{error} (flags or `{}`)", config.path.display())
    }
}
