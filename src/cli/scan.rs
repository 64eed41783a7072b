//! `atg scan` arguments.

use super::ReportFormat;
use clap::Args;
use std::path::PathBuf;

/// `atg scan --from-file FILE`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// A tenant export (atg format) or `az graph query -o json` output.
    #[arg(long, value_name = "FILE", required_unless_present = "list")]
    pub from_file: Option<PathBuf>,
    /// List the snapshots in the store instead of scanning.
    #[arg(long, conflicts_with = "from_file")]
    pub list: bool,
    /// Output format of the counts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
