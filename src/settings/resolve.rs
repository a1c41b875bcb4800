//! `meshctl resolve`'s settings: the host (flag, else the environment), the resolver flags, the
//! sampling and the output format, whose default depends on whether stdout is a terminal.

use std::time::Duration;

use crate::cli::{ResolveArgs, ResolveFormat};
use crate::settings::{resolver, target};
use meshctl_core::dns::ResolverSettings;
use meshctl_core::target::Target;

/// One `resolve` run.
#[derive(Debug, Clone)]
pub(crate) struct ResolveSettings {
    /// The host (and port) to look up.
    pub(crate) target: Target,
    /// Where and how to ask.
    pub(crate) resolver: ResolverSettings,
    /// How many times to ask.
    pub(crate) samples: u32,
    /// The pause between samples.
    pub(crate) interval: Duration,
    /// `-o`, else `table` on a terminal and `json` otherwise.
    pub(crate) format: ResolveFormat,
}

impl ResolveSettings {
    /// The flags and the environment, resolved.
    ///
    /// # Errors
    /// A host that does not parse, or a bad `$MYSQL_DB_HOST`/`$MYSQL_DB_PORT`.
    pub(crate) fn resolve(args: &ResolveArgs, out_is_terminal: bool) -> anyhow::Result<Self> {
        Ok(Self {
            target: target::target_or_default(args.host.as_deref())?,
            resolver: resolver::from_flags(&args.dns),
            samples: args.samples,
            interval: args.interval,
            format: args.output.unwrap_or(if out_is_terminal {
                ResolveFormat::Table
            } else {
                ResolveFormat::Json
            }),
        })
    }
}
