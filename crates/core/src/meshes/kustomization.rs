//! What a `kustomization.yaml` points at, read without running kustomize: the directories it
//! builds on (`resources`, `bases`, `components` entries that are directories) and the files it
//! consumes (resources, patches, generator inputs). Discovery uses this to tell an overlay (a
//! root: nothing references it) from a base or a component (rendered only through the overlays
//! that reference it), and to keep every consumed file from being linted on its own: a patch is
//! half a resource, not one.
//!
//! Field names follow kustomize's `Kustomization` type (sigs.k8s.io/kustomize/api/types
//! `kustomization.go`). Remote references (`https://…`, `github.com/…`) are left to kustomize.

use std::path::{Component, Path, PathBuf};

use crate::load::{self, Node};

/// The names kustomize looks for in a directory, in its order.
pub(crate) const FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// One kustomization's references, as normalized paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct References {
    /// Directories it builds on (each holds a kustomization of its own).
    pub(crate) dirs: Vec<PathBuf>,
    /// Files it reads: resources, patches, generator inputs.
    pub(crate) files: Vec<PathBuf>,
}

/// Reads the kustomization at `file` and resolves its references against its directory.
///
/// # Errors
/// A one-line message naming the file when it cannot be read or parsed.
pub(crate) fn references(file: &Path) -> Result<References, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("`{}`: {e}", file.display()))?;
    let docs = load::read_nodes(&bytes).map_err(|e| format!("`{}`:{e}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut out = References::default();
    for doc in &docs {
        collect(doc, dir, &mut out);
    }
    out.dirs.sort();
    out.dirs.dedup();
    out.files.sort();
    out.files.dedup();
    Ok(out)
}

fn collect(doc: &Node, dir: &Path, out: &mut References) {
    for key in ["resources", "bases", "components"] {
        for text in strings(doc.get(key)) {
            if remote(text) {
                continue;
            }
            let path = normalize(&dir.join(text));
            if path.is_dir() {
                out.dirs.push(path);
            } else {
                out.files.push(path);
            }
        }
    }
    for key in [
        "patchesStrategicMerge",
        "crds",
        "configurations",
        "transformers",
        "generators",
    ] {
        for text in strings(doc.get(key)) {
            // An inline patch is YAML text, not a path.
            if !text.contains('\n') && !remote(text) {
                out.files.push(normalize(&dir.join(text)));
            }
        }
    }
    for key in ["patches", "patchesJson6902", "replacements"] {
        if let Some(Node {
            value: load::node::Value::Seq(items),
            ..
        }) = doc.get(key)
        {
            for item in items {
                if let Some(path) = item.get_str("path") {
                    out.files.push(normalize(&dir.join(path)));
                }
            }
        }
    }
    for key in ["configMapGenerator", "secretGenerator"] {
        if let Some(Node {
            value: load::node::Value::Seq(items),
            ..
        }) = doc.get(key)
        {
            for item in items {
                for list in ["files", "envs"] {
                    for text in strings(item.get(list)) {
                        // `key=path` names the key the file is stored under.
                        let path = text.rsplit_once('=').map_or(text, |(_, p)| p);
                        out.files.push(normalize(&dir.join(path)));
                    }
                }
                if let Some(env) = item.get_str("env") {
                    out.files.push(normalize(&dir.join(env)));
                }
            }
        }
    }
}

/// The strings of a sequence node (other items are kustomize's to reject).
fn strings(node: Option<&Node>) -> impl Iterator<Item = &str> {
    let items: &[Node] = match node {
        Some(Node {
            value: load::node::Value::Seq(items),
            ..
        }) => items,
        _ => &[],
    };
    items.iter().filter_map(Node::as_str)
}

/// A reference kustomize fetches rather than reads from disk.
fn remote(text: &str) -> bool {
    text.contains("://") || text.starts_with("github.com/") || text.starts_with("git@")
}

/// `a/b/../c` → `a/c` without touching the filesystem (kustomize resolves references the
/// same way, relative to the kustomization's directory, before any symlink).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_name =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_name {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// The kustomization file in `dir`, if there is one.
pub(crate) fn file_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_kustomize() {
        assert_eq!(normalize(Path::new("a/b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("./a/./b")), PathBuf::from("a/b"));
        assert_eq!(normalize(Path::new("a/..")), PathBuf::from("."));
        assert_eq!(
            normalize(Path::new("overlays/prod/../../base")),
            PathBuf::from("base")
        );
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }

    #[test]
    fn reads_every_kind_of_reference() {
        let dir = std::env::temp_dir().join(format!("meshctl-kz-refs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("overlay")).expect("mkdir");
        std::fs::create_dir_all(dir.join("base")).expect("mkdir");
        std::fs::write(
            dir.join("overlay/kustomization.yaml"),
            "resources: [../base, extra.yaml, https://example.com/x.yaml]\n\
             components: [../base]\n\
             patches:\n- path: patch.yaml\n- patch: |-\n    - op: remove\n\
             patchesStrategicMerge: [psm.yaml]\n\
             configMapGenerator:\n- name: c\n  files: [k=data.txt]\n",
        )
        .expect("write");
        let refs = references(&dir.join("overlay/kustomization.yaml")).expect("refs");
        assert_eq!(refs.dirs, [normalize(&dir.join("base"))]);
        let names: Vec<String> = refs
            .files
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["data.txt", "extra.yaml", "patch.yaml", "psm.yaml"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
