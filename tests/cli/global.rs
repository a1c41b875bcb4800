//! Behaviour every command shares: usage errors, broken pipes.

use std::io::Read as _;
use std::process::Stdio;

use super::common::{meshctl, outcome, stdout};

#[test]
fn usage_errors_exit_2() {
    let text = outcome(
        meshctl().args(["resolve", "--timeout", "soon", "db.example.com"]),
        &[],
    );
    insta::assert_snapshot!(text);
}

#[test]
fn verbose_and_quiet_conflict() {
    let output = meshctl()
        .args(["-v", "-q", "version"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn broken_pipe_exits_zero_silently() {
    // A reader that closes immediately: the large completion script hits EPIPE.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("meshctl"))
        .args(["completions", "zsh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read");
    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn color_is_off_when_piped_and_on_when_forced() {
    let dns = meshctl_testkit::dns::TestDns::start();
    let args = ["resolve", "db.example.com", "-o", "table", "--nameserver"];
    let plain = super::common::stdout(meshctl().args(args).arg(dns.nameserver_arg()), 0);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let forced = super::common::stdout(
        meshctl()
            .args(args)
            .arg(dns.nameserver_arg())
            .arg("--color=always"),
        0,
    );
    assert!(forced.contains('\u{1b}'), "{forced}");
    let never = super::common::stdout(
        meshctl()
            .args(args)
            .arg(dns.nameserver_arg())
            .arg("--color=auto")
            .env("NO_COLOR", "1"),
        0,
    );
    assert!(!never.contains('\u{1b}'));
}

#[test]
fn help_groups_global_options_and_shows_flags_only_where_they_mean_something() {
    for command in [
        vec!["check"],
        vec!["resolve"],
        vec!["gen", "serviceentry"],
        vec!["proxy", "iptables"],
    ] {
        let help = stdout(meshctl().args(&command).arg("--help"), 0);
        let (own, global) = help
            .split_once("Global options:\n")
            .unwrap_or_else(|| panic!("{command:?}: no Global options heading: {help}"));
        for flag in ["--color", "--verbose", "--quiet"] {
            assert!(global.contains(flag), "{command:?}: {flag} not global");
            assert!(!own.contains(flag), "{command:?}: {flag} among own options");
        }
    }
    // -n names a namespace for resources: it exists where resources are read or written only.
    for command in [
        vec!["resolve"],
        vec!["completions", "bash"],
        vec!["version"],
    ] {
        let help = stdout(meshctl().args(&command).arg("--help"), 0);
        assert!(!help.contains("--namespace"), "{command:?}: {help}");
    }
    for command in [vec!["check"], vec!["simulate"], vec!["gen", "serviceentry"]] {
        let help = stdout(meshctl().args(&command).arg("--help"), 0);
        assert!(help.contains("-n, --namespace <NS>"), "{command:?}: {help}");
    }
}
