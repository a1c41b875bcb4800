//! The walker on real directories: a ConfigMap volume laid out as the kubelet does (and
//! updated with its atomic `..data` swap), hidden entries, editor files and dangling links.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::load::{LoadOptions, load_paths};

struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Tmp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "meshctl-walk-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp");
        Tmp(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn entry(name: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: {name}}}\nspec: {{hosts: [{name}.example.com], addresses: [203.0.113.7/32], ports: [{{number: 3306, name: tcp, protocol: TCP}}], resolution: NONE}}\n"
    )
}

fn names(walked: &Walked, root: &Path) -> Vec<String> {
    walked
        .files
        .iter()
        .map(|f| {
            f.strip_prefix(root)
                .expect("under root")
                .display()
                .to_string()
        })
        .collect()
}

/// What the kubelet's atomic writer does for one update: write a new timestamped directory,
/// point a temporary link at it, rename the link over `..data`, delete the old directory.
fn configmap_update(dir: &Path, stamp: &str, files: &[(&str, String)]) {
    let data = dir.join(stamp);
    std::fs::create_dir(&data).expect("timestamp dir");
    for (key, text) in files {
        std::fs::write(data.join(key), text).expect("key");
        let visible = dir.join(key);
        if std::fs::symlink_metadata(&visible).is_err() {
            symlink(Path::new("..data").join(key), &visible).expect("key link");
        }
    }
    let old = std::fs::read_link(dir.join("..data")).ok();
    symlink(stamp, dir.join("..data_tmp")).expect("tmp link");
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).expect("swap");
    if let Some(old) = old {
        std::fs::remove_dir_all(dir.join(old)).expect("old data");
    }
}

#[test]
fn a_configmap_volume_is_read_once_through_its_visible_names() {
    let tmp = Tmp::new();
    configmap_update(
        &tmp.0,
        "..2024_01_01_00_00_00.1",
        &[("entry.yaml", entry("first"))],
    );
    let walked = expand(std::slice::from_ref(&tmp.0), &WalkOptions::default()).expect("walk");
    assert_eq!(names(&walked, &tmp.0), ["entry.yaml"]);
    let inputs = load_paths(std::slice::from_ref(&tmp.0), &LoadOptions::default()).expect("load");
    assert_eq!(inputs.service_entries.len(), 1);
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);

    configmap_update(
        &tmp.0,
        "..2024_01_02_00_00_00.2",
        &[("entry.yaml", entry("second"))],
    );
    let inputs = load_paths(std::slice::from_ref(&tmp.0), &LoadOptions::default()).expect("load");
    let names: Vec<&str> = inputs
        .service_entries
        .iter()
        .map(|e| e.resource.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["second"], "read once, after the swap");
    assert!(inputs.skipped.is_empty(), "{:?}", inputs.skipped);
}

#[test]
fn hidden_entries_and_editor_files_are_skipped() {
    let tmp = Tmp::new();
    for rel in [
        "a.yaml",
        "sub/b.yml",
        ".git/x.yaml",
        ".hidden.yaml",
        "entry.yaml~",
        "#entry.yaml#",
        ".entry.yaml.swp",
        "notes.txt",
    ] {
        tmp.write(rel, &entry("x"));
    }
    let walked = expand(std::slice::from_ref(&tmp.0), &WalkOptions::default()).expect("walk");
    assert_eq!(names(&walked, &tmp.0), ["a.yaml", "sub/b.yml"]);
    let with_hidden = WalkOptions {
        include_hidden: true,
        ..WalkOptions::default()
    };
    let walked = expand(std::slice::from_ref(&tmp.0), &with_hidden).expect("walk");
    assert_eq!(
        names(&walked, &tmp.0),
        [".git/x.yaml", ".hidden.yaml", "a.yaml", "sub/b.yml"]
    );
}

#[test]
fn dangling_links_are_warnings_and_lock_links_are_ignored() {
    let tmp = Tmp::new();
    tmp.write("entry.yaml", &entry("db"));
    // Emacs' lock file: a dangling link named `.#entry.yaml`.
    symlink("root@host.1234:1700000000", tmp.0.join(".#entry.yaml")).expect("lock link");
    symlink("gone.yaml", tmp.0.join("stale.yaml")).expect("stale link");
    let walked = expand(std::slice::from_ref(&tmp.0), &WalkOptions::default()).expect("walk");
    assert_eq!(names(&walked, &tmp.0), ["entry.yaml"]);
    assert_eq!(walked.skipped.len(), 1, "{:?}", walked.skipped);
    let warning = walked.skipped[0].to_string();
    assert!(warning.contains("stale.yaml"), "{warning}");
    assert!(
        warning.contains("`gone.yaml`, which does not exist"),
        "{warning}"
    );
    let inputs = load_paths(std::slice::from_ref(&tmp.0), &LoadOptions::default()).expect("load");
    assert_eq!(inputs.service_entries.len(), 1);
    assert_eq!(inputs.unread.len(), 1);
}

#[test]
fn a_file_named_explicitly_is_read_whatever_its_name() {
    let tmp = Tmp::new();
    let odd = tmp.write(".entry.conf", &entry("db"));
    let walked = expand(std::slice::from_ref(&odd), &WalkOptions::default()).expect("walk");
    assert_eq!(walked.files, [odd]);
    let missing = tmp.0.join("missing.yaml");
    let walked = expand(std::slice::from_ref(&missing), &WalkOptions::default()).expect("walk");
    assert_eq!(walked.files, [missing], "reading it reports the error");
}

#[test]
fn a_hidden_root_directory_is_still_walked() {
    let tmp = Tmp::new();
    let root = tmp.0.join(".config");
    tmp.write(".config/a.yaml", &entry("a"));
    let walked = expand(std::slice::from_ref(&root), &WalkOptions::default()).expect("walk");
    assert_eq!(names(&walked, &root), ["a.yaml"]);
}

fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn gitignore_hidden_and_exclude_prune_like_ripgrep() {
    let dir = tree(
        "walk-ignore",
        &[
            (".gitignore", "/target\n"),
            ("target/debug/build.json", "{}"),
            (".github/workflows/ci.yaml", "on: push"),
            ("node_modules/pkg/package.json", "{}"),
            ("deploy/se.yaml", "kind: ServiceEntry"),
            ("deploy/notes.txt", "not a manifest"),
            ("config/..2024_01_01/se.yaml", "kind: ServiceEntry"),
            ("config/..data/se.yaml", "kind: ServiceEntry"),
        ],
    );
    let options = WalkOptions {
        exclude: vec!["node_modules".into()],
        ..WalkOptions::default()
    };
    let walked = expand(std::slice::from_ref(&dir), &options).expect("walk");
    assert_eq!(names(&walked, &dir), ["deploy/se.yaml"]);

    let all = WalkOptions {
        no_ignore: true,
        ..WalkOptions::default()
    };
    let walked = expand(std::slice::from_ref(&dir), &all).expect("walk");
    assert_eq!(
        names(&walked, &dir),
        [
            "deploy/se.yaml",
            "node_modules/pkg/package.json",
            "target/debug/build.json"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_exclude_glob_is_an_error_naming_it() {
    let dir = tree("walk-bad-glob", &[("a.yaml", "")]);
    let options = WalkOptions {
        exclude: vec!["a{b".into()],
        ..WalkOptions::default()
    };
    let err = expand(std::slice::from_ref(&dir), &options).expect_err("bad glob");
    assert!(
        matches!(&err, SourceError::BadExclude { glob, .. } if glob == "a{b"),
        "{err:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
