//! `atg patch verify|apply|rollback|log`: resolve the settings, ask for
//! confirmation where the lifecycle needs a person (apply, rollback), run
//! the stage in `agents::patch`, and print its result as a table or JSON.

use crate::agents::patch::provenance::{Event, Record};
use crate::agents::patch::repo::Repo;
use crate::agents::patch::verify::{PatchSource, ProposalInput, VerifyOutcome, VerifySettings};
use crate::agents::patch::{self, PatchError, apply, message, rollback, short, step};
use crate::cli::ReportFormat;
use crate::cli::patch::{ApplyArgs, LogArgs, PatchAction, PatchArgs, RollbackArgs, VerifyArgs};
use crate::deploy::env::secret_values;
use crate::error::{CliError, ExitStatus};
use crate::output::{Printer, ProgressReporter};
use crate::redact::Redactor;
use crate::report;
use crate::reporter::Reporter;
use std::io::Read;
use std::time::Duration;

/// Runs an `atg patch` subcommand.
pub fn run(args: PatchArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    match args.action {
        PatchAction::Verify(a) => verify(a, printer),
        PatchAction::Apply(a) => apply(a, printer),
        PatchAction::Rollback(a) => rollback(a, printer),
        PatchAction::Log(a) => log(a, printer),
    }
}

/// A stage error as a `CliError`: bad input exits 2, git or the file system 3.
fn cli_error(e: PatchError) -> CliError {
    let mut err = if e.is_input_error() {
        CliError::input(e.to_string())
    } else {
        CliError::tool(e.to_string())
    };
    for c in e.causes() {
        err = err.caused_by(c);
    }
    match e.hint() {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// Secrets of atg's environment, kept out of the log and the output.
fn redactor() -> Redactor {
    Redactor::new(secret_values(std::env::vars()))
}

/// Progress of a verification: a spinner on a terminal while a command
/// runs, and a status line as each one ends.
struct StepLines<'a> {
    printer: &'a Printer,
    bar: ProgressReporter,
}

impl Reporter for StepLines<'_> {
    fn on_start(&self, phase: &str, total: Option<u64>) {
        self.bar.on_start(phase, total);
    }

    fn on_progress(&self, _done: u64) {}

    fn on_finish(&self, outcome: &str) {
        self.bar
            .suspend(|| self.printer.status(&format!("  {outcome}")));
    }
}

fn verify(a: VerifyArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let patch = if a.patch.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::input("cannot read the patch from stdin").caused_by(e))?;
        PatchSource::Stdin(bytes)
    } else {
        PatchSource::Arg(a.patch.clone())
    };
    let atg_bin = std::env::current_exe()
        .map_err(|e| CliError::tool("cannot find the atg binary itself").caused_by(e))?;
    let settings = VerifySettings {
        patch,
        repo: a.repo,
        build: a.build,
        tests: a.tests,
        timeout: Duration::from_secs(a.timeout),
        cleanup: a.cleanup,
        proposal: ProposalInput {
            proposed_by: a.proposed_by,
            confidence: a.confidence,
            triggered_by: a.triggered_by,
            title: a.title,
        },
        atg_bin,
        worktree_root: std::env::temp_dir(),
        redactor: redactor(),
    };
    let reporter = StepLines {
        printer,
        bar: printer.reporter(),
    };
    let interrupted = super::interrupt_flag();
    let out = patch::verify::verify(&settings, &reporter, &interrupted).map_err(cli_error)?;
    drop(reporter);
    for n in &out.notes {
        printer.warn(n);
    }
    match a.format {
        ReportFormat::Json => printer.data(&report::json(&out)),
        ReportFormat::Table => print_verification(&out, printer),
    }
    if out.interrupted {
        return Err(CliError::interrupted(format!(
            "verification {} of `{}` was interrupted; the running command's process group was killed",
            out.verification_id, out.patch_id
        ))
        .with_hint(if out.kept {
            format!(
                "the worktree is kept at `{}`; remove it with `git worktree remove --force {}`",
                out.worktree.display(),
                out.worktree.display()
            )
        } else {
            "run the verification again".to_string()
        }));
    }
    Ok(if out.passed {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    })
}

/// The table of commands on stdout, then the verdict (and, for a failure,
/// the failing commands' last output lines) on stderr.
fn print_verification(out: &VerifyOutcome, printer: &Printer) {
    if !out.steps.is_empty() {
        let rows: Vec<Vec<String>> = out
            .steps
            .iter()
            .map(|r| {
                vec![
                    r.record.kind.clone(),
                    r.record.command.clone(),
                    r.record.outcome.name().replace('_', " "),
                    r.record
                        .exit_code
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "-".into()),
                    step::seconds(Duration::from_secs_f64(r.record.duration_seconds)),
                ]
            })
            .collect();
        printer.data(&report::table(
            &["step", "command", "result", "#exit code", "#duration"],
            &rows,
        ));
    }
    for r in out.steps.iter().filter(|r| !r.output_tail.is_empty()) {
        printer.status(&format!(
            "--- last lines of {} `{}` ({}) ---",
            r.record.kind, r.record.command, r.record.log
        ));
        for l in &r.output_tail {
            printer.status(l);
        }
    }
    let files = count(out.files.len(), "file");
    if out.passed {
        printer.status(&format!(
            "Patch {} passed verification {} at {} ({files}); worktree removed",
            out.patch_id,
            out.verification_id,
            short(&out.base)
        ));
        printer.status(&format!(
            "Apply it with: atg patch apply {} --yes",
            out.patch_id
        ));
    } else if !out.interrupted {
        printer.status(&format!(
            "Patch {} failed verification {} at {}: {}",
            out.patch_id,
            out.verification_id,
            short(&out.base),
            out.reason.as_deref().unwrap_or("")
        ));
        if out.kept {
            printer.status(&format!(
                "Worktree kept at {} (remove it with `git worktree remove --force {}`)",
                out.worktree.display(),
                out.worktree.display()
            ));
        }
    }
}

/// `1 file`, `2 files`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `Name <email> (--yes)` or `Name <email> (interactive)`.
fn confirmer(identity: String, yes: bool) -> String {
    format!("{identity} ({})", if yes { "--yes" } else { "interactive" })
}

fn apply(a: ApplyArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let plan = apply::prepare(&a.commit.repo, &a.id).map_err(cli_error)?;
    let p = &plan.proposal;
    printer.status(&format!(
        "Patch {}: proposed by {}, confidence {}, triggered by {}",
        plan.patch_id,
        p.proposed_by,
        message::confidence_text(p.confidence),
        p.triggered_by
    ));
    printer.status(&format!(
        "Verified in {}",
        message::verified_in(&plan.verification)
    ));
    let on = plan
        .branch
        .clone()
        .unwrap_or_else(|| "a detached HEAD".into());
    let confirmed = if a.commit.yes {
        true
    } else if printer.can_prompt() {
        printer.confirm(&format!("Commit patch {} on {on}?", plan.patch_id))
    } else {
        return Err(CliError::input(
            "refusing to apply without `--yes`: there is no terminal to ask on",
        )
        .with_hint(format!(
            "pass `--yes`: atg patch apply {} --yes",
            plan.patch_id
        )));
    };
    if !confirmed {
        printer.status("Apply declined: nothing changed");
        return Ok(ExitStatus::CheckFailed);
    }
    let by = confirmer(plan.git().identity(), a.commit.yes);
    let done = apply::apply(&plan, &by).map_err(cli_error)?;
    match a.commit.format {
        ReportFormat::Json => printer.data(&report::json(&done)),
        ReportFormat::Table => {
            printer.data(&done.commit);
            printer.status(&format!(
                "Applied patch {} as commit {} on {on} ({}: {})",
                done.patch_id,
                short(&done.commit),
                count(done.files.len(), "file"),
                done.files.join(", ")
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn rollback(a: RollbackArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let plan = rollback::prepare(&a.commit_args.repo, &a.commit, &a.reason, &redactor())
        .map_err(cli_error)?;
    printer.status(&format!(
        "Prepared rollback {}: {} (\"{}\")",
        plan.rollback_id, plan.command, plan.subject
    ));
    printer.status(&format!("  reason: {}", plan.reason));
    let confirmed = if a.commit_args.yes {
        true
    } else if printer.can_prompt() {
        printer.confirm(&format!("Revert commit {}?", short(&plan.commit)))
    } else {
        plan.decline().map_err(cli_error)?;
        return Err(CliError::input(
            "refusing to revert without confirmation: there is no terminal to ask on; nothing changed",
        )
        .with_hint(format!(
            "a person confirms with `--yes`: atg patch rollback {} --reason \"…\" --yes",
            short(&plan.commit)
        )));
    };
    if !confirmed {
        plan.decline().map_err(cli_error)?;
        printer.status(&format!(
            "Rollback {} declined: nothing changed",
            plan.rollback_id
        ));
        return Ok(ExitStatus::CheckFailed);
    }
    let by = confirmer(plan.identity(), a.commit_args.yes);
    let done = plan.execute(&by).map_err(cli_error)?;
    match a.commit_args.format {
        ReportFormat::Json => printer.data(&report::json(&done)),
        ReportFormat::Table => {
            printer.data(&done.revert_commit);
            printer.status(&format!(
                "Rolled back {} in revert commit {} ({}, confirmed by {})",
                short(&done.commit),
                short(&done.revert_commit),
                done.rollback_id,
                done.confirmed_by
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// One line on what a record says, for the log table.
fn detail(r: &Record) -> String {
    match &r.event {
        Event::Propose(p) => {
            let mut s = format!(
                "by {}; confidence {}; triggered by {}; {}",
                p.proposed_by,
                message::confidence_text(p.confidence),
                p.triggered_by,
                p.files.join(", ")
            );
            if let Some(t) = &p.title {
                s = format!("\"{t}\" {s}");
            }
            s
        }
        Event::VerifyPass(v) => format!(
            "{} in {}",
            message::verified_in(v),
            step::seconds(Duration::from_millis((v.duration_seconds * 1000.0) as u64))
        ),
        Event::VerifyFail(v) => {
            let mut s = format!(
                "{} at {}: {}",
                v.verification_id,
                short(&v.base),
                v.reason.as_deref().unwrap_or("failed")
            );
            if v.kept {
                s.push_str(&format!("; worktree kept at {}", v.worktree));
            }
            s
        }
        Event::Apply(a) => format!(
            "commit {} on {}; confirmed by {}",
            short(&a.commit),
            a.branch.as_deref().unwrap_or("a detached HEAD"),
            a.confirmed_by
        ),
        Event::Rollback(b) => {
            let what = match &b.revert_commit {
                Some(rc) => format!("reverted {} in {}", short(&b.commit), short(rc)),
                None => format!("{} rollback of {}", b.outcome.name(), short(&b.commit)),
            };
            let mut s = format!("{what} ({}); reason: {}", b.rollback_id, b.reason);
            if let Some(c) = &b.confirmed_by {
                s.push_str(&format!("; confirmed by {c}"));
            }
            if let Some(e) = &b.error {
                s.push_str(&format!("; {e}"));
            }
            s
        }
    }
}

fn log(a: LogArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let repo = Repo::open(&a.repo).map_err(cli_error)?;
    let log = repo.provenance();
    let history = log.read().map_err(cli_error)?;
    if history.skipped > 0 {
        printer.warn(&format!(
            "{} lines of `{}` could not be read and were skipped",
            history.skipped,
            log.path().display()
        ));
    }
    let id = match &a.patch {
        None => None,
        Some(p) => Some(repo.find_patch(p).map_err(cli_error)?.ok_or_else(|| {
            cli_error(PatchError::UnknownPatch {
                id: p.clone(),
                store: repo.store().join("patches"),
            })
        })?),
    };
    let records: Vec<&Record> = history
        .records
        .iter()
        .filter(|r| id.is_none() || r.patch_id == id)
        .collect();
    match a.format {
        ReportFormat::Json => printer.data(&report::json(&records)),
        ReportFormat::Table => {
            if records.is_empty() {
                printer.status(&format!(
                    "No patch history yet in `{}`",
                    log.path().display()
                ));
            } else {
                let rows: Vec<Vec<String>> = records
                    .iter()
                    .map(|r| {
                        vec![
                            r.time.clone(),
                            r.event.name().to_string(),
                            r.patch_id.clone().unwrap_or_else(|| "-".into()),
                            detail(r),
                        ]
                    })
                    .collect();
                printer.data(&report::table(&["time", "event", "patch", "detail"], &rows));
            }
        }
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_errors_keep_their_class_causes_and_hint() {
        let e = cli_error(PatchError::DoesNotApply {
            patch_id: "patch-0123456789ab".into(),
            base: "a".repeat(40),
            reason: "error: patch failed: main.tf:1\nerror: main.tf: patch does not apply".into(),
        });
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.causes.len(), 2);
        assert!(e.hint.is_some());
        let e = cli_error(PatchError::RevertConflict {
            commit: "b".repeat(40),
            files: vec!["main.tf".into()],
        });
        assert_eq!(e.exit_code(), 3);
    }
}
