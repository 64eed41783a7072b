//! The deploy flow: `init` → `plan -out` → (stop on `--dry-run`) → `apply`
//! the saved plan, each step retried on transient errors; on a failed apply,
//! an optional rollback of what this deployment created; and the teardown
//! of a recorded deployment (`deploy destroy`). Every deployment is recorded
//! in the registry with a start entry before terraform runs and an end entry
//! however it stops.
//!
//! Resolving credentials and the target is left to the command layer
//! (`azure::auth`, `env`), and printing to the output layer: this module
//! reports through a `Reporter` and returns outcomes.

use super::env::{Target, TerraformEnv};
use super::plan::{Counts, PlanSummary, parse_show_json};
use super::registry::{
    Deployment, DestroyEndEntry, DestroyStartEntry, EndEntry, Entry, Outcome, Registry,
    RegistryError, Rollback, StartEntry, TeardownOutcome,
};
use super::retry::{Category, RetryPolicy, classify, verdict};
use super::runner::{DeployLog, ErrorText, Mode, Runner, StepOutput, UiMessage};
use super::variables::{self, UnsetVariable};
use crate::azure::auth::AuthMethod;
use crate::redact::Redactor;
use crate::reporter::Reporter;
use crate::terraform::TerraformError;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How to run terraform against the target (shared by deploy and destroy).
#[derive(Debug, Clone)]
pub struct TerraformSettings {
    /// The terraform (or tofu) binary, resolved to a path.
    pub bin: PathBuf,
    /// The target's environment (`ARM_*`).
    pub env: TerraformEnv,
    /// Redacts known secrets from every line logged, returned or recorded.
    pub redactor: Redactor,
    /// Retries and delays for transient errors.
    pub retry: RetryPolicy,
    /// terraform's `-parallelism=N` for plan and apply (default: terraform's 10).
    pub parallelism: Option<u32>,
}

/// Settings of one deployment.
#[derive(Debug, Clone)]
pub struct DeploySettings {
    /// The configuration folder.
    pub dir: PathBuf,
    /// The iteration it holds, when it is `demos/iterationN`.
    pub iteration: Option<u32>,
    /// The output root holding `deployments.jsonl`.
    pub root: PathBuf,
    /// Tenant and subscription.
    pub target: Target,
    /// The sign-in method resolved (recorded).
    pub auth: AuthMethod,
    /// Stop after the plan.
    pub dry_run: bool,
    /// On a failed apply, destroy what this deployment created.
    pub rollback_on_failure: bool,
    /// terraform and retries.
    pub terraform: TerraformSettings,
}

/// One retry of a step after a transient error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetryRecord {
    /// `init`, `plan` or `apply` (or `rollback`/`destroy`).
    pub step: &'static str,
    /// 1 for the first retry.
    pub retry: u32,
    /// What the failure was.
    pub category: Category,
    /// The delay waited before the retry, in milliseconds.
    pub delay_ms: u64,
}

/// Why a deployment or destroy failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The step that failed.
    pub step: &'static str,
    /// The deciding category.
    pub category: Category,
    /// True when the error was transient and the retries ran out.
    pub retries_exhausted: bool,
    /// terraform's error in one line, redacted.
    pub message: String,
    /// What to do next, one line.
    pub hint: String,
}

/// What a deployment did.
#[derive(Debug, Clone, Serialize)]
pub struct DeployOutcome {
    /// The deployment ID.
    pub id: String,
    /// The configuration folder.
    pub dir: PathBuf,
    /// The tenant and subscription deployed to.
    pub target: Target,
    /// How it ended.
    pub outcome: Outcome,
    /// The first plan, when planning got that far.
    pub plan: Option<PlanSummary>,
    /// What was applied, over every attempt.
    pub applied: Counts,
    /// Retries after transient errors.
    pub retries: Vec<RetryRecord>,
    /// Errors seen, by category (retried ones included).
    pub error_categories: BTreeMap<Category, u32>,
    /// The failure, for `Failed`.
    pub failure: Option<Failure>,
    /// The rollback, when one ran.
    pub rollback: Option<Rollback>,
    /// The saved plan file.
    pub plan_file: PathBuf,
    /// The deploy log.
    pub log: PathBuf,
    /// Wall time in seconds.
    pub duration_seconds: f64,
}

/// What `deploy destroy` did.
#[derive(Debug, Clone, Serialize)]
pub struct DestroyOutcome {
    /// The deployment torn down.
    pub id: String,
    /// The tenant and subscription it was destroyed in.
    pub target: Target,
    /// How it ended.
    pub outcome: TeardownOutcome,
    /// What the destroy plan said.
    pub plan: Option<PlanSummary>,
    /// Resources destroyed.
    pub destroyed: u64,
    /// Retries after transient errors.
    pub retries: Vec<RetryRecord>,
    /// The failure, if any.
    pub failure: Option<Failure>,
    /// The destroy log.
    pub log: PathBuf,
}

/// Errors that stop a deploy or destroy before terraform runs, or keep it
/// from being recorded.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The configuration folder does not exist.
    #[error("configuration folder `{}` does not exist", .0.display())]
    FolderMissing(PathBuf),
    /// The folder holds no `.tf` or `.tf.json` file.
    #[error("no `.tf` or `.tf.json` files in `{}`", .0.display())]
    NoConfig(PathBuf),
    /// The deploy log could not be opened.
    #[error("cannot write the deploy log `{}`", path.display())]
    Log {
        /// The log file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The registry could not be read or appended to.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// No deployment with this ID in the registry.
    #[error("no deployment `{0}` in the registry")]
    UnknownDeployment(String),
    /// The configuration could not be read to check its variables.
    #[error("cannot read the configuration in `{}`", dir.display())]
    ReadConfig {
        /// The configuration folder.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Variables without a value: `terraform plan` would stop at the first.
    #[error("{} in `{}` {} no value: {}", plural_variables(.unset.len()), dir.display(), if .unset.len() == 1 { "has" } else { "have" }, unset_list(.unset))]
    UnsetVariables {
        /// The configuration folder.
        dir: PathBuf,
        /// The variables, in name order.
        unset: Vec<UnsetVariable>,
    },
    /// The deployment applied nothing, so there is nothing to destroy.
    #[error("deployment `{id}` applied nothing ({why}); there is nothing to destroy")]
    NothingApplied {
        /// The ID.
        id: String,
        /// Its outcome.
        why: &'static str,
    },
    /// The target given is not the one the deployment used.
    #[error(
        "deployment `{id}` went to subscription `{}` in tenant `{}`, not subscription `{}` in tenant `{}`",
        recorded.subscription_id, recorded.tenant_id, given.subscription_id, given.tenant_id
    )]
    TargetMismatch {
        /// The ID.
        id: String,
        /// The target in the registry.
        recorded: Target,
        /// The target given now.
        given: Target,
    },
}

fn plural_variables(n: usize) -> String {
    if n == 1 {
        "1 variable".into()
    } else {
        format!("{n} variables")
    }
}

fn unset_list(unset: &[UnsetVariable]) -> String {
    unset
        .iter()
        .map(|v| {
            if v.sensitive {
                format!("`{}` (sensitive)", v.name)
            } else {
                format!("`{}`", v.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `t` with the values of the folder's sensitive variables added to its
/// redactor, once every variable of `dir` has a value (see `variables`).
///
/// Errors: `ReadConfig`, `UnsetVariables`.
fn with_inputs(dir: &Path, t: &TerraformSettings) -> Result<TerraformSettings, DeployError> {
    let env = |k: &str| std::env::var(k).ok();
    let inputs = variables::inputs(dir, &env).map_err(|source| DeployError::ReadConfig {
        dir: dir.to_path_buf(),
        source,
    })?;
    if !inputs.unset.is_empty() {
        return Err(DeployError::UnsetVariables {
            dir: dir.to_path_buf(),
            unset: inputs.unset,
        });
    }
    let mut t = t.clone();
    t.redactor.extend(inputs.sensitive_values);
    Ok(t)
}

/// Checks that `dir` exists and holds Terraform files.
///
/// Errors: `FolderMissing`, `NoConfig`.
pub fn check_config_dir(dir: &Path) -> Result<(), DeployError> {
    let entries = std::fs::read_dir(dir).map_err(|_| DeployError::FolderMissing(dir.into()))?;
    let has_tf = entries.filter_map(Result::ok).any(|e| {
        let n = e.file_name();
        let n = n.to_string_lossy();
        n.ends_with(".tf") || n.ends_with(".tf.json")
    });
    if has_tf {
        Ok(())
    } else {
        Err(DeployError::NoConfig(dir.into()))
    }
}

enum Step<T> {
    Done(T),
    Interrupted,
    Failed(Failure),
}

/// Collapses text to one line of at most 400 characters.
fn one_line(text: &str) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 400 {
        s = s.chars().take(399).collect::<String>() + "…";
    }
    s
}

/// A terraform run with retries, progress and the tallies a record needs.
struct Session<'a> {
    runner: Runner<'a>,
    reporter: &'a dyn Reporter,
    retry: RetryPolicy,
    parallelism: Option<u32>,
    retries: Vec<RetryRecord>,
    categories: BTreeMap<Category, u32>,
    applied: Counts,
    done: u64,
    /// Addresses whose create failed in this session: terraform keeps them
    /// tainted, and a retry replaces them. That delete cleans up this
    /// deployment's own failed attempt and is not counted as a destroy.
    failed_creates: HashSet<String>,
}

impl<'a> Session<'a> {
    fn new(
        t: &'a TerraformSettings,
        dir: &'a Path,
        log: &'a DeployLog,
        reporter: &'a dyn Reporter,
        interrupted: &'a AtomicBool,
    ) -> Self {
        Session {
            runner: Runner {
                bin: &t.bin,
                dir,
                env: &t.env,
                log,
                interrupted,
            },
            reporter,
            retry: t.retry,
            parallelism: t.parallelism,
            retries: Vec::new(),
            categories: BTreeMap::new(),
            applied: Counts::default(),
            done: 0,
            failed_creates: HashSet::new(),
        }
    }

    fn interrupted(&self) -> bool {
        self.runner.interrupted.load(Ordering::SeqCst)
    }

    /// Sleeps `d` in short slices; false when interrupted meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.interrupted() {
                return false;
            }
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(25)));
        }
        !self.interrupted()
    }

    fn tool_failure(&self, step: &'static str, e: TerraformError) -> Failure {
        Failure {
            step,
            category: Category::Unclassified,
            retries_exhausted: false,
            message: one_line(&self.runner.log.redactor().redact(&e.to_string())),
            hint: "check the terraform installation (`--terraform-bin`)".into(),
        }
    }

    /// Runs `attempt` until it succeeds, fails permanently, runs out of
    /// retries or is interrupted. `attempt` gets the session and the retry
    /// number (0 for the first try).
    fn retrying(
        &mut self,
        step: &'static str,
        attempt: &mut dyn FnMut(&mut Session<'a>, u32) -> Result<StepOutput, TerraformError>,
    ) -> Step<StepOutput> {
        let mut delays = self.retry.delays();
        let mut n = 0;
        loop {
            if self.interrupted() {
                return Step::Interrupted;
            }
            let out = match attempt(self, n) {
                Ok(o) => o,
                Err(e) => return Step::Failed(self.tool_failure(step, e)),
            };
            if out.success {
                return Step::Done(out);
            }
            if out.interrupted || self.interrupted() {
                return Step::Interrupted;
            }
            let cats: Vec<(Category, &ErrorText)> = out
                .errors
                .iter()
                .map(|e| (classify(&e.text, e.in_config), e))
                .collect();
            for (c, _) in &cats {
                *self.categories.entry(*c).or_default() += 1;
            }
            let only: Vec<Category> = cats.iter().map(|(c, _)| *c).collect();
            let cat = verdict(&only).unwrap_or(Category::Unclassified);
            let message = cats
                .iter()
                .find(|(c, _)| *c == cat)
                .map(|(_, e)| one_line(&e.text))
                .unwrap_or_else(|| format!("terraform {step} failed ({})", out.status));
            if !cat.is_transient() {
                self.runner.log.write(
                    step,
                    &format!("atg: permanent error ({}): not retried", cat.name()),
                );
                return Step::Failed(Failure {
                    step,
                    category: cat,
                    retries_exhausted: false,
                    message,
                    hint: cat.hint().unwrap_or_default().to_string(),
                });
            }
            let Some(delay) = delays.next() else {
                self.runner.log.write(
                    step,
                    &format!(
                        "atg: transient error ({}): no retries left ({} allowed)",
                        cat.name(),
                        self.retry.max_retries
                    ),
                );
                return Step::Failed(Failure {
                    step,
                    category: cat,
                    retries_exhausted: true,
                    message,
                    hint: format!(
                        "the transient error ({}) persisted through {} retries: wait a few minutes and run the same command again, or raise `--max-retries`",
                        cat.name(),
                        self.retry.max_retries
                    ),
                });
            };
            n += 1;
            let note = format!(
                "transient error ({}) in {step}: retry {n} of {} in {:.1} s",
                cat.name(),
                self.retry.max_retries,
                delay.as_secs_f64()
            );
            self.runner.log.write(step, &format!("atg: {note}"));
            self.reporter.on_finish(&note);
            self.retries.push(RetryRecord {
                step,
                retry: n,
                category: cat,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            });
            if !self.sleep(delay) {
                return Step::Interrupted;
            }
        }
    }

    fn init(&mut self) -> Step<()> {
        self.reporter.on_start("terraform init", None);
        let args: Vec<String> = ["init", "-input=false", "-no-color"]
            .map(String::from)
            .to_vec();
        match self.retrying("init", &mut |s, _| {
            s.runner.run("init", &args, Mode::Text, &mut |_| {})
        }) {
            Step::Done(_) => Step::Done(()),
            Step::Interrupted => Step::Interrupted,
            Step::Failed(f) => Step::Failed(f),
        }
    }

    fn plan_args(&self, plan_file: &Path, extra: &[String]) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "plan".into(),
            "-input=false".into(),
            "-no-color".into(),
            "-json".into(),
            format!("-out={}", plan_file.display()),
        ];
        if let Some(p) = self.parallelism {
            args.push(format!("-parallelism={p}"));
        }
        args.extend(extra.iter().cloned());
        args
    }

    /// `plan -out` (retried), then `show -json` of the saved plan.
    fn plan(
        &mut self,
        step: &'static str,
        plan_file: &Path,
        extra: &[String],
    ) -> Step<PlanSummary> {
        self.reporter.on_start(&format!("terraform {step}"), None);
        let args = self.plan_args(plan_file, extra);
        if let Step::Failed(f) = self.retrying(step, &mut |s, _| {
            let reporter = s.reporter;
            s.runner
                .run(step, &args, Mode::Json, &mut |ui: &UiMessage| {
                    if ui.kind == "planned_change" || ui.kind == "refresh_start" {
                        reporter.on_detail(&ui.message);
                    }
                })
        }) {
            return Step::Failed(f);
        }
        if self.interrupted() {
            return Step::Interrupted;
        }
        self.show(step, plan_file)
    }

    fn show(&mut self, step: &'static str, plan_file: &Path) -> Step<PlanSummary> {
        let args = vec![
            "show".into(),
            "-json".into(),
            plan_file.display().to_string(),
        ];
        let out = match self.runner.run(step, &args, Mode::Capture, &mut |_| {}) {
            Ok(o) => o,
            Err(e) => return Step::Failed(self.tool_failure(step, e)),
        };
        if out.interrupted {
            return Step::Interrupted;
        }
        match parse_show_json(&out.stdout) {
            Ok(p) if out.success => {
                self.runner.log.write(
                    step,
                    &format!(
                        "atg: plan {}: {} to add, {} to change, {} to destroy",
                        plan_file.display(),
                        p.counts.add,
                        p.counts.change,
                        p.counts.destroy
                    ),
                );
                Step::Done(p)
            }
            Ok(_) | Err(_) => Step::Failed(Failure {
                step,
                category: Category::Unclassified,
                retries_exhausted: false,
                message: format!(
                    "`terraform show -json {}` gave no plan ({})",
                    plan_file.display(),
                    out.status
                ),
                hint: "check the terraform installation (`--terraform-bin`)".into(),
            }),
        }
    }

    /// Applies `plan_file`; a retry first re-plans into it with `replan`
    /// extra arguments (a saved plan is stale once an apply changed state).
    fn apply(
        &mut self,
        step: &'static str,
        plan_file: &Path,
        replan: &[String],
        total: u64,
    ) -> Step<()> {
        self.reporter
            .on_start(&format!("terraform {step}"), Some(total));
        self.done = 0;
        let mut apply: Vec<String> = vec![
            "apply".into(),
            "-input=false".into(),
            "-no-color".into(),
            "-json".into(),
        ];
        if let Some(p) = self.parallelism {
            apply.push(format!("-parallelism={p}"));
        }
        apply.push(plan_file.display().to_string());
        let plan_args = self.plan_args(plan_file, replan);
        let result = self.retrying(step, &mut |s, n| {
            if n > 0 {
                let mut planned = None;
                let out = s.runner.run(step, &plan_args, Mode::Json, &mut |ui| {
                    if ui.kind == "change_summary" {
                        planned = ui.changes;
                    }
                })?;
                if !out.success {
                    return Ok(out);
                }
                // The new plan is what is left to do.
                let left = planned.map_or(0, |c| c.add + c.change + c.remove);
                s.reporter
                    .on_start(&format!("terraform {step} (retry {n})"), Some(left));
                s.done = 0;
            }
            let Session {
                runner,
                reporter,
                applied,
                done,
                failed_creates,
                ..
            } = s;
            runner.run(step, &apply, Mode::Json, &mut |ui: &UiMessage| {
                let (addr, action) = ui
                    .hook
                    .as_ref()
                    .map_or(("", ""), |h| (h.resource.addr.as_str(), h.action.as_str()));
                match ui.kind.as_str() {
                    "apply_start" => reporter.on_detail(&ui.message),
                    "apply_complete" => {
                        if !(action == "delete" && failed_creates.contains(addr)) {
                            applied.count_action(action);
                        }
                        *done += 1;
                        reporter.on_progress(*done);
                    }
                    "apply_errored" => {
                        if action == "create" {
                            failed_creates.insert(addr.to_string());
                        }
                        *done += 1;
                        reporter.on_progress(*done);
                    }
                    _ => {}
                }
            })
        });
        match result {
            Step::Done(_) => Step::Done(()),
            Step::Interrupted => Step::Interrupted,
            Step::Failed(f) => Step::Failed(f),
        }
    }

    /// Addresses in the state (`terraform state list`); empty without state.
    fn state_list(&mut self, step: &'static str) -> Result<HashSet<String>, Failure> {
        let args = vec!["state".into(), "list".into()];
        let out = self
            .runner
            .run(step, &args, Mode::Capture, &mut |_| {})
            .map_err(|e| self.tool_failure(step, e))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect())
    }
}

/// Deploys `s.dir` into the target: see the module doc. `confirm` is asked
/// before applying a plan with changes (not on `--dry-run`); `interrupted`
/// is set by the Ctrl-C handler. The registry gets a start entry before
/// terraform runs and an end entry however the deployment ends.
///
/// Errors: a missing or empty folder, variables without a value (checked
/// before terraform runs, see `variables`), an unwritable log or registry.
/// terraform failures are not errors: they are `Outcome::Failed` with a
/// `Failure`, recorded like every other outcome.
pub fn deploy(
    s: &DeploySettings,
    reporter: &dyn Reporter,
    confirm: &dyn Fn(&PlanSummary) -> bool,
    interrupted: &AtomicBool,
) -> Result<DeployOutcome, DeployError> {
    check_config_dir(&s.dir)?;
    let terraform = with_inputs(&s.dir, &s.terraform)?;
    let t0 = Instant::now();
    let id = crate::clock::new_id("deploy");
    let log_path = s.dir.join(format!("{id}.log"));
    let plan_file = PathBuf::from(format!("{id}.tfplan"));
    let log = DeployLog::open(&log_path, terraform.redactor.clone()).map_err(|source| {
        DeployError::Log {
            path: log_path.clone(),
            source,
        }
    })?;
    let registry = Registry::in_root(&s.root).with_redactor(&terraform.redactor);
    registry.append(&Entry::Start(StartEntry {
        id: id.clone(),
        at: crate::clock::now_rfc3339(),
        iteration: s.iteration,
        dir: s.dir.clone(),
        target: s.target.clone(),
        auth: s.auth.name().to_string(),
        dry_run: s.dry_run,
        log: log_path.clone(),
    }))?;
    log.write(
        "deploy",
        &format!(
            "atg: deployment {id} of `{}` to subscription {} in tenant {} (auth {}, terraform environment: {})",
            s.dir.display(),
            s.target.subscription_id,
            s.target.tenant_id,
            s.auth.name(),
            terraform.env.names().join(", ")
        ),
    );

    let mut session = Session::new(&terraform, &s.dir, &log, reporter, interrupted);
    let mut plan: Option<PlanSummary> = None;
    let mut rollback = None;
    let (outcome, failure) = 'run: {
        let step = session.init();
        if let Some(end) = ended(step) {
            break 'run end;
        }
        let p = match session.plan("plan", &plan_file, &[]) {
            Step::Done(p) => p,
            Step::Interrupted => break 'run (Outcome::Interrupted, None),
            Step::Failed(f) => break 'run (Outcome::Failed, Some(f)),
        };
        let p = plan.insert(p);
        if s.dry_run {
            break 'run (Outcome::Planned, None);
        }
        if p.counts.total() == 0 {
            log.write("apply", "atg: no changes: nothing to apply");
            break 'run (Outcome::Succeeded, None);
        }
        if !confirm(p) {
            log.write("apply", "atg: apply declined at the prompt");
            break 'run (Outcome::Cancelled, None);
        }
        if interrupted.load(Ordering::SeqCst) {
            break 'run (Outcome::Interrupted, None);
        }
        match session.apply("apply", &plan_file, &[], p.counts.total()) {
            Step::Done(()) => (Outcome::Succeeded, None),
            Step::Interrupted => (Outcome::Interrupted, None),
            Step::Failed(f) => {
                if s.rollback_on_failure {
                    rollback = Some(roll_back(&mut session, &id, &p.creates));
                }
                (Outcome::Failed, Some(f))
            }
        }
    };
    if let Some(f) = &failure {
        log.write(
            f.step,
            &format!(
                "atg: failed ({}): {}\nhint: {}",
                f.category.name(),
                f.message,
                f.hint
            ),
        );
    }
    log.write(
        "deploy",
        &format!("atg: deployment {id} {}", outcome.name()),
    );
    log.sync();
    registry.append(&Entry::End(EndEntry {
        id: id.clone(),
        at: crate::clock::now_rfc3339(),
        outcome,
        planned: plan.as_ref().map(|p| p.counts),
        applied: session.applied,
        retries: session.retries.len() as u32,
        error_categories: session.categories.clone(),
        error: failure.as_ref().map(|f| f.message.clone()),
        rollback: rollback.clone(),
    }))?;
    Ok(DeployOutcome {
        id,
        dir: s.dir.clone(),
        target: s.target.clone(),
        outcome,
        plan,
        applied: session.applied,
        retries: session.retries,
        error_categories: session.categories,
        failure,
        rollback,
        plan_file: s.dir.join(plan_file),
        log: log_path,
        duration_seconds: (t0.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    })
}

/// `Some((outcome, failure))` when a step ended the run.
fn ended<T>(step: Step<T>) -> Option<(Outcome, Option<Failure>)> {
    match step {
        Step::Done(_) => None,
        Step::Interrupted => Some((Outcome::Interrupted, None)),
        Step::Failed(f) => Some((Outcome::Failed, Some(f))),
    }
}

/// Destroys what this deployment created and only that: the addresses its
/// first plan created that are in the state now. A destroy plan that would
/// touch anything else (`-target` also takes dependents) is refused.
fn roll_back(session: &mut Session<'_>, id: &str, creates: &[String]) -> Rollback {
    let log = session.runner.log;
    log.write("rollback", "atg: rolling back what this deployment created");
    let state = match session.state_list("rollback") {
        Ok(s) => s,
        Err(f) => {
            return Rollback {
                outcome: TeardownOutcome::Failed,
                targets: Vec::new(),
                destroyed: 0,
                error: Some(f.message),
            };
        }
    };
    let targets: Vec<String> = creates
        .iter()
        .filter(|a| state.contains(*a))
        .cloned()
        .collect();
    let mut record = Rollback {
        outcome: TeardownOutcome::Destroyed,
        targets: targets.clone(),
        destroyed: 0,
        error: None,
    };
    if targets.is_empty() {
        log.write(
            "rollback",
            "atg: nothing this deployment created is in the state",
        );
        return record;
    }
    let plan_file = PathBuf::from(format!("{id}-rollback.tfplan"));
    let mut extra = vec!["-destroy".to_string()];
    extra.extend(targets.iter().map(|a| format!("-target={a}")));
    let plan = match session.plan("rollback", &plan_file, &extra) {
        Step::Done(p) => p,
        Step::Interrupted => {
            record.outcome = TeardownOutcome::Interrupted;
            return record;
        }
        Step::Failed(f) => {
            record.outcome = TeardownOutcome::Failed;
            record.error = Some(f.message);
            return record;
        }
    };
    let wanted: HashSet<&String> = targets.iter().collect();
    let extra_destroys: Vec<&String> = plan
        .destroys
        .iter()
        .filter(|a| !wanted.contains(a))
        .collect();
    if !extra_destroys.is_empty() || plan.counts.add + plan.counts.change > 0 {
        record.outcome = TeardownOutcome::Refused;
        record.error = Some(one_line(&format!(
            "the rollback plan would also destroy resources this deployment did not create: {}",
            extra_destroys
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
        log.write(
            "rollback",
            &format!("atg: refused: {}", record.error.as_deref().unwrap_or("")),
        );
        return record;
    }
    let before = session.applied.destroy;
    // Here destroying a failed create is the point: count every destroy.
    session.failed_creates.clear();
    let outcome = session.apply("rollback", &plan_file, &extra, plan.counts.total());
    record.destroyed = session.applied.destroy - before;
    // What the rollback destroyed is not part of what the deployment applied.
    session.applied.destroy = before;
    match outcome {
        Step::Done(()) => {}
        Step::Interrupted => record.outcome = TeardownOutcome::Interrupted,
        Step::Failed(f) => {
            record.outcome = TeardownOutcome::Failed;
            record.error = Some(f.message);
        }
    }
    log.write(
        "rollback",
        &format!(
            "atg: rollback destroyed {} of {}",
            record.destroyed,
            targets.len()
        ),
    );
    record
}

/// The recorded deployment `id`, if `deploy destroy` may tear it down with
/// `target`: it exists, applied something, and went to that very target.
///
/// Errors: `Registry`, `UnknownDeployment`, `TargetMismatch`, `NothingApplied`.
pub fn destroyable(root: &Path, id: &str, target: &Target) -> Result<Deployment, DeployError> {
    let folded = Registry::in_root(root).load()?;
    let d: &Deployment = folded
        .get(id)
        .ok_or_else(|| DeployError::UnknownDeployment(id.to_string()))?;
    if !d.start.target.matches(target) {
        return Err(DeployError::TargetMismatch {
            id: id.to_string(),
            recorded: d.start.target.clone(),
            given: target.clone(),
        });
    }
    match d.outcome() {
        Some(Outcome::Planned) => Err(DeployError::NothingApplied {
            id: id.into(),
            why: "it was a dry run",
        }),
        Some(Outcome::Cancelled) => Err(DeployError::NothingApplied {
            id: id.into(),
            why: "the apply was declined",
        }),
        _ => Ok(d.clone()),
    }
}

/// Tears down a recorded deployment: `init`, `plan -destroy -out`, `apply`
/// in its folder, with `target`'s credentials. Refuses a deployment that
/// applied nothing, and a target that is not the recorded one. The registry
/// gets `destroy_start` and `destroy_end` entries.
///
/// Errors: `UnknownDeployment`, `NothingApplied`, `TargetMismatch`,
/// `FolderMissing`/`NoConfig`, an unwritable log or registry.
pub fn destroy(
    root: &Path,
    id: &str,
    target: &Target,
    t: &TerraformSettings,
    reporter: &dyn Reporter,
    interrupted: &AtomicBool,
) -> Result<DestroyOutcome, DeployError> {
    let d = destroyable(root, id, target)?.start;
    check_config_dir(&d.dir)?;
    let t = &with_inputs(&d.dir, t)?;
    let registry = Registry::in_root(root).with_redactor(&t.redactor);
    let log_path = d.dir.join(format!("{id}-destroy.log"));
    let log =
        DeployLog::open(&log_path, t.redactor.clone()).map_err(|source| DeployError::Log {
            path: log_path.clone(),
            source,
        })?;
    registry.append(&Entry::DestroyStart(DestroyStartEntry {
        id: id.to_string(),
        at: crate::clock::now_rfc3339(),
        log: log_path.clone(),
    }))?;
    log.write(
        "destroy",
        &format!(
            "atg: destroying deployment {id} in `{}` (subscription {}, tenant {})",
            d.dir.display(),
            target.subscription_id,
            target.tenant_id
        ),
    );
    let mut session = Session::new(t, &d.dir, &log, reporter, interrupted);
    let plan_file = PathBuf::from(format!("{id}-destroy.tfplan"));
    let extra = vec!["-destroy".to_string()];
    let mut plan = None;
    let (outcome, failure) = 'run: {
        if let Some((o, f)) = ended(session.init()) {
            break 'run (teardown(o), f);
        }
        let p = match session.plan("destroy", &plan_file, &extra) {
            Step::Done(p) => p,
            Step::Interrupted => break 'run (TeardownOutcome::Interrupted, None),
            Step::Failed(f) => break 'run (TeardownOutcome::Failed, Some(f)),
        };
        let total = p.counts.total();
        plan = Some(p);
        if total == 0 {
            log.write("destroy", "atg: nothing in the state to destroy");
            break 'run (TeardownOutcome::Destroyed, None);
        }
        match session.apply("destroy", &plan_file, &extra, total) {
            Step::Done(()) => (TeardownOutcome::Destroyed, None),
            Step::Interrupted => (TeardownOutcome::Interrupted, None),
            Step::Failed(f) => (TeardownOutcome::Failed, Some(f)),
        }
    };
    log.write("destroy", &format!("atg: destroy of {id}: {outcome:?}"));
    log.sync();
    registry.append(&Entry::DestroyEnd(DestroyEndEntry {
        id: id.to_string(),
        at: crate::clock::now_rfc3339(),
        outcome,
        destroyed: session.applied.destroy,
        retries: session.retries.len() as u32,
        error_categories: session.categories.clone(),
        error: failure.as_ref().map(|f| f.message.clone()),
    }))?;
    Ok(DestroyOutcome {
        id: id.to_string(),
        target: target.clone(),
        outcome,
        plan,
        destroyed: session.applied.destroy,
        retries: session.retries,
        failure,
        log: log_path,
    })
}

fn teardown(o: Outcome) -> TeardownOutcome {
    match o {
        Outcome::Interrupted => TeardownOutcome::Interrupted,
        _ => TeardownOutcome::Failed,
    }
}
