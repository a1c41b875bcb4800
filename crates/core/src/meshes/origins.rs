//! From kustomize's output back to the files a user edits. Every rendered resource carries
//! `config.kubernetes.io/origin: "path: ../../base/se.yaml"` (relative to the rendered root);
//! the resource is matched with its document in that file (same kind, then same name), and
//! every position in the rendered document is replaced by the position of the same field in the
//! source document — or of its nearest ancestor there, when a patch or a transformer added the
//! field. A finding in a patched resource therefore names the resource's own source file and the
//! line of the field it is about, never a temporary file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::load::node::Value;
use crate::load::{self, Inputs, Node, Origin, Pos};

use super::kustomization::normalize;

/// The annotation kustomize writes with `buildMetadata: [originAnnotations]`.
pub(crate) const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// Rewrites every origin in `inputs` (loaded from kustomize's output for the root `root`, as
/// the user named it) to the source files. Documents without an origin keep the rendered
/// name, which names the root.
pub(crate) fn remap(inputs: &mut Inputs, rendered: &[u8], root: &Path) {
    let docs = load::read_nodes(rendered).unwrap_or_default();
    let mut sources = Sources::default();
    // Where each rendered document starts, and the source document it came from.
    let mut map: Vec<(Pos, Option<SourceDoc>)> = docs
        .iter()
        .map(|doc| (doc.pos, sources.source_of(doc, root)))
        .collect();
    map.sort_by_key(|(pos, _)| *pos);
    let find = |pos: Pos| {
        map.iter()
            .rev()
            .find(|(start, _)| *start <= pos)
            .and_then(|(_, source)| source.clone())
    };
    macro_rules! loaded {
        ($list:expr) => {
            for loaded in &mut $list {
                if let Some((path, source)) = find(loaded.origin.pos) {
                    let mut node = (*loaded.node).clone();
                    rewrite(&mut node, &source, &mut Vec::new());
                    loaded.origin = Origin {
                        path,
                        pos: source.pos,
                    };
                    loaded.node = Arc::new(node);
                }
            }
        };
    }
    loaded!(inputs.service_entries);
    loaded!(inputs.sidecars);
    loaded!(inputs.services);
    loaded!(inputs.endpoints);
    loaded!(inputs.endpoint_slices);
    loaded!(inputs.virtual_services);
    loaded!(inputs.destination_rules);
    loaded!(inputs.gateways);
    loaded!(inputs.authorization_policies);
    loaded!(inputs.mesh_configs);
    for other in &mut inputs.others {
        if let Some((path, source)) = find(other.origin.pos) {
            other.origin = Origin {
                path,
                pos: source.pos,
            };
        }
    }
    for skipped in &mut inputs.skipped {
        if let Some((path, source)) = find(skipped.origin.pos) {
            skipped.origin = Origin {
                path,
                pos: source.pos,
            };
        }
    }
    for problem in &mut inputs.problems {
        if let Some((path, source)) = find(problem.origin.pos) {
            let pos = problem
                .field
                .as_deref()
                .map_or(source.pos, |field| source.locate(field));
            problem.origin = Origin { path, pos };
        }
    }
}

/// A source file's path and the document a rendered one came from.
type SourceDoc = (Arc<str>, Arc<Node>);

/// Source files read once per render.
#[derive(Default)]
struct Sources {
    files: HashMap<PathBuf, Vec<Arc<Node>>>,
}

impl Sources {
    /// The file and source document of a rendered document, from its origin annotation.
    fn source_of(&mut self, doc: &Node, root: &Path) -> Option<SourceDoc> {
        let annotation = doc
            .get("metadata")?
            .get("annotations")?
            .get_str(ORIGIN_ANNOTATION)?;
        let relative = annotation
            .lines()
            .find_map(|l| l.trim().strip_prefix("path:"))?
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        let file = normalize(&root.join(relative));
        let nodes = self.files.entry(file.clone()).or_insert_with(|| {
            std::fs::read(&file)
                .ok()
                .and_then(|bytes| load::read_nodes(&bytes).ok())
                .unwrap_or_default()
                .into_iter()
                .map(Arc::new)
                .collect()
        });
        let kind = doc.get_str("kind");
        let name = doc.get("metadata").and_then(|m| m.get_str("name"));
        let same_kind: Vec<&Arc<Node>> =
            nodes.iter().filter(|n| n.get_str("kind") == kind).collect();
        let chosen = same_kind
            .iter()
            .find(|n| n.get("metadata").and_then(|m| m.get_str("name")) == name)
            .or_else(|| same_kind.first())
            .copied()
            .or_else(|| nodes.first())?;
        Some((Arc::from(file.display().to_string()), chosen.clone()))
    }
}

/// One step into a document.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Replaces every position under `node` (at `path` in the rendered document) with the position
/// of the same field in `source`, or of its nearest ancestor there.
fn rewrite(node: &mut Node, source: &Node, path: &mut Vec<Step>) {
    node.pos = locate(source, path);
    match &mut node.value {
        Value::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                path.push(Step::Key(key.name.clone()));
                key.pos = locate_key(source, path).unwrap_or(key.pos);
                rewrite(value, source, path);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(Step::Index(i));
                rewrite(item, source, path);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The position of the node at `path` in `source`, or of its nearest existing ancestor.
fn locate(source: &Node, path: &[Step]) -> Pos {
    let mut node = source;
    for step in path {
        let next = match (step, &node.value) {
            (Step::Key(name), Value::Map(entries)) => entries
                .iter()
                .find(|(k, _)| k.name == *name)
                .map(|(_, v)| v),
            (Step::Index(i), Value::Seq(items)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.pos
}

/// The position of the key at the end of `path` in `source`, when it exists there.
fn locate_key(source: &Node, path: &[Step]) -> Option<Pos> {
    let (Step::Key(name), parent) = path.split_last()? else {
        return None;
    };
    let mut node = source;
    for step in parent {
        node = match (step, &node.value) {
            (Step::Key(k), Value::Map(entries)) => entries
                .iter()
                .find(|(key, _)| key.name == *k)
                .map(|(_, v)| v)?,
            (Step::Index(i), Value::Seq(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == *name)
            .map(|(k, _)| k.pos),
        _ => None,
    }
}
