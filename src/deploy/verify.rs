//! Verifying a deployment (`deploy --verify`, `--min-fidelity`): after a
//! successful apply, scan the target subscription live (`scan::live`, with
//! the deploy's sign-in), compare it with the source snapshot (the
//! computation `atg fidelity` does), and append a `verify` entry to the
//! deployment registry, whether the verification finished or not.
//!
//! The figure `--min-fidelity` checks is the resource-level match: the
//! share of source resources that have a copy in the target (fidelity's
//! `resource_match`). Count fidelity is recorded too, but an extra resource
//! can make up for a missing one there. Deciding the exit code and printing
//! the figures are left to the command layer.

use super::env::Target;
use super::registry::{Entry, Registry, RegistryError, VerifiedFidelity, VerifyEntry};
use crate::azure::auth::Credentials;
use crate::fidelity::objective::Metric;
use crate::fidelity::scope::{self, ScopeSpec};
use crate::fidelity::score::{self, DEFAULT_TARGET_FIDELITY, FidelityReport};
use crate::fidelity::{MatchOptions, compare};
use crate::graph::GraphError;
use crate::redact::Redactor;
use crate::reporter::{PartsReporter, Reporter};
use crate::scan::ScanError;
use crate::scan::live::{self, LiveScan};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Queries in flight during the verification scan (scan's default).
const CONCURRENCY: usize = 4;

/// What a verification needs besides the deployment: where the source
/// snapshot is, the minimum, and how to reach Azure.
#[derive(Debug, Clone)]
pub struct VerifySettings {
    /// The graph store (`--graph`) holding the source, and receiving the target scan.
    pub graph_spec: String,
    /// The source snapshot to compare with.
    pub source_scan: String,
    /// `--min-fidelity`, percent 0–100.
    pub min_fidelity: Option<f64>,
    /// Resource group prefixes to strip from target names besides `ITERATION{N}_`.
    pub prefixes: Vec<String>,
    /// Azure Resource Manager endpoint of the verification scan.
    pub arm_endpoint: Option<String>,
    /// Microsoft Entra authority host of the verification scan.
    pub authority_host: Option<String>,
    /// Extra CA certificate files (PEM).
    pub ca_cert: Vec<PathBuf>,
}

/// A finished verification.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The registry entry written.
    pub entry: VerifyEntry,
    /// The fidelity report of target against source.
    pub report: FidelityReport,
    /// Source resources without a copy in the target, by lowercase ARM
    /// type: their ARM IDs.
    pub missing: BTreeMap<String, Vec<String>>,
    /// The target scan's warnings.
    pub warnings: Vec<String>,
    /// Parts of the target the scan could not read, one line each.
    pub failures: Vec<String>,
}

impl Verified {
    /// The resource-level match `--min-fidelity` checks, exact, percent.
    pub fn matched(&self) -> f64 {
        Metric::ResourceMatch.value(&self.report)
    }
}

/// Why a verification could not finish (it is recorded all the same).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The target scan failed (credentials, Azure, the store).
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// The source snapshot or the target scan could not be loaded.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The `verify` entry could not be appended to the registry.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// The registry entry's figures from a report.
fn figures(r: &FidelityReport) -> VerifiedFidelity {
    let l = &r.resource_level;
    VerifiedFidelity {
        overall: r.fidelity.overall,
        matched_percent: l.matched_percent,
        exact_percent: l.exact_percent,
        relationships_percent: l.relationships_percent,
        counts: l.counts,
    }
}

/// Verifies deployment `id`, applied into `target` with `credentials`:
/// scans the target subscription, compares it with the source snapshot, and
/// appends a `verify` entry (redacted with `redactor`) to the registry in
/// `root`, with the figures, or with the error when it could not finish.
/// `progress` gets the scan's progress and status lines.
///
/// Errors: `Scan` (credentials exit 2, Azure unreachable exit 3), `Graph`
/// (an unknown source snapshot), `Registry`.
#[allow(clippy::too_many_arguments)]
pub async fn verify<R: Reporter + PartsReporter>(
    v: &VerifySettings,
    target: &Target,
    credentials: &Credentials,
    redactor: &Redactor,
    id: &str,
    root: &Path,
    progress: &R,
) -> Result<Verified, VerifyError> {
    let registry = Registry::in_root(root).with_redactor(redactor);
    let mut entry = VerifyEntry {
        id: id.to_string(),
        at: crate::clock::now_rfc3339(),
        source_scan: v.source_scan.clone(),
        target_scan: None,
        target_scan_complete: false,
        fidelity: None,
        min_fidelity: v.min_fidelity,
        met: None,
        missing_by_type: BTreeMap::new(),
        error: None,
    };
    let (report, summary, warnings) = match measure(v, target, credentials, progress).await {
        Ok(m) => m,
        Err(e) => {
            entry.error = Some(redactor.redact(&e.to_string()));
            registry.append(&Entry::Verify(entry))?;
            return Err(e);
        }
    };
    let missing = score::missing_in_target(&report);
    entry.target_scan = Some(summary.scan_id.clone());
    entry.target_scan_complete = summary.failures.is_empty();
    entry.fidelity = Some(figures(&report));
    entry.missing_by_type = missing
        .iter()
        .map(|(t, ids)| (t.clone(), ids.len() as u64))
        .collect();
    let matched = Metric::ResourceMatch.value(&report);
    entry.met = v.min_fidelity.map(|min| matched >= min);
    registry.append(&Entry::Verify(entry.clone()))?;
    Ok(Verified {
        entry,
        report,
        missing,
        warnings,
        failures: summary.failures,
    })
}

/// Scans the target and compares: the report, the target scan's summary,
/// and its warnings.
async fn measure<R: Reporter + PartsReporter>(
    v: &VerifySettings,
    target: &Target,
    credentials: &Credentials,
    progress: &R,
) -> Result<(FidelityReport, crate::scan::ScanSummary, Vec<String>), VerifyError> {
    let store = crate::graph::open(&v.graph_spec)?;
    let (summary, warnings) = live::scan(
        store.as_ref(),
        LiveScan {
            tenant: target.tenant_id.clone(),
            scan_id: crate::clock::new_scan_id(),
            credentials: credentials.clone(),
            subscriptions: vec![target.subscription_id.clone()],
            resource_groups: Vec::new(),
            concurrency: CONCURRENCY,
            arm_endpoint: v.arm_endpoint.clone(),
            authority_host: v.authority_host.clone(),
            ca_cert: v.ca_cert.clone(),
        },
        progress,
    )
    .await?;
    drop(store);
    let source = ScopeSpec::Given {
        scan_id: Some(v.source_scan.clone()),
        subscription: None,
    };
    let target_spec = ScopeSpec::Given {
        scan_id: Some(summary.scan_id.clone()),
        subscription: Some(target.subscription_id.clone()),
    };
    progress.on_start("comparing", None);
    let (s, t) = scope::load_pair(&v.graph_spec, &source, &target_spec).await?;
    let opts = MatchOptions {
        prefixes: v.prefixes.clone(),
        ..MatchOptions::default()
    };
    let comparison = compare(&s, &t, &opts);
    let report = score::report(
        comparison,
        crate::clock::now_rfc3339(),
        v.min_fidelity.unwrap_or(DEFAULT_TARGET_FIDELITY),
    );
    Ok((report, summary, warnings))
}
