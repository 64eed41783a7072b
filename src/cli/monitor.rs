//! `atg monitor` arguments.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Output format of each poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MonitorFormat {
    /// A small table per poll.
    Table,
    /// One JSON object per poll, one per line (JSON Lines).
    Json,
    /// One line per poll.
    Compact,
}

/// `atg monitor [--watch] [--detect-stabilization --threshold N]`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Count only this subscription (and pick the newest scan covering it).
    #[arg(long, value_name = "SUBSCRIPTION_ID")]
    pub subscription_id: Option<String>,
    /// Count this scan instead of the newest one.
    #[arg(long, value_name = "SCAN_ID")]
    pub scan_id: Option<String>,
    /// Seconds between polls (fractions allowed).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub interval: f64,
    /// Keep polling until interrupted (Ctrl-C).
    #[arg(long)]
    pub watch: bool,
    /// Poll until `--threshold` polls in a row give identical counts, then exit 0.
    #[arg(long)]
    pub detect_stabilization: bool,
    /// Identical polls in a row that count as stable.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(2..))]
    pub threshold: u32,
    /// Stop after this many polls (exit 1 if stabilization was asked for and not seen).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_polls: Option<u64>,
    /// Output format of each poll.
    #[arg(long, value_enum, default_value = "table")]
    pub format: MonitorFormat,
    /// Also write the counts in Prometheus text format to FILE, atomically, at each poll.
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<PathBuf>,
}
