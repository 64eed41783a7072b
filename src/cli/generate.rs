//! `atg generate` arguments.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Output format of `generate`'s summary (and, hidden, the old spelling
/// `--format hcl` of `--syntax hcl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// Status lines only.
    Table,
    /// A JSON summary on stdout.
    Json,
    /// Old spelling of `--syntax hcl` (before `--format` meant the summary).
    #[value(hide = true)]
    Hcl,
}

/// Terraform syntax to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyntaxArg {
    /// Native HCL (`.tf`).
    Hcl,
    /// Terraform JSON (`.tf.json`).
    Json,
}

/// Which snapshot and which part of it to generate from, and how to shape the target.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Snapshot to read (default: the newest finished one).
    #[arg(long)]
    pub scan_id: Option<String>,
    /// Only this subscription (repeatable).
    #[arg(long = "subscription", value_name = "SUBSCRIPTION_ID")]
    pub subscriptions: Vec<String>,
    /// Only this resource group (repeatable).
    #[arg(long = "resource-group", value_name = "NAME")]
    pub resource_groups: Vec<String>,
    /// Replace every location with this one.
    #[arg(long)]
    pub location: Option<String>,
    /// aztft's ARM → azurerm resource map (its `mapping` JSON): the generic
    /// fallback also writes every ARM type it maps to one azurerm type
    /// (needs `--provider-schema`).
    #[arg(long = "type-map", value_name = "FILE")]
    pub type_map: Option<PathBuf>,
}

/// `atg generate --output DIR`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write the configuration and generation report into.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Terraform syntax, as `iterate --syntax`.
    #[arg(long, value_enum, default_value = "hcl")]
    pub syntax: SyntaxArg,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "table")]
    pub format: GenerateFormat,
    /// Prefix for every resource group name.
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub resource_group_prefix: String,
    /// Provider schema (`terraform providers schema -json`) for the generic
    /// fallback: types atg has no table for are written from it (repeatable).
    #[arg(long = "provider-schema", value_name = "FILE")]
    pub provider_schemas: Vec<PathBuf>,
    /// Snapshot selection and target shaping.
    #[command(flatten)]
    pub source: SourceArgs,
}
