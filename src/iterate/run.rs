//! The iterate loop: generate → validate → analyse → remediate, one
//! `demos/iterationN/` folder per iteration, until `threshold` consecutive
//! passes, `max_iterations`, or an iteration that fails and teaches nothing.
//!
//! Validation is passed in as a function, so the loop does not care which
//! validator runs. The state file is saved atomically at the start of an
//! iteration (marking it in progress) and at its end, so Ctrl-C leaves the
//! state whole and the next run redoes the interrupted iteration.

use super::analysis::{self, Analysis};
use super::state::{IterationRecord, IterationState, RecordedRemediation, StateError};
use crate::iac::{self, GenerateOptions, Syntax};
use crate::model::Snapshot;
use crate::reporter::Reporter;
use crate::validate::{Diagnostic, ValidateError, ValidationLevel, ValidationOutcome};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Settings of one `atg iterate` run.
#[derive(Debug, Clone)]
pub struct IterateSettings {
    /// Output root (`demos`).
    pub root: PathBuf,
    /// Loop until stable; otherwise run one iteration.
    pub until_stable: bool,
    /// Consecutive passes that make the configuration stable (≥ 1).
    pub threshold: u32,
    /// Most iterations in this run (≥ 1).
    pub max_iterations: u32,
    /// First iteration number; default the next after the last.
    pub start: Option<u32>,
    /// Resource group prefix; default `ITERATION{N}_`.
    pub prefix: Option<String>,
    /// Terraform syntax.
    pub syntax: Syntax,
    /// Generation options (filters, location); prefix and adjustments are set per iteration.
    pub generate: GenerateOptions,
    /// The snapshot's scan ID, recorded in the state.
    pub scan_id: String,
}

/// Why the loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// `threshold` consecutive passes.
    Stable,
    /// `max_iterations` ran without reaching the threshold.
    MaxIterations,
    /// An iteration failed and produced no new remediation: another would fail the same way.
    Stuck,
    /// Single-iteration mode: the iteration passed.
    Passed,
    /// Single-iteration mode: the iteration failed.
    Failed,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct IterateOutcome {
    /// Why it stopped.
    pub stop: Stop,
    /// The state as saved.
    pub state: IterationState,
    /// Iterations run by this invocation.
    pub ran: Vec<u32>,
    /// For `Stuck`/`Failed`: the errors no rule could remediate, one line each.
    pub unremediated: Vec<String>,
    /// One-line notes from the validator (e.g. why builtin was chosen), deduplicated.
    pub notes: Vec<String>,
}

impl IterateOutcome {
    /// True when stable, every counted pass had argument-level (provider
    /// schema) checks, and those passes had resources to check: an empty
    /// configuration passes any validator and proves nothing.
    pub fn provider_validated(&self) -> bool {
        self.stop == Stop::Stable
            && self.state.consecutive_provider_passes >= self.state.threshold
            && !self.counted_passes_empty()
    }

    /// True when a counted pass (one of the last `threshold` iterations)
    /// emitted no resource.
    pub fn counted_passes_empty(&self) -> bool {
        self.state
            .history
            .iter()
            .rev()
            .take(self.state.threshold as usize)
            .any(|h| h.resources == 0)
    }
}

/// Errors that end a run.
#[derive(Debug, thiserror::Error)]
pub enum IterateError {
    /// The state file could not be read or written.
    #[error(transparent)]
    State(#[from] StateError),
    /// Generated files or reports could not be written.
    #[error("iteration {iteration}: {message}")]
    Write {
        /// The iteration.
        iteration: u32,
        /// What failed.
        message: String,
    },
    /// The validator failed as a tool (not an invalid configuration).
    #[error("iteration {iteration}: validation could not run")]
    Validate {
        /// The iteration.
        iteration: u32,
        /// The validator's error.
        #[source]
        source: ValidateError,
    },
    /// Ctrl-C: the iteration was abandoned; the state marks it in progress.
    #[error("interrupted during iteration {0}; state saved, the next run redoes it")]
    Interrupted(u32),
}

/// `validate.json`: the validation result of one iteration, in the shape of
/// `terraform validate -json` plus the validator and level.
#[derive(Serialize)]
struct ValidateFile<'a> {
    validator: String,
    level: &'static str,
    note: Option<&'a str>,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    /// Resource type → known values only a real provider run checks.
    not_checked_offline: &'a std::collections::BTreeMap<String, usize>,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize)]
struct AnalysisFile<'a> {
    iteration: u32,
    passed: bool,
    #[serde(flatten)]
    analysis: &'a Analysis,
    remediations_in_force: usize,
    remediations_learned: usize,
}

/// The level name recorded in the state and reports.
pub fn level_name(level: ValidationLevel) -> &'static str {
    match level {
        ValidationLevel::Provider => "provider",
        ValidationLevel::Structural => "structural",
    }
}

/// Runs the loop. `validate` checks one folder; `deprecated(resource
/// type, dotted path)` says whether the provider schema deprecates an
/// argument (for the conflicting-arguments remediation); `interrupted` is
/// set by the Ctrl-C handler and checked between phases.
///
/// Errors: state I/O, writing outputs, a validator tool failure, or
/// interruption; each leaves the state file whole.
pub fn run(
    snapshot: &Snapshot,
    settings: &IterateSettings,
    validate: &dyn Fn(&Path) -> Result<ValidationOutcome, ValidateError>,
    deprecated: &dyn Fn(&str, &str) -> bool,
    reporter: &dyn Reporter,
    interrupted: &AtomicBool,
) -> Result<IterateOutcome, IterateError> {
    std::fs::create_dir_all(&settings.root).map_err(|e| IterateError::Write {
        iteration: 0,
        message: format!("cannot create `{}`: {e}", settings.root.display()),
    })?;
    let mut state = IterationState::load(&settings.root)?;
    if state
        .scan_id
        .as_deref()
        .is_some_and(|s| s != settings.scan_id)
    {
        // A new snapshot: earlier passes say nothing about it.
        state.consecutive_passes = 0;
        state.consecutive_provider_passes = 0;
    }
    state.scan_id = Some(settings.scan_id.clone());
    state.threshold = settings.threshold;
    let first = state
        .in_progress
        .or(settings.start)
        .unwrap_or(state.last_iteration + 1)
        .max(1);
    let mut outcome = IterateOutcome {
        stop: Stop::MaxIterations,
        state: state.clone(),
        ran: Vec::new(),
        unremediated: Vec::new(),
        notes: Vec::new(),
    };

    for n in first..first.saturating_add(settings.max_iterations) {
        let check = |state: &IterationState| -> Result<(), IterateError> {
            if interrupted.load(Ordering::SeqCst) {
                state.save(&settings.root)?;
                return Err(IterateError::Interrupted(n));
            }
            Ok(())
        };
        state.in_progress = Some(n);
        state.save(&settings.root)?;
        let started_at = crate::clock::now_rfc3339();
        let t0 = Instant::now();
        let dir = settings.root.join(format!("iteration{n}"));
        let write_err = |message: String| IterateError::Write {
            iteration: n,
            message,
        };

        reporter.on_start(&format!("iteration {n}: generate"), None);
        let mut opts = settings.generate.clone();
        opts.target.resource_group_prefix = settings
            .prefix
            .clone()
            .unwrap_or_else(|| format!("ITERATION{n}_"));
        opts.adjustments = state.adjustments.clone();
        let generated = iac::generate(snapshot, &opts);
        iac::write_output(&dir, &generated, settings.syntax)
            .map_err(|e| write_err(e.to_string()))?;
        check(&state)?;

        reporter.on_start(&format!("iteration {n}: validate"), None);
        let validation = match validate(&dir) {
            Ok(v) => v,
            Err(_) if interrupted.load(Ordering::SeqCst) => {
                state.save(&settings.root)?;
                return Err(IterateError::Interrupted(n));
            }
            Err(source) => {
                return Err(IterateError::Validate {
                    iteration: n,
                    source,
                });
            }
        };
        check(&state)?;
        if let Some(note) = &validation.note
            && !outcome.notes.contains(note)
        {
            outcome.notes.push(note.clone());
        }

        reporter.on_start(&format!("iteration {n}: analyse"), None);
        let analysis = analysis::analyse(&validation.diagnostics, deprecated);
        let passed = analysis.errors == 0;
        let in_force = state.remediations.len();
        let mut learned = 0;
        for p in &analysis.proposals {
            if p.remediation.apply_to(&mut state.adjustments) {
                learned += 1;
                state.remediations.push(RecordedRemediation {
                    learned_in: n,
                    proposal: p.clone(),
                });
            }
        }
        let level = level_name(validation.level);
        let vfile = ValidateFile {
            validator: validation.validator_used.to_string(),
            level,
            note: validation.note.as_deref(),
            valid: passed,
            error_count: analysis.errors,
            warning_count: analysis.warnings,
            not_checked_offline: &validation.not_checked_offline,
            diagnostics: &validation.diagnostics,
        };
        let afile = AnalysisFile {
            iteration: n,
            passed,
            analysis: &analysis,
            remediations_in_force: in_force,
            remediations_learned: learned,
        };
        for (name, text) in [
            ("validate.json", crate::report::json(&vfile)),
            ("analysis.json", crate::report::json(&afile)),
            (
                "README.md",
                iteration_readme(
                    n,
                    &opts.target.resource_group_prefix,
                    &generated.report,
                    &vfile,
                    &analysis,
                    learned,
                ),
            ),
        ] {
            crate::fsutil::write_atomic(&dir.join(name), text.as_bytes()).map_err(|e| {
                write_err(format!("cannot write `{}`: {e}", dir.join(name).display()))
            })?;
        }

        state.history.push(IterationRecord {
            iteration: n,
            started_at,
            duration_seconds: (t0.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            resources: generated.report.emitted_resources,
            terraform_blocks: generated.report.terraform_blocks,
            skipped: generated.report.skipped_resources,
            validator: vfile.validator.clone(),
            level: level.to_string(),
            passed,
            errors: analysis.errors,
            warnings: analysis.warnings,
            errors_by_category: analysis.errors_by_category.clone(),
            remediations_applied: in_force,
            remediations_learned: learned,
        });
        if passed {
            state.consecutive_passes += 1;
            if validation.level == ValidationLevel::Provider {
                state.consecutive_provider_passes += 1;
            } else {
                state.consecutive_provider_passes = 0;
            }
        } else {
            state.consecutive_passes = 0;
            state.consecutive_provider_passes = 0;
        }
        state.last_iteration = n;
        state.in_progress = None;
        state.save(&settings.root)?;
        reporter.on_finish(&format!(
            "iteration {n}: {} ({} errors, {} resources, {} remediations learned)",
            if passed { "passed" } else { "failed" },
            analysis.errors,
            generated.report.emitted_resources,
            learned
        ));
        outcome.ran.push(n);
        crate::background::drop_later(generated);

        if !settings.until_stable {
            outcome.stop = if passed { Stop::Passed } else { Stop::Failed };
            outcome.unremediated = analysis.unremediated;
            break;
        }
        if state.consecutive_passes >= settings.threshold {
            outcome.stop = Stop::Stable;
            break;
        }
        if !passed && learned == 0 {
            outcome.stop = Stop::Stuck;
            outcome.unremediated = analysis.unremediated;
            break;
        }
    }
    outcome.state = state;
    Ok(outcome)
}

fn iteration_readme(
    n: u32,
    prefix: &str,
    report: &iac::GenerationReport,
    v: &ValidateFile<'_>,
    a: &Analysis,
    learned: usize,
) -> String {
    let mut s = format!(
        "# Iteration {n}\n\n- Resource group prefix: `{prefix}`\n- Resources emitted: {} of {} mappable ({}%), {} skipped\n- Validator: {} ({} level)\n- Result: **{}** — {} errors, {} warnings\n- Remediations learned: {learned}\n",
        report.emitted_resources,
        report.mapped_resources,
        report.emitted_percent,
        report.skipped_resources,
        v.validator,
        v.level,
        if v.valid { "passed" } else { "failed" },
        a.errors,
        a.warnings,
    );
    if let Some(note) = v.note {
        s.push_str(&format!("- Note: {note}\n"));
    }
    let unchecked: usize = v.not_checked_offline.values().sum();
    if unchecked > 0 {
        s.push_str(&format!(
            "- Not checked offline: {unchecked} values whose provider validation only a real provider run checks (by type in `validate.json`)\n"
        ));
    }
    s.push_str("\nFiles: the Terraform configuration, `generation_report.md`, `validate.json`, `analysis.json`.\n");
    s
}
