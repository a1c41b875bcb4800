//! The `meshctl` binary: parse, run, map the outcome to an exit code, print errors as one line
//! plus their causes. Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use meshctl_core::escape::Escaped;

#[allow(clippy::print_stderr)] // the one place allowed to print the final error
fn main() -> ExitCode {
    let cli = meshctl::cli::Cli::parse();
    let stdout = std::io::stdout();
    let out_is_terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    // Unlocked: the proxy's log lines come from runtime threads, which must not wait for a
    // lock this thread would hold for the whole run.
    let mut err = std::io::stderr();
    let mut io = meshctl::Io {
        out: &mut out,
        err: &mut err,
        out_is_terminal,
    };
    match meshctl::run(cli, &mut io) {
        Ok(status) => ExitCode::from(status.code()),
        // A reader that went away (`meshctl … | head`) is not an error.
        Err(error) if meshctl::commands::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            // Escaped: an error names files and values from the input, which must not add
            // lines of their own to a log that collects stderr.
            eprintln!("error: {}", Escaped(&error.to_string()));
            // A transparent wrapper repeats its source's message: print each line once.
            let mut previous = error.to_string();
            for cause in error.chain().skip(1) {
                let text = cause.to_string();
                if text != previous {
                    eprintln!("  caused by: {}", Escaped(&text));
                }
                previous = text;
            }
            ExitCode::from(meshctl::ExitStatus::Error.code())
        }
    }
}
