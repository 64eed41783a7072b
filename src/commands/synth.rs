//! `atg synth`: write a seeded synthetic tenant export.

use crate::cli::synth::SynthArgs;
use crate::error::{CliError, ExitStatus};
use crate::output::Printer;
use std::io::{BufWriter, Write};

/// Runs `atg synth`. A file is written atomically, so a partial export
/// never appears under the final name; without `--output` the export is
/// streamed to stdout.
pub fn run(args: SynthArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let stats = match &args.output {
        Some(path) => crate::fsutil::write_atomic_with(path, |w| {
            crate::synth::write_tenant(w, args.resources, args.seed)
        })
        .map_err(|e| CliError::input(format!("cannot write `{}`", path.display())).caused_by(e))?,
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            match crate::synth::write_tenant(&mut w, args.resources, args.seed)
                .and_then(|s| w.flush().map(|_| s))
            {
                Ok(stats) => stats,
                // The reader went away (`| head`): end quietly.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    return Ok(ExitStatus::Success);
                }
                Err(e) => return Err(CliError::tool("cannot write to stdout").caused_by(e)),
            }
        }
    };
    printer.status(&format!(
        "Synthetic tenant (seed {}): {} resources in {} resource groups, {} subscriptions",
        args.seed, stats.resources, stats.resource_groups, stats.subscriptions
    ));
    Ok(ExitStatus::Success)
}
