//! One module per command: arguments → validated plan → core call → render → [`ExitStatus`].

mod broken_pipe;
mod check;
mod check_fix;
mod completions;
mod destination;
mod diff;
mod diff_base;
mod expect;
mod export;
mod gen_from_log;
mod gen_lint;
mod gen_service_entry;
mod list;
mod man_pages;
mod mesh_choice;
mod proxy;
mod resolve;
mod runtime;
mod simulate;
mod simulate_gateway;
mod sync;
mod version;

use crate::cli::{Cli, Command, ExportCommand, GenCommand};
use crate::exit::ExitStatus;
use crate::io::Io;

pub use broken_pipe::is_broken_pipe;
pub use completions::{generate_completion, man_pages};

/// Runs the selected command.
///
/// # Errors
/// Errors that end the process with exit code 2.
pub fn dispatch(cli: Cli, io: &mut Io<'_>) -> anyhow::Result<ExitStatus> {
    let global = cli.global;
    match cli.command {
        Command::Resolve(args) => resolve::run(&args, &global, io),
        Command::Gen(GenCommand::ServiceEntry(args)) if args.from_log.is_some() => {
            gen_from_log::run(&args, &global, io)
        }
        Command::Gen(GenCommand::ServiceEntry(args)) => gen_service_entry::run(&args, &global, io),
        Command::Check(args) => check::run(&args, &global, io),
        Command::Simulate(args) => simulate::run(&args, &global, io),
        Command::Diff(args) => diff::run(&args, io),
        Command::List(args) => list::run(&args, io),
        Command::Proxy(args) => proxy::run(&args, &global, io),
        Command::Sync(args) => sync::run(&args, &global, io),
        Command::Export(ExportCommand::Envoy(args)) => export::run(&args, &global, io),
        Command::Completions(args) => {
            generate_completion(args.shell, io.out)?;
            Ok(ExitStatus::Success)
        }
        Command::Version(args) => version::run(&args, io),
    }
}
