//! `sync --write` on a shared filesystem: read-only files need `--force`, a symlinked file is
//! updated at its target, a hard-linked one is refused, and an edit made while sync was looking
//! names up survives (the file is planned again from the edited text).

use std::net::{SocketAddr, UdpSocket};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::common::{meshctl, outcome};
use meshctl_testkit::dns::TestDns;

/// A scratch directory with `fixtures/sync/entries.yaml` copied to `sub/entries.yaml`.
fn scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("meshctl-syncw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("scratch dir");
    let file = dir.join("sub/entries.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sync/entries.yaml"),
        &file,
    )
    .expect("copy fixture");
    (dir, file)
}

fn sync_write(nameserver: &str, dir: &Path, target: &Path, extra: &[&str]) -> String {
    outcome(
        meshctl()
            .args([
                "sync",
                "--write",
                "--timeout",
                "5s",
                "--nameserver",
                nameserver,
            ])
            .args(extra)
            .arg(target),
        &[(&dir.display().to_string(), "[TMP]")],
    )
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("meta").permissions().mode() & 0o7777
}

/// A UDP relay to `upstream` that runs `edit` once, when the first query arrives and before
/// it is answered: an edit made while sync waits for DNS, at a moment the test controls.
fn relay_editing_once(upstream: SocketAddr, edit: impl FnOnce() + Send + 'static) -> String {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind relay");
    let addr = socket.local_addr().expect("relay addr");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    std::thread::spawn(move || {
        let mut edit = Some(edit);
        let mut buf = [0_u8; 4096];
        while let Ok((n, client)) = socket.recv_from(&mut buf) {
            if let Some(edit) = edit.take() {
                edit();
            }
            let up = UdpSocket::bind("127.0.0.1:0").expect("bind upstream side");
            up.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            up.send_to(&buf[..n], upstream).expect("forward");
            let mut answer = [0_u8; 4096];
            if let Ok((m, _)) = up.recv_from(&mut answer) {
                let _ = socket.send_to(&answer[..m], client);
            }
        }
    });
    addr.to_string()
}

#[test]
fn an_edit_made_during_the_lookup_survives_the_write() {
    let dns = TestDns::start();
    let (dir, file) = scratch("concurrent");
    let theirs = file.clone();
    let nameserver = relay_editing_once(dns.addr(), move || {
        let text = std::fs::read_to_string(&theirs).expect("read");
        let edited = text.replacen(
            "  - number: 3306\n    name: tcp\n    protocol: TCP\n",
            "  - number: 3306\n    name: tcp\n    protocol: TCP\n  - number: 33060\n    name: tcp-x\n    protocol: TCP\n",
            1,
        );
        assert_ne!(edited, text, "the fixture has the port to edit beside");
        std::fs::write(&theirs, edited).expect("concurrent edit");
    });
    let out = sync_write(&nameserver, &dir, &file, &[]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.contains("number: 33060"),
        "the other writer's port is kept:\n{text}"
    );
    assert!(
        text.contains("- 203.0.113.8/32"),
        "sync's change is made too:\n{text}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_read_only_file_needs_force() {
    let dns = TestDns::start();
    let (dir, file) = scratch("readonly");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = std::fs::read(&file).expect("read");
    let out = sync_write(&dns.nameserver_arg(), &dir, &file, &[]);
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(
        out.contains(
            "error: `[TMP]/sub/entries.yaml` is read-only; pass --force to rewrite it anyway"
        ),
        "{out}"
    );
    assert_eq!(std::fs::read(&file).expect("read"), before);
    let out = sync_write(&dns.nameserver_arg(), &dir, &file, &["--force"]);
    assert!(out.starts_with("exit: 0"), "{out}");
    assert_ne!(std::fs::read(&file).expect("read"), before);
    assert_eq!(mode(&file), 0o444, "still read-only");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_symlinked_file_is_written_at_its_target() {
    let dns = TestDns::start();
    let (dir, file) = scratch("symlink");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let link = dir.join("entries.yaml");
    std::os::unix::fs::symlink("sub/entries.yaml", &link).expect("symlink");
    let out = sync_write(&dns.nameserver_arg(), &dir, &link, &[]);
    assert!(out.starts_with("exit: 0"), "{out}");
    let meta = std::fs::symlink_metadata(&link).expect("meta");
    assert!(meta.file_type().is_symlink(), "the link stays a link");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("- 203.0.113.8/32"), "{text}");
    assert_eq!(mode(&file), 0o640);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_hard_linked_file_is_refused() {
    let dns = TestDns::start();
    let (dir, file) = scratch("hardlink");
    let other = dir.join("other-name.yaml.bak");
    std::fs::hard_link(&file, &other).expect("hard link");
    let before = std::fs::read(&file).expect("read");
    let out = sync_write(&dns.nameserver_arg(), &dir, &file, &[]);
    assert!(out.starts_with("exit: 2"), "{out}");
    assert!(
        out.contains("`[TMP]/sub/entries.yaml` has 2 hard links"),
        "{out}"
    );
    assert_eq!(std::fs::read(&file).expect("read"), before);
    assert_eq!(std::fs::read(&other).expect("read"), before);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// As root, runs sync as `nobody` on a file root owns but lets everyone write: a rewrite by
/// `nobody` cannot keep the owner, so it is refused, and `--force` writes it owned by `nobody`
/// with its mode kept. Without root there is no second user to be; the test only runs as root.
#[test]
fn a_foreign_owner_that_cannot_be_kept_needs_force() {
    use std::os::unix::fs::MetadataExt as _;
    use std::os::unix::process::CommandExt as _;
    if std::fs::metadata("/proc/self").map_or(true, |m| m.uid() != 0) {
        return;
    }
    let dns = TestDns::start();
    let (dir, file) = scratch("owner");
    for d in [&dir, &dir.join("sub")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).expect("chmod dir");
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let before = std::fs::read(&file).expect("read");
    let as_nobody = |extra: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_meshctl"))
            .args(["sync", "--write", "--nameserver"])
            .arg(dns.nameserver_arg())
            .args(extra)
            .arg(&file)
            .uid(65534)
            .gid(65534)
            .output()
            .expect("runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).replace(&dir.display().to_string(), "[TMP]"),
        )
    };
    let (code, stderr) = as_nobody(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("error: `[TMP]/sub/entries.yaml` belongs to uid `0` gid `0`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&file).expect("read"), before);
    let (code, stderr) = as_nobody(&["--force"]);
    assert_eq!(code, Some(0), "{stderr}");
    let meta = std::fs::metadata(&file).expect("meta");
    assert_eq!((meta.uid(), meta.mode() & 0o777), (65534, 0o666));
    assert_ne!(std::fs::read(&file).expect("read"), before);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
