//! `--verify` and `--min-fidelity` of `atg deploy` and `atg iterate
//! --auto-deploy`: the flags turned into `deploy::verify::VerifySettings`,
//! and a verification's figures printed with its exit status. Running the
//! verification (scan, compare, record) is `deploy::verify`'s; when it runs
//! is `commands::deploy`'s, which uses this module (never the reverse).

use crate::cli::deploy::VerifyArgs;
use crate::deploy::verify::{Verified, VerifyError, VerifySettings};
use crate::error::{CliError, ExitStatus};
use crate::fidelity::render::short_id;
use crate::output::Printer;

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
) -> Result<Option<VerifySettings>, CliError> {
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
    Ok(Some(VerifySettings {
        graph_spec: graph_spec.to_string(),
        source_scan,
        min_fidelity: a.min_fidelity,
        prefixes,
        arm_endpoint: a.arm_endpoint.clone(),
        authority_host: a.authority_host.clone(),
        ca_cert: a.ca_cert.clone(),
    }))
}

/// A verification that could not finish, as a CLI error: the scan's own
/// (credentials exit 2, Azure exit 3), an unknown source (exit 2), or a
/// registry that cannot be appended to (exit 2).
pub fn cli_error(e: VerifyError) -> CliError {
    match e {
        VerifyError::Scan(e) => e.into(),
        VerifyError::Graph(e) => e.into(),
        VerifyError::Registry(e) => {
            let cause = std::error::Error::source(&e).map_or(String::new(), |s| s.to_string());
            CliError::input(e.to_string())
                .caused_by(cause)
                .with_hint("check the folder's permissions, or pass another `--output-root`")
        }
    }
}

/// Prints a finished verification of deployment `id`: the scan's warnings,
/// the figures, and whether `--min-fidelity` was met (listing the missing
/// resources by type when not). Returns `CheckFailed` when it was not met.
pub fn print(v: &Verified, id: &str, printer: &Printer) -> ExitStatus {
    for w in &v.warnings {
        printer.warn(w);
    }
    for f in &v.failures {
        printer.warn(&format!("not scanned: {f}"));
    }
    let e = &v.entry;
    let target_scan = e.target_scan.as_deref().unwrap_or("-");
    let r = &v.report;
    let l = &r.resource_level;
    printer.status(&format!(
        "Verified deployment {id}: target scan {target_scan} against source scan {}",
        e.source_scan
    ));
    printer.status(&format!(
        "Fidelity {:.1}% by count; {:.1}% of source resources have a copy ({} exact, {} drifted, {} missing in target, {} missing in source); {:.1}% of relationships preserved",
        r.fidelity.overall,
        l.matched_percent,
        l.counts.exact_match,
        l.counts.drifted,
        l.counts.missing_target,
        l.counts.missing_source,
        l.relationships_percent
    ));
    if !e.target_scan_complete {
        printer.warn(&format!(
            "the target scan {target_scan} is incomplete: the figures count only what could be read (`atg scan --list --format json` lists the failures)"
        ));
    }
    let Some(min) = e.min_fidelity else {
        return ExitStatus::Success;
    };
    if e.met == Some(true) {
        printer.status(&format!(
            "Minimum fidelity {min}%: met ({:.1}% of source resources have a copy)",
            l.matched_percent
        ));
        return ExitStatus::Success;
    }
    let mut lines = vec![format!(
        "minimum fidelity {min}% not met: {:.1}% of source resources have a copy in the target; missing in target ({}):",
        l.matched_percent, l.counts.missing_target
    )];
    for (t, ids) in &v.missing {
        let names: Vec<String> = ids.iter().map(|i| short_id(i)).collect();
        lines.push(format!("  {t} ({}): {}", ids.len(), names.join(", ")));
    }
    printer.error(&format!("{}\n", lines.join("\n")));
    ExitStatus::CheckFailed
}
