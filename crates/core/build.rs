//! Generates the rule catalogue from the rule files themselves, so adding a rule means writing
//! `src/rules/<family>/mshNNN_<name>.rs` (plus its two fixtures) and nothing else by hand.
//!
//! A rule file's name gives its code, its kebab-case name and its enum variant; its `//!` module
//! documentation is the explanation `check --explain` prints; its `RULE` constant gives the
//! severity, the check function and the summary. From the file names alone this script writes
//! into `OUT_DIR`:
//! - `rule_modules_<family>.rs`: the family's `mod` declarations, included by its `mod.rs`;
//! - `rule_enum.rs`: the `Rule` enum with its codes and names, included by `rules/rule.rs`;
//! - `rule_rows.rs`: every rule's `RULE` and explanation in code order, included by
//!   `rules/registry.rs`;
//! - `explanations/MSHNNN.md`: each file's module documentation without the `//!` markers.
//!
//! The generated modules are outside `cargo fmt`'s reach (it does not expand `include!`), so
//! `tests/architecture.rs` runs `rustfmt --check` on the rule files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const FAMILIES: &[&str] = &["input", "admission", "tcp", "dns", "conflicts", "scope"];

struct RuleFile {
    family: &'static str,
    module: String,
    code: String,
    name: String,
    variant: String,
    path: PathBuf,
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let rules_dir = root.join("src/rules");
    println!("cargo:rerun-if-changed=build.rs");
    let mut rules = Vec::new();
    for family in FAMILIES {
        let dir = rules_dir.join(family);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut modules = String::new();
        for file in rule_files(&dir) {
            let rule = describe(family, file);
            println!("cargo:rerun-if-changed={}", rule.path.display());
            writeln!(
                modules,
                "#[path = {:?}]\npub(super) mod {};",
                rule.path.display().to_string(),
                rule.module
            )
            .expect("writing to a String");
            rules.push(rule);
        }
        write(&out.join(format!("rule_modules_{family}.rs")), &modules);
    }
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    if let Some(pair) = rules.windows(2).find(|w| w[0].code == w[1].code) {
        panic!(
            "two rule files share the code {}: {} and {}",
            pair[0].code,
            pair[0].path.display(),
            pair[1].path.display()
        );
    }
    let explanations = out.join("explanations");
    fs::create_dir_all(&explanations).expect("OUT_DIR is writable");
    for rule in &rules {
        let text = fs::read_to_string(&rule.path).expect("rule file is readable");
        write(
            &explanations.join(format!("{}.md", rule.code)),
            &module_doc(&text),
        );
    }
    write(&out.join("rule_enum.rs"), &rule_enum(&rules));
    write(&out.join("rule_rows.rs"), &rule_rows(&rules, &explanations));
}

/// The `mshNNN_<name>.rs` files of one family directory, sorted.
fn rule_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.len() > 7
                && name.starts_with("msh")
                && name[3..6].bytes().all(|b| b.is_ascii_digit())
                && name.as_bytes()[6] == b'_'
                && path.extension().is_some_and(|ext| ext == "rs")
        })
        .collect();
    files.sort();
    files
}

fn describe(family: &'static str, path: PathBuf) -> RuleFile {
    let module = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("UTF-8 file name")
        .to_owned();
    let (number, rest) = module.split_at(6);
    let code = number.to_ascii_uppercase();
    let name = rest.trim_start_matches('_').replace('_', "-");
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
        "{}: a rule file is named mshNNN_<lowercase_name>.rs",
        path.display()
    );
    let variant = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    RuleFile {
        family,
        module,
        code,
        name,
        variant,
        path,
    }
}

/// The leading `//!` lines of a file without their markers: the rule's explanation.
fn module_doc(text: &str) -> String {
    let mut doc = String::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        doc.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        doc.push('\n');
    }
    doc
}

fn rule_enum(rules: &[RuleFile]) -> String {
    let mut text = String::from(
        "/// Every rule, in code order.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n\
         pub enum Rule {\n",
    );
    for (index, rule) in rules.iter().enumerate() {
        writeln!(
            text,
            "    /// {} `{}`.\n    {} = {index},",
            rule.code, rule.name, rule.variant
        )
        .expect("writing to a String");
    }
    text.push_str("}\n\nimpl Rule {\n    /// All rules in code order.\n    pub const ALL: &'static [Rule] = &[\n");
    for rule in rules {
        writeln!(text, "        Rule::{},", rule.variant).expect("writing to a String");
    }
    text.push_str("    ];\n\n    /// `MSH204`.\n    #[must_use]\n    pub fn code(self) -> &'static str {\n        CODES[self as usize]\n    }\n\n    /// `broad-cidr`.\n    #[must_use]\n    pub fn name(self) -> &'static str {\n        NAMES[self as usize]\n    }\n}\n\n");
    let list = |field: fn(&RuleFile) -> &str| {
        rules
            .iter()
            .map(|r| format!("{:?}", field(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        text,
        "const CODES: [&str; {n}] = [{}];\nconst NAMES: [&str; {n}] = [{}];",
        list(|r| &r.code),
        list(|r| &r.name),
        n = rules.len()
    )
    .expect("writing to a String");
    text
}

fn rule_rows(rules: &[RuleFile], explanations: &Path) -> String {
    let n = rules.len();
    let mut text = format!("static ROWS: [&Row; {n}] = [\n");
    for rule in rules {
        writeln!(text, "    &super::{}::{}::RULE,", rule.family, rule.module)
            .expect("writing to a String");
    }
    writeln!(text, "];\n\nstatic EXPLANATIONS: [&str; {n}] = [").expect("writing to a String");
    for rule in rules {
        let path = explanations.join(format!("{}.md", rule.code));
        writeln!(text, "    include_str!({:?}),", path.display().to_string())
            .expect("writing to a String");
    }
    text.push_str("];\n");
    text
}

/// Writes only when the content changes, so an unchanged catalogue does not rebuild the crate.
fn write(path: &Path, content: &str) {
    if fs::read_to_string(path).is_ok_and(|old| old == content) {
        return;
    }
    fs::write(path, content).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
