//! `atg generate` arguments.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
}

/// `atg generate --output DIR`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write the configuration and generation report into.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Terraform syntax.
    #[arg(long, value_enum, default_value = "hcl")]
    pub format: SyntaxArg,
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
