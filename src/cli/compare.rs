//! `atg compare` and `atg compare-iterations` arguments.

use super::fidelity::MatchArgs;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Output format of comparison reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Human tables.
    Table,
    /// JSON.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// `atg compare --source S --target T`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Source: a scan ID, or a subscription (its newest scan, cut to it).
    #[arg(long, value_name = "SCAN_OR_SUBSCRIPTION")]
    pub source: String,
    /// Target: a scan ID, or a subscription (its newest scan, cut to it).
    #[arg(long, value_name = "SCAN_OR_SUBSCRIPTION")]
    pub target: String,
    /// List each missing and extra resource (else only their counts).
    #[arg(long)]
    pub show_missing: bool,
    /// Pairing options.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// Output format (default: from the `--output` extension, else table).
    #[arg(long, value_enum)]
    pub format: Option<CompareFormat>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `atg compare-iterations --iterations 180,181,182`.
#[derive(Debug, Args)]
pub struct CompareIterationsArgs {
    /// Iteration numbers: a list and/or ranges, e.g. `180,181,182` or `3-5,8`.
    #[arg(long, value_name = "LIST")]
    pub iterations: String,
    /// Folder holding the `iterationN/` folders.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Output format (default: from the `--output` extension, else table).
    #[arg(long, value_enum)]
    pub format: Option<CompareFormat>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
