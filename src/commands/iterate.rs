//! `atg iterate`: load the snapshot, run the iterate loop with the chosen
//! validator and a Ctrl-C handler, and print a summary table.

use super::generate::{load_snapshot, options as generate_options, syntax};
use super::validate::{cli_error, options as validate_options};
use crate::cli::ReportFormat;
use crate::cli::iterate::IterateArgs;
use crate::error::{CliError, ExitStatus};
use crate::iac::Adjustments;
use crate::iterate::state::StateError;
use crate::iterate::{self, IterateError, IterateOutcome, IterateSettings, Stop};
use crate::output::Printer;
use crate::report;
use serde::Serialize;

#[derive(Serialize)]
struct Summary<'a> {
    scan_id: &'a str,
    stop: Stop,
    stable: bool,
    provider_validated: bool,
    consecutive_passes: u32,
    threshold: u32,
    last_iteration: u32,
    iterations_run: &'a [u32],
    history: Vec<&'a iterate::IterationRecord>,
    unremediated: &'a [String],
    notes: &'a [String],
}

fn iterate_error(e: IterateError) -> CliError {
    match e {
        IterateError::Interrupted(_) => CliError::interrupted(e.to_string())
            .with_hint("run the same `atg iterate` command again to resume"),
        IterateError::Validate { iteration, source } => {
            let inner = cli_error(source);
            let mut err = CliError {
                message: format!("iteration {iteration}: {}", inner.message),
                ..inner
            };
            err.causes.insert(
                0,
                "the validator could not run; the state file is unchanged for this iteration"
                    .into(),
            );
            err
        }
        IterateError::State(s) => {
            let hint = match &s {
                StateError::Invalid { .. } => {
                    "move the damaged state file aside, or pass another `--output-root`"
                }
                StateError::Read { .. } | StateError::Write { .. } => {
                    "`--output-root` must be a folder you can read and write: fix its permissions, or pass another one"
                }
            };
            CliError::input(s.to_string()).with_hint(hint)
        }
        IterateError::Write { .. } => {
            CliError::input(e.to_string()).with_hint("pass an `--output-root` you can write to")
        }
    }
}

/// Runs `atg iterate`.
pub async fn run(
    graph_spec: &str,
    args: IterateArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    if !args.auto_deploy && super::deploy::any_flag(&args.deploy_target, &args.deploy, &args.verify)
    {
        return Err(
            CliError::input("deploy flags were given without `--auto-deploy`")
                .with_hint("add `--auto-deploy` to deploy once stable, or drop the deploy flags"),
        );
    }
    // Resolve the deploy target first, so a bad flag fails before the loop runs.
    let deploy = if args.auto_deploy {
        Some(super::deploy::prepare(
            &args.deploy_target,
            &args.deploy,
            args.validator.terraform_bin.as_deref(),
            printer,
        )?)
    } else {
        None
    };
    let (scan_id, snapshot) = load_snapshot(graph_spec, &args.source, printer).await?;
    // The deployment is verified against the snapshot the iterations come from.
    let verify = if args.auto_deploy {
        super::verify::settings(
            &args.verify,
            args.deploy.dry_run,
            graph_spec,
            Some(scan_id.clone()),
            args.resource_group_prefix.iter().cloned().collect(),
        )?
    } else {
        None
    };
    // One validator for the run: the provider schema (3 MB) and validation
    // data (9 MB) are loaded once, not once per iteration,
    // and the generator's generic fallback reads the same copy.
    let validator = crate::validate::Validator::new(validate_options(&args.validator));
    let settings = IterateSettings {
        root: args.output_root.clone(),
        until_stable: args.until_stable,
        threshold: args.threshold,
        max_iterations: if args.until_stable {
            args.max_iterations
        } else {
            1
        },
        start: args.iteration,
        prefix: args.resource_group_prefix.clone(),
        syntax: syntax(args.syntax),
        generate: {
            let mut g = generate_options(&args.source, String::new(), Adjustments::default());
            g.provider_schema = validator
                .given_schemas()
                .map_err(super::validate::cli_error)?;
            g.type_map = super::generate::type_map(&args.source)?;
            g
        },
        scan_id: scan_id.clone(),
    };
    let interrupted = super::interrupt_flag();
    printer.status(&format!(
        "Iterating on scan {scan_id} into `{}`",
        settings.root.display()
    ));
    let reporter = printer.reporter();
    let validate = |dir: &std::path::Path| validator.validate(dir);
    let deprecated = |ty: &str, path: &str| validator.is_deprecated(ty, path);
    let outcome = iterate::run(
        &snapshot,
        &settings,
        &validate,
        &deprecated,
        &reporter,
        &interrupted,
    )
    .map_err(iterate_error)?;
    drop(reporter);
    for note in &outcome.notes {
        printer.status(note);
    }
    print_summary(&outcome, &scan_id, args.format, printer);
    let status = match outcome.stop {
        Stop::Stable | Stop::Passed => ExitStatus::Success,
        Stop::MaxIterations | Stop::Stuck | Stop::Failed => ExitStatus::CheckFailed,
    };
    let Some(deploy) = deploy else {
        return Ok(status);
    };
    let st = &outcome.state;
    let stable = status == ExitStatus::Success && st.consecutive_passes >= st.threshold;
    if !stable {
        printer.status(&format!(
            "Not deploying: {} consecutive passes of {} needed",
            st.consecutive_passes, st.threshold
        ));
        return Ok(ExitStatus::CheckFailed);
    }
    let n = st.last_iteration;
    // JSON mode keeps stdout one document: the deploy reports on stderr only.
    let format = (args.format == ReportFormat::Table).then_some(ReportFormat::Table);
    super::deploy::deploy_dir(
        &deploy,
        &settings.root.join(format!("iteration{n}")),
        Some(n),
        &settings.root,
        format,
        verify.as_ref(),
        printer,
    )
    .await
}

fn print_summary(outcome: &IterateOutcome, scan_id: &str, format: ReportFormat, printer: &Printer) {
    let st = &outcome.state;
    let history: Vec<&iterate::IterationRecord> = st
        .history
        .iter()
        .filter(|h| outcome.ran.contains(&h.iteration))
        .collect();
    match format {
        ReportFormat::Json => printer.data(&report::json(&Summary {
            scan_id,
            stop: outcome.stop,
            stable: outcome.stop == Stop::Stable,
            provider_validated: outcome.provider_validated(),
            consecutive_passes: st.consecutive_passes,
            threshold: st.threshold,
            last_iteration: st.last_iteration,
            iterations_run: &outcome.ran,
            history,
            unremediated: &outcome.unremediated,
            notes: &outcome.notes,
        })),
        ReportFormat::Table => {
            let rows: Vec<Vec<String>> = history
                .iter()
                .map(|h| {
                    vec![
                        h.iteration.to_string(),
                        h.resources.to_string(),
                        h.skipped.to_string(),
                        format!("{} ({})", h.validator, h.level),
                        h.errors.to_string(),
                        h.remediations_learned.to_string(),
                        if h.passed { "pass" } else { "fail" }.to_string(),
                    ]
                })
                .collect();
            printer.data(&report::table(
                &[
                    "#iteration",
                    "#resources",
                    "#skipped",
                    "validator",
                    "#errors",
                    "#learned",
                    "result",
                ],
                &rows,
            ));
        }
    }
    let line = match outcome.stop {
        Stop::Stable if outcome.counted_passes_empty() => format!(
            "Stable: {} consecutive passes (threshold {}) of an EMPTY configuration: no resource was emitted, so nothing was provider-validated; check the snapshot and the `--subscription`/`--resource-group` filters",
            st.consecutive_passes, st.threshold
        ),
        Stop::Stable if outcome.provider_validated() => format!(
            "Stable: {} consecutive provider-validated passes (threshold {})",
            st.consecutive_passes, st.threshold
        ),
        Stop::Stable => format!(
            "Stable at structural level: {} consecutive passes (threshold {}), NOT provider-validated: argument-level checks were skipped without a provider schema",
            st.consecutive_passes, st.threshold
        ),
        Stop::MaxIterations => format!(
            "Not stable after {} iterations: {} consecutive passes of {} needed",
            outcome.ran.len(),
            st.consecutive_passes,
            st.threshold
        ),
        Stop::Stuck => format!(
            "Stuck at iteration {}: it failed and no remediation applies, so another iteration would fail the same way",
            st.last_iteration
        ),
        Stop::Passed => format!(
            "Iteration {} passed ({} consecutive passes)",
            st.last_iteration, st.consecutive_passes
        ),
        Stop::Failed => format!(
            "Iteration {} failed; remediations recorded for the next one",
            st.last_iteration
        ),
    };
    printer.status(&line);
    for u in &outcome.unremediated {
        printer.status(&format!("  unremediated: {u}"));
    }
    if outcome.stop == Stop::Stable
        && !outcome.provider_validated()
        && !outcome.counted_passes_empty()
    {
        printer.warn("pass `--provider-schema FILE` (a `terraform providers schema -json` dump) or `--plugin-dir` for provider-validated passes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 11: an output root that cannot be written was told to
    /// "move the damaged state file aside".
    #[test]
    fn issue14_an_unwritable_output_root_is_not_called_damaged() {
        let io = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let write = iterate_error(IterateError::State(StateError::Write {
            path: "demos/iteration_state.json".into(),
            source: io(),
        }));
        let hint = write.hint.unwrap();
        assert!(
            hint.contains("`--output-root` must be a folder you can read and write"),
            "{hint}"
        );
        assert!(!hint.contains("damaged"), "{hint}");
        let invalid = iterate_error(IterateError::State(StateError::Invalid {
            path: "demos/iteration_state.json".into(),
            message: "expected value".into(),
        }));
        assert!(
            invalid
                .hint
                .unwrap()
                .contains("move the damaged state file aside")
        );
    }
}
