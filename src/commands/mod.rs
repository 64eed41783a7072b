//! One module per command: resolve the settings from the CLI and the
//! environment, wire the stages together, and hand results to the output
//! layer. No stage logic lives here.

pub mod generate;
pub mod iterate;
pub mod scan;
pub mod synth;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::error::{CliError, ExitStatus};
use crate::output::Printer;

/// Runs the parsed command line.
///
/// Returns the exit status for a completed command, or the error to render.
pub async fn run(cli: Cli, printer: &Printer) -> Result<ExitStatus, CliError> {
    match cli.command {
        Command::Scan(args) => scan::run(&cli.graph, args, printer).await,
        Command::Generate(args) => generate::run(&cli.graph, args, printer).await,
        Command::Validate(args) => validate::run(args, printer).await,
        Command::Iterate(args) => iterate::run(&cli.graph, args, printer).await,
        Command::Synth(args) => synth::run(args, printer),
    }
}
