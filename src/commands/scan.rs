//! `atg scan --from-file`: read an export, normalise it, derive
//! relationships, store a new snapshot, and print counts by type.

use crate::azure;
use crate::cli::ReportFormat;
use crate::cli::scan::ScanArgs;
use crate::error::{CliError, ExitStatus};
use crate::graph;
use crate::model::{ScanInfo, ScanStatus};
use crate::output::Printer;
use crate::report;
use serde::Serialize;

/// Resources (and relationships) written per transaction. Bigger batches
/// mean fewer commits and WAL checkpoints; 20,000 rows of a synthetic
/// tenant are about 10 MB.
const BATCH: usize = 20_000;

#[derive(Serialize)]
struct ScanSummary {
    scan_id: String,
    source: String,
    status: ScanStatus,
    resources: u64,
    relationships: u64,
    resource_groups: usize,
    subscriptions: usize,
    extracted_subnets: usize,
    duplicate_rows: usize,
    by_type: Vec<TypeCount>,
}

#[derive(Serialize)]
struct TypeCount {
    r#type: String,
    count: u64,
}

/// Runs `atg scan`.
pub async fn run(
    graph_spec: &str,
    args: ScanArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let store = graph::open(graph_spec)?;
    if args.list {
        return list(store.as_ref(), args.format, printer).await;
    }
    let path = args
        .from_file
        .expect("clap requires --from-file unless --list");
    let progress = printer.reporter();
    use crate::reporter::Reporter;
    progress.on_start("reading", None);
    let (snapshot, stats) = azure::load_file(&path)?;
    let info = ScanInfo {
        scan_id: crate::clock::new_scan_id(),
        started_at: crate::clock::now_rfc3339(),
        finished_at: None,
        source: format!("file:{}", path.display()),
        tenant_id: snapshot
            .subscriptions
            .iter()
            .find_map(|s| s.tenant_id.clone()),
        subscriptions: snapshot
            .subscriptions
            .iter()
            .map(|s| s.subscription_id.clone())
            .collect(),
        status: ScanStatus::Running,
        resource_count: 0,
        relationship_count: 0,
        failures: Vec::new(),
    };
    progress.on_start("storing", None);
    // Relationships are derived while the resources are written.
    let snapshot = std::sync::Arc::new(snapshot);
    let info = graph::import_snapshot(
        store.as_ref(),
        &info,
        std::sync::Arc::clone(&snapshot),
        BATCH,
    )
    .await?;
    drop(progress);
    let mut by_type: Vec<TypeCount> = store
        .type_counts(&info.scan_id)
        .await?
        .into_iter()
        .map(|(r#type, count)| TypeCount { r#type, count })
        .collect();
    by_type.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.r#type.cmp(&b.r#type)));
    let summary = ScanSummary {
        scan_id: info.scan_id.clone(),
        source: info.source.clone(),
        status: info.status,
        resources: info.resource_count,
        relationships: info.relationship_count,
        resource_groups: snapshot.resource_groups.len(),
        subscriptions: snapshot.subscriptions.len(),
        extracted_subnets: stats.extracted_children,
        duplicate_rows: stats.duplicate_rows,
        by_type,
    };
    crate::background::drop_later(snapshot);
    if stats.duplicate_rows > 0 {
        printer.warn(&format!(
            "{} rows repeated an ARM ID already read; kept the first of each",
            stats.duplicate_rows
        ));
    }
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&summary)),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = summary
                .by_type
                .iter()
                .map(|t| vec![t.r#type.clone(), t.count.to_string()])
                .collect();
            printer.data(&report::table(&["resource type", "#resources"], &rows));
        }
    }
    printer.status(&format!(
        "Stored scan {}: {} resources ({} subnets extracted) of {} types, {} relationships, {} resource groups, {} subscriptions",
        summary.scan_id,
        summary.resources,
        summary.extracted_subnets,
        summary.by_type.len(),
        summary.relationships,
        summary.resource_groups,
        summary.subscriptions
    ));
    Ok(ExitStatus::Success)
}

async fn list(
    store: &dyn graph::GraphStore,
    format: ReportFormat,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let scans = store.scans().await?;
    match format {
        ReportFormat::Json => printer.data(&report::json(&scans)),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = scans
                .iter()
                .map(|s| {
                    vec![
                        s.scan_id.clone(),
                        s.status.as_str().to_string(),
                        s.started_at.clone(),
                        s.resource_count.to_string(),
                        s.relationship_count.to_string(),
                        s.source.clone(),
                    ]
                })
                .collect();
            printer.data(&report::table(
                &[
                    "scan",
                    "status",
                    "started",
                    "#resources",
                    "#relationships",
                    "source",
                ],
                &rows,
            ));
        }
    }
    Ok(ExitStatus::Success)
}
