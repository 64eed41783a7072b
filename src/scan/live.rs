//! A live scan: sign in to the tenant (`azure::credential`), read it
//! (`azure::scanner`, over Resource Graph and ARM), normalise it, and store
//! it as a snapshot (`scan::store_snapshot`). `atg scan --tenant-id` and the
//! verification scan of `deploy --verify` both run it.
//!
//! Resolving which credentials apply is `azure::auth`'s (the caller passes
//! the result); printing is left to the caller's `Reporter`, which gets the
//! sign-in and traffic status lines.

use super::{ScanError, ScanSummary, store_snapshot};
use crate::azure;
use crate::azure::cloud::{CloudEndpoints, CloudError};
use crate::azure::credential::{self, CredentialError, CredentialRequest};
use crate::azure::scanner::{self, ScanScope};
use crate::azure::transport::TransportError;
use crate::graph::GraphStore;
use crate::reporter::{PartsReporter, Reporter};
use serde::Serialize;
use std::path::PathBuf;

/// What to scan live and how to reach Azure.
#[derive(Debug, Clone)]
pub struct LiveScan {
    /// The tenant (GUID or domain).
    pub tenant: String,
    /// The ID to store the snapshot as.
    pub scan_id: String,
    /// From `azure::auth::resolve`.
    pub credentials: azure::auth::Credentials,
    /// Subscriptions to scan; all readable ones when empty.
    pub subscriptions: Vec<String>,
    /// Resource group names to keep; all when empty.
    pub resource_groups: Vec<String>,
    /// Queries in flight at once (≥ 1).
    pub concurrency: usize,
    /// Azure Resource Manager endpoint (default: public Azure).
    pub arm_endpoint: Option<String>,
    /// Microsoft Entra authority host (default: public Azure).
    pub authority_host: Option<String>,
    /// Extra CA certificate files (PEM) to trust; `SSL_CERT_FILE` is added.
    pub ca_cert: Vec<PathBuf>,
}

/// What a live scan adds to the summary.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSummary {
    /// The tenant scanned.
    pub tenant_id: String,
    /// Who signed in, e.g. `service principal `…` (AZURE_CLIENT_ID)`.
    pub credential: String,
    /// Wall time of the scan (not the store), seconds.
    pub seconds: f64,
    /// Rows Resource Graph returned.
    pub graph_rows: u64,
    /// ARM LIST calls made.
    pub list_calls: u64,
    /// Requests, throttling and pacing.
    pub traffic: azure::throttle::TrafficSummary,
}

/// Why a live scan could not run or read anything.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// `arm_endpoint` or `authority_host` is not a usable URL.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// A CA file is unreadable, or no HTTP client could be built.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Signing in failed.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The scan failed as a whole (refused token, no subscription, all failed…).
    #[error(transparent)]
    Scanner(#[from] scanner::ScanError),
}

/// Signs in, scans `req.tenant` and stores the snapshot as `req.scan_id`,
/// reporting progress (one bar per subscription) and two status lines: who
/// signed in, and the scan's traffic. Returns the summary (its status is
/// `incomplete` when parts failed; `failures` says which) and the
/// scanner's warnings.
///
/// Errors: `Live` (bad endpoints or CA files, refused credentials, an
/// unreachable Entra ID or ARM, a scan where everything failed), `Graph`.
pub async fn scan<R: Reporter + PartsReporter>(
    store: &dyn GraphStore,
    req: LiveScan,
    progress: &R,
) -> Result<(ScanSummary, Vec<String>), ScanError> {
    let tenant = req.tenant.as_str();
    let cloud = CloudEndpoints::resolve(req.arm_endpoint.as_deref(), req.authority_host.as_deref())
        .map_err(LiveError::from)?;
    let ssl_cert_file = std::env::var("SSL_CERT_FILE").ok();
    let ca_files = azure::transport::extra_ca_files(&req.ca_cert, ssl_cert_file.as_deref());
    let http = azure::transport::http_client(&ca_files).map_err(LiveError::from)?;
    let transport = azure::transport::transport(http);

    progress.on_start("authenticating", None);
    let resolved = credential::resolve(&CredentialRequest {
        credentials: req.credentials,
        tenant_id: tenant.to_string(),
        cloud: cloud.clone(),
        transport: transport.clone(),
    })
    .await
    .map_err(LiveError::from)?;
    progress.on_status(&format!(
        "Authenticated to tenant `{tenant}` as {}",
        resolved.description
    ));

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
    let scanned = scanner::scan(&client, &scope, progress, progress)
        .await
        .map_err(LiveError::from)?;
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
    let traffic = scanned.traffic;
    summary.live = Some(LiveSummary {
        tenant_id: tenant.to_string(),
        credential: resolved.description,
        seconds: scanned.elapsed.as_secs_f64(),
        graph_rows: scanned.graph_rows,
        list_calls: scanned.list_calls,
        traffic,
    });
    progress.on_status(&format!(
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
