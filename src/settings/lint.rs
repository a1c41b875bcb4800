//! The thresholds `check` hands the lint rules: `--server-first-port`, `--max-ipv4-prefix`,
//! `--max-ipv6-prefix` and `--min-ttl` (then `min-ttl` in `meshctl.toml`), resolved once per
//! run and laid over each workspace's context. A threshold neither sets keeps the rules' own
//! default ([`meshctl_core::rules::Context::new`]).

use crate::cli::CheckArgs;
use crate::settings::config::ConfigFile;
use meshctl_core::rules::{self, DnsFacts};
use meshctl_core::workspace::Workspace;

/// The lint thresholds of one `check` run.
#[derive(Debug, Clone)]
pub(crate) struct LintSettings {
    server_first_ports: Vec<u16>,
    max_ipv4_prefix: u8,
    max_ipv6_prefix: u8,
    min_ttl: Option<u32>,
}

impl LintSettings {
    /// Flags first, then the configuration file.
    pub(crate) fn resolve(args: &CheckArgs, config: &ConfigFile) -> Self {
        Self {
            server_first_ports: args.server_first_ports.clone(),
            max_ipv4_prefix: args.max_ipv4_prefix,
            max_ipv6_prefix: args.max_ipv6_prefix,
            min_ttl: args.min_ttl.or(config.min_ttl),
        }
    }

    /// The context the rules read for `workspace`, with these thresholds and the DNS facts
    /// `--dns` gathered.
    pub(crate) fn context<'a>(
        &self,
        workspace: &'a Workspace,
        dns: Option<&'a DnsFacts>,
    ) -> rules::Context<'a> {
        let mut cx = workspace.lint_context();
        cx.server_first_ports.clone_from(&self.server_first_ports);
        cx.max_ipv4_prefix = self.max_ipv4_prefix;
        cx.max_ipv6_prefix = self.max_ipv6_prefix;
        if let Some(min_ttl) = self.min_ttl {
            cx.min_ttl = min_ttl;
        }
        cx.dns = dns;
        cx
    }
}
