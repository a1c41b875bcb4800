//! The README and the reference pages under `docs/` cannot drift from the binary: every
//! `$ meshctl …` line in a fenced block is run from the repository root (so `fixtures/…` paths
//! resolve) and its output — stderr, then stdout, as a terminal shows a command that warns before
//! it prints — must equal the lines shown under it. `--nameserver 127.0.0.1:5353` is the test DNS
//! zone (`meshctl_testkit::dns`, which `cargo run -p meshctl-testkit --example readme-dns` serves
//! outside the tests), started fresh for each command so answers that rotate start from the
//! first.
//!
//! Every fenced block of the README is accounted for: it runs `$ meshctl` examples, or it is
//! preceded by `<!-- readme-test: file PATH -->` and must appear verbatim in that file of the
//! repository, or by `<!-- readme-test: skip (reason) -->` saying why it cannot run here (a
//! server that runs until stopped, a download, a cluster).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The nameserver the examples name.
const README_NAMESERVER: &str = "127.0.0.1:5353";

/// A `$ meshctl …` line and the output the page shows for it.
struct Example {
    line: usize,
    args: Vec<String>,
    want: String,
}

/// How a fenced block is checked.
#[derive(Debug, PartialEq)]
enum Check {
    /// Its `$ meshctl` lines run (a block without one is unchecked).
    Run,
    /// `<!-- readme-test: skip (reason) -->`.
    Skip,
    /// `<!-- readme-test: file PATH -->`: the block is an excerpt of PATH.
    File(String),
}

/// One fenced block of a page.
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    check: Check,
    text: String,
    examples: Vec<Example>,
}

/// The page's fenced blocks, in order. A marker applies to the block right after it.
fn blocks(page: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    let mut marker = Check::Run;
    for (i, line) in page.lines().enumerate() {
        if line.starts_with("```") {
            match open.take() {
                Some(block) => blocks.push(block),
                None => {
                    open = Some(Block {
                        line: i + 1,
                        check: std::mem::replace(&mut marker, Check::Run),
                        text: String::new(),
                        examples: Vec::new(),
                    });
                }
            }
            continue;
        }
        let Some(block) = open.as_mut() else {
            let line = line.trim();
            if let Some(reason) = line.strip_prefix("<!-- readme-test: skip") {
                assert!(
                    reason.trim_start().starts_with('(') && reason.len() > 8,
                    "line {}: a skipped block says why: `<!-- readme-test: skip (reason) -->`",
                    i + 1
                );
                marker = Check::Skip;
            } else if let Some(rest) = line.strip_prefix("<!-- readme-test: file ") {
                let path = rest.trim_end_matches("-->").trim();
                marker = Check::File(path.to_owned());
            }
            continue;
        };
        block.text.push_str(line);
        block.text.push('\n');
        if let Some(command) = line.strip_prefix("$ ") {
            if let Some(rest) = command.strip_prefix("meshctl ") {
                block.examples.push(Example {
                    line: i + 1,
                    args: rest.split_whitespace().map(str::to_owned).collect(),
                    want: String::new(),
                });
            } else {
                // Another program's output is not meshctl's to check.
                block.examples.push(Example {
                    line: i + 1,
                    args: Vec::new(),
                    want: String::new(),
                });
            }
        } else if let Some(example) = block.examples.last_mut() {
            example.want.push_str(line);
            example.want.push('\n');
        }
    }
    blocks
}

fn run(example: &Example) -> String {
    let dns = meshctl_testkit::dns::TestDns::start();
    let nameserver = dns.nameserver_arg();
    let args: Vec<String> = example
        .args
        .iter()
        .map(|a| a.replace(README_NAMESERVER, &nameserver))
        .collect();
    let output = Command::cargo_bin("meshctl")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("MYSQL_DB_HOST")
        .env_remove("MYSQL_DB_PORT")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .args(&args)
        .output()
        .expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    text.replace(&nameserver, README_NAMESERVER)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown page under docs/, relative to the repository root.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![PathBuf::from("README.md")];
    let mut dirs = vec![PathBuf::from("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(root().join(&dir)).expect("docs/ is readable") {
            let name = entry.expect("directory entry").file_name();
            let path = dir.join(name);
            if root().join(&path).is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// Runs the page's examples outside skipped blocks; returns how many ran and the drift.
fn check_examples(page: &Path, blocks: &[Block], drift: &mut String) -> usize {
    let mut ran = 0;
    for block in blocks.iter().filter(|b| b.check != Check::Skip) {
        for example in block.examples.iter().filter(|e| !e.args.is_empty()) {
            ran += 1;
            let got = run(example);
            if got.trim_end() != example.want.trim_end() {
                let _ = writeln!(
                    drift,
                    "{}:{}: $ meshctl {}\n--- page\n{}--- binary\n{got}",
                    page.display(),
                    example.line,
                    example.args.join(" "),
                    example.want,
                );
            }
        }
    }
    ran
}

#[test]
fn every_example_prints_what_the_page_shows() {
    let mut drift = String::new();
    let mut ran = 0;
    for page in pages() {
        let text = std::fs::read_to_string(root().join(&page)).expect("page is readable");
        ran += check_examples(&page, &blocks(&text), &mut drift);
    }
    assert!(ran >= 30, "found only {ran} runnable examples");
    assert!(drift.is_empty(), "the docs drifted:\n{drift}");
}

#[test]
fn every_readme_block_runs_or_is_a_file_or_says_why_not() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let blocks = blocks(&readme);
    let mut problems = String::new();
    let (mut run_blocks, mut files, mut skipped) = (0, 0, 0);
    for block in &blocks {
        match &block.check {
            Check::Run => {
                let runs_meshctl = block.examples.iter().any(|e| !e.args.is_empty());
                let other = block.examples.iter().any(|e| e.args.is_empty());
                if !runs_meshctl || other {
                    let _ = writeln!(
                        problems,
                        "README.md:{}: a block that runs no `$ meshctl` example (or another program) needs a `readme-test: file` or `readme-test: skip (reason)` marker",
                        block.line
                    );
                }
                run_blocks += 1;
            }
            Check::File(path) => {
                let file = std::fs::read_to_string(root().join(path)).unwrap_or_default();
                if !file.contains(&block.text) {
                    let _ = writeln!(
                        problems,
                        "README.md:{}: the block is not an excerpt of {path}",
                        block.line
                    );
                }
                files += 1;
            }
            Check::Skip => skipped += 1,
        }
    }
    assert!(problems.is_empty(), "{problems}");
    assert!(
        run_blocks >= 12 && files >= 1,
        "{run_blocks} blocks run, {files} are files"
    );
    assert!(
        skipped <= 12,
        "{skipped} README blocks are skipped; run them instead"
    );
}

#[test]
fn a_block_is_checked_as_its_marker_says() {
    let page = "<!-- readme-test: skip (a server) -->\n```\n$ meshctl proxy\n```\n\
                <!-- readme-test: file fixtures/x -->\n```toml\na = 1\n```\n\
                ```\n$ meshctl version\nmeshctl\n$ git diff\n```\n";
    let blocks = blocks(page);
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[0].check, Check::Skip);
    assert_eq!(blocks[1].check, Check::File("fixtures/x".to_owned()));
    assert_eq!(blocks[1].text, "a = 1\n");
    assert_eq!(blocks[2].check, Check::Run);
    assert_eq!(blocks[2].examples.len(), 2);
    assert_eq!(blocks[2].examples[0].want, "meshctl\n");
    assert!(blocks[2].examples[1].args.is_empty());
}

/// Every relative link of the README and the docs leads to a file of the repository.
#[test]
fn every_relative_link_resolves() {
    let mut broken = String::new();
    for page in pages() {
        let text = std::fs::read_to_string(root().join(&page)).expect("page is readable");
        let dir = page.parent().unwrap_or(Path::new(""));
        for (i, line) in text.lines().enumerate() {
            for target in line.split("](").skip(1).filter_map(|s| s.split(')').next()) {
                let path = target.split('#').next().unwrap_or("");
                if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                    continue;
                }
                if !root().join(dir).join(path).exists() {
                    let _ = writeln!(broken, "{}:{}: {target}", page.display(), i + 1);
                }
            }
        }
    }
    assert!(broken.is_empty(), "links to nothing:\n{broken}");
}
