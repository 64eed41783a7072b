//! `atg iterate` arguments.

use super::ReportFormat;
use super::deploy::{ApplyArgs, TargetArgs, VerifyArgs};
use super::generate::{SourceArgs, SyntaxArg};
use super::validate::ValidatorArgs;
use clap::Args;
use std::path::PathBuf;

/// `atg iterate [--until-stable]`.
#[derive(Debug, Args)]
pub struct IterateArgs {
    /// Keep iterating until `--threshold` consecutive passes (else run one iteration).
    #[arg(long)]
    pub until_stable: bool,
    /// Consecutive passes that make the configuration stable.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub threshold: u32,
    /// Most iterations to run in this invocation.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_iterations: u32,
    /// Folder holding `iterationN/` folders and `iteration_state.json`.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Number of the first iteration (default: the next after the last).
    #[arg(long)]
    pub iteration: Option<u32>,
    /// Resource group prefix (default: `ITERATION{N}_`).
    #[arg(long, value_name = "PREFIX")]
    pub resource_group_prefix: Option<String>,
    /// Terraform syntax.
    #[arg(long = "syntax", value_enum, default_value = "hcl")]
    pub syntax: SyntaxArg,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Snapshot selection and target shaping.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Validator flags.
    #[command(flatten)]
    pub validator: ValidatorArgs,
    /// Once stable, deploy the last iteration (with the target and apply flags below).
    #[arg(long)]
    pub auto_deploy: bool,
    /// Deploy target and sign-in (with `--auto-deploy`).
    #[command(flatten)]
    pub deploy_target: TargetArgs,
    /// Deploy dry run, confirmation, rollback, retries (with `--auto-deploy`).
    #[command(flatten)]
    pub deploy: ApplyArgs,
    /// Verification of the deployment against the iterated snapshot (with `--auto-deploy`).
    #[command(flatten)]
    pub verify: VerifyArgs,
}
