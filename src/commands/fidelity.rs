//! `atg fidelity`: load both sides, compare, score, check the objective,
//! track, and print; `atg fidelity history`: the trend and its chart.

use crate::cli::fidelity::{FidelityArgs, FidelityCommand, FidelityFormat, HistoryArgs, MatchArgs};
use crate::error::{CliError, ExitStatus};
use crate::fidelity::history::{self, HistoryError};
use crate::fidelity::scope::{self, ScopeSpec};
use crate::fidelity::{MatchOptions, ScopeData, objective, render, score};
use crate::output::Printer;
use crate::reporter::Reporter;
use std::path::{Path, PathBuf};

impl From<HistoryError> for CliError {
    fn from(e: HistoryError) -> Self {
        let hint = match &e {
            HistoryError::Io { .. } => {
                "run `atg fidelity ... --track` first, or pass `--history-file FILE`"
            }
            HistoryError::BadLine { .. } => {
                "the file is append-only: move the damaged line out by hand, atg never rewrites it"
            }
            HistoryError::Chart { .. } => {
                "pass `--chart FILE.svg` in a folder you can write to, or `--no-chart`"
            }
        };
        CliError::input(e.to_string()).with_hint(hint)
    }
}

/// Pairing options from the flags.
///
/// Errors: an input error for a `--map-resource-group` value that is not
/// `SOURCE=TARGET`.
pub(crate) fn match_options(m: &MatchArgs) -> Result<MatchOptions, CliError> {
    let group_map = m
        .group_map
        .iter()
        .map(|v| match v.split_once('=') {
            Some((s, t)) if !s.trim().is_empty() && !t.trim().is_empty() => {
                Ok((s.trim().to_string(), t.trim().to_string()))
            }
            _ => Err(CliError::input(format!(
                "`--map-resource-group {v}` is not `SOURCE=TARGET`"
            ))
            .with_hint("name a source resource group and its copy, e.g. `--map-resource-group rg-app=rg-app-copy`")),
        })
        .collect::<Result<_, _>>()?;
    Ok(MatchOptions {
        resource_types: m.resource_types.clone(),
        prefixes: m.prefixes.clone(),
        group_map,
    })
}

/// The format an `--output` file's extension asks for: `json`, `csv`,
/// `md`/`markdown`; `None` otherwise.
pub(crate) fn format_from_extension(output: Option<&Path>) -> Option<&'static str> {
    let ext = output?.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some("json"),
        "csv" => Some("csv"),
        "md" | "markdown" => Some("markdown"),
        _ => None,
    }
}

/// Prints `text`, or writes it atomically to `output` and says so.
///
/// Errors: an input error when the file cannot be written.
pub(crate) fn emit(
    text: &str,
    output: Option<&PathBuf>,
    what: &str,
    printer: &Printer,
) -> Result<(), CliError> {
    match output {
        None => printer.data(text),
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::input(format!("cannot create `{}`", dir.display())).caused_by(e)
                })?;
            }
            crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| {
                CliError::input(format!("cannot write `{}`", path.display()))
                    .caused_by(e)
                    .with_hint("pass an `--output` file in a folder you can write to")
            })?;
            printer.status(&format!("Wrote {what} to `{}`", path.display()));
        }
    }
    Ok(())
}

/// Loads both sides of a comparison, with progress, warning when they are
/// the same records.
pub(crate) async fn load_sides(
    graph_spec: &str,
    source: &ScopeSpec,
    target: &ScopeSpec,
    printer: &Printer,
) -> Result<(ScopeData, ScopeData), CliError> {
    let progress = printer.reporter();
    progress.on_start("loading", None);
    let (s, t) = scope::load_pair(graph_spec, source, target).await?;
    drop(progress);
    for side in [&s, &t] {
        super::generate::warn_truncated(
            printer,
            &side.scan_id,
            &side.snapshot,
            "their cut values are compared as they are",
        );
    }
    if s.scan_id == t.scan_id
        && s.subscription.as_deref().map(str::to_ascii_lowercase)
            == t.subscription.as_deref().map(str::to_ascii_lowercase)
    {
        printer.warn(&format!(
            "source and target are the same records (scan `{}`): every resource matches itself",
            s.scan_id
        ));
    }
    Ok((s, t))
}

fn spec(scan: &Option<String>, subscription: &Option<String>) -> ScopeSpec {
    ScopeSpec::Given {
        scan_id: scan.clone(),
        subscription: subscription.clone(),
    }
}

/// Runs `atg fidelity` (or `atg fidelity history`).
pub async fn run(
    graph_spec: &str,
    args: FidelityArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    if let Some(FidelityCommand::History(h)) = args.command {
        return run_history(h, printer);
    }
    let opts = match_options(&args.matching)?;
    let objective = match &args.check_objective {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::input(format!("cannot read objective file `{}`", path.display()))
                    .caused_by(e)
                    .with_hint(
                        "pass the path of an OBJECTIVE.md (see the project's own for the format)",
                    )
            })?;
            let parsed = objective::parse(&text).map_err(|e| {
                CliError::input(format!("objective file `{}`: {e}", path.display()))
                    .with_hint("see OBJECTIVE.md at the root of the atg repository for the format")
            })?;
            Some((path.display().to_string(), parsed))
        }
    };
    let source = spec(&args.source_scan, &args.source_subscription);
    let target = spec(&args.target_scan, &args.target_subscription);
    let (s, t) = load_sides(graph_spec, &source, &target, printer).await?;
    let progress = printer.reporter();
    progress.on_start("comparing", None);
    let comparison = crate::fidelity::compare(&s, &t, &opts);
    // Freeing two whole snapshots costs a tenth of the run at 100k
    // resources; the process ends soon and the OS takes the memory back.
    std::mem::forget((s, t));
    let target_fidelity = objective
        .as_ref()
        .and_then(|(_, o)| o.target_fidelity)
        .unwrap_or(args.target_fidelity);
    let mut report = score::report(comparison, crate::clock::now_rfc3339(), target_fidelity);
    if let Some((file, o)) = &objective {
        let result = objective::check(o, &report, file);
        report.fidelity.objective_met = result.met;
        report.objective = Some(result);
    }
    drop(progress);
    if args.track {
        history::append(&args.history_file, &report)?;
        printer.status(&format!(
            "Appended this run to `{}`",
            args.history_file.display()
        ));
    }
    let format = args
        .format
        .unwrap_or(match format_from_extension(args.output.as_deref()) {
            Some("json") => FidelityFormat::Json,
            Some("csv") => FidelityFormat::Csv,
            Some("markdown") => FidelityFormat::Markdown,
            _ => FidelityFormat::Table,
        });
    let text = match format {
        FidelityFormat::Json => crate::report::json(&report),
        FidelityFormat::Csv => render::fidelity_csv(&report),
        FidelityFormat::Table => render::fidelity_document(&report).to_text(),
        FidelityFormat::Markdown => render::fidelity_document(&report).to_markdown(),
    };
    emit(&text, args.output.as_ref(), "the fidelity report", printer)?;
    let l = &report.resource_level;
    printer.status(&format!(
        "Fidelity {:.1}% by count; {:.1}% of source resources have a copy ({} exact, {} drifted, {} missing in target, {} missing in source)",
        report.fidelity.overall,
        l.matched_percent,
        l.counts.exact_match,
        l.counts.drifted,
        l.counts.missing_target,
        l.counts.missing_source
    ));
    match &report.objective {
        Some(o) if !o.met => {
            let failed: Vec<String> = o
                .conditions
                .iter()
                .filter(|c| !c.met)
                .map(|c| format!("  - {} (actual {})", c.condition, c.actual))
                .collect();
            printer.error(&format!(
                "objective `{}` not met:\n{}\n",
                o.file,
                failed.join("\n")
            ));
            Ok(ExitStatus::CheckFailed)
        }
        Some(o) => {
            printer.status(&format!(
                "Objective `{}` met ({} conditions)",
                o.file,
                o.conditions.len()
            ));
            Ok(ExitStatus::Success)
        }
        None => Ok(ExitStatus::Success),
    }
}

fn run_history(args: HistoryArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let records = history::read(&args.history_file)?;
    let file = args.history_file.display().to_string();
    let text = match args.format {
        FidelityFormat::Json => crate::report::json(&records),
        FidelityFormat::Csv => {
            crate::report::csv(history::TREND_HEADERS, &history::trend_rows(&records))
        }
        FidelityFormat::Table => render::history_document(&records, &file).to_text(),
        FidelityFormat::Markdown => render::history_document(&records, &file).to_markdown(),
    };
    emit(&text, args.output.as_ref(), "the fidelity trend", printer)?;
    if !args.no_chart {
        let path = args
            .chart
            .unwrap_or_else(|| args.history_file.with_extension("svg"));
        let types = history::chart_types(&records, &args.resource_types, 6);
        history::chart(&records, &types, &path)?;
        printer.status(&format!(
            "Chart of {} runs ({} types) in `{}`",
            records.len(),
            types.len(),
            path.display()
        ));
    }
    Ok(ExitStatus::Success)
}
