//! `atg graph copy`: open the two stores and hand them to `graph::copy`.

use crate::cli::ReportFormat;
use crate::cli::graph::{CopyArgs, GraphArgs, GraphCommand};
use crate::error::{CliError, ExitStatus};
use crate::graph::copy::{CopyError, CopyState, copy};
use crate::graph::{self, GraphError};
use crate::output::Printer;

/// Runs `atg graph …`; `database` is `--neo4j-database`, used by either
/// end that is a Neo4j URI.
pub async fn run(
    args: GraphArgs,
    database: Option<&str>,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    match args.command {
        GraphCommand::Copy(a) => run_copy(a, database, printer).await,
    }
}

async fn run_copy(
    args: CopyArgs,
    database: Option<&str>,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let from = graph::open(&graph::with_database(&args.from, database))?;
    let to = graph::open(&graph::with_database(&args.to, database))?;
    let progress = printer.reporter();
    let outcomes = copy(
        from.as_ref(),
        to.as_ref(),
        &args.scan_id,
        args.dry_run,
        &progress,
    )
    .await
    .map_err(|e| match e {
        CopyError::Graph(g) => CliError::from(g),
        e @ CopyError::NotCopyable(..) => CliError::input(e.to_string()).with_hint(
            "list the scans with `atg scan --list --graph GRAPH` and pick a finished one",
        ),
        e @ CopyError::Mismatch { .. } => {
            CliError::tool(e.to_string()).with_hint(GraphError::Corrupt(String::new()).hint())
        }
    })?;
    drop(progress);
    match args.format {
        ReportFormat::Json => printer.data(&crate::report::json(&outcomes)),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = outcomes
                .iter()
                .map(|o| {
                    vec![
                        o.scan_id.clone(),
                        match o.state {
                            CopyState::Copied => "copied",
                            CopyState::AlreadyThere => "already there",
                            CopyState::WouldCopy => "would copy",
                        }
                        .to_string(),
                        o.resources.to_string(),
                        o.relationships.to_string(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                printer.data(&crate::report::table(
                    &["scan", "copy", "#resources", "#relationships"],
                    &rows,
                ));
            }
        }
    }
    let copied = outcomes
        .iter()
        .filter(|o| o.state == CopyState::Copied)
        .count();
    printer.status(&match (args.dry_run, outcomes.len()) {
        (_, 0) => format!("`{}` has no finished scan to copy", args.from),
        (true, n) => format!(
            "Would copy {} of {n} scans from `{}` to `{}` (dry run)",
            outcomes
                .iter()
                .filter(|o| o.state == CopyState::WouldCopy)
                .count(),
            args.from,
            args.to
        ),
        (false, n) => format!(
            "Copied {copied} of {n} scans from `{}` to `{}`{}",
            args.from,
            args.to,
            if copied < n {
                "; the others were there already"
            } else {
                ""
            }
        ),
    });
    Ok(ExitStatus::Success)
}
