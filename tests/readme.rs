//! The README cannot drift from the binary: every `$ meshctl …` line in a fenced block is run
//! from the repository root (so `fixtures/…` paths resolve) and its output — stderr, then
//! stdout, as a terminal shows a command that warns before it prints — must equal the lines
//! the README shows under it. `--nameserver 127.0.0.1:5353` is the in-process test DNS server
//! (`meshctl_testkit::dns`), started fresh for each command so answers that rotate
//! start from the first. A block of a long-running or stateful session (the proxy serving,
//! `sync` against a database that moved) is preceded by `<!-- readme-test: skip (reason) -->`;
//! the test counts both kinds, so a new example is either executed or explicitly excused.

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;

/// The nameserver the README's examples name.
const README_NAMESERVER: &str = "127.0.0.1:5353";

/// A `$ meshctl …` line and the output the README shows for it.
struct Example {
    line: usize,
    args: Vec<String>,
    want: String,
}

/// The examples of every fenced block, and how many `$ meshctl` lines sat in skipped blocks.
fn examples(readme: &str) -> (Vec<Example>, usize) {
    let mut examples = Vec::new();
    let mut skipped = 0;
    let mut in_block = false;
    let mut skip_block = false;
    let mut skip_next = false;
    let mut current: Option<Example> = None;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            if in_block {
                examples.extend(current.take());
            } else {
                skip_block = skip_next;
                skip_next = false;
            }
            in_block = !in_block;
            continue;
        }
        if !in_block {
            if line.trim_start().starts_with("<!-- readme-test: skip") {
                skip_next = true;
            }
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            examples.extend(current.take());
            let Some(rest) = command.strip_prefix("meshctl ") else {
                continue;
            };
            if skip_block {
                skipped += 1;
                continue;
            }
            current = Some(Example {
                line: i + 1,
                args: rest.split_whitespace().map(str::to_owned).collect(),
                want: String::new(),
            });
        } else if let Some(example) = current.as_mut() {
            example.want.push_str(line);
            example.want.push('\n');
        }
    }
    (examples, skipped)
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

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (examples, skipped) = examples(&readme);
    assert!(
        examples.len() >= 12,
        "found only {} runnable examples",
        examples.len()
    );
    assert!(
        skipped <= 5,
        "{skipped} examples are skipped; run them instead"
    );
    let mut drift = String::new();
    for example in &examples {
        let got = run(example);
        if got.trim_end() != example.want.trim_end() {
            let _ = writeln!(
                drift,
                "README.md:{}: $ meshctl {}\n--- README\n{}--- binary\n{got}",
                example.line,
                example.args.join(" "),
                example.want,
            );
        }
    }
    assert!(drift.is_empty(), "the README drifted:\n{drift}");
}
