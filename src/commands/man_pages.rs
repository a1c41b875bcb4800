//! The manual: `meshctl(1)` and one page per subcommand (`meshctl-check(1)`,
//! `meshctl-gen-serviceentry(1)`, …), generated from the clap definition with clap_mangen, plus
//! the sections clap cannot know: EXIT STATUS, ENVIRONMENT and EXAMPLES. Every page another page
//! names exists, because both come from the same walk over the command tree.

use std::io::Write as _;

use clap::CommandFactory;

use crate::cli::Cli;

/// What a page says beyond the flags.
struct Extra {
    /// `(code, meaning)` rows.
    exit: &'static [(&'static str, &'static str)],
    /// `(description, command line)` rows.
    examples: &'static [(&'static str, &'static str)],
}

const USAGE_ERROR: (&str, &str) = (
    "2",
    "could not answer: usage error, unreadable or invalid input, resolver or bind failure",
);

/// The exit codes and examples of each page, by its names (`meshctl-gen-serviceentry`).
const PAGES: &[(&[&str], Extra)] = &[
    (
        &["meshctl-resolve"],
        Extra {
            exit: &[
                ("0", "the name resolved"),
                ("1", "no A/AAAA records (NXDOMAIN or an empty answer)"),
                USAGE_ERROR,
            ],
            examples: &[
                (
                    "What a host resolves to, as a table",
                    "meshctl resolve db.example.com:3306 -o table",
                ),
                (
                    "Whether the answer rotates",
                    "meshctl resolve db.example.com --samples 3 --interval 1s",
                ),
            ],
        },
    ),
    (
        &["meshctl-gen", "meshctl-gen-serviceentry"],
        Extra {
            exit: &[
                ("0", "the ServiceEntry was written (warnings go to stderr)"),
                (
                    "2",
                    "usage error, DNS failure, or the entry has an error-level finding (without --force)",
                ),
            ],
            examples: &[
                (
                    "An entry from DNS",
                    "meshctl gen serviceentry db.example.com",
                ),
                (
                    "An entry for a DSN, without DNS (port 5432 from the scheme)",
                    "meshctl gen serviceentry postgres://app@pg.example.com/db --address 198.51.100.6",
                ),
            ],
        },
    ),
    (
        &["meshctl-check"],
        Extra {
            exit: &[
                ("0", "nothing at or above --fail-on"),
                ("1", "findings at or above --fail-on (--exit-zero disables)"),
                USAGE_ERROR,
            ],
            examples: &[
                ("Lint a directory", "meshctl check fixtures/mistakes"),
                (
                    "Annotate a pull request",
                    "meshctl check -o github manifests/",
                ),
            ],
        },
    ),
    (
        &["meshctl-simulate"],
        Extra {
            exit: &[
                (
                    "0",
                    "the connection (or every --expect call) is as allowed/expected",
                ),
                ("1", "denied, or an --expect call got another verdict"),
                USAGE_ERROR,
            ],
            examples: &[
                (
                    "Would this connection be allowed",
                    "meshctl simulate 203.0.113.7:3306 -f fixtures/blog/mysql-external.yaml",
                ),
                (
                    "Check a file of calls",
                    "meshctl simulate --expect calls.yaml -f fixtures/blog",
                ),
            ],
        },
    ),
    (
        &["meshctl-proxy", "meshctl-proxy-iptables"],
        Extra {
            exit: &[
                (
                    "0",
                    "drained after SIGTERM/SIGINT, or the script was printed or applied",
                ),
                (
                    "2",
                    "invalid first configuration, a listener could not be bound, or iptables failed",
                ),
            ],
            examples: &[
                (
                    "Forward a local port to the database",
                    "meshctl proxy -f egress.yaml --forward 127.0.0.1:13306=db.example.com:3306",
                ),
                (
                    "Print the capture rules (the proxy runs as uid 1337)",
                    "meshctl proxy iptables --exclude-ports 22",
                ),
            ],
        },
    ),
    (
        &["meshctl-sync"],
        Extra {
            exit: &[
                ("0", "in sync, or written"),
                ("1", "drift (--check), or a drift that was held back"),
                ("2", "a name could not be verified, or bad input"),
            ],
            examples: &[
                ("Report drift in CI", "meshctl sync --check entries/"),
                (
                    "Rewrite addresses in place",
                    "meshctl sync --write entries/",
                ),
            ],
        },
    ),
    (
        &["meshctl-completions"],
        Extra {
            exit: &[("0", "the script was printed"), USAGE_ERROR],
            examples: &[(
                "Install bash completion",
                "meshctl completions bash > /etc/bash_completion.d/meshctl",
            )],
        },
    ),
];

/// The root page's, and any page without its own row.
const ROOT: Extra = Extra {
    exit: &[
        (
            "0",
            "yes: no finding, connection allowed, name resolved, proxy drained",
        ),
        (
            "1",
            "no: findings at or above --fail-on, connection denied, no A/AAAA records",
        ),
        USAGE_ERROR,
    ],
    examples: &[(
        "Generate, check and simulate the blog's entry",
        "meshctl gen serviceentry db.example.com > se.yaml && meshctl check se.yaml && meshctl simulate 203.0.113.7:3306 -f se.yaml",
    )],
};

/// The rows for the page `name`.
fn extra(name: &str) -> &'static Extra {
    PAGES
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map_or(&ROOT, |(_, extra)| extra)
}

const ENVIRONMENT: [(&str, &str); 3] = [
    (
        "NO_COLOR",
        "when set, output is never coloured (unless --color always)",
    ),
    (
        "MYSQL_DB_HOST",
        "the host used when a command names none (gen serviceentry requires HOST without it)",
    ),
    (
        "MYSQL_DB_PORT",
        "the port used with MYSQL_DB_HOST when neither HOST nor a DSN scheme gives one",
    ),
];

/// Every page as `(file name, roff)`: `meshctl.1` first, then each subcommand's, depth first.
///
/// # Errors
/// Rendering errors from clap_mangen.
pub(super) fn pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut out = Vec::new();
    walk(&root, &mut out)?;
    Ok(out)
}

fn walk(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    out.push(page(cmd)?);
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        walk(sub, out)?;
    }
    Ok(())
}

fn page(cmd: &clap::Command) -> anyhow::Result<(String, Vec<u8>)> {
    let cmd = cmd.clone().disable_help_subcommand(true);
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    man.render_title(&mut roff)?;
    man.render_name_section(&mut roff)?;
    man.render_synopsis_section(&mut roff)?;
    man.render_description_section(&mut roff)?;
    man.render_options_section(&mut roff)?;
    if cmd.get_subcommands().any(|s| s.get_name() != "help") {
        man.render_subcommands_section(&mut roff)?;
    }
    let extra = extra(&name);
    writeln!(roff, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in extra.exit {
        writeln!(roff, ".TP\n\\fB{code}\\fR\n{}", escape(meaning))?;
    }
    writeln!(roff, ".SH ENVIRONMENT")?;
    for (variable, meaning) in ENVIRONMENT {
        writeln!(roff, ".TP\n\\fB{variable}\\fR\n{}", escape(meaning))?;
    }
    writeln!(roff, ".SH EXAMPLES")?;
    for (what, line) in extra.examples {
        writeln!(
            roff,
            ".PP\n{}:\n.PP\n.RS 4\n\\fB{}\\fR\n.RE",
            escape(what),
            escape(line)
        )?;
    }
    man.render_version_section(&mut roff)?;
    Ok((format!("{name}.1"), roff))
}

/// Escapes text for a roff body line: backslashes, hyphens (so `-f` is not a typographic
/// dash) and a leading control character.
fn escape(text: &str) -> String {
    let body = text.replace('\\', "\\e").replace('-', "\\-");
    if body.starts_with(['.', '\'']) {
        format!("\\&{body}")
    } else {
        body
    }
}
