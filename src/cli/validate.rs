//! `atg validate` arguments, and the validator flags `iterate` shares.

use super::ReportFormat;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Which validator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidatorArg {
    /// terraform when its providers can be had offline, else builtin.
    Auto,
    /// `terraform init -backend=false` + `terraform validate -json`.
    Terraform,
    /// The builtin validator, against a provider schema.
    Builtin,
}

/// Validator selection flags.
#[derive(Debug, Clone, Args)]
pub struct ValidatorArgs {
    /// Validator to use.
    #[arg(long, value_enum, default_value = "auto")]
    pub validator: ValidatorArg,
    /// Provider schema in `terraform providers schema -json` format (repeatable).
    #[arg(long = "provider-schema", value_name = "FILE")]
    pub provider_schemas: Vec<PathBuf>,
    /// Provider validation data (`*.validation.json`: enums, ranges, cross-argument rules; repeatable).
    /// Found automatically beside a `--provider-schema NAME.schema.json` as `NAME.validation.json`.
    #[arg(long = "provider-checks", value_name = "FILE")]
    pub provider_checks: Vec<PathBuf>,
    /// terraform (or OpenTofu `tofu`) binary.
    #[arg(long, value_name = "PATH", env = "ATG_TERRAFORM_BIN")]
    pub terraform_bin: Option<PathBuf>,
    /// Local provider plugin folder passed to `terraform init -plugin-dir`.
    #[arg(long, value_name = "DIR")]
    pub plugin_dir: Option<PathBuf>,
}

/// `atg validate DIR`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The Terraform folder.
    pub dir: PathBuf,
    /// Validator flags.
    #[command(flatten)]
    pub validator: ValidatorArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
