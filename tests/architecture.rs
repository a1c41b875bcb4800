//! `docs/architecture.md` stays true: each claim of it that a machine can check is checked here,
//! from the files themselves (manifests, module trees, the rule registry's source), so a change
//! that breaks one fails `cargo test` and names the line to fix. Import loops and child → parent
//! imports are `scripts/import-cycles.py`'s, which `.ci/run` runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The crates only the binary may know: the command line and the terminal.
const CLI_ONLY: [&str; 5] = [
    "clap",
    "clap_complete",
    "clap_mangen",
    "comfy-table",
    "colored",
];

/// The workspace crates each library may depend on (normal and build dependencies).
const ARROWS: [(&str, &[&str]); 2] = [("meshctl-core", &[]), ("meshctl-proxy", &["meshctl-core"])];

/// Rule families by the hundreds digit of the code (`rules/mod.rs`).
const FAMILIES: [&str; 6] = ["input", "admission", "tcp", "dns", "conflicts", "scope"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn architecture() -> String {
    read(&root().join("docs/architecture.md"))
}

fn manifest(dir: &Path) -> toml::Table {
    let path = dir.join("Cargo.toml");
    read(&path)
        .parse()
        .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The directories of the workspace members besides the root package.
fn members() -> Vec<PathBuf> {
    let workspace = manifest(root());
    let members = workspace["workspace"]["members"]
        .as_array()
        .expect("[workspace] members is a list");
    let dirs: Vec<PathBuf> = members
        .iter()
        .map(|m| root().join(m.as_str().expect("a member is a path")))
        .collect();
    assert!(!dirs.is_empty(), "no workspace member found");
    dirs
}

/// The package names a manifest depends on in `table` (`dependencies`, `dev-dependencies`,
/// `build-dependencies`), read through a `package = "…"` rename.
fn dependencies(manifest: &toml::Table, table: &str) -> BTreeSet<String> {
    let Some(deps) = manifest.get(table).and_then(toml::Value::as_table) else {
        return BTreeSet::new();
    };
    deps.iter()
        .map(|(key, value)| {
            value
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_owned()
        })
        .collect()
}

fn package_name(manifest: &toml::Table) -> String {
    manifest["package"]["name"]
        .as_str()
        .expect("package.name")
        .to_owned()
}

#[test]
fn libraries_point_down_and_never_at_the_command_line() {
    let binary = package_name(&manifest(root()));
    let workspace: BTreeSet<String> = members()
        .iter()
        .map(|dir| package_name(&manifest(dir)))
        .chain([binary.clone()])
        .collect();
    let mut checked = BTreeSet::new();
    for dir in members() {
        let manifest = manifest(&dir);
        let name = package_name(&manifest);
        for table in ["dependencies", "build-dependencies", "dev-dependencies"] {
            let deps = dependencies(&manifest, table);
            assert!(
                !deps.contains(&binary),
                "{name} depends on the binary crate `{binary}` ({table})"
            );
            for cli in CLI_ONLY {
                assert!(
                    !deps.contains(cli),
                    "{name} depends on `{cli}` ({table}): only the binary knows the command line and the terminal"
                );
            }
        }
        if let Some((_, allowed)) = ARROWS.iter().find(|(crate_name, _)| *crate_name == name) {
            let mut inside = dependencies(&manifest, "dependencies");
            inside.extend(dependencies(&manifest, "build-dependencies"));
            inside.retain(|dep| workspace.contains(dep));
            let allowed: BTreeSet<String> = allowed.iter().map(|a| (*a).to_owned()).collect();
            assert_eq!(
                inside, allowed,
                "{name}'s arrows into the workspace differ from docs/architecture.md"
            );
            checked.insert(name);
        }
    }
    let expected: BTreeSet<String> = ARROWS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(
        checked, expected,
        "a library named here is not a workspace member"
    );
}

/// The top-level modules of a crate: each `.rs` file and directory directly under `src/`,
/// without the crate roots, tests (`tests.rs`, `*_tests.rs`) and insta's `snapshots/`. A directory beside a
/// file of the same name holds that module's children, so it is one module.
fn top_level_modules(src: &Path) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())) {
        let path = entry.expect("directory entry").path();
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let module = if path.is_dir() {
            name
        } else if let Some(stem) = name.strip_suffix(".rs") {
            stem.to_owned()
        } else {
            continue;
        };
        // `lib.rs` and `main.rs` are the crate itself, described by its paragraph.
        if ["lib", "main", "snapshots", "tests"].contains(&module.as_str())
            || module.ends_with("_tests")
        {
            continue;
        }
        modules.insert(module);
    }
    assert!(!modules.is_empty(), "no module found in {}", src.display());
    modules
}

/// Whether `text` names module `module`: `` `module` ``, `` `module.rs` ``, `` `module/` `` or
/// a path ending in one of them.
fn names(text: &str, module: &str) -> bool {
    [
        format!("`{module}`"),
        format!("`{module}.rs`"),
        format!("`{module}/`"),
        format!("/{module}.rs"),
        format!("/{module}/"),
    ]
    .iter()
    .any(|form| text.contains(form.as_str()))
}

/// The paragraph of `docs/architecture.md` about the crate at `path` (`crates/core`): from its
/// bold heading to the next paragraph that opens in bold.
fn crate_section<'a>(doc: &'a str, path: &str) -> &'a str {
    let heading = format!("**`{path}`**");
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/architecture.md has no paragraph opening with {heading}"));
    let rest = &doc[start + heading.len()..];
    let end = rest.find("\n**").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn every_top_level_module_is_named_in_the_architecture() {
    let doc = architecture();
    let mut missing = Vec::new();
    // The binary's modules are described along the data flow of a command, anywhere on the page.
    for module in top_level_modules(&root().join("src")) {
        if !names(&doc, &module) {
            missing.push(format!("src/{module}"));
        }
    }
    for dir in members() {
        let path = dir
            .strip_prefix(root())
            .expect("a member inside the workspace")
            .to_string_lossy()
            .into_owned();
        let section = crate_section(&doc, &path);
        for module in top_level_modules(&dir.join("src")) {
            if !names(section, &module) {
                missing.push(format!("{path}/src/{module}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not say what these modules own: {missing:?}"
    );
}

fn rules_dir() -> PathBuf {
    root().join("crates/core/src/rules")
}

/// Every `msh<digits>_*.rs` file under `dir`, recursively.
fn rule_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rule_files(&path, found);
            continue;
        }
        let name = path.file_name().expect("a file name").to_string_lossy();
        let digits = name.get(3..6).unwrap_or("");
        if name.starts_with("msh")
            && digits.bytes().all(|b| b.is_ascii_digit())
            && name.get(6..7) == Some("_")
            && name.ends_with(".rs")
        {
            found.push(path);
        }
    }
}

/// The crate's `build.rs` declares a rule from its file alone, so the file must sit in the family
/// its code's hundreds name, open with the explanation's title and state its `RULE` row.
#[test]
fn every_rule_file_sits_in_its_family_and_states_its_row() {
    let mut files = Vec::new();
    rule_files(&rules_dir(), &mut files);
    assert!(files.len() > 10, "found only {} rule files", files.len());
    let mut codes = BTreeSet::new();
    for file in &files {
        let name = file.file_name().expect("a file name").to_string_lossy();
        let digits = &name[3..6];
        let code = format!("MSH{digits}");
        assert!(codes.insert(code.clone()), "{code} has two rule files");
        let hundreds = usize::from(digits.as_bytes()[0] - b'0');
        let family = FAMILIES
            .get(hundreds)
            .unwrap_or_else(|| panic!("{code}: no family for its hundreds"));
        assert_eq!(
            file.parent(),
            Some(rules_dir().join(family).as_path()),
            "{code} must live in rules/{family}/"
        );
        let text = read(file);
        let title = format!(
            "//! # {code} {}\n",
            name[7..name.len() - 3].replace('_', "-")
        );
        assert!(
            text.starts_with(&title),
            "{name} must open with `{}`",
            title.trim_end()
        );
        assert!(
            text.contains("pub(crate) const RULE: Row = Row {"),
            "{name} must state its `RULE: Row`"
        );
        // The registry includes every rule file's `RULE`; a rule file naming the registry back
        // would close a loop the import check cannot see through `include!`.
        assert!(
            !text.contains("rules::registry") && !text.contains("super::registry"),
            "{name} imports the registry; name a rule through `rules::rule::Rule`"
        );
    }
}

/// `cargo fmt` does not expand the `include!` that declares the rule modules, so it never sees
/// the rule files: this checks them the way it checks everything else.
#[test]
fn rule_files_are_formatted() {
    let mut files = Vec::new();
    rule_files(&rules_dir(), &mut files);
    let out = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .args(&files)
        .output()
        .expect("rustfmt runs (it comes with cargo)");
    assert!(
        out.status.success(),
        "rule files need `rustfmt --edition 2024 crates/core/src/rules/*/msh*.rs`:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_import_check_is_run_by_ci() {
    let ci = read(&root().join(".ci/run"));
    assert!(
        ci.contains("scripts/import-cycles.py"),
        "docs/architecture.md promises that .ci/run runs scripts/import-cycles.py"
    );
    assert!(
        architecture().contains("scripts/import-cycles.py"),
        "docs/architecture.md names the import check"
    );
}
