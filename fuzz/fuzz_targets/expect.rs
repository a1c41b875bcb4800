//! The `simulate --expect` file, end to end through the CLI: arbitrary bytes as the calls file
//! against the blog's ServiceEntry and mesh config. Host names are resolved only against a
//! loopback port that answers nothing, so the target never leaves the machine. Any outcome is
//! fine (pass, fail, one-line error); a panic is not.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use clap::Parser as _;
use libfuzzer_sys::fuzz_target;

/// The fixtures, written once to a scratch directory.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("meshctl-fuzz-expect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch");
        std::fs::write(
            dir.join("entry.yaml"),
            include_str!("../../fixtures/blog/mysql-external.yaml"),
        )
        .expect("fixture");
        std::fs::write(
            dir.join("mesh.yaml"),
            include_str!("../../fixtures/blog/mesh-registry-only.yaml"),
        )
        .expect("fixture");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let calls = dir.join("calls.yaml");
    std::fs::write(&calls, data).expect("write calls");
    let entry = dir.join("entry.yaml");
    let mesh = dir.join("mesh.yaml");
    let args: [&std::ffi::OsStr; 14] = [
        "meshctl".as_ref(),
        "simulate".as_ref(),
        "-f".as_ref(),
        entry.as_os_str(),
        "--mesh-config".as_ref(),
        mesh.as_os_str(),
        "--expect".as_ref(),
        calls.as_os_str(),
        "--nameserver".as_ref(),
        "127.0.0.1:9".as_ref(),
        "--timeout".as_ref(),
        "20ms".as_ref(),
        "--color".as_ref(),
        "never".as_ref(),
    ];
    let cli = meshctl::cli::Cli::try_parse_from(args).expect("fixed arguments parse");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = meshctl::Io {
        out: &mut out,
        err: &mut err,
        out_is_terminal: false,
    };
    if let Err(e) = meshctl::run(cli, &mut io) {
        let message = format!("{e:#}");
        assert!(!message.is_empty());
    }
});
