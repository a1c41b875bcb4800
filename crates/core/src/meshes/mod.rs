//! Mesh scopes: a repository holds several meshes — one cluster's Istio control plane and its
//! configuration each (`clusters/prod/`, `clusters/staging/`, kustomize overlays) — and each is
//! judged on its own, exactly as if its files were the only input. Resources of different meshes
//! never replace each other, and their mesh settings may differ; within one mesh everything is
//! the [`Workspace`] pipeline unchanged.
//!
//! Scopes come from `meshctl.toml` `[[mesh]]` tables when there are any ([`MeshSpec`]), else
//! from discovery, the way `.editorconfig` and ruff's hierarchical settings work (the nearest
//! root wins):
//! - a directory holding a mesh config (bare MeshConfig, the `istio` ConfigMap, an
//!   IstioOperator) roots a scope for its subtree;
//! - a kustomization that no other kustomization references roots a scope whose resources are
//!   what `kubectl kustomize` renders from it ([`render`]); its bases, components and patches
//!   are read only through it, never linted on their own;
//! - files outside every root form the default scope, named [`DEFAULT_SCOPE`].
//!
//! A scope is named by its root relative to the path given (`clusters/prod`).

mod kustomization;
mod origins;
mod render;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

pub use render::RenderError;

use crate::load::{self, Inputs, WalkOptions};
use crate::workspace::{Sources, Workspace, WorkspaceError};
use kustomization::normalize;

/// Why the meshes of the inputs could not be built or chosen.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// One mesh's workspace could not be built.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// A path could not be read.
    #[error(transparent)]
    Source(#[from] crate::load::SourceError),
    /// A kustomization could not be rendered.
    #[error(transparent)]
    Kustomize(#[from] RenderError),
    /// The inputs hold several meshes and the command decides for one.
    #[error(
        "the inputs hold {} meshes and this command decides for one; pick it with --mesh NAME: {}",
        .0.len(),
        .0.join(", ")
    )]
    Ambiguous(Vec<String>),
    /// `--mesh` names no mesh of the inputs.
    #[error("--mesh `{name}` names no mesh of the inputs; they hold: {}", .meshes.join(", "))]
    Unknown {
        /// The flag's value.
        name: String,
        /// The meshes found.
        meshes: Vec<String>,
    },
}

/// The name of the scope that holds what no root claims.
pub const DEFAULT_SCOPE: &str = "default";

/// A mesh named in `meshctl.toml`: its files (globs already expanded) and settings.
#[derive(Debug, Clone, Default)]
pub struct MeshSpec {
    /// `name`.
    pub name: String,
    /// The files its `paths` globs match.
    pub files: Vec<PathBuf>,
    /// `mesh-config`: replaces mesh configs among its files.
    pub mesh_config: Option<PathBuf>,
    /// `namespace`: for resources that name none.
    pub namespace: Option<String>,
}

/// What roots a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RootKind {
    /// A `[[mesh]]` table in `meshctl.toml`.
    Configured,
    /// A directory holding a mesh config.
    MeshConfig,
    /// A kustomization no other one references.
    Kustomization,
    /// Files outside every root.
    Default,
}

impl RootKind {
    /// How the kind reads in text output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RootKind::Configured => "meshctl.toml",
            RootKind::MeshConfig => "mesh config",
            RootKind::Kustomization => "kustomization",
            RootKind::Default => "default",
        }
    }
}

/// One mesh as found: its name, what roots it, and what it reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeshScope {
    /// `clusters/prod`, `overlays/staging`, `default`, or a configured name.
    pub name: String,
    /// What roots it.
    pub kind: RootKind,
    /// The root directory, as given (none for the default scope and configured meshes).
    pub root: Option<String>,
    /// The files it read (for a kustomization: the source files its resources came from).
    pub files: Vec<String>,
}

/// A scope and its workspace.
#[derive(Debug, Clone)]
pub struct Mesh {
    /// Which mesh.
    pub scope: MeshScope,
    /// Its inputs, admitted resources and mesh settings.
    pub workspace: Workspace,
}

impl Mesh {
    /// True for a default scope that holds nothing Istio reads — charts, workflows, data
    /// files, and no resource even a rejected one — beside real meshes it is no mesh at all.
    #[must_use]
    pub fn is_leftover(&self) -> bool {
        let inputs = self.workspace.inputs();
        self.scope.kind == RootKind::Default
            && self.workspace.is_empty()
            && inputs.problems.is_empty()
            && inputs.service_entries.is_empty()
            && inputs.sidecars.is_empty()
    }
}

/// How scopes are formed.
#[derive(Debug, Clone, Default)]
pub struct ScopeOptions {
    /// `[[mesh]]` tables; when present, discovery does not run.
    pub configured: Vec<MeshSpec>,
    /// Render kustomizations (`--no-kustomize` turns this off and reads the files raw).
    pub kustomize: bool,
}

/// Finds the meshes in `sources` and builds each one's workspace.
///
/// # Errors
/// [`MeshError`] when an input cannot be read, one mesh's settings are ambiguous, or a
/// kustomization cannot be rendered.
pub fn load(
    sources: &Sources,
    walk: &WalkOptions,
    options: &ScopeOptions,
) -> Result<Vec<Mesh>, MeshError> {
    if !options.configured.is_empty() {
        return configured(sources, walk, &options.configured);
    }
    let dirs: Vec<PathBuf> = sources
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && p.is_dir())
        .cloned()
        .collect();
    let kustomized = if options.kustomize {
        Kustomized::find(&dirs, walk)?
    } else {
        Kustomized::default()
    };
    let mut load_options = sources.load_options();
    load_options.walk = walk.clone();
    let mut inputs = load::load_paths(&sources.paths, &load_options)?;
    if let Some(file) = &sources.mesh_config {
        inputs.mesh_configs = crate::workspace::load_mesh_config(file, &load_options)?;
    }
    let mut roots: Vec<PathBuf> = inputs
        .mesh_configs
        .iter()
        .filter(|m| sources.mesh_config.is_none() && !kustomized.covers(&m.origin.path))
        .filter_map(|m| Path::new(&*m.origin.path).parent().map(normalize))
        .collect();
    roots.sort();
    roots.dedup();
    let mut meshes = Vec::new();
    if roots.is_empty() && kustomized.roots.is_empty() {
        let name = DEFAULT_SCOPE.to_owned();
        let files = inputs.files.iter().map(ToString::to_string).collect();
        let workspace = Workspace::from_inputs(inputs, sources.outbound_policy)?;
        meshes.push(Mesh {
            scope: MeshScope {
                name,
                kind: RootKind::Default,
                root: None,
                files,
            },
            workspace,
        });
        return Ok(meshes);
    }
    let (parts, dropped_default) = partition(inputs, &roots, &kustomized);
    let given: Vec<PathBuf> = sources.paths.iter().map(|p| normalize(p)).collect();
    for (i, part) in parts.into_iter().enumerate() {
        let (name, kind, root) = match roots.get(i) {
            Some(root) => (
                scope_name(root, &given),
                RootKind::MeshConfig,
                Some(root.display().to_string()),
            ),
            None => (DEFAULT_SCOPE.to_owned(), RootKind::Default, None),
        };
        if kind == RootKind::Default && dropped_default(&part) {
            continue;
        }
        let files = part.files.iter().map(ToString::to_string).collect();
        meshes.push(Mesh {
            scope: MeshScope {
                name,
                kind,
                root,
                files,
            },
            workspace: Workspace::from_inputs(part, sources.outbound_policy)?,
        });
    }
    let bounds: Vec<PathBuf> = dirs.iter().flat_map(|d| render_bounds(d)).collect();
    let rendered: Vec<Result<Mesh, MeshError>> = kustomized
        .roots
        .par_iter()
        .map(|root| kustomize_mesh(root, &given, &bounds, sources, &load_options))
        .collect();
    for mesh in rendered {
        meshes.push(mesh?);
    }
    meshes.sort_by(|a, b| {
        (a.scope.kind == RootKind::Default, &a.scope.name)
            .cmp(&(b.scope.kind == RootKind::Default, &b.scope.name))
    });
    Ok(meshes)
}

/// The one mesh a command that decides (simulate, export, the proxy) works on: the only one,
/// or the one `name` picks. A default scope that holds nothing Istio reads (charts, workflows)
/// beside real meshes does not count.
///
/// # Errors
/// As [`load`], and [`MeshError::Ambiguous`] / [`MeshError::Unknown`].
pub fn load_one(
    sources: &Sources,
    walk: &WalkOptions,
    options: &ScopeOptions,
    name: Option<&str>,
) -> Result<Mesh, MeshError> {
    let mut meshes = load(sources, walk, options)?;
    if meshes.len() > 1 {
        meshes.retain(|m| !m.is_leftover());
    }
    let names: Vec<String> = meshes.iter().map(|m| m.scope.name.clone()).collect();
    match name {
        Some(name) => {
            let Some(i) = meshes.iter().position(|m| m.scope.name == name) else {
                return Err(MeshError::Unknown {
                    name: name.to_owned(),
                    meshes: names,
                });
            };
            Ok(meshes.swap_remove(i))
        }
        None if meshes.len() == 1 => Ok(meshes.swap_remove(0)),
        None => Err(MeshError::Ambiguous(names)),
    }
}

/// The meshes `meshctl.toml` names, each loaded alone, limited to files under the paths given.
fn configured(
    sources: &Sources,
    walk: &WalkOptions,
    specs: &[MeshSpec],
) -> Result<Vec<Mesh>, MeshError> {
    let given: Vec<PathBuf> = sources.paths.iter().map(|p| normalize(p)).collect();
    let mut meshes = Vec::new();
    for spec in specs {
        let files: Vec<PathBuf> = spec
            .files
            .iter()
            .filter(|f| {
                let file = normalize(f);
                given
                    .iter()
                    .any(|g| g.as_os_str() == "." || file.starts_with(g))
            })
            .cloned()
            .collect();
        if files.is_empty() {
            continue;
        }
        let scoped = Sources {
            paths: files.clone(),
            mesh_config: spec.mesh_config.clone().or(sources.mesh_config.clone()),
            outbound_policy: sources.outbound_policy,
            namespace: spec.namespace.clone().or(sources.namespace.clone()),
        };
        let workspace = Workspace::load_walking(&scoped, walk)?;
        meshes.push(Mesh {
            scope: MeshScope {
                name: spec.name.clone(),
                kind: RootKind::Configured,
                root: None,
                files: files.iter().map(|f| f.display().to_string()).collect(),
            },
            workspace,
        });
    }
    Ok(meshes)
}

/// `root` relative to the given path it lies under (`clusters/prod`), or as given when it is
/// that path itself.
fn scope_name(root: &Path, given: &[PathBuf]) -> String {
    let best = given
        .iter()
        .filter(|g| root.starts_with(g) || g.as_os_str() == ".")
        .max_by_key(|g| g.components().count());
    let relative = best
        .and_then(|g| {
            if g.as_os_str() == "." {
                Some(root.to_path_buf())
            } else {
                root.strip_prefix(g).ok().map(Path::to_path_buf)
            }
        })
        .filter(|r| !r.as_os_str().is_empty() && r.as_os_str() != ".");
    relative
        .unwrap_or_else(|| root.to_path_buf())
        .display()
        .to_string()
}

/// The kustomizations found under the directories given: which are roots, and which
/// directories and files only they read.
#[derive(Debug, Default)]
struct Kustomized {
    /// Kustomization directories nothing references, as found.
    roots: Vec<PathBuf>,
    /// Directories read only through a root (the roots' own included).
    dirs: BTreeSet<PathBuf>,
    /// Files a kustomization reads (patches, generator inputs, resources elsewhere).
    files: BTreeSet<PathBuf>,
}

impl Kustomized {
    fn find(dirs: &[PathBuf], walk: &WalkOptions) -> Result<Kustomized, MeshError> {
        let mut found = Kustomized::default();
        if dirs.is_empty() {
            return Ok(found);
        }
        let walked = load::walk::expand(dirs, walk)?;
        let files: Vec<PathBuf> = walked
            .files
            .iter()
            .filter(|f| {
                f.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| kustomization::FILE_NAMES.contains(&n))
            })
            .map(|f| normalize(f))
            .collect();
        if files.is_empty() {
            return Ok(found);
        }
        let mut referenced = BTreeSet::new();
        let mut refs = Vec::new();
        for file in &files {
            let read = kustomization::references(file).map_err(|message| {
                MeshError::Kustomize(RenderError::Failed {
                    dir: file.display().to_string(),
                    message,
                })
            })?;
            referenced.extend(read.dirs.iter().cloned());
            found.files.insert(file.clone());
            found.files.extend(read.files.iter().cloned());
            refs.push((file.parent().map(normalize).unwrap_or_default(), read));
        }
        for (dir, _) in &refs {
            if !referenced.contains(dir) {
                found.roots.push(dir.clone());
            }
        }
        // Every directory reachable from a root is rendered through it.
        let mut pending: Vec<PathBuf> = found.roots.clone();
        while let Some(dir) = pending.pop() {
            if !found.dirs.insert(dir.clone()) {
                continue;
            }
            if let Some((_, read)) = refs.iter().find(|(d, _)| *d == dir) {
                pending.extend(read.dirs.iter().cloned());
            }
        }
        Ok(found)
    }

    /// True when `path` (a file as found) is read only through a kustomization.
    fn covers(&self, path: &str) -> bool {
        let path = normalize(Path::new(path));
        self.files.contains(&path) || self.dirs.iter().any(|d| path.starts_with(d))
    }
}

/// Splits raw inputs into one part per mesh-config root (nearest root wins) and a last part for
/// the default scope; what a kustomization covers is dropped. Also returns a test for "the
/// default part holds nothing worth a scope".
fn partition(
    inputs: Inputs,
    roots: &[PathBuf],
    kustomized: &Kustomized,
) -> (Vec<Inputs>, impl Fn(&Inputs) -> bool) {
    let assign = |path: &str| -> Option<usize> {
        if kustomized.covers(path) {
            return None;
        }
        let file = normalize(Path::new(path));
        let nearest = roots
            .iter()
            .enumerate()
            .filter(|(_, root)| root.as_os_str() == "." || file.starts_with(root))
            .max_by_key(|(_, root)| root.components().count())
            .map(|(i, _)| i);
        Some(nearest.unwrap_or(roots.len()))
    };
    let mut parts: Vec<Inputs> = (0..=roots.len()).map(|_| Inputs::default()).collect();
    macro_rules! split {
        ($field:ident, $item:ident => $path:expr) => {
            for $item in inputs.$field {
                if let Some(i) = assign(&$path) {
                    parts[i].$field.push($item);
                }
            }
        };
    }
    split!(service_entries, item => item.origin.path.clone());
    split!(sidecars, item => item.origin.path.clone());
    split!(mesh_configs, item => item.origin.path.clone());
    split!(others, item => item.origin.path.clone());
    split!(problems, item => item.origin.path.clone());
    split!(files, item => item.clone());
    split!(skipped, item => item.origin.path.clone());
    for unread in inputs.unread {
        let path = unread.path.display().to_string();
        if let Some(i) = assign(&path) {
            parts[i].unread.push(unread);
        }
    }
    for (i, part) in parts.iter_mut().enumerate() {
        part.roots = match roots.get(i) {
            Some(root) => vec![Arc::from(root.display().to_string())],
            None => inputs.roots.clone(),
        };
    }
    (parts, |part: &Inputs| {
        part.files.is_empty() && part.unread.is_empty()
    })
}

/// What a render may copy for a directory given: the repository it lies in (the nearest
/// ancestor holding `.git`), else the current directory when it lies below it, else the
/// directory itself — so an overlay's `../../base` is read, and `resources: [../../../..]`
/// cannot make meshctl copy the filesystem. Absolute and canonical forms both, as references
/// are compared before and after symbolic links are resolved.
fn render_bounds(dir: &Path) -> Vec<PathBuf> {
    let Ok(absolute) = render::absolute(dir) else {
        return Vec::new();
    };
    let repository = absolute
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf);
    let cwd = std::env::current_dir().ok().map(|c| normalize(&c));
    let bound = repository
        .or_else(|| cwd.filter(|c| absolute.starts_with(c)))
        .unwrap_or(absolute);
    let canonical = std::fs::canonicalize(&bound).ok();
    std::iter::once(bound).chain(canonical).collect()
}

/// Renders one kustomize root and builds its workspace from the output, every origin pointing
/// back at the source files.
fn kustomize_mesh(
    root: &Path,
    given: &[PathBuf],
    bounds: &[PathBuf],
    sources: &Sources,
    load_options: &load::LoadOptions,
) -> Result<Mesh, MeshError> {
    let rendered = render::render(root, bounds)?;
    let file = kustomization::file_in(root).unwrap_or_else(|| root.join("kustomization.yaml"));
    let shown = file.display().to_string();
    let mut inputs = load::load_bytes(&shown, &rendered, load_options)?;
    origins::remap(&mut inputs, &rendered, root);
    if let Some(mesh_config) = &sources.mesh_config {
        inputs.mesh_configs = crate::workspace::load_mesh_config(mesh_config, load_options)?;
    }
    let mut files: Vec<String> = inputs
        .service_entries
        .iter()
        .map(|l| l.origin.path.to_string())
        .chain(inputs.sidecars.iter().map(|l| l.origin.path.to_string()))
        .chain(inputs.services.iter().map(|l| l.origin.path.to_string()))
        .chain(inputs.endpoints.iter().map(|l| l.origin.path.to_string()))
        .chain(
            inputs
                .endpoint_slices
                .iter()
                .map(|l| l.origin.path.to_string()),
        )
        .chain(
            inputs
                .virtual_services
                .iter()
                .map(|l| l.origin.path.to_string()),
        )
        .chain(
            inputs
                .destination_rules
                .iter()
                .map(|l| l.origin.path.to_string()),
        )
        .chain(inputs.gateways.iter().map(|l| l.origin.path.to_string()))
        .chain(
            inputs
                .authorization_policies
                .iter()
                .map(|l| l.origin.path.to_string()),
        )
        .chain(
            inputs
                .mesh_configs
                .iter()
                .map(|l| l.origin.path.to_string()),
        )
        .chain(inputs.others.iter().map(|o| o.origin.path.to_string()))
        .collect();
    files.sort();
    files.dedup();
    inputs.files = files.iter().map(|f| Arc::from(f.as_str())).collect();
    inputs.roots = vec![Arc::from(root.display().to_string())];
    Ok(Mesh {
        scope: MeshScope {
            name: scope_name(root, given),
            kind: RootKind::Kustomization,
            root: Some(root.display().to_string()),
            files,
        },
        workspace: Workspace::from_inputs(inputs, sources.outbound_policy)?,
    })
}
