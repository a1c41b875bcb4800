//! Files, directories and stdin → typed Istio resources that remember where they came from.
//!
//! This is the only module that knows the YAML library. It reads sources ([`source`]), splits
//! them into documents with enforced budgets ([`parse`]), sorts documents by kind and validates
//! them against the CRD schema ([`classify`]). Problems with one document never stop the others:
//! they are collected in [`Inputs::problems`] so `check` can report them all while commands that
//! need a clean input refuse to continue.

mod budget;
mod classify;
mod inputs;
pub mod node;
mod operator;
mod options;
mod origin;
mod parse;
mod peek;
mod problem;
mod skipped;
mod source;
mod source_error;
mod template;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

pub use budget::Limits;
pub use inputs::Inputs;
pub use node::{Node, Pos};
pub use options::LoadOptions;
pub use origin::{Loaded, Origin};
pub use problem::{LoadProblem, ProblemKind};
pub use skipped::{OtherDocument, SkipReason, Skipped};
pub use source_error::SourceError;
pub use walk::{ConfigExclude, WalkOptions};

/// Writes `value` as YAML (block style, the serializer's stable field order): the one place
/// outside parsing that names the YAML crate, so `gen` and `resolve -o yaml` print what the
/// loader reads back.
///
/// # Errors
/// A value YAML cannot represent.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, serde_saphyr::ser::Error> {
    serde_saphyr::to_string(value)
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

/// Reads every file `path` stands for (a file, a directory walked like any input, or `-`) under
/// `limits` and hands each file's documents, as position-carrying nodes, to `each` in input
/// order: for inputs with a format of their own (the `simulate --expect` calls file), so they
/// are read with the same parser, budgets and positions as resources. The first error stops the
/// walk, so a later unreadable file is not reported before an earlier file's mistake.
///
/// # Errors
/// An unreadable path or file ([`SourceError`]), a file that is not YAML ([`LoadProblem`]), or
/// whatever `each` returns.
pub fn read_each_file<E>(
    path: &Path,
    limits: &Limits,
    mut each: impl FnMut(&Arc<str>, Vec<Node>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<SourceError> + From<LoadProblem>,
{
    let (sources, _) = source::walk_all(&[path.to_path_buf()], limits, &WalkOptions::default())?;
    for source in sources {
        let source = source.read(limits)?;
        let problem = |pos, message| LoadProblem {
            kind: ProblemKind::Parse,
            origin: Origin {
                path: source.name.clone(),
                pos,
            },
            field: None,
            message,
            resource: None,
        };
        let docs = parse::with_parser_stack(|| parse::nodes(&source.bytes, limits))
            .map_err(|e| problem(Pos { line: 1, column: 1 }, e.to_string()))?
            .map_err(|f| problem(f.pos, f.message))?;
        each(&source.name, docs)?;
    }
    Ok(())
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
