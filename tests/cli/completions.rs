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
    files.extend(meshctl::commands::man_pages().expect("man pages"));
    files
}

/// Every `meshctl-…(1)` a page refers to is a page that is generated (and so committed).
#[test]
fn man_pages_exist_for_every_reference_and_say_exit_status_examples_environment() {
    let pages = meshctl::commands::man_pages().expect("man pages");
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    for want in [
        "meshctl.1",
        "meshctl-resolve.1",
        "meshctl-gen.1",
        "meshctl-gen-serviceentry.1",
        "meshctl-check.1",
        "meshctl-simulate.1",
        "meshctl-proxy.1",
        "meshctl-proxy-iptables.1",
        "meshctl-sync.1",
        "meshctl-completions.1",
        "meshctl-version.1",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for (name, roff) in &pages {
        let text = String::from_utf8_lossy(roff);
        for section in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH EXAMPLES"] {
            assert!(text.contains(section), "{name} lacks {section}");
        }
        for variable in ["NO_COLOR", "MYSQL_DB_HOST", "MYSQL_DB_PORT"] {
            assert!(text.contains(variable), "{name} lacks {variable}");
        }
        for reference in text.split("meshctl").skip(1) {
            if let Some((stem, _)) = reference.split_once("(1)")
                && stem.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                let page = format!("meshctl{stem}.1");
                assert!(names.contains(&page.as_str()), "{name} refers to {page}");
            }
        }
    }
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
