//! `meshctl gen serviceentry --from-log`'s settings: the records file, the address classes
//! that may be pinned, and the fixed fields every proposed entry shares. The flags that name
//! one host (HOST, `--port`, `--address`, …) conflict with `--from-log` in `cli`.

use std::path::PathBuf;

use anyhow::bail;

use crate::cli::{DocFormat, GenServiceEntryArgs};
use crate::settings::convert;
use meshctl_core::pinning::AllowedClasses;

/// One `gen serviceentry --from-log` run.
#[derive(Debug, Clone)]
pub(crate) struct FromLogSettings {
    /// The proxy's `meshctl.proxy.v1` records (JSON lines).
    pub(crate) path: PathBuf,
    /// The classes `--allow-address-class` lets through.
    pub(crate) allowed: AllowedClasses,
    /// `apiVersion`.
    pub(crate) api_version: String,
    /// `-n`, when given.
    pub(crate) namespace: Option<String>,
}

impl FromLogSettings {
    /// The flags, resolved.
    ///
    /// # Errors
    /// No `--from-log`, or `-o json` (several documents are written as YAML only).
    pub(crate) fn resolve(args: &GenServiceEntryArgs) -> anyhow::Result<Self> {
        let Some(path) = args.from_log.clone() else {
            bail!("internal error: --from-log settings without --from-log");
        };
        if args.output == DocFormat::Json {
            bail!("--from-log writes several documents, as YAML only: drop `-o json`");
        }
        Ok(Self {
            path,
            allowed: convert::allowed_classes(&args.allow_address_classes),
            api_version: format!(
                "networking.istio.io/{}",
                convert::api_version(args.api_version)
            ),
            namespace: args.ns.namespace.clone(),
        })
    }
}
