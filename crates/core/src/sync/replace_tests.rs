//! The refusals and guarantees of a replacement, each against the attack or accident it stops.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use super::WriteError;
use crate::sync::write::{Writer, write_atomic};

/// A fresh scratch directory per test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshctl-replace-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn planted_symlinks_at_predictable_names_are_never_written_through() {
    let dir = scratch("planted");
    let secret = dir.join("secret");
    std::fs::write(&secret, "private\n").expect("write");
    chmod(&secret, 0o600);
    let file = dir.join("db.yaml");
    std::fs::write(&file, "old\n").expect("write");
    chmod(&file, 0o644);
    // Every name the old writer used or a guess would use: pid-based, fixed, empty suffix.
    let pid = std::process::id();
    for name in [
        format!(".db.yaml.meshctl-sync.{pid}"),
        ".db.yaml.meshctl-sync".to_owned(),
        ".db.yaml.meshctl-sync.0".to_owned(),
        ".db.yaml.tmp".to_owned(),
    ] {
        std::os::unix::fs::symlink(&secret, dir.join(name)).expect("plant");
    }
    for round in 0..3 {
        let old = std::fs::read(&file).expect("read");
        write_atomic(&file, &old, format!("new {round}\n").as_bytes(), false).expect("write");
    }
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "new 2\n");
    assert_eq!(std::fs::read_to_string(&secret).expect("read"), "private\n");
    assert_eq!(
        mode(&secret),
        0o600,
        "the planted link's target keeps its mode"
    );
    assert_eq!(mode(&file), 0o644);
    assert_eq!(
        names(&dir).len(),
        6,
        "no temporary file left: {:?}",
        names(&dir)
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn temporary_names_are_unpredictable_dot_names() {
    let dir = scratch("names");
    let file = dir.join("db.yaml");
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (tmp, _f) = super::create_temp(&dir, &file).expect("temp");
        let name = tmp
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(".db.yaml.meshctl-sync."), "{name}");
        assert!(!name.to_ascii_lowercase().ends_with(".yaml"), "{name}");
        assert!(!name.contains(&std::process::id().to_string()), "{name}");
        assert_eq!(mode(&tmp), 0o600);
        seen.push(name);
    }
    assert_ne!(seen[0], seen[1]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn mode_and_set_id_bits_are_kept() {
    let dir = scratch("mode");
    let file = dir.join("db.yaml");
    for want in [0o640, 0o600, 0o664, 0o2664] {
        std::fs::write(&file, "old\n").expect("write");
        chmod(&file, want);
        write_atomic(&file, b"old\n", b"new\n", false).expect("write");
        assert_eq!(mode(&file), want);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Root can keep a foreign owner (the case that matters: sync runs as root in a sidecar and the
/// files belong to the GitOps agent); a non-root user cannot give a file away, so this test only
/// checks the foreign owner as root and the refusal otherwise.
#[test]
fn owner_and_group_are_kept_or_the_rewrite_is_refused() {
    let dir = scratch("owner");
    let file = dir.join("db.yaml");
    std::fs::write(&file, "old\n").expect("write");
    let me = std::fs::metadata(&file).expect("meta").uid();
    if me == 0 {
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).expect("chown");
        write_atomic(&file, b"old\n", b"new\n", false).expect("write");
        let meta = std::fs::metadata(&file).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    } else if std::os::unix::fs::chown(&file, None, Some(0)).is_err() {
        // Not root: a file of ours with a group we are not in cannot be made; nothing to check
        // beyond our own ownership being kept.
        write_atomic(&file, b"old\n", b"new\n", false).expect("write");
        assert_eq!(std::fs::metadata(&file).expect("meta").uid(), me);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn read_only_files_need_force_and_stay_read_only() {
    let dir = scratch("readonly");
    let file = dir.join("db.yaml");
    std::fs::write(&file, "old\n").expect("write");
    chmod(&file, 0o444);
    let err = write_atomic(&file, b"old\n", b"new\n", false).expect_err("refused");
    assert!(matches!(err, WriteError::ReadOnly { .. }), "{err}");
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "old\n");
    write_atomic(&file, b"old\n", b"new\n", true).expect("forced");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "new\n");
    assert_eq!(mode(&file), 0o444);
    assert_eq!(names(&dir), ["db.yaml"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_symlinked_file_is_updated_at_its_target_and_stays_a_link() {
    let dir = scratch("symlink");
    std::fs::create_dir_all(dir.join("real")).expect("dir");
    let real = dir.join("real/db.yaml");
    std::fs::write(&real, "old\n").expect("write");
    chmod(&real, 0o640);
    let link = dir.join("db.yaml");
    std::os::unix::fs::symlink("real/db.yaml", &link).expect("link");
    write_atomic(&link, b"old\n", b"new\n", false).expect("write");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).expect("read"), "new\n");
    assert_eq!(mode(&real), 0o640);
    assert_eq!(
        names(&dir.join("real")),
        ["db.yaml"],
        "written beside the target"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn hard_linked_files_are_refused() {
    let dir = scratch("hardlink");
    let file = dir.join("db.yaml");
    std::fs::write(&file, "old\n").expect("write");
    std::fs::hard_link(&file, dir.join("other.yaml")).expect("link");
    let err = write_atomic(&file, b"old\n", b"new\n", false).expect_err("refused");
    assert!(
        matches!(err, WriteError::HardLinks { links: 2, .. }),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "old\n");
    assert_eq!(names(&dir), ["db.yaml", "other.yaml"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn an_edit_made_before_the_rename_is_never_replaced() {
    let dir = scratch("concurrent");
    let file = dir.join("db.yaml");
    std::fs::write(&file, "old\n").expect("write");
    let mut writer = Writer::new(false).before_rename(|path| {
        std::fs::write(path, "theirs\n").expect("concurrent edit");
    });
    let err = writer
        .write(&file, b"old\n", b"mine\n")
        .expect_err("changed");
    assert!(matches!(err, WriteError::Changed { .. }), "{err}");
    writer.finish();
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "theirs\n");
    assert_eq!(names(&dir), ["db.yaml"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_file_already_changed_is_not_replaced() {
    let dir = scratch("stale");
    let file = dir.join("db.yaml");
    std::fs::write(&file, "theirs\n").expect("write");
    let err = write_atomic(&file, b"old\n", b"mine\n", false).expect_err("changed");
    assert!(matches!(err, WriteError::Changed { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "theirs\n");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_fifo_put_in_the_files_place_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let file = dir.join("db.yaml");
    let status = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let err = write_atomic(&file, b"old\n", b"new\n", false).expect_err("refused");
    assert!(matches!(err, WriteError::NotAFile { .. }), "{err}");
    assert_eq!(names(&dir), ["db.yaml"]);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
