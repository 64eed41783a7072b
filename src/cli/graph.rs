//! `atg graph` arguments: work on graph stores themselves.

use super::ReportFormat;
use clap::{Args, Subcommand};

/// `atg graph SUBCOMMAND`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: GraphCommand,
}

/// The `graph` subcommands.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Copy snapshots from one graph store to another (SQLite ↔ Neo4j).
    Copy(CopyArgs),
}

/// `atg graph copy --from GRAPH --to GRAPH [--scan-id ID]...`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The store to copy from: `sqlite:PATH` or a Neo4j URI (`neo4j://HOST:PORT`, `bolt://…`).
    #[arg(long, value_name = "GRAPH")]
    pub from: String,
    /// The store to copy to: `sqlite:PATH` or a Neo4j URI.
    #[arg(long, value_name = "GRAPH")]
    pub to: String,
    /// Copy only this scan (repeatable); default: every finished or incomplete scan.
    #[arg(long, value_name = "ID")]
    pub scan_id: Vec<String>,
    /// Say what would be copied; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the result.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}
