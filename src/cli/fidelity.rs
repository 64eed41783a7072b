//! `atg fidelity` and `atg fidelity history` arguments.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Output format of fidelity and history reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FidelityFormat {
    /// Human tables.
    Table,
    /// JSON (Azure Tenant Grapher's keys plus atg's resource-level figures).
    Json,
    /// CSV: one row per resource (fidelity) or per run (history).
    Csv,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// How source and target resources are paired.
#[derive(Debug, Clone, Args)]
pub struct MatchArgs {
    /// Only resources of this ARM type (repeatable, any case).
    #[arg(long = "resource-type", value_name = "TYPE")]
    pub resource_types: Vec<String>,
    /// A prefix of target names to strip besides `ITERATION{N}_` (repeatable),
    /// e.g. what `generate --resource-group-prefix` added.
    #[arg(long = "resource-group-prefix", value_name = "PREFIX")]
    pub prefixes: Vec<String>,
    /// A source resource group and the target one that copies it (repeatable).
    #[arg(long = "map-resource-group", value_name = "SOURCE=TARGET")]
    pub group_map: Vec<String>,
}

/// `atg fidelity --source-subscription S --target-subscription T`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct FidelityArgs {
    /// `history`: show the tracked trend instead of measuring.
    #[command(subcommand)]
    pub command: Option<FidelityCommand>,
    /// Source subscription (the newest scan that covers it, cut to it).
    #[arg(
        long,
        value_name = "SUBSCRIPTION_ID",
        required_unless_present = "source_scan"
    )]
    pub source_subscription: Option<String>,
    /// Source scan (whole, or cut to `--source-subscription`).
    #[arg(long, value_name = "SCAN_ID")]
    pub source_scan: Option<String>,
    /// Target subscription (the newest scan that covers it, cut to it).
    #[arg(
        long,
        value_name = "SUBSCRIPTION_ID",
        required_unless_present = "target_scan"
    )]
    pub target_subscription: Option<String>,
    /// Target scan (whole, or cut to `--target-subscription`).
    #[arg(long, value_name = "SCAN_ID")]
    pub target_scan: Option<String>,
    /// Pairing options.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// Output format (default: from the `--output` extension, else table).
    #[arg(long, value_enum)]
    pub format: Option<FidelityFormat>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Append this run to the history file (one JSON line).
    #[arg(long)]
    pub track: bool,
    /// The history file `--track` appends to.
    #[arg(long, value_name = "FILE", default_value = crate::fidelity::history::DEFAULT_HISTORY)]
    pub history_file: PathBuf,
    /// Check the target fidelity and pass conditions of an objective file; exit 1 when unmet.
    #[arg(long, value_name = "OBJECTIVE.md")]
    pub check_objective: Option<PathBuf>,
    /// Target fidelity, percent, when no objective file gives one.
    #[arg(long, value_name = "PERCENT", default_value_t = crate::fidelity::score::DEFAULT_TARGET_FIDELITY)]
    pub target_fidelity: f64,
}

/// Subcommands of `atg fidelity`.
#[derive(Debug, Subcommand)]
pub enum FidelityCommand {
    /// Show the tracked fidelity trend as a table and an SVG chart.
    History(HistoryArgs),
}

/// `atg fidelity history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history file.
    #[arg(long, value_name = "FILE", default_value = crate::fidelity::history::DEFAULT_HISTORY)]
    pub history_file: PathBuf,
    /// Where to draw the chart (default: the history file with `.svg`).
    #[arg(long, value_name = "FILE.svg", conflicts_with = "no_chart")]
    pub chart: Option<PathBuf>,
    /// Draw no chart.
    #[arg(long)]
    pub no_chart: bool,
    /// Chart these ARM types (repeatable; default: the 6 with the lowest fidelity).
    #[arg(long = "resource-type", value_name = "TYPE")]
    pub resource_types: Vec<String>,
    /// Output format of the trend.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FidelityFormat,
    /// Write the trend to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
