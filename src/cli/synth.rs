//! `atg synth` arguments.

use clap::Args;
use std::path::PathBuf;

/// `atg synth --resources N --seed S --output FILE`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Approximate number of resources (subnets included).
    #[arg(long, default_value_t = 1000)]
    pub resources: usize,
    /// Random seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// File to write (default: stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
