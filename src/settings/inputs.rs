//! The inputs a command reads, as the core's [`Sources`]: the paths it names (the current
//! directory when a reading command names none), `-n`, and the mesh settings that beat the
//! inputs' own. Every command builds its `Sources` here, so the `-n` rule and the `.` default
//! are written once.

use std::path::PathBuf;

use crate::cli::{MeshSettingsArgs, NamespaceArg};
use crate::settings::config::ConfigFile;
use meshctl_core::load::LoadOptions;
use meshctl_core::meshes::ScopeOptions;
use meshctl_core::workspace::Sources;

/// The paths given, else the current directory (`check`, `diff`, `list` and `sync` read `.`
/// when told nothing).
pub(crate) fn paths_or_cwd<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Vec<PathBuf> {
    let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
    if paths.is_empty() {
        vec![".".into()]
    } else {
        paths
    }
}

/// The sources of a deciding command (`simulate`, `export envoy`, `proxy`): its paths, `-n`,
/// `--mesh-config` and `--outbound-policy`.
pub(crate) fn deciding(paths: Vec<PathBuf>, ns: &NamespaceArg, mesh: &MeshSettingsArgs) -> Sources {
    Sources {
        paths,
        mesh_config: mesh.mesh_config.mesh_config.clone(),
        outbound_policy: mesh.outbound_policy.map(Into::into),
        namespace: ns.namespace.clone(),
    }
}

/// The sources of `check`: flags first, then `meshctl.toml` (`mesh-config`,
/// `outbound-policy`).
pub(crate) fn checked(
    paths: Vec<PathBuf>,
    ns: &NamespaceArg,
    mesh_config: Option<&PathBuf>,
    config: &ConfigFile,
) -> Sources {
    Sources {
        paths,
        mesh_config: mesh_config.or(config.mesh_config.as_ref()).cloned(),
        outbound_policy: config.outbound_policy,
        namespace: ns.namespace.clone(),
    }
}

/// Sources that are only paths, read with every default (`diff`, `list`).
pub(crate) fn paths_only(paths: Vec<PathBuf>) -> Sources {
    Sources {
        paths,
        ..Sources::default()
    }
}

/// Sources of paths in one namespace: the files `sync` edits, grouped into meshes.
pub(crate) fn in_namespace(paths: Vec<PathBuf>, namespace: String) -> Sources {
    Sources {
        paths,
        namespace: Some(namespace),
        ..Sources::default()
    }
}

/// How a command that reads files itself (`sync` rewrites them one by one) loads them, with the
/// workspace's `-n` rule.
pub(crate) fn load_options(ns: &NamespaceArg) -> LoadOptions {
    Sources {
        namespace: ns.namespace.clone(),
        ..Sources::default()
    }
    .load_options()
}

/// How meshes are found among the inputs when no `[[mesh]]` table names them: kustomizations
/// rendered unless `--no-kustomize` (or a command that edits files as written) says not.
pub(crate) fn unconfigured_scope(kustomize: bool) -> ScopeOptions {
    ScopeOptions {
        configured: Vec::new(),
        kustomize,
    }
}
