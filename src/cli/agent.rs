//! `atg agent` arguments: `run`, `list`, `status`, `wait`, `cancel`,
//! `logs`, `manifests`, `doctor`, and the cluster flags they share.

use super::ReportFormat;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `atg agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub command: AgentCommand,
}

/// The agent subcommands.
#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Start a CodeRun for a profile, unless one is already active for the same work.
    Run(Box<RunArgs>),
    /// List agent runs in the namespace, newest first.
    List(ListArgs),
    /// Show one run: phase, labels, job, pull request.
    Status(NameArgs),
    /// Watch a run until it succeeds (exit 0) or fails (exit 1); Ctrl-C stops waiting, not the run.
    Wait(WaitArgs),
    /// Cancel an active run (delete it; its job, facts and lock go with it).
    Cancel(NameArgs),
    /// Print the logs of a run's agent pods.
    Logs(LogsArgs),
    /// Write the GitOps side: Argo WorkflowTemplates, a Sensor, the semaphore ConfigMap.
    Manifests(ManifestsArgs),
    /// Check the cluster: duplicate active runs, runs active too long, stale locks, drift from the manifests.
    Doctor(DoctorArgs),
}

/// Where the cluster is, and the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Namespace of the runs [default: the config file's, else the kubeconfig context's].
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// kubeconfig context [default: the config file's, else current-context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// kubeconfig file [default: the config file's, else KUBECONFIG or ~/.kube/config; in a pod, the service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Agent config file [default: .atg/agents.toml when it exists].
    #[arg(long, value_name = "FILE", env = "ATG_AGENT_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The agent profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// Analyse validation error patterns across iteration folders (`--iterations`).
    IterationAnalyzer,
    /// Watch a PR's CI, fix failures, merge when green (`--pr`, `--repository`).
    CiPrManager,
    /// Plan/apply an iteration, scan the target, report fidelity (`--iteration`, `--target-subscription`).
    DeploymentOrchestrator,
}

/// `atg agent run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The agent profile.
    #[arg(value_enum)]
    pub profile: ProfileArg,
    /// iteration-analyzer: iterations to analyse, e.g. `3-7` or `1,3-5`.
    #[arg(long, value_name = "LIST")]
    pub iterations: Option<String>,
    /// ci-pr-manager: the pull request number.
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// deployment-orchestrator: the iteration to deploy.
    #[arg(long, value_name = "N")]
    pub iteration: Option<u32>,
    /// deployment-orchestrator: the target subscription ID.
    #[arg(long, value_name = "SUBSCRIPTION_ID")]
    pub target_subscription: Option<String>,
    /// GitHub repository `owner/name` [default: from the repository URL].
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// Role label, overriding the profile's (part of the run key).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// CodeRun `service` [default: atg].
    #[arg(long)]
    pub service: Option<String>,
    /// CodeRun `model`.
    #[arg(long)]
    pub model: Option<String>,
    /// CodeRun `githubApp`.
    #[arg(long, value_name = "APP")]
    pub github_app: Option<String>,
    /// CodeRun `repositoryUrl` [default: https://github.com/OWNER/NAME for --repository].
    #[arg(long, value_name = "URL")]
    pub repository_url: Option<String>,
    /// CodeRun `docsRepositoryUrl`.
    #[arg(long, value_name = "URL")]
    pub docs_repository_url: Option<String>,
    /// CodeRun `workingDirectory` [default: .].
    #[arg(long, value_name = "DIR")]
    pub working_directory: Option<String>,
    /// CodeRun `docsBranch`.
    #[arg(long, value_name = "BRANCH")]
    pub docs_branch: Option<String>,
    /// Where the iteration folders, state, fidelity history and deployment registry are.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub output_root: PathBuf,
    /// Exit 1 when a run is already active for the same work (default: report it, exit 0).
    #[arg(long)]
    pub fail_if_active: bool,
    /// Print the CodeRun (and facts ConfigMap) as YAML; contact no cluster.
    #[arg(long)]
    pub dry_run: bool,
    /// After starting (or finding) the run, wait for it like `atg agent wait`.
    #[arg(long)]
    pub wait: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `atg agent list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only runs of this profile.
    #[arg(long, value_enum)]
    pub agent: Option<ProfileArg>,
    /// Only active runs (phase missing, Pending or Running).
    #[arg(long)]
    pub active: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// A command on one run.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The CodeRun's name.
    pub name: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `atg agent wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The CodeRun's name.
    pub name: String,
    /// Stop waiting after this many seconds (exit 1; the run goes on).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `atg agent logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The CodeRun's name.
    pub name: String,
    /// Stream the logs until the agent's pod ends.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Output format (`json`: one object per pod; with --follow, one per line).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `atg agent manifests`.
#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// Folder to write the YAML files to.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: PathBuf,
    /// Namespace the objects go in [default: the config file's, else agents].
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Argo Events EventSource (GitHub webhook) the sensors listen to.
    #[arg(long, value_name = "NAME", default_value = "github")]
    pub event_source: String,
    /// The EventSource's event name for the repository's webhook.
    #[arg(long, value_name = "NAME", default_value = "atg")]
    pub event_name: String,
    /// Most CodeRuns of one profile active at once, cluster-wide (the semaphore limit).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_parallel: u32,
    /// Agent config file [default: .atg/agents.toml when it exists].
    #[arg(long, value_name = "FILE", env = "ATG_AGENT_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `atg agent doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Compare the live Argo objects with the manifests in this folder [default: the config file's `manifests_dir`].
    #[arg(long, value_name = "DIR")]
    pub manifests: Option<PathBuf>,
    /// Report runs active longer than this many minutes [default: the config file's, else 120].
    #[arg(long, value_name = "MINUTES")]
    pub max_active_minutes: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}
