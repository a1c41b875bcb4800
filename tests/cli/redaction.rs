//! No command prints a DSN password, on any error path: generated DSNs with a password, in
//! every shape a user mistypes (bad host, bad port, no scheme, `mysql:/`, unencoded `#`), given
//! to every command that takes a destination — as an argument, in `$MYSQL_DB_HOST`, in a
//! `--forward` value (a clap value error) and in a `simulate --expect` file.
//!
//! Every generated DSN is invalid by construction, so no command gets as far as DNS.

use proptest::prelude::*;

use super::common::{meshctl, outcome};

/// A DSN that must be refused, holding `password`.
fn broken_dsn(shape: usize, user: &str, password: &str) -> String {
    match shape {
        0 => format!("mysql://{user}:{password}@bad host.example.com:3306/db"),
        1 => format!("mysql://{user}:{password}@db.example.com:99999/db"),
        2 => format!("{user}:{password}@db.example.com:3306"),
        3 => format!("mysql:/{user}:{password}@db.example.com:3306"),
        4 => format!("mysql://{user}:{password}#x@db.example.com:3306"),
        _ => format!("postgres://{user}:{password}@db.example.com:0/x?password={password}"),
    }
}

/// Runs every command with `dsn` and returns what each printed.
fn every_command(dsn: &str, scratch: &std::path::Path) -> Vec<(String, String)> {
    let calls = scratch.join("calls.yaml");
    std::fs::write(
        &calls,
        format!("calls:\n- destination: '{dsn}'\n  expect: ALLOW\n"),
    )
    .expect("write calls");
    let verdicts = scratch.join("verdicts.yaml");
    std::fs::write(
        &verdicts,
        format!("calls:\n- destination: 203.0.113.7:3306\n  expect: '{dsn}'\n"),
    )
    .expect("write calls");
    let root = env!("CARGO_MANIFEST_DIR");
    let fixture = "fixtures/blog/mysql-external.yaml";
    let forward = format!("13306={dsn}");
    let calls = calls.display().to_string();
    let verdicts = verdicts.display().to_string();
    let runs: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("simulate", vec!["simulate", "-f", fixture, dsn], None),
        ("resolve", vec!["resolve", dsn], None),
        ("gen", vec!["gen", "serviceentry", dsn], None),
        ("resolve $MYSQL_DB_HOST", vec!["resolve"], Some(dsn)),
        (
            "proxy --forward",
            vec!["proxy", "-f", fixture, "--forward", &forward],
            None,
        ),
        (
            "simulate --expect (destination)",
            vec!["simulate", "-f", fixture, "--expect", &calls],
            None,
        ),
        (
            "simulate --expect (verdict)",
            vec!["simulate", "-f", fixture, "--expect", &verdicts],
            None,
        ),
    ];
    runs.into_iter()
        .map(|(name, args, env)| {
            let mut cmd = meshctl();
            cmd.current_dir(root)
                .args(&args)
                .timeout(std::time::Duration::from_secs(20));
            if let Some(host) = env {
                cmd.env("MYSQL_DB_HOST", host);
            }
            (name.to_owned(), outcome(&mut cmd, &[]))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_command_prints_a_dsn_password(
        shape in 0..6usize,
        user in "[a-z][a-z0-9_]{0,7}",
        password in "Zq[A-Za-z0-9!$%^*()_+=,.;:@/~-]{4,12}",
    ) {
        let scratch = std::env::temp_dir().join(format!("meshctl-redaction-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("scratch");
        let dsn = broken_dsn(shape, &user, &password);
        for (command, printed) in every_command(&dsn, &scratch) {
            prop_assert!(printed.starts_with("exit: 2"), "{command} with {dsn}: {printed}");
            prop_assert!(!printed.contains(&password), "{command} printed the password of {dsn}:\n{printed}");
        }
    }
}

/// The shapes the issue reported, checked by name so a regression reads plainly.
#[test]
fn reported_error_paths_are_redacted() {
    let scratch = std::env::temp_dir().join(format!("meshctl-redaction-r-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    for dsn in [
        "mysql://user:S3cretPW@bad host:1",
        "user:S3cretPW@db.example.com:3306",
        "mysql:/user:S3cretPW@db.example.com",
    ] {
        for (command, printed) in every_command(dsn, &scratch) {
            assert!(printed.starts_with("exit: 2"), "{command}: {printed}");
            assert!(!printed.contains("S3cretPW"), "{command}: {printed}");
            assert!(
                printed.contains("***"),
                "{command} names the input: {printed}"
            );
        }
    }
}
