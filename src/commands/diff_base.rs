//! `diff --base REF`: the named paths as they are at a git revision, read from the repository's
//! objects (`git ls-tree -r` for the names, one `git cat-file --batch` for the contents) into a
//! private directory that only this run can read. No checkout, no clone: the working tree and
//! the index are never touched. The directory is removed when the snapshot is dropped, and
//! [`Snapshot::original`] turns its paths back into the ones the user named.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

/// The files under the named paths at one revision.
pub(super) struct Snapshot {
    dir: PathBuf,
    /// The named paths inside the snapshot, in the order given.
    pub(super) paths: Vec<PathBuf>,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `..` cannot stay `..` inside the snapshot directory.
const PARENT: &str = "_meshctl_parent_";

fn inside(dir: &Path, path: &Path) -> PathBuf {
    let mut out = dir.to_path_buf();
    for component in path.components() {
        match component {
            Component::ParentDir => out.push(PARENT),
            Component::Normal(part) => out.push(part),
            Component::CurDir => out.push("."),
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

impl Snapshot {
    /// A snapshot path as the user would have named it in the working tree.
    pub(super) fn original(&self, path: &str) -> String {
        let prefix = format!("{}/", self.dir.display());
        match path.strip_prefix(&prefix) {
            Some(rest) => rest.replace(PARENT, ".."),
            None => path.to_owned(),
        }
    }
}

fn git(args: &[&str]) -> Command {
    let mut cmd = Command::new("git");
    cmd.args(args);
    cmd
}

/// Reads `paths` at `rev`.
pub(super) fn at_revision(rev: &str, paths: &[PathBuf]) -> anyhow::Result<Snapshot> {
    if rev.starts_with('-') {
        bail!("--base `{rev}` is not a revision");
    }
    let commit = format!("{rev}^{{commit}}");
    let verified = git(&["rev-parse", "--verify", "--quiet", &commit])
        .stderr(Stdio::null())
        .output()
        .context("running `git` (is it on PATH?)")?;
    if !verified.status.success() {
        bail!("--base `{rev}` is not a commit of the git repository here");
    }
    let commit = String::from_utf8_lossy(&verified.stdout).trim().to_owned();
    let mut list = git(&["ls-tree", "-r", "-z", &commit, "--"]);
    list.args(paths);
    let listed = list.output().context("running `git ls-tree`")?;
    if !listed.status.success() {
        bail!(
            "git ls-tree {rev}: {}",
            String::from_utf8_lossy(&listed.stderr).trim()
        );
    }
    let mut blobs = Vec::new();
    for record in listed.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let record = String::from_utf8_lossy(record);
        let Some((meta, name)) = record.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        let (mode, kind, oid) = (fields.next(), fields.next(), fields.next());
        // Regular files only: symlinks (120000) and submodules are not read from a revision.
        if kind == Some("blob")
            && let (Some(mode), Some(oid)) = (mode, oid)
            && mode.starts_with("100")
        {
            blobs.push((oid.to_owned(), name.to_owned()));
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "meshctl-diff-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating `{}`", dir.display()))?;
    let snapshot = Snapshot {
        paths: paths.iter().map(|p| inside(&dir, p)).collect(),
        dir,
    };
    write_blobs(&snapshot.dir, &blobs)?;
    for path in &snapshot.paths {
        // A path the revision does not have is an empty side, not an error: the change adds it.
        if !path.exists() {
            std::fs::create_dir_all(path)
                .with_context(|| format!("creating `{}`", path.display()))?;
        }
    }
    Ok(snapshot)
}

/// Streams every blob through one `git cat-file --batch` into `dir`.
fn write_blobs(dir: &Path, blobs: &[(String, String)]) -> anyhow::Result<()> {
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = git(&["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running `git cat-file`")?;
    let mut stdin = child.stdin.take().context("git cat-file stdin")?;
    let mut ids = String::new();
    for (oid, _) in blobs {
        ids.push_str(oid);
        ids.push('\n');
    }
    let writer = std::thread::spawn(move || stdin.write_all(ids.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().context("git cat-file stdout")?);
    for (oid, name) in blobs {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let size: usize = header
            .split(' ')
            .nth(2)
            .and_then(|s| s.trim().parse().ok())
            .with_context(|| {
                format!(
                    "git cat-file: unexpected answer for {oid}: `{}`",
                    header.trim()
                )
            })?;
        let mut bytes = vec![0; size];
        reader.read_exact(&mut bytes)?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline)?;
        let target = inside(dir, Path::new(name));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating `{}`", parent.display()))?;
        }
        std::fs::write(&target, &bytes)
            .with_context(|| format!("writing `{}`", target.display()))?;
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("git cat-file writer panicked"))?
        .context("writing to git cat-file")?;
    child.wait().context("waiting for git cat-file")?;
    Ok(())
}
