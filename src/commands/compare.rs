//! `atg compare`: two scopes side by side; `atg compare-iterations`:
//! iteration folders side by side.

use super::fidelity::{emit, format_from_extension, load_sides, match_options};
use crate::cli::compare::{CompareArgs, CompareFormat, CompareIterationsArgs};
use crate::error::{CliError, ExitStatus};
use crate::fidelity::iterations;
use crate::fidelity::render;
use crate::fidelity::scope::ScopeSpec;
use crate::output::Printer;
use crate::reporter::Reporter;

fn format(given: Option<CompareFormat>, output: Option<&std::path::Path>) -> CompareFormat {
    given.unwrap_or(match format_from_extension(output) {
        Some("json") => CompareFormat::Json,
        Some("markdown") => CompareFormat::Markdown,
        _ => CompareFormat::Table,
    })
}

/// Runs `atg compare`.
pub async fn run(
    graph_spec: &str,
    args: CompareArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let opts = match_options(&args.matching)?;
    let source = ScopeSpec::Either(args.source.clone());
    let target = ScopeSpec::Either(args.target.clone());
    let (s, t) = load_sides(graph_spec, &source, &target, printer).await?;
    let progress = printer.reporter();
    progress.on_start("comparing", None);
    let c = crate::fidelity::compare(&s, &t, &opts);
    drop(progress);
    // As in `fidelity`: the process ends soon; freeing the snapshots is waste.
    std::mem::forget((s, t));
    let (src, tgt) = (source.describe(), target.describe());
    let text = match format(args.format, args.output.as_deref()) {
        CompareFormat::Json => crate::report::json(&render::compare_json(&c, args.show_missing)),
        CompareFormat::Table => {
            render::compare_document(&c, &src, &tgt, args.show_missing).to_text()
        }
        CompareFormat::Markdown => {
            render::compare_document(&c, &src, &tgt, args.show_missing).to_markdown()
        }
    };
    emit(&text, args.output.as_ref(), "the comparison", printer)?;
    printer.status(&format!(
        "{} source and {} target resources: {} exact, {} drifted, {} missing in target, {} extra in target",
        c.totals.source,
        c.totals.target,
        c.totals.exact_match,
        c.totals.drifted,
        c.totals.missing_target,
        c.totals.missing_source
    ));
    Ok(ExitStatus::Success)
}

/// Runs `atg compare-iterations`.
pub fn run_iterations(
    args: CompareIterationsArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let numbers = iterations::parse_list(&args.iterations).map_err(|e| {
        CliError::input(format!("`--iterations {}`: {e}", args.iterations))
            .with_hint("list iteration numbers and ranges, e.g. `--iterations 180,181,182` or `--iterations 3-5`")
    })?;
    let loaded = iterations::load(&args.output_root, &numbers).map_err(|e| {
        CliError::input(e.to_string()).with_hint(
            "run `atg iterate` first, or pass `--output-root DIR` where the iterationN folders are",
        )
    })?;
    for w in loaded.iter().flat_map(|i| i.warnings.iter()) {
        printer.warn(w);
    }
    let cmp = iterations::compare(&loaded);
    let text = match format(args.format, args.output.as_deref()) {
        CompareFormat::Json => crate::report::json(&cmp),
        CompareFormat::Table => iterations::document(&cmp).to_text(),
        CompareFormat::Markdown => iterations::document(&cmp).to_markdown(),
    };
    emit(
        &text,
        args.output.as_ref(),
        "the iteration comparison",
        printer,
    )?;
    Ok(ExitStatus::Success)
}
