//! `atg patch` arguments: `verify`, `apply`, `rollback` and `log` of the
//! patch lifecycle (docs/PATCH.md).

use super::ReportFormat;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `atg patch verify|apply|rollback|log`.
#[derive(Debug, Args)]
pub struct PatchArgs {
    /// The step of the lifecycle.
    #[command(subcommand)]
    pub action: PatchAction,
}

/// The patch subcommands.
#[derive(Debug, Subcommand)]
pub enum PatchAction {
    /// Apply a patch in a temporary git worktree at HEAD and run the build and tests there.
    Verify(VerifyArgs),
    /// Commit a patch whose last verification passed, with provenance trailers.
    Apply(ApplyArgs),
    /// Revert a commit with `git revert`, after confirmation.
    Rollback(RollbackArgs),
    /// Show the provenance log: proposals, verifications, applies, rollbacks.
    Log(LogArgs),
}

/// `atg patch verify PATCH [--build CMD] [--test CMD]…`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The patch: a file made by `git diff`, `-` for stdin, or the ID of a patch verified before.
    #[arg(value_name = "PATCH")]
    pub patch: PathBuf,
    /// Any folder inside the git repository the patch is for.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Build command, run first with `sh -c` in the worktree; the tests are skipped when it fails.
    #[arg(long, value_name = "CMD")]
    pub build: Option<String>,
    /// Test command, run with `sh -c` in the worktree (repeatable) [default: `atg validate DIR`
    /// for each Terraform folder the patch touches].
    #[arg(long = "test", value_name = "CMD")]
    pub tests: Vec<String>,
    /// Time limit of each command, in seconds; a command still running is killed with its
    /// process group.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Remove the worktree even when the verification fails (it is kept for a look otherwise).
    #[arg(long)]
    pub cleanup: bool,
    /// Who proposes the patch, e.g. `agent:guardian` [default: git's user.name <user.email>].
    #[arg(long, value_name = "NAME")]
    pub proposed_by: Option<String>,
    /// The proposer's confidence in the patch, percent 0–100.
    #[arg(long, value_name = "PERCENT", value_parser = super::deploy::percent)]
    pub confidence: Option<f64>,
    /// What led to the patch: an iteration, a CodeRun, a pull request… [default: manual].
    #[arg(long, value_name = "TEXT")]
    pub triggered_by: Option<String>,
    /// Subject line of the commit `atg patch apply` makes [default: Apply atg patch ID].
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Output format of the result.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// `atg patch apply ID --yes`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The patch ID (or a unique prefix of it), as `atg patch verify` printed it.
    pub id: String,
    /// Confirmation, repository and output format.
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// Flags of the commands that commit into the main worktree (apply, rollback).
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Go ahead without asking (needed when not on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Any folder inside the git repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Output format of the result.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// `atg patch rollback COMMIT --reason "…"`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The commit to revert, or the ID of an applied patch.
    pub commit: String,
    /// Why: goes into the revert commit's message and the provenance log.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Confirmation, repository and output format.
    #[command(flatten)]
    pub commit_args: CommitArgs,
}

/// `atg patch log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Any folder inside the git repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Only the events of this patch (ID or unique prefix).
    #[arg(long, value_name = "ID")]
    pub patch: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
