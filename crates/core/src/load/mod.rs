//! Files, directories and stdin → typed Istio resources that remember where they came from.
//!
//! This is the only module that knows the YAML library. It reads sources ([`source`]), splits
//! them into documents with enforced budgets ([`parse`]), sorts documents by kind and validates
//! them against the CRD schema ([`classify`]). Problems with one document never stop the others:
//! they are collected in [`Inputs::problems`] so `check` can report them all while commands that
//! need a clean input refuse to continue.

mod budget;
mod calls;
mod classify;
pub mod node;
mod operator;
mod parse;
mod peek;
mod source;
mod source_error;
mod template;
pub mod walk;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

pub use budget::Limits;
pub use calls::{CallsError, load_calls};
pub use node::{Node, Pos};
pub use source_error::SourceError;
pub use walk::WalkOptions;

use crate::model::{MeshConfig, ServiceEntry, Sidecar};

/// Where a document or field was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// File path as the user gave it (or `-` for stdin).
    pub path: Arc<str>,
    /// Line and column.
    pub pos: Pos,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.pos)
    }
}

/// A typed resource with its source document, so any field can be located later.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The typed resource.
    pub resource: T,
    /// Where the document starts.
    pub origin: Origin,
    /// The parsed document, kept for field positions.
    pub node: Arc<Node>,
}

impl<T> Loaded<T> {
    /// The origin of the field at `path` (e.g. `spec.addresses[1]`), or of its nearest ancestor.
    #[must_use]
    pub fn locate(&self, path: &str) -> Origin {
        Origin {
            path: self.origin.path.clone(),
            pos: self.node.locate(path),
        }
    }
}

/// A document of a kind meshctl does not read (Deployment, Service, …): kept aside, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherDocument {
    /// Where it starts.
    pub origin: Origin,
    /// Its `apiVersion`, empty when absent.
    pub api_version: String,
    /// Its `kind`, empty when absent.
    pub kind: String,
}

/// Why a file or document was not linted: it is not a Kubernetes resource meshctl can read as
/// written. Counted and listed (`check -v`), never an error: a repository holds workflow files,
/// compose files and chart templates next to its manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Template syntax (`{{ … }}`) stands where YAML or the resource needs structure: the file
    /// is not YAML as written, or a key or an Istio resource's field is a template. Render it
    /// first (`helm template … | meshctl check -`). `{{` inside a string value is data.
    Template,
    /// A document whose top level is a list or a scalar, not a mapping (`.pre-commit-hooks.yaml`).
    NotMapping,
    /// A mapping without `apiVersion` and `kind` (a workflow, a compose file, a values file).
    NotResource,
}

impl SkipReason {
    /// A stable one-word name, for `check -v -o json`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Template => "template",
            SkipReason::NotMapping => "not-mapping",
            SkipReason::NotResource => "not-resource",
        }
    }

    /// Why, in a few words, for `check -v`.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Template => {
                "template syntax `{{`; render it first: `helm template … | meshctl check -`"
            }
            SkipReason::NotMapping => "top level is not a mapping, so not a Kubernetes resource",
            SkipReason::NotResource => "no `apiVersion`/`kind`, so not a Kubernetes resource",
        }
    }
}

/// A file or document that was read but not linted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file, and the document's first line.
    pub origin: Origin,
    /// Why.
    pub reason: SkipReason,
}

/// Why a document could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// Not readable as YAML/JSON: syntax, encoding, budget, not a mapping.
    Parse,
    /// Readable, but rejected by the resource's schema.
    Schema,
}

/// A document that could not be used, with the position and field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// Parse or schema.
    pub kind: ProblemKind,
    /// File, line and column.
    pub origin: Origin,
    /// The field path, when the problem is about one field.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// `Kind namespace/name` of the resource, when known.
    pub resource: Option<String>,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.origin)?;
        if let Some(field) = &self.field {
            write!(f, "`{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadProblem {}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// ServiceEntries in input order.
    pub service_entries: Vec<Loaded<ServiceEntry>>,
    /// Sidecars in input order.
    pub sidecars: Vec<Loaded<Sidecar>>,
    /// Mesh configuration documents (bare, `istio` ConfigMap, IstioOperator).
    pub mesh_configs: Vec<Loaded<MeshConfig>>,
    /// Documents of other kinds.
    pub others: Vec<OtherDocument>,
    /// Documents that could not be used.
    pub problems: Vec<LoadProblem>,
    /// Files read.
    pub files: Vec<Arc<str>>,
    /// Files and documents read but not linted (templates, non-resources), in input order.
    pub skipped: Vec<Skipped>,
    /// The paths the user named (files, directories, `-`), for findings about the run itself.
    pub roots: Vec<Arc<str>>,
    /// Directory entries not read, with why (links that lead nowhere): warnings, not errors.
    pub unread: Vec<walk::Skipped>,
}

impl Inputs {
    /// True when a mesh config turns on DNS proxying for every sidecar
    /// (`defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE`).
    #[must_use]
    pub fn mesh_dns_capture(&self) -> bool {
        self.mesh_configs.iter().any(|m| m.resource.dns_capture())
    }

    /// The first problem, for commands that need every input to be valid.
    ///
    /// # Errors
    /// Returns the first [`LoadProblem`] when there is one.
    pub fn into_valid(self) -> Result<Self, LoadProblem> {
        match self.problems.first() {
            Some(problem) => Err(problem.clone()),
            None => Ok(self),
        }
    }
}

/// Writes `value` as YAML (block style, the serializer's stable field order): the one place
/// outside parsing that names the YAML crate, so `gen` and `resolve -o yaml` print what the
/// loader reads back.
///
/// # Errors
/// A value YAML cannot represent.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, serde_saphyr::ser::Error> {
    serde_saphyr::to_string(value)
}

/// How to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Namespace for resources that name none (`-n`, else `default`), as kubectl does.
    pub default_namespace: String,
    /// Parse budgets.
    pub limits: Limits,
    /// How directories are walked.
    pub walk: WalkOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            default_namespace: "default".into(),
            limits: Limits::default(),
            walk: WalkOptions::default(),
        }
    }
}

/// An input: a file, a directory (recursive) or `-` for stdin.
pub type InputPath = PathBuf;

/// Loads every input. Per-document problems are collected; only unreadable paths are errors.
///
/// # Errors
/// [`SourceError`] when a path cannot be read, a directory contains a symlink loop, or a file
/// exceeds the size limit.
pub fn load_paths(paths: &[InputPath], options: &LoadOptions) -> Result<Inputs, SourceError> {
    let (sources, unread) = source::walk_all(paths, &options.limits, &options.walk)?;
    let mut inputs = parse_sources(sources, options)?;
    inputs.unread = unread;
    inputs.roots = paths
        .iter()
        .map(|p| Arc::from(p.display().to_string()))
        .collect();
    Ok(inputs)
}

/// Parses every document of `bytes` into position-carrying nodes, under the default budgets:
/// for files meshctl reads but does not lint as resources (a `kustomization.yaml`).
///
/// # Errors
/// The parser's one-line message with its line and column.
pub fn read_nodes(bytes: &[u8]) -> Result<Vec<Node>, String> {
    // On the parser's large stack: the depth budget, not the stack, stops hostile nesting.
    parse::with_parser_stack(|| parse::nodes(bytes, &Limits::default()))
        .map_err(|e| format!("cannot start the parser thread: {e}"))?
        .map_err(|failure| format!("{}: {}", failure.pos, failure.message))
}

/// Loads one in-memory source (tests, generated documents).
///
/// # Errors
/// [`SourceError::Io`] only when the parser thread cannot be started.
pub fn load_bytes(name: &str, bytes: &[u8], options: &LoadOptions) -> Result<Inputs, SourceError> {
    let source = source::RawInput {
        name: Arc::from(name),
        bytes: bytes.to_vec(),
    };
    parse_sources(vec![source::Pending::Read(source)], options)
}

/// Reads and parses every source on the parser pool, one file per task, then merges the
/// results in input order, so what is found — and every message about it, including which
/// unreadable file stops the load — is the same as one file at a time.
fn parse_sources(
    sources: Vec<source::Pending>,
    options: &LoadOptions,
) -> Result<Inputs, SourceError> {
    let parsed: Vec<Result<Inputs, SourceError>> = parse::on_parser_threads(|| {
        sources
            .into_par_iter()
            .map(|source| {
                let source = source.read(&options.limits)?;
                let mut inputs = Inputs::default();
                load_source(&source.name, &source.bytes, options, &mut inputs);
                inputs.files.push(source.name);
                Ok(inputs)
            })
            .collect()
    })
    .map_err(|reason| SourceError::Io {
        path: "<parser thread>".into(),
        reason,
    })?;
    let mut inputs = Inputs::default();
    for file in parsed {
        inputs.absorb(file?);
    }
    Ok(inputs)
}

impl Inputs {
    /// Appends what one file held (after everything read before it).
    fn absorb(&mut self, file: Inputs) {
        self.service_entries.extend(file.service_entries);
        self.sidecars.extend(file.sidecars);
        self.mesh_configs.extend(file.mesh_configs);
        self.others.extend(file.others);
        self.problems.extend(file.problems);
        self.files.extend(file.files);
        self.skipped.extend(file.skipped);
        self.roots.extend(file.roots);
        self.unread.extend(file.unread);
    }
}

fn load_source(name: &Arc<str>, bytes: &[u8], options: &LoadOptions, inputs: &mut Inputs) {
    let skip = |line: u64, reason: SkipReason| Skipped {
        origin: Origin {
            path: name.clone(),
            pos: Pos { line, column: 1 },
        },
        reason,
    };
    match parse::documents(bytes, &options.limits) {
        Ok(docs) => {
            // Most files hold no `{{` at all: one search instead of a walk per document.
            let templated = template::anywhere(bytes);
            for doc in docs {
                if templated && template::stands_in_structure(&doc) {
                    inputs
                        .skipped
                        .push(skip(doc.pos().line, SkipReason::Template));
                } else {
                    classify::top_level(name, doc, options, inputs);
                }
            }
        }
        Err(failure) => {
            if let Some(line) = template::first_line(bytes) {
                inputs.skipped.push(skip(line, SkipReason::Template));
            } else {
                inputs.problems.push(LoadProblem {
                    kind: ProblemKind::Parse,
                    origin: Origin {
                        path: name.clone(),
                        pos: failure.pos,
                    },
                    field: None,
                    message: failure.message,
                    resource: None,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
