//! `atg deploy` arguments (`deploy`, `deploy list`, `deploy destroy`), and
//! the target and apply flags `iterate --auto-deploy` shares.

use super::{AuthArg, ReportFormat};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The target tenant and how to sign in to it.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Target tenant ID (default: the credentials' `…_TENANT_ID`).
    #[arg(long, value_name = "TENANT_ID")]
    pub target_tenant_id: Option<String>,
    /// Target subscription ID (required).
    #[arg(long, value_name = "SUBSCRIPTION_ID")]
    pub target_subscription: Option<String>,
    /// Named tenant: read `ATG_TENANT_<ALIAS>_CLIENT_ID`, `_CLIENT_SECRET`, `_TENANT_ID`
    /// instead of the `AZURE_*` variables.
    #[arg(long, value_name = "ALIAS")]
    pub tenant_alias: Option<String>,
    /// Sign-in method [default: auto].
    #[arg(long, value_enum)]
    pub auth: Option<AuthArg>,
}

/// terraform run flags shared by deploy and destroy.
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Retries of a step after a transient error (429, timeouts…) [default: 3].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
    /// terraform's `-parallelism` for plan and apply [default: terraform's 10].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallelism: Option<u32>,
    /// Delay before the first retry, in milliseconds (doubles each retry).
    #[arg(long, value_name = "MS", env = "ATG_RETRY_BASE_MS", hide = true)]
    pub retry_base_ms: Option<u64>,
}

/// How far a deployment goes.
#[derive(Debug, Clone, Default, Args)]
pub struct ApplyArgs {
    /// Stop after the plan: print add/change/destroy counts, apply nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking (needed when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// When the apply fails, destroy what this deployment created (needs `--yes`).
    #[arg(long, requires = "yes")]
    pub rollback_on_failure: bool,
    /// Retry and parallelism flags.
    #[command(flatten)]
    pub run: RunArgs,
}

/// A percentage 0–100 (`--min-fidelity`).
pub(crate) fn percent(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

/// Checking the deployed copy: a live scan of the target after the apply
/// and its fidelity against the source snapshot.
#[derive(Debug, Clone, Default, Args)]
pub struct VerifyArgs {
    /// After a successful apply, scan the target subscription live and compute
    /// its fidelity against the source snapshot; record it with the deployment.
    #[arg(long)]
    pub verify: bool,
    /// Succeed only if at least PERCENT of the source resources have a copy in
    /// the target (0–100; implies `--verify`).
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub min_fidelity: Option<f64>,
    /// Azure Resource Manager endpoint of the verification scan.
    #[arg(long, value_name = "URL", env = "AZURE_RESOURCE_MANAGER_ENDPOINT")]
    pub arm_endpoint: Option<String>,
    /// Microsoft Entra authority host of the verification scan.
    #[arg(long, value_name = "URL", env = "AZURE_AUTHORITY_HOST")]
    pub authority_host: Option<String>,
    /// Also trust the CA certificates in this PEM file (repeatable; SSL_CERT_FILE is added too).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
}

/// `atg deploy [--iteration N | --iac-dir DIR] --target-subscription S …`,
/// `atg deploy list`, `atg deploy destroy ID --yes`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DeployArgs {
    /// `list` or `destroy`; without one, deploy.
    #[command(subcommand)]
    pub action: Option<DeployAction>,
    /// Deploy `<output-root>/iterationN` (default: the last iteration).
    #[arg(long, value_name = "N", conflicts_with = "iac_dir")]
    pub iteration: Option<u32>,
    /// Deploy this Terraform folder instead of an iteration.
    #[arg(long, value_name = "DIR")]
    pub iac_dir: Option<PathBuf>,
    /// Folder holding `iterationN/`, `iteration_state.json` and `deployments.jsonl`.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Target and sign-in.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Dry run, confirmation, rollback, retries.
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Verification after the apply.
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// The source snapshot `--verify` compares with (default: the scan the
    /// iteration was generated from, in `iteration_state.json`).
    #[arg(long, value_name = "SCAN_ID")]
    pub source_scan: Option<String>,
    /// terraform (or OpenTofu `tofu`) binary.
    #[arg(long, value_name = "PATH", env = "ATG_TERRAFORM_BIN")]
    pub terraform_bin: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// `atg deploy` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeployAction {
    /// Show the deployment registry.
    List(ListArgs),
    /// Destroy everything a recorded deployment's folder holds in its state.
    Destroy(DestroyArgs),
}

/// `atg deploy list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Folder holding `deployments.jsonl`.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// `atg deploy destroy ID --yes --target-subscription S`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// The deployment ID (see `atg deploy list`).
    pub id: String,
    /// Confirm the destroy (required).
    #[arg(long)]
    pub yes: bool,
    /// Folder holding `deployments.jsonl`.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Target and sign-in: must match the deployment's recorded target.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Retry and parallelism flags.
    #[command(flatten)]
    pub run: RunArgs,
    /// terraform (or OpenTofu `tofu`) binary.
    #[arg(long, value_name = "PATH", env = "ATG_TERRAFORM_BIN")]
    pub terraform_bin: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
