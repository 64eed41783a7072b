//! `atg scan`: read a tenant (an export file with `--from-file`, or Azure
//! itself with `--tenant-id`), normalise it, derive relationships, store a
//! new snapshot, and print counts by type. Both sources end in the same
//! `store` step, so they store the same snapshot for the same data.

use crate::azure;
use crate::azure::auth;
use crate::azure::cloud::CloudEndpoints;
use crate::azure::credential::{self, CredentialRequest};
use crate::azure::scanner::{self, ScanScope};
use crate::cli::ReportFormat;
use crate::cli::scan::ScanArgs;
use crate::error::{CliError, ExitStatus};
use crate::graph;
use crate::model::{ScanInfo, ScanStatus, Snapshot};
use crate::output::Printer;
use crate::report;
use crate::reporter::Reporter;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Resources (and relationships) written per transaction. Bigger batches
/// mean fewer commits and WAL checkpoints; 20,000 rows of a synthetic
/// tenant are about 10 MB.
const BATCH: usize = 20_000;

/// What a scan stored: its ID, status and counts (`atg scan --format json`).
#[derive(Serialize)]
pub(crate) struct ScanSummary {
    pub(crate) scan_id: String,
    source: String,
    pub(crate) status: ScanStatus,
    pub(crate) resources: u64,
    relationships: u64,
    resource_groups: usize,
    subscriptions: usize,
    extracted_subnets: usize,
    duplicate_rows: usize,
    by_type: Vec<TypeCount>,
    pub(crate) failures: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<LiveSummary>,
}

/// A live scan's inputs besides the store: the tenant, the resolved
/// sign-in, what to scan and how to reach Azure.
pub(crate) struct LiveScan<'a> {
    /// The tenant (GUID or domain).
    pub(crate) tenant: &'a str,
    /// The ID to store the snapshot as.
    pub(crate) scan_id: String,
    /// From `auth::resolve`.
    pub(crate) credentials: auth::Credentials,
    /// Subscriptions to scan; all readable ones when empty.
    pub(crate) subscriptions: Vec<String>,
    /// Resource group names to keep; all when empty.
    pub(crate) resource_groups: Vec<String>,
    /// Queries in flight at once.
    pub(crate) concurrency: usize,
    /// `--arm-endpoint`.
    pub(crate) arm_endpoint: Option<&'a str>,
    /// `--authority-host`.
    pub(crate) authority_host: Option<&'a str>,
    /// `--ca-cert` files.
    pub(crate) ca_cert: &'a [std::path::PathBuf],
}

#[derive(Serialize)]
struct TypeCount {
    r#type: String,
    count: u64,
}

/// What a live scan adds to the summary.
#[derive(Serialize)]
struct LiveSummary {
    tenant_id: String,
    credential: String,
    seconds: f64,
    graph_rows: u64,
    list_calls: u64,
    traffic: azure::throttle::TrafficSummary,
}

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
    let store = graph::open(graph_spec)?;
    // Ctrl-C drops the scan where it is, and whatever it stored.
    let interrupted = super::interrupt_flag();
    let scan_id = crate::clock::new_scan_id();
    let work = async {
        if let Some(tenant) = args.tenant_id.clone() {
            live(store.as_ref(), &tenant, &scan_id, &args, printer).await
        } else {
            from_file(store.as_ref(), &scan_id, &args, printer).await
        }
    };
    match unless_interrupted(work, &interrupted).await {
        Some(result) => result,
        None => {
            let _ = store.delete_scan(&scan_id).await;
            Err(CliError::interrupted("scan interrupted; nothing stored"))
        }
    }
}

/// Runs `work` until it ends, or until Ctrl-C sets `flag` (checked every
/// 50 ms): `None` then, and `work` is dropped where it stood.
async fn unless_interrupted<T>(work: impl Future<Output = T>, flag: &AtomicBool) -> Option<T> {
    let watch = async {
        while !flag.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::select! {
        biased;
        () = watch => None,
        out = work => Some(out),
    }
}

/// `atg scan --from-file`: read, check, store as `scan_id`.
async fn from_file(
    store: &dyn graph::GraphStore,
    scan_id: &str,
    args: &ScanArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let path = args
        .from_file
        .clone()
        .expect("clap requires --from-file unless --list, --prune or --tenant-id");
    let progress = printer.reporter();
    progress.on_start("reading", None);
    // Off the async thread, so Ctrl-C is seen while a large file is read.
    let read = path.clone();
    let (snapshot, stats) = tokio::task::spawn_blocking(move || azure::load_file(&read))
        .await
        .map_err(|e| CliError::tool("the export reader stopped").caused_by(e))??;
    if snapshot.resources.is_empty() && !args.allow_empty {
        return Err(CliError::input(format!(
            "`{}` holds no resources ({} subscriptions, {} resource groups): nothing was stored",
            path.display(),
            snapshot.subscriptions.len(),
            snapshot.resource_groups.len()
        ))
        .with_hint("check the query that made the export; pass `--allow-empty` to store an empty snapshot on purpose"));
    }
    progress.on_start("storing", None);
    let summary = store_snapshot(
        store,
        scan_id,
        snapshot,
        stats,
        format!("file:{}", path.display()),
        Vec::new(),
    )
    .await?;
    drop(progress);
    print_summary(&summary, args.format, printer);
    Ok(ExitStatus::Success)
}

/// Normalised records in, stored snapshot `scan_id` and its summary out.
async fn store_snapshot(
    store: &dyn graph::GraphStore,
    scan_id: &str,
    snapshot: Snapshot,
    stats: azure::normalize::NormalizeStats,
    source: String,
    failures: Vec<String>,
) -> Result<ScanSummary, CliError> {
    let info = ScanInfo {
        failures,
        ..ScanInfo::running(
            scan_id.to_string(),
            crate::clock::now_rfc3339(),
            source,
            &snapshot,
        )
    };
    // Relationships are derived while the resources are written.
    let snapshot = Arc::new(snapshot);
    let info = graph::import_snapshot(store, &info, Arc::clone(&snapshot), BATCH).await?;
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
        failures: info.failures,
        live: None,
    };
    crate::background::drop_later(snapshot);
    Ok(summary)
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

/// `atg scan --tenant-id`: authenticate, scan, store.
async fn live(
    store: &dyn graph::GraphStore,
    tenant: &str,
    scan_id: &str,
    args: &ScanArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
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
    let request = LiveScan {
        tenant,
        scan_id: scan_id.to_string(),
        credentials,
        subscriptions: args.subscriptions.clone(),
        resource_groups: args.resource_groups.clone(),
        concurrency: usize::from(args.concurrency),
        arm_endpoint: args.arm_endpoint.as_deref(),
        authority_host: args.authority_host.as_deref(),
        ca_cert: &args.ca_cert,
    };
    let (summary, warnings) = scan_live(store, request, printer).await?;
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

/// Authenticates, scans `req.tenant` live, and stores the snapshot,
/// printing the sign-in and traffic status lines. Returns the summary and
/// the scanner's warnings (for the caller to print after its own output).
///
/// Errors: bad endpoints or CA files (exit 2), refused credentials (exit
/// 2), an unreachable Entra ID or ARM, or a scan where everything failed
/// (exit 3), a store failure.
pub(crate) async fn scan_live(
    store: &dyn graph::GraphStore,
    req: LiveScan<'_>,
    printer: &Printer,
) -> Result<(ScanSummary, Vec<String>), CliError> {
    let tenant = req.tenant;
    let cloud = CloudEndpoints::resolve(req.arm_endpoint, req.authority_host)?;
    let ssl_cert_file = std::env::var("SSL_CERT_FILE").ok();
    let ca_files = azure::transport::extra_ca_files(req.ca_cert, ssl_cert_file.as_deref());
    let http = azure::transport::http_client(&ca_files)?;
    let transport = azure::transport::transport(http);

    let progress = printer.parts_reporter();
    progress.on_start("authenticating", None);
    let resolved = credential::resolve(&CredentialRequest {
        credentials: req.credentials,
        tenant_id: tenant.to_string(),
        cloud: cloud.clone(),
        transport: transport.clone(),
    })
    .await?;
    drop(progress);
    printer.status(&format!(
        "Authenticated to tenant `{tenant}` as {}",
        resolved.description
    ));
    let progress = printer.parts_reporter();

    let client = azure::arm::ArmClient::new(azure::arm::ArmClientOptions {
        endpoint: cloud.resource_manager.clone(),
        credential: resolved.credential,
        scope: cloud.scope(),
        transport,
        retry: azure::arm::RetrySettings::default(),
    });
    let scope = ScanScope {
        tenant_id: tenant.to_string(),
        subscriptions: req.subscriptions,
        resource_groups: req.resource_groups,
        concurrency: req.concurrency,
        batch_size: scanner::DEFAULT_BATCH_SIZE,
    };
    let scanned = scanner::scan(&client, &scope, &progress, &progress).await?;
    progress.on_start("storing", None);
    let failures: Vec<String> = scanned.failures.iter().map(ToString::to_string).collect();
    let (snapshot, stats) = azure::normalize::normalize(scanned.export);
    let mut summary = store_snapshot(
        store,
        &req.scan_id,
        snapshot,
        stats,
        format!("live:{tenant}"),
        failures,
    )
    .await?;
    drop(progress);
    let traffic = scanned.traffic;
    summary.live = Some(LiveSummary {
        tenant_id: tenant.to_string(),
        credential: resolved.description,
        seconds: scanned.elapsed.as_secs_f64(),
        graph_rows: scanned.graph_rows,
        list_calls: scanned.list_calls,
        traffic,
    });
    printer.status(&format!(
        "Scanned tenant `{tenant}` in {:.1} s: {} requests ({} Resource Graph queries, {} ARM LIST calls), {} throttled, {} server errors retried, {:.1} s waiting for quota",
        scanned.elapsed.as_secs_f64(),
        traffic.requests,
        traffic.graph_queries,
        scanned.list_calls,
        traffic.throttled,
        traffic.server_errors,
        traffic.paced_ms as f64 / 1000.0
    ));
    Ok((summary, scanned.warnings))
}

/// A scan `--prune` removed (or would remove).
#[derive(Serialize)]
struct Pruned {
    scan_id: String,
    status: ScanStatus,
    started_at: String,
    source: String,
}

/// `atg scan --prune`: removes abandoned and failed scans.
async fn prune(
    store: Option<&dyn graph::GraphStore>,
    dry_run: bool,
    format: ReportFormat,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let doomed: Vec<Pruned> = scans(store)
        .await?
        .into_iter()
        .filter(|s| matches!(s.status, ScanStatus::Abandoned | ScanStatus::Failed))
        .map(|s| Pruned {
            scan_id: s.scan_id,
            status: s.status,
            started_at: s.started_at,
            source: s.source,
        })
        .collect();
    if let Some(store) = store.filter(|_| !dry_run) {
        for d in &doomed {
            store.delete_scan(&d.scan_id).await?;
        }
    }
    match format {
        ReportFormat::Json => printer.data(&report::json(&serde_json::json!({
            "dry_run": dry_run,
            "removed": doomed,
        }))),
        ReportFormat::Table if !doomed.is_empty() => {
            let rows: Vec<Vec<String>> = doomed
                .iter()
                .map(|d| {
                    vec![
                        d.scan_id.clone(),
                        d.status.as_str().to_string(),
                        d.started_at.clone(),
                        d.source.clone(),
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
        doomed.len(),
        if doomed.len() == 1 { "" } else { "s" }
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
