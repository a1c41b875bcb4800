//! The committed completion scripts and man page must match the CLI. Regenerate with
//! `MESHCTL_UPDATE_COMPLETIONS=1 cargo test --test cli completions`.

use std::path::Path;

use clap_complete::Shell;

fn expected_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "meshctl.bash"),
        (Shell::Zsh, "_meshctl"),
        (Shell::Fish, "meshctl.fish"),
        (Shell::PowerShell, "_meshctl.ps1"),
        (Shell::Elvish, "meshctl.elv"),
    ] {
        let mut buffer = Vec::new();
        meshctl::commands::generate_completion(shell, &mut buffer).expect("generate");
        files.push((name.to_owned(), buffer));
    }
    let mut man = Vec::new();
    meshctl::commands::generate_man_page(&mut man).expect("man page");
    files.push(("meshctl.1".to_owned(), man));
    files
}

#[test]
fn completions_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("MESHCTL_UPDATE_COMPLETIONS").is_some();
    for (name, content) in expected_files() {
        let path = dir.join(&name);
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &content).expect("write");
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == content,
            "completions/{name} is out of date with the CLI; run MESHCTL_UPDATE_COMPLETIONS=1 cargo test --test cli completions"
        );
    }
}

#[test]
fn completion_command_prints_the_same_script() {
    let out = super::common::stdout(super::common::meshctl().args(["completions", "bash"]), 0);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/meshctl.bash"),
    )
    .expect("committed bash completion");
    assert_eq!(out, committed);
}
