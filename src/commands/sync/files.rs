//! The files `sync` works on: each read once, loaded from exactly those bytes (so the
//! loader's positions are byte-exact for the span edits), with its managed entries; then the
//! plans per file, the new text and the updated documents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, bail};

use meshctl_core::dns::{DnsError, Lookup};
use meshctl_core::load::{self, Inputs, LoadOptions};
use meshctl_core::model::ServiceEntry;
use meshctl_core::rules::{self, Diagnostic};
use meshctl_core::sync::{self, DEPARTED_ANNOTATION, Item, Managed, Plan, Settings};

/// One file with managed entries.
pub(super) struct File {
    /// The path as given (or found in a directory).
    pub(super) path: Arc<str>,
    /// Its text when read.
    pub(super) text: String,
    /// Its documents, loaded from `text`.
    pub(super) inputs: Inputs,
    /// Its managed entries.
    pub(super) managed: Vec<Managed>,
}

/// Everything read in one pass.
pub(super) struct Tree {
    /// Files with at least one managed entry.
    pub(super) files: Vec<File>,
    /// Files read in all.
    pub(super) files_read: usize,
    /// Istio resources read in all.
    pub(super) resources: usize,
    /// Why files were left out, as `check` reports them (`--check` reads on past an invalid
    /// file; the other modes stop at it).
    pub(super) invalid: Vec<Diagnostic>,
}

impl Tree {
    /// Every source host, once.
    pub(super) fn hosts(&self) -> BTreeSet<String> {
        self.files
            .iter()
            .flat_map(|f| f.managed.iter().map(|m| m.host.clone()))
            .collect()
    }

    /// How many managed entries there are.
    pub(super) fn entries(&self) -> usize {
        self.files.iter().map(|f| f.managed.len()).sum()
    }
}

/// Reads `paths` (files or directories). An invalid input is an error — rewriting a file
/// meshctl cannot fully read would be a guess — unless `keep_going` (`--check`, which only
/// reports): then the file is left out and its problems are kept in [`Tree::invalid`].
pub(super) fn load(
    paths: &[PathBuf],
    options: &LoadOptions,
    all_static: bool,
    keep_going: bool,
) -> anyhow::Result<Tree> {
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("sync rewrites files in place and cannot read `-` (stdin); name the files");
    }
    let mut listing = load::load_paths(paths, options)?;
    if !keep_going {
        listing = listing.into_valid()?;
    }
    let mut tree = Tree {
        files: Vec::new(),
        files_read: listing.files.len(),
        resources: listing.service_entries.len() + listing.sidecars.len(),
        invalid: Vec::new(),
    };
    for name in &listing.files {
        let (text, inputs) = read(name, options)?;
        if keep_going && !inputs.problems.is_empty() {
            // The same findings `check` gives for the file (MSH001, MSH002, …).
            tree.invalid.extend(rules::admission(&inputs).rejecting);
            continue;
        }
        tree.files
            .extend(managed_file(name, text, inputs, all_static)?);
    }
    Ok(tree)
}

/// Reads one file, loaded from exactly the bytes read; `None` when it holds no managed entry.
pub(super) fn read_one(
    name: &Arc<str>,
    options: &LoadOptions,
    all_static: bool,
) -> anyhow::Result<Option<File>> {
    let (text, inputs) = read(name, options)?;
    managed_file(name, text, inputs, all_static)
}

/// A file's text and its documents, loaded from exactly that text.
fn read(name: &Arc<str>, options: &LoadOptions) -> anyhow::Result<(String, Inputs)> {
    let text = std::fs::read_to_string(&**name).with_context(|| format!("reading `{name}`"))?;
    let inputs = load::load_bytes(name, text.as_bytes(), options)?;
    Ok((text, inputs))
}

/// The file, when it is valid and holds managed entries.
fn managed_file(
    name: &Arc<str>,
    text: String,
    inputs: Inputs,
    all_static: bool,
) -> anyhow::Result<Option<File>> {
    let inputs = inputs.into_valid()?;
    let managed = sync::find(&inputs, all_static)?;
    Ok((!managed.is_empty()).then(|| File {
        path: name.clone(),
        text,
        inputs,
        managed,
    }))
}

/// The plans of one file.
pub(super) struct Planned<'t> {
    /// The file.
    pub(super) file: &'t File,
    /// Its entries whose host was looked up, with their plans.
    pub(super) plans: Vec<(&'t Managed, Plan)>,
}

impl Planned<'_> {
    /// The file's new text, when it changes.
    pub(super) fn new_text(&self) -> anyhow::Result<Option<String>> {
        let plans: Vec<(&Managed, &Plan)> = self.plans.iter().map(|(m, p)| (*m, p)).collect();
        let text =
            sync::write::rewrite(&self.file.text, &self.file.path, &self.file.inputs, &plans)?;
        Ok((text != self.file.text).then_some(text))
    }

    /// The managed entries as they should be (for `-o yaml`).
    pub(super) fn documents(&self) -> Vec<ServiceEntry> {
        let lines = sync::edit::Lines::new(&self.file.text);
        self.plans
            .iter()
            .filter_map(|(m, plan)| {
                let loaded = self.file.inputs.service_entries.get(m.index)?;
                let mut se = loaded.resource.clone();
                // The loader fills in the default namespace (a key placed at `metadata`'s own
                // position); `kubectl apply -n` must still decide for documents naming none.
                let written = match loaded.node.get("metadata").map(|m| &m.value) {
                    Some(load::node::Value::Map(keys)) => keys.iter().any(|(k, _)| {
                        k.name == "namespace"
                            && self.file.text[lines.offset(k.pos)..]
                                .trim_start_matches(['"', '\''])
                                .starts_with("namespace")
                    }),
                    _ => false,
                };
                if !written {
                    se.metadata.namespace = None;
                }
                let old = std::mem::take(&mut se.spec.addresses);
                se.spec.addresses = plan
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        Item::Existing(i) => old.get(*i).cloned(),
                        Item::New(text) => Some(text.clone()),
                    })
                    .collect();
                if plan.departed.is_empty() {
                    se.metadata.annotations.remove(DEPARTED_ANNOTATION);
                } else {
                    se.metadata
                        .annotations
                        .insert(DEPARTED_ANNOTATION.to_owned(), plan.departed.to_string());
                }
                // What `--write` records when a flag lets an address class through.
                if let Some(allowed) = plan.record_allowed {
                    se.metadata.annotations.insert(
                        meshctl_core::pinning::ALLOWED_ANNOTATION.to_owned(),
                        allowed.to_string(),
                    );
                }
                Some(se)
            })
            .collect()
    }
}

/// Plans every managed entry whose host is in `answers`, file by file.
pub(super) fn plan_all<'t>(
    tree: &'t Tree,
    answers: &BTreeMap<String, Result<Lookup, DnsError>>,
    now: SystemTime,
    settings: Settings,
) -> Vec<Planned<'t>> {
    tree.files
        .iter()
        .map(|file| plan_file(file, answers, now, settings))
        .filter(|p| !p.plans.is_empty())
        .collect()
}

/// Plans the managed entries of one file whose host is in `answers`.
pub(super) fn plan_file<'t>(
    file: &'t File,
    answers: &BTreeMap<String, Result<Lookup, DnsError>>,
    now: SystemTime,
    settings: Settings,
) -> Planned<'t> {
    Planned {
        file,
        plans: file
            .managed
            .iter()
            .filter_map(|m| {
                let answer = answers.get(&m.host)?;
                Some((m, sync::plan(m, answer, now, settings)))
            })
            .collect(),
    }
}
