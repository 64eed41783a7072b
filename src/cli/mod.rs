//! clap definitions, one file per command; no logic. Each command's
//! arguments are turned into settings by its module in `commands`.

pub mod agent;
pub mod compare;
pub mod deploy;
pub mod fidelity;
pub mod generate;
pub mod graph;
pub mod iterate;
pub mod monitor;
pub mod patch;
pub mod scan;
pub mod synth;
pub mod validate;

use clap::{Parser, Subcommand};

/// atg: replicate Azure tenants with Terraform.
#[derive(Debug, Parser)]
#[command(name = "atg", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Graph store: `sqlite:PATH` (the embedded store; default `sqlite:.atg/graph.db`) or a Neo4j
    /// URI, `neo4j://HOST:PORT`, `bolt://…`, `neo4j+s://…` (else NEO4J_URI; user and password from
    /// NEO4J_USER and NEO4J_PASSWORD).
    #[arg(long, global = true, env = "ATG_GRAPH", value_name = "SPEC")]
    pub graph: Option<String>,
    /// Neo4j database to use (default: the server's default database).
    #[arg(long, global = true, env = "NEO4J_DATABASE", value_name = "NAME")]
    pub neo4j_database: Option<String>,
    /// Print only results: no status lines, warnings or progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a tenant (live from Azure, or an export file) into the graph store as a new snapshot.
    Scan(scan::ScanArgs),
    /// Generate Terraform (azurerm) from a snapshot.
    Generate(generate::GenerateArgs),
    /// Validate a Terraform folder with terraform or the builtin validator.
    Validate(validate::ValidateArgs),
    /// Generate → validate → remediate until the configuration passes N times in a row.
    Iterate(iterate::IterateArgs),
    /// Plan and apply a configuration into the target tenant; list and destroy deployments.
    Deploy(deploy::DeployArgs),
    /// Write a seeded synthetic tenant export (for benchmarks and scale tests).
    Synth(synth::SynthArgs),
    /// Measure how close a target is to its source: count and resource-level fidelity.
    Fidelity(fidelity::FidelityArgs),
    /// Compare two scans or subscriptions: types side by side, missing, extra and drifted resources.
    Compare(compare::CompareArgs),
    /// Compare iteration folders: resources by type, errors by category, what changed.
    CompareIterations(compare::CompareIterationsArgs),
    /// Poll the store's counts until they stop changing.
    Monitor(monitor::MonitorArgs),
    /// Work on graph stores: copy snapshots between SQLite and Neo4j.
    Graph(graph::GraphArgs),
    /// Hand CI/PR, analysis and deployment work to agents on Kubernetes (CodeRuns).
    Agent(agent::AgentArgs),
    /// Verify, apply and roll back patches proposed to a git repository, with a provenance log.
    Patch(patch::PatchArgs),
}

/// Output format of result tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A human table.
    Table,
    /// JSON on stdout.
    Json,
}

/// `--auth`: how to sign in to Azure, for `scan`, `deploy` and `iterate
/// --auto-deploy` alike (resolved by `azure::auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthArg {
    /// Service principal, workload identity, managed identity, then the Azure CLI:
    /// the first the environment configures.
    Auto,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// A service principal: client ID and secret (AZURE_* or ATG_TENANT_<ALIAS>_*).
    Sp,
    /// Managed identity (user-assigned when a client ID is set).
    Msi,
    /// Workload identity: AZURE_FEDERATED_TOKEN_FILE and a client ID.
    Workload,
}
