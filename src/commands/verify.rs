//! `--verify` and `--min-fidelity` of `atg deploy` and `atg iterate
//! --auto-deploy`: after a successful apply, scan the target subscription
//! live (scan's code, with the deploy's sign-in), compare it with the source
//! snapshot (the computation `atg fidelity` does), append a `verify` entry
//! to the deployment registry, print the figures, and check the minimum.
//!
//! The figure `--min-fidelity` checks is the resource-level match: the
//! share of source resources that have a copy in the target (fidelity's
//! `resource_match`). Count fidelity is printed and recorded too, but an
//! extra resource can make up for a missing one there.

use super::deploy::Prepared;
use super::fidelity::load_sides;
use super::scan::{LiveScan, scan_live};
use crate::cli::deploy::VerifyArgs;
use crate::deploy::Registry;
use crate::deploy::registry::{Entry, VerifiedFidelity, VerifyEntry};
use crate::error::{CliError, ExitStatus};
use crate::fidelity::objective::Metric;
use crate::fidelity::render::short_id;
use crate::fidelity::scope::ScopeSpec;
use crate::fidelity::score::{self, DEFAULT_TARGET_FIDELITY, FidelityReport};
use crate::fidelity::{MatchOptions, compare};
use crate::output::Printer;
use std::path::{Path, PathBuf};

/// Queries in flight during the verification scan (scan's default).
const CONCURRENCY: usize = 4;

/// What a verification needs besides the deployment: where the source
/// snapshot is, the minimum, and how to reach Azure.
#[derive(Debug, Clone)]
pub struct Verify {
    graph_spec: String,
    source_scan: String,
    min_fidelity: Option<f64>,
    prefixes: Vec<String>,
    arm_endpoint: Option<String>,
    authority_host: Option<String>,
    ca_cert: Vec<PathBuf>,
}

/// True when the flags ask for a verification (`--min-fidelity` implies `--verify`).
pub fn wanted(a: &VerifyArgs) -> bool {
    a.verify || a.min_fidelity.is_some()
}

/// Checks the verify flags against the rest and builds the settings;
/// `None` when no verification is asked for. `source_scan` is the snapshot
/// to compare with, if known; `prefixes` are resource group prefixes to
/// strip from target names besides `ITERATION{N}_`.
///
/// Errors (exit 2): `--ca-cert` without `--verify`; `--verify` with
/// `--dry-run` (nothing is applied to verify); no source snapshot known.
pub fn settings(
    a: &VerifyArgs,
    dry_run: bool,
    graph_spec: &str,
    source_scan: Option<String>,
    prefixes: Vec<String>,
) -> Result<Option<Verify>, CliError> {
    if !wanted(a) {
        if !a.ca_cert.is_empty() {
            return Err(CliError::input(
                "`--ca-cert` applies to the verification scan, and no verification was asked for",
            )
            .with_hint("add `--verify` (or `--min-fidelity PERCENT`), or drop `--ca-cert`"));
        }
        return Ok(None);
    }
    if dry_run {
        return Err(CliError::input(
            "`--verify` and `--min-fidelity` need an apply, and `--dry-run` applies nothing",
        )
        .with_hint("drop `--dry-run` to apply and verify, or drop the verify flags to only plan"));
    }
    let source_scan = source_scan.ok_or_else(|| {
        CliError::input("`--verify` does not know the source snapshot to compare the target with")
            .with_hint("pass `--source-scan SCAN_ID` (`atg scan --list` shows them), or deploy an iteration of `atg iterate`")
    })?;
    Ok(Some(Verify {
        graph_spec: graph_spec.to_string(),
        source_scan,
        min_fidelity: a.min_fidelity,
        prefixes,
        arm_endpoint: a.arm_endpoint.clone(),
        authority_host: a.authority_host.clone(),
        ca_cert: a.ca_cert.clone(),
    }))
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

/// Verifies deployment `id` (applied with `p` into its target): scans the
/// target subscription, compares it with the source snapshot, appends a
/// `verify` entry to the registry in `root`, and prints the figures.
/// Returns `Success`, or `CheckFailed` when `--min-fidelity` is not
/// reached (the missing resources are printed by type), with the entry.
///
/// Errors: those of the live scan (credentials exit 2, Azure unreachable
/// exit 3), an unknown source snapshot (exit 2), a store or registry
/// failure. A verification that fails is still recorded, with its error.
pub async fn run(
    v: &Verify,
    p: &Prepared,
    id: &str,
    root: &Path,
    printer: &Printer,
) -> Result<(ExitStatus, VerifyEntry), CliError> {
    let target = p.target();
    let registry = Registry::in_root(root).with_redactor(p.redactor());
    let mut entry = VerifyEntry {
        id: id.to_string(),
        at: crate::clock::now_rfc3339(),
        source_scan: v.source_scan.clone(),
        target_scan: None,
        target_scan_complete: false,
        fidelity: None,
        min_fidelity: v.min_fidelity,
        met: None,
        missing_by_type: Default::default(),
        error: None,
    };
    let record = |entry: &VerifyEntry| {
        registry.append(&Entry::Verify(entry.clone())).map_err(|e| {
            CliError::input(e.to_string())
                .caused_by(std::error::Error::source(&e).map_or(String::new(), |s| s.to_string()))
                .with_hint("check the folder's permissions, or pass another `--output-root`")
        })
    };
    printer.status(&format!(
        "Verifying deployment {id}: scanning subscription {} in tenant {}",
        target.subscription_id, target.tenant_id
    ));
    let measured = measure(v, p, printer).await;
    let (report, target_scan, complete) = match measured {
        Ok(m) => m,
        Err(e) => {
            entry.error = Some(p.redact(&e.message));
            record(&entry)?;
            return Err(e);
        }
    };
    let missing = score::missing_in_target(&report);
    entry.target_scan = Some(target_scan.clone());
    entry.target_scan_complete = complete;
    entry.fidelity = Some(figures(&report));
    entry.missing_by_type = missing
        .iter()
        .map(|(t, ids)| (t.clone(), ids.len() as u64))
        .collect();
    let matched = Metric::ResourceMatch.value(&report);
    entry.met = v.min_fidelity.map(|min| matched >= min);
    record(&entry)?;

    let l = &report.resource_level;
    printer.status(&format!(
        "Verified deployment {id}: target scan {target_scan} against source scan {}",
        v.source_scan
    ));
    printer.status(&format!(
        "Fidelity {:.1}% by count; {:.1}% of source resources have a copy ({} exact, {} drifted, {} missing in target, {} missing in source); {:.1}% of relationships preserved",
        report.fidelity.overall,
        l.matched_percent,
        l.counts.exact_match,
        l.counts.drifted,
        l.counts.missing_target,
        l.counts.missing_source,
        l.relationships_percent
    ));
    if !complete {
        printer.warn(&format!(
            "the target scan {target_scan} is incomplete: the figures count only what could be read (`atg scan --list --format json` lists the failures)"
        ));
    }
    let Some(min) = v.min_fidelity else {
        return Ok((ExitStatus::Success, entry));
    };
    if matched >= min {
        printer.status(&format!(
            "Minimum fidelity {min}%: met ({:.1}% of source resources have a copy)",
            l.matched_percent
        ));
        return Ok((ExitStatus::Success, entry));
    }
    let mut lines = vec![format!(
        "minimum fidelity {min}% not met: {:.1}% of source resources have a copy in the target; missing in target ({}):",
        l.matched_percent, l.counts.missing_target
    )];
    for (t, ids) in &missing {
        let names: Vec<String> = ids.iter().map(|i| short_id(i)).collect();
        lines.push(format!("  {t} ({}): {}", ids.len(), names.join(", ")));
    }
    printer.error(&format!("{}\n", lines.join("\n")));
    Ok((ExitStatus::CheckFailed, entry))
}

/// Scans the target and compares: the report, the target scan's ID, and
/// whether that scan read everything.
async fn measure(
    v: &Verify,
    p: &Prepared,
    printer: &Printer,
) -> Result<(FidelityReport, String, bool), CliError> {
    let target = p.target();
    let store = crate::graph::open(&v.graph_spec)?;
    let (summary, warnings) = scan_live(
        store.as_ref(),
        LiveScan {
            tenant: &target.tenant_id,
            scan_id: crate::clock::new_scan_id(),
            credentials: p.credentials().clone(),
            subscriptions: vec![target.subscription_id.clone()],
            resource_groups: Vec::new(),
            concurrency: CONCURRENCY,
            arm_endpoint: v.arm_endpoint.as_deref(),
            authority_host: v.authority_host.as_deref(),
            ca_cert: &v.ca_cert,
        },
        printer,
    )
    .await?;
    drop(store);
    for w in &warnings {
        printer.warn(w);
    }
    for f in &summary.failures {
        printer.warn(&format!("not scanned: {f}"));
    }
    let source = ScopeSpec::Given {
        scan_id: Some(v.source_scan.clone()),
        subscription: None,
    };
    let target_spec = ScopeSpec::Given {
        scan_id: Some(summary.scan_id.clone()),
        subscription: Some(target.subscription_id.clone()),
    };
    let (s, t) = load_sides(&v.graph_spec, &source, &target_spec, printer).await?;
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
    Ok((report, summary.scan_id, summary.failures.is_empty()))
}
