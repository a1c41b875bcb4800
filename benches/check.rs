//! `meshctl check` benchmark: load + every rule on the two corpus shapes of
//! `scripts/gen-check-corpus.py` (10,000 documents each), as `commands/check.rs` runs them
//! minus rendering:
//!
//! - `one-per-file`: 10,000 one-document files of about one kilobyte (~9 MB, 60 % ServiceEntries);
//! - `multi-document`: 100 files of 100 documents each (~3.4 MB, 70 %
//!   ServiceEntries, a Sidecar in 40 namespaces).
//!
//! The corpus is written by the script itself (one generator for the README, this bench and
//! `scripts/bench-check.sh`) into a temporary directory, so the bench needs `python3`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use meshctl_core::rules::{self, RuleSelection};
use meshctl_core::workspace::{Sources, Workspace};

const DOCUMENTS: usize = 10_000;
const SHAPES: [&str; 2] = ["one-per-file", "multi-document"];

/// A directory removed when the bench ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("meshctl-bench-check-{}", std::process::id()));
        std::fs::create_dir_all(&path).expect("creating the corpus directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn generate(out: &Path, shape: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-check-corpus.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(out)
        .arg(DOCUMENTS.to_string())
        .arg("--shape")
        .arg(shape)
        .status()
        .expect("running python3 scripts/gen-check-corpus.py");
    assert!(status.success(), "gen-check-corpus.py failed: {status}");
}

/// Load and lint as `meshctl check DIR` does with its defaults; the number of findings.
fn check(dir: &Path, selection: &RuleSelection) -> usize {
    let workspace = Workspace::load(&Sources {
        paths: vec![dir.to_path_buf()],
        ..Sources::default()
    })
    .expect("the corpus loads");
    rules::check(&workspace.lint_context(), selection).len()
}

fn bench_check(c: &mut Criterion) {
    let temp = TempDir::new();
    let selection = RuleSelection::default();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for shape in SHAPES {
        let dir = temp.0.join(shape);
        generate(&dir, shape);
        // Keep the benchmark honest: the corpus has mistakes, and every rule sees them.
        assert!(check(&dir, &selection) > 1_000, "{shape}: too few findings");
        group.bench_with_input(BenchmarkId::new("load+rules", shape), &dir, |b, dir| {
            b.iter(|| check(black_box(dir), &selection));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench_check
}
criterion_main!(benches);
