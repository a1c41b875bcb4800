//! `meshctl sync`'s settings: the files to manage (the current directory by default), how they
//! are read (`-n`), what a plan may change (`--grace`, `--allow-empty`, address classes) and
//! where DNS is asked. `--watch`'s intervals are checked here, before any file is read.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::SyncArgs;
use crate::settings::{convert, inputs, resolver};
use meshctl_core::dns::ResolverSettings;
use meshctl_core::load::LoadOptions;
use meshctl_core::sync::Settings;

/// One `sync` run.
#[derive(Debug, Clone)]
pub(crate) struct SyncSettings {
    /// Files or directories holding the entries.
    pub(crate) paths: Vec<PathBuf>,
    /// How those files are read: sync rewrites them one by one, so it reads them itself, with
    /// the workspace's `-n` rule.
    pub(crate) options: LoadOptions,
    /// What a plan may change.
    pub(crate) plan: Settings,
    /// Where and how to ask DNS.
    pub(crate) resolver: ResolverSettings,
}

impl SyncSettings {
    /// The flags, resolved.
    ///
    /// # Errors
    /// `--min-interval` longer than `--max-interval`.
    pub(crate) fn resolve(args: &SyncArgs) -> anyhow::Result<Self> {
        if args.min_interval > args.max_interval {
            bail!(
                "--min-interval {} is longer than --max-interval {}",
                humantime::format_duration(args.min_interval),
                humantime::format_duration(args.max_interval)
            );
        }
        Ok(Self {
            paths: inputs::paths_or_cwd(&args.paths),
            options: inputs::load_options(&args.ns),
            plan: Settings {
                grace: args.grace,
                allow_empty: args.allow_empty,
                allowed: convert::allowed_classes(&args.allow_address_classes),
                allow_class_change: args.allow_class_change,
            },
            resolver: resolver::from_flags(&args.dns),
        })
    }
}
