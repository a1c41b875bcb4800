//! meshctl: lint, simulate and enforce Istio sidecar egress to services outside the mesh.
//!
//! This crate is the command line over two libraries: `meshctl-core` (model, load, schema,
//! the workspace pipeline, engine, rules, dns, generate) and `meshctl-proxy` (the enforcing
//! proxy). It owns [`cli`] (clap declarations), [`settings`] (flags, `meshctl.toml` and the
//! environment resolved into typed values), `commands` (settings → workspace → core → render)
//! and `render` (every output a person or a program reads); it is the only crate that knows
//! clap and the terminal.
pub mod cli;
pub mod commands;
mod render;
pub mod settings;

use std::io::Write;

/// How a command ended, mapped to the process exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: yes — resolved, generated, allowed, nothing to report.
    Success,
    /// 1: no — no records, denied, findings at or above the threshold.
    Failure,
    /// 2: could not answer — usage, input, resolver or internal error.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// Where a command writes: results to `out`, notes and warnings to `err`.
pub struct Io<'a> {
    /// Standard output (results).
    pub out: &'a mut dyn Write,
    /// Standard error (notes, warnings).
    pub err: &'a mut dyn Write,
    /// Whether standard output is a terminal (chooses default formats).
    pub out_is_terminal: bool,
}

/// Runs a parsed command line.
///
/// # Errors
/// Any error that should end the process with exit code 2; `main` prints its chain.
pub fn run(cli: cli::Cli, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    render::color::configure(cli.global.color.into(), io.out_is_terminal);
    commands::dispatch(cli, io)
}
