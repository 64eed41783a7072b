//! `atg scan`: check the flags, run the scan stage (`crate::scan`: an
//! export file with `--from-file`, Azure itself with `--tenant-id`) with a
//! Ctrl-C handler and a progress display, and print the counts by type;
//! `--list` and `--prune` show and clean up the store's scans.

use crate::azure;
use crate::azure::auth;
use crate::cli::ReportFormat;
use crate::cli::scan::ScanArgs;
use crate::error::{CliError, ExitStatus};
use crate::graph;
use crate::model::{ScanInfo, ScanStatus};
use crate::output::Printer;
use crate::report;
use crate::scan::live::LiveScan;
use crate::scan::{self, ScanSummary};
use serde::Serialize;

/// Runs `atg scan`.
pub async fn run(
    graph_spec: &str,
    args: ScanArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    if args.list || args.prune {
        // Listing or pruning where nothing was ever scanned: no store, no scans.
        let store = match graph::open_existing(graph_spec) {
            Ok(s) => Some(s),
            Err(graph::GraphError::NoStore(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let store = store.as_deref();
        return if args.list {
            list(store, args.format, printer).await
        } else {
            prune(store, args.dry_run, args.format, printer).await
        };
    }
    let live = match &args.tenant_id {
        Some(tenant) => Some(live_request(tenant, &args, printer)?),
        None => None,
    };
    // Ctrl-C drops the scan where it is, and whatever it stored.
    let interrupted = super::interrupt_flag();
    let scan_id = crate::clock::new_scan_id();
    let (summary, warnings) = match live {
        Some(mut req) => {
            let store = graph::open(graph_spec)?;
            req.scan_id = scan_id.clone();
            let progress = printer.parts_reporter();
            let work = scan::live::scan(store.as_ref(), req, &progress);
            scan::until_interrupted(Some(store.as_ref()), &scan_id, work, &interrupted).await?
        }
        None => {
            let path = args
                .from_file
                .clone()
                .expect("clap requires --from-file unless --list, --prune or --tenant-id");
            let progress = printer.reporter();
            // The file is read before the store is opened: a malformed or
            // empty export leaves no store behind.
            let read = scan::read_file(&path, args.allow_empty, &progress);
            let (snapshot, stats) =
                scan::until_interrupted(None, &scan_id, read, &interrupted).await?;
            let store = graph::open(graph_spec)?;
            let work =
                scan::store_file(store.as_ref(), &scan_id, &path, snapshot, stats, &progress);
            let summary =
                scan::until_interrupted(Some(store.as_ref()), &scan_id, work, &interrupted).await?;
            (summary, Vec::new())
        }
    };
    print_summary(&summary, args.format, printer);
    for w in &warnings {
        printer.warn(w);
    }
    if summary.failures.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for f in &summary.failures {
        printer.warn(&format!("not scanned: {f}"));
    }
    printer.warn(&format!(
        "scan {} is stored as incomplete: {} part(s) of the tenant failed (listed above and in `atg scan --list --format json`)",
        summary.scan_id,
        summary.failures.len()
    ));
    Ok(ExitStatus::ToolError)
}

/// `--tenant-id` and the flags of a live scan, checked, with the sign-in
/// resolved (`scan_id` is filled in by the caller).
///
/// Errors (exit 2): a `--subscription` that is not a GUID, a
/// `--resource-group` that is not a valid name, credentials missing for `--auth`.
fn live_request(tenant: &str, args: &ScanArgs, printer: &Printer) -> Result<LiveScan, CliError> {
    for s in &args.subscriptions {
        if !azure::coverage::valid_subscription_id(s) {
            return Err(CliError::input(format!(
                "`--subscription {s}` is not a subscription ID"
            ))
            .with_hint("pass the subscription's GUID, e.g. 00000000-0000-0000-0000-000000000000 (`az account list -o table` shows them)"));
        }
    }
    for g in &args.resource_groups {
        if !azure::coverage::valid_resource_group_name(g) {
            return Err(CliError::input(format!(
                "`--resource-group {g}` is not a valid resource group name"
            ))
            .with_hint("resource group names have 1-90 letters, digits, `_`, `-`, `.`, `(` or `)` and do not end with `.`"));
        }
    }
    let credentials = auth::resolve(
        super::auth_method(Some(args.auth)),
        None,
        &auth::process_env,
    )?;
    printer.add_secrets(&crate::redact::Redactor::new(
        credentials.client_secret.iter().map(|s| s.expose()),
    ));
    Ok(LiveScan {
        tenant: tenant.to_string(),
        scan_id: String::new(),
        credentials,
        subscriptions: args.subscriptions.clone(),
        resource_groups: args.resource_groups.clone(),
        concurrency: usize::from(args.concurrency),
        arm_endpoint: args.arm_endpoint.clone(),
        authority_host: args.authority_host.clone(),
        ca_cert: args.ca_cert.clone(),
    })
}

fn print_summary(summary: &ScanSummary, format: ReportFormat, printer: &Printer) {
    if summary.duplicate_rows > 0 {
        printer.warn(&format!(
            "{} rows repeated an ARM ID already read; kept the first of each",
            summary.duplicate_rows
        ));
    }
    match format {
        ReportFormat::Json => printer.data(&report::json(summary)),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = summary
                .by_type
                .iter()
                .map(|t| vec![t.r#type.clone(), t.count.to_string()])
                .collect();
            printer.data(&report::table(&["resource type", "#resources"], &rows));
        }
    }
    let stored = if summary.status == ScanStatus::Incomplete {
        "Stored INCOMPLETE scan"
    } else {
        "Stored scan"
    };
    printer.status(&format!(
        "{stored} {}: {} resources ({} subnets extracted) of {} types, {} relationships, {} resource groups, {} subscriptions",
        summary.scan_id,
        summary.resources,
        summary.extracted_subnets,
        summary.by_type.len(),
        summary.relationships,
        summary.resource_groups,
        summary.subscriptions
    ));
}

/// A scan `--prune` removed (or would remove).
#[derive(Serialize)]
struct Pruned<'a> {
    scan_id: &'a str,
    status: ScanStatus,
    started_at: &'a str,
    source: &'a str,
}

/// `atg scan --prune`: removes abandoned and failed scans.
async fn prune(
    store: Option<&dyn graph::GraphStore>,
    dry_run: bool,
    format: ReportFormat,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let doomed = scan::prune(store, dry_run).await?;
    let pruned: Vec<Pruned> = doomed
        .iter()
        .map(|s| Pruned {
            scan_id: &s.scan_id,
            status: s.status,
            started_at: &s.started_at,
            source: &s.source,
        })
        .collect();
    match format {
        ReportFormat::Json => printer.data(&report::json(&serde_json::json!({
            "dry_run": dry_run,
            "removed": pruned,
        }))),
        ReportFormat::Table if !pruned.is_empty() => {
            let rows: Vec<Vec<String>> = pruned
                .iter()
                .map(|d| {
                    vec![
                        d.scan_id.to_string(),
                        d.status.as_str().to_string(),
                        d.started_at.to_string(),
                        d.source.to_string(),
                    ]
                })
                .collect();
            printer.data(&report::table(
                &["scan", "status", "started", "source"],
                &rows,
            ));
        }
        ReportFormat::Table => {}
    }
    printer.status(&format!(
        "{} {} abandoned or failed scan{}",
        if dry_run { "Would remove" } else { "Removed" },
        pruned.len(),
        if pruned.len() == 1 { "" } else { "s" }
    ));
    Ok(ExitStatus::Success)
}

/// The scans of `store`, none without one.
async fn scans(store: Option<&dyn graph::GraphStore>) -> Result<Vec<ScanInfo>, CliError> {
    Ok(match store {
        Some(s) => s.scans().await?,
        None => Vec::new(),
    })
}

async fn list(
    store: Option<&dyn graph::GraphStore>,
    format: ReportFormat,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let scans = scans(store).await?;
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
