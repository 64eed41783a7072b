//! `atg synth`: write a seeded synthetic tenant export.

use crate::cli::synth::SynthArgs;
use crate::error::{CliError, ExitStatus};
use crate::output::Printer;
use std::io::{BufWriter, Write};

/// Runs `atg synth`. The file is written through a temporary file and
/// renamed, so a partial export never appears under the final name.
pub fn run(args: SynthArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let stats = match &args.output {
        Some(path) => {
            let write_err = |e: std::io::Error| {
                CliError::input(format!("cannot write `{}`", path.display())).caused_by(e)
            };
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
            let mut w = BufWriter::new(tmp);
            let stats =
                crate::synth::write_tenant(&mut w, args.resources, args.seed).map_err(write_err)?;
            let tmp = w.into_inner().map_err(|e| write_err(e.into_error()))?;
            tmp.persist(path).map_err(|e| write_err(e.error))?;
            stats
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            let stats = crate::synth::write_tenant(&mut w, args.resources, args.seed)
                .and_then(|s| w.flush().map(|_| s))
                .map_err(|e| CliError::tool("cannot write to stdout").caused_by(e))?;
            stats
        }
    };
    printer.status(&format!(
        "Synthetic tenant (seed {}): {} resources in {} resource groups, {} subscriptions",
        args.seed, stats.resources, stats.resource_groups, stats.subscriptions
    ));
    Ok(ExitStatus::Success)
}
