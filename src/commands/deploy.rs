//! `atg deploy`, `atg deploy list`, `atg deploy destroy`: resolve the target
//! and its credentials from the flags and the environment, run the deploy
//! stage with a Ctrl-C handler and a progress display, and print the plan,
//! the outcome and the registry. `iterate --auto-deploy` comes through
//! `prepare` and `deploy_dir` too.

use crate::azure::auth::{self, AuthMethod};
use crate::cli::ReportFormat;
use crate::cli::deploy::{
    ApplyArgs, DeployAction, DeployArgs, DestroyArgs, ListArgs, RunArgs, TargetArgs, VerifyArgs,
};
use crate::deploy::env::{process_vars, secret_values, terraform_env};
use crate::deploy::registry::Rollback;
use crate::deploy::verify::VerifySettings;
use crate::deploy::{
    self, Counts, DeployError, DeployOutcome, DeploySettings, Deployment, Outcome, PlanSummary,
    Registry, RetryPolicy, Target, TeardownOutcome, TerraformSettings,
};
use crate::error::{CliError, ExitStatus};
use crate::iterate::IterationState;
use crate::output::Printer;
use crate::redact::Redactor;
use crate::report;
use crate::terraform::find_binary;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Everything a deployment needs that does not depend on the folder.
#[derive(Debug)]
pub struct Prepared {
    target: Target,
    auth: AuthMethod,
    credentials: auth::Credentials,
    terraform: TerraformSettings,
    dry_run: bool,
    yes: bool,
    rollback_on_failure: bool,
}

/// True when `s` is a GUID (`8-4-4-4-12` hex digits), as tenant and
/// subscription IDs are.
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Resolves the target and its credentials, and how to run terraform.
///
/// Errors (exit 2): no or malformed `--target-subscription`, an unusable
/// tenant alias, credentials missing for `--auth`, a tenant that is unknown
/// or differs from the credentials' tenant. Exit 3 when terraform is not found.
fn resolve(
    t: &TargetArgs,
    run: &RunArgs,
    bin: Option<&Path>,
    printer: &Printer,
) -> Result<(Target, auth::Credentials, TerraformSettings), CliError> {
    let subscription = t.target_subscription.clone().ok_or_else(|| {
        CliError::input("the target subscription is missing")
            .with_hint("pass `--target-subscription SUBSCRIPTION_ID`")
    })?;
    if !is_guid(&subscription) {
        return Err(CliError::input(format!(
            "`--target-subscription {subscription}` is not a subscription ID"
        ))
        .with_hint("pass the subscription's GUID, e.g. from `az account list -o table`"));
    }
    let creds = auth::resolve(
        super::auth_method(t.auth),
        t.tenant_alias.as_deref(),
        &auth::process_env,
    )?;
    let tenant = match (&t.target_tenant_id, &creds.tenant_id) {
        (Some(flag), Some(cred)) if !flag.eq_ignore_ascii_case(cred) => {
            return Err(CliError::input(format!(
                "`--target-tenant-id {flag}` is not the tenant of the credentials in {} (`{cred}`)",
                creds.source
            ))
            .with_hint(
                "a token of another tenant fails with 403: fix the tenant ID, or pick the tenant's `--tenant-alias`",
            ));
        }
        (Some(t), _) | (None, Some(t)) => t.clone(),
        (None, None) => {
            return Err(
                CliError::input("the target tenant is unknown").with_hint(format!(
                    "pass `--target-tenant-id TENANT_ID`, or set {}TENANT_ID",
                    creds.source.trim_end_matches('*')
                )),
            );
        }
    };
    if !is_guid(&tenant) {
        return Err(
            CliError::input(format!("tenant `{tenant}` is not a tenant ID"))
                .with_hint("pass the tenant's GUID (Entra ID → Overview → Tenant ID)"),
        );
    }
    if creds.method == AuthMethod::Cli && find_binary(Path::new("az")).is_none() {
        printer.warn("`--auth cli` was chosen but `az` is not on PATH: azurerm will fail to sign in (see docs/DEPLOY.md for the other methods)");
    }
    let target = Target {
        tenant_id: tenant,
        subscription_id: subscription,
    };
    let name = bin.unwrap_or(Path::new("terraform"));
    let bin = find_binary(name).ok_or_else(|| {
        CliError::tool(format!(
            "terraform binary `{}` was not found",
            name.display()
        ))
        .with_hint(
            "install terraform 1.x, or pass `--terraform-bin PATH` (OpenTofu's `tofu` works too)",
        )
    })?;
    let vars = process_vars();
    let names: Vec<String> = vars.iter().map(|(k, _)| k.clone()).collect();
    let env = terraform_env(&creds, &target, names, secret_values(vars));
    let redactor = Redactor::new(env.secrets());
    printer.add_secrets(&redactor);
    let defaults = RetryPolicy::default();
    let terraform = TerraformSettings {
        bin,
        env,
        redactor,
        retry: RetryPolicy {
            max_retries: run.max_retries.unwrap_or(defaults.max_retries),
            base_delay: run
                .retry_base_ms
                .map(Duration::from_millis)
                .unwrap_or(defaults.base_delay),
            ..defaults
        },
        parallelism: run.parallelism,
    };
    Ok((target, creds, terraform))
}

/// Checks the flags and resolves the target before anything runs, so that
/// `iterate --auto-deploy` fails at once rather than after its loop.
///
/// Errors: applying without `--yes` off a terminal, and those of target resolution.
pub fn prepare(
    t: &TargetArgs,
    a: &ApplyArgs,
    bin: Option<&Path>,
    printer: &Printer,
) -> Result<Prepared, CliError> {
    if !a.yes && !a.dry_run && !printer.can_prompt() {
        return Err(CliError::input(
            "refusing to apply without `--yes`: there is no terminal to ask on",
        )
        .with_hint("pass `--yes` to apply, or `--dry-run` to only plan"));
    }
    let (target, credentials, terraform) = resolve(t, &a.run, bin, printer)?;
    Ok(Prepared {
        target,
        auth: credentials.method,
        credentials,
        terraform,
        dry_run: a.dry_run,
        yes: a.yes,
        rollback_on_failure: a.rollback_on_failure,
    })
}

/// True when any target, apply or verify flag was given (they need `--auto-deploy` in iterate).
pub fn any_flag(t: &TargetArgs, a: &ApplyArgs, v: &VerifyArgs) -> bool {
    super::verify::wanted(v)
        || !v.ca_cert.is_empty()
        || t.target_tenant_id.is_some()
        || t.target_subscription.is_some()
        || t.tenant_alias.is_some()
        || t.auth.is_some()
        || a.dry_run
        || a.yes
        || a.rollback_on_failure
        || a.run.max_retries.is_some()
        || a.run.parallelism.is_some()
}

fn deploy_error(e: DeployError) -> CliError {
    let hint = match &e {
        DeployError::UnsetVariables { dir, unset } => {
            crate::deploy::variables::how_to_set(dir, unset)
        }
        _ => deploy_hint(&e).to_string(),
    };
    let mut err = CliError::input(e.to_string());
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        err = err.caused_by(s);
        source = s.source();
    }
    err.with_hint(hint)
}

fn deploy_hint(e: &DeployError) -> &'static str {
    match e {
        DeployError::FolderMissing(_) | DeployError::NoConfig(_) => {
            "run `atg iterate` first, or pass `--iteration N` / `--iac-dir DIR` of a generated folder"
        }
        DeployError::ReadConfig { .. } => "check the folder's permissions",
        DeployError::UnsetVariables { .. } => "set the variables named",
        DeployError::Log { .. } | DeployError::Registry(_) => {
            "check the folder's permissions, or pass another `--output-root`"
        }
        DeployError::UnknownDeployment(_) => "`atg deploy list` shows the recorded IDs",
        DeployError::NothingApplied { .. } => "`atg deploy list` shows what each deployment did",
        DeployError::TargetMismatch { .. } => {
            "pass the deployment's own `--target-subscription` and tenant (`atg deploy list --format json` shows them)"
        }
    }
}

/// Runs `atg deploy`, `atg deploy list` or `atg deploy destroy`.
pub async fn run(
    graph_spec: &str,
    args: DeployArgs,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    match args.action {
        Some(DeployAction::List(a)) => list(a, printer),
        Some(DeployAction::Destroy(a)) => destroy(a, printer),
        None => {
            let p = prepare(
                &args.target,
                &args.apply,
                args.terraform_bin.as_deref(),
                printer,
            )?;
            let (dir, iteration) = match (&args.iac_dir, args.iteration) {
                (Some(d), _) => (d.clone(), None),
                (None, Some(n)) => (args.output_root.join(format!("iteration{n}")), Some(n)),
                (None, None) => {
                    let st = IterationState::load(&args.output_root).map_err(|e| {
                        CliError::input(e.to_string())
                            .with_hint("pass `--iteration N` or `--iac-dir DIR`")
                    })?;
                    if st.last_iteration == 0 {
                        return Err(CliError::input(format!(
                            "no iteration to deploy in `{}`",
                            args.output_root.display()
                        ))
                        .with_hint("run `atg iterate` first, or pass `--iac-dir DIR`"));
                    }
                    let n = st.last_iteration;
                    (args.output_root.join(format!("iteration{n}")), Some(n))
                }
            };
            // The source of an iteration is the scan it was generated from.
            let source_scan = args.source_scan.clone().or_else(|| {
                iteration.and_then(|_| {
                    IterationState::load(&args.output_root)
                        .ok()
                        .and_then(|st| st.scan_id)
                })
            });
            let verify = super::verify::settings(
                &args.verify,
                args.apply.dry_run,
                graph_spec,
                source_scan,
                Vec::new(),
            )?;
            deploy_dir(
                &p,
                &dir,
                iteration,
                &args.output_root,
                Some(args.format),
                verify.as_ref(),
                printer,
            )
            .await
        }
    }
}

/// Deploys `dir` with prepared settings and prints the outcome: the
/// per-type plan table (or the JSON outcome) on stdout when `format` is
/// given, status lines on stderr.
///
/// With `verify`, a successful apply is then verified
/// (`deploy::verify::verify`): the figures are printed (and, with JSON,
/// added to the outcome under `verification`), and an unmet
/// `--min-fidelity` returns exit status 1.
///
/// Errors: folder, log or registry problems (exit 2), a failed deployment
/// (exit 3, with terraform's error and a hint), Ctrl-C (exit 130), and those
/// of the verification. A declined apply returns exit status 1.
pub async fn deploy_dir(
    p: &Prepared,
    dir: &Path,
    iteration: Option<u32>,
    root: &Path,
    format: Option<ReportFormat>,
    verify: Option<&VerifySettings>,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    let settings = DeploySettings {
        dir: dir.to_path_buf(),
        iteration,
        root: root.to_path_buf(),
        target: p.target.clone(),
        auth: p.auth,
        dry_run: p.dry_run,
        rollback_on_failure: p.rollback_on_failure,
        terraform: p.terraform.clone(),
    };
    let interrupted = super::interrupt_flag();
    printer.status(&format!(
        "Deploying `{}` to subscription {} in tenant {} (auth: {}){}",
        dir.display(),
        p.target.subscription_id,
        p.target.tenant_id,
        p.auth.name(),
        if p.dry_run { ", dry run" } else { "" }
    ));
    let reporter = printer.reporter();
    let yes = p.yes;
    // The question shows the plan first: the per-type table, then the totals.
    let table_shown = std::cell::Cell::new(false);
    let confirm = |plan: &PlanSummary| {
        yes || reporter.suspend(|| {
            table_shown.set(true);
            let context = format!("{}\n{}\n", plan_table(plan), plan_line(&plan.counts));
            printer.confirm_after(
                &context,
                &format!(
                    "Apply these changes to subscription {}?",
                    p.target.subscription_id
                ),
            )
        })
    };
    let outcome = deploy::deploy(&settings, &reporter, &confirm, &interrupted);
    drop(reporter);
    let outcome = outcome.map_err(deploy_error)?;
    let verify = verify.filter(|_| outcome.outcome == Outcome::Succeeded);
    // With JSON and a verification, stdout stays one document: the outcome
    // is printed once the verification is added to it.
    let json_later = verify.is_some() && format == Some(ReportFormat::Json);
    // A table shown at the prompt is not shown again on the same screen.
    let table_again = !(table_shown.get() && printer.stdout_is_tty());
    print_outcome(
        &outcome,
        format.filter(|_| !json_later),
        table_again,
        printer,
    );
    let status = finish(&outcome)?;
    let Some(v) = verify else {
        return Ok(status);
    };
    let id = &outcome.id;
    printer.status(&format!(
        "Verifying deployment {id}: scanning subscription {} in tenant {}",
        p.target.subscription_id, p.target.tenant_id
    ));
    let progress = printer.parts_reporter();
    let verified = deploy::verify::verify(
        v,
        &p.target,
        &p.credentials,
        &p.terraform.redactor,
        id,
        root,
        &progress,
    )
    .await;
    drop(progress);
    let status = match &verified {
        Ok(done) => super::verify::print(done, id, printer),
        Err(_) => ExitStatus::Success,
    };
    if json_later {
        let mut doc = serde_json::to_value(&outcome).expect("outcomes serialise");
        if let Ok(done) = &verified {
            doc["verification"] = serde_json::to_value(&done.entry).expect("entries serialise");
        }
        printer.data(&report::json(&doc));
    }
    verified.map_err(super::verify::cli_error)?;
    Ok(status)
}

fn plan_line(c: &Counts) -> String {
    format!(
        "Plan: {} to add, {} to change, {} to destroy",
        c.add, c.change, c.destroy
    )
}

fn plan_rows(plan: &PlanSummary) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = plan
        .by_type
        .iter()
        .map(|(t, c)| {
            vec![
                t.clone(),
                c.add.to_string(),
                c.change.to_string(),
                c.destroy.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "total".into(),
        plan.counts.add.to_string(),
        plan.counts.change.to_string(),
        plan.counts.destroy.to_string(),
    ]);
    rows
}

fn categories_text(c: &std::collections::BTreeMap<deploy::Category, u32>) -> String {
    c.iter()
        .map(|(k, n)| format!("{} ×{n}", k.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The per-type plan table, with a total row.
fn plan_table(plan: &PlanSummary) -> String {
    report::table(
        &["resource type", "#add", "#change", "#destroy"],
        &plan_rows(plan),
    )
}

fn print_outcome(o: &DeployOutcome, format: Option<ReportFormat>, table: bool, printer: &Printer) {
    match format {
        None => {}
        Some(ReportFormat::Json) => printer.data(&report::json(o)),
        Some(ReportFormat::Table) => {
            if let Some(plan) = o.plan.as_ref().filter(|p| table && p.counts.total() > 0) {
                printer.data(&plan_table(plan));
            }
        }
    }
    if !o.retries.is_empty() {
        printer.status(&format!(
            "Retried {} time(s) after transient errors: {}",
            o.retries.len(),
            categories_text(&o.error_categories)
        ));
    }
    let line = match o.outcome {
        Outcome::Planned => o.plan.as_ref().map(|p| {
            format!(
                "{} (dry run: nothing applied; plan saved as `{}`)",
                plan_line(&p.counts),
                o.plan_file.display()
            )
        }),
        Outcome::Succeeded if o.applied.total() == 0 => {
            Some("No changes: the target already matches the configuration".to_string())
        }
        Outcome::Succeeded => Some(format!(
            "Applied: {} added, {} changed, {} destroyed in {:.1} s",
            o.applied.add, o.applied.change, o.applied.destroy, o.duration_seconds
        )),
        Outcome::Cancelled => Some("Apply cancelled: nothing applied".to_string()),
        Outcome::Failed if o.applied.total() == 0 => None,
        Outcome::Failed => Some(format!(
            "Applied before the failure: {} added, {} changed, {} destroyed",
            o.applied.add, o.applied.change, o.applied.destroy
        )),
        Outcome::Interrupted => None,
    };
    if let Some(l) = line {
        printer.status(&l);
    }
    if let Some(r) = &o.rollback {
        printer.status(&rollback_line(r));
    }
    printer.status(&format!(
        "Deployment {}: {} (log `{}`)",
        o.id,
        o.outcome.name(),
        o.log.display()
    ));
}

fn rollback_line(r: &Rollback) -> String {
    match r.outcome {
        TeardownOutcome::Destroyed => format!(
            "Rolled back: destroyed {} of {} resources this deployment created",
            r.destroyed,
            r.targets.len()
        ),
        TeardownOutcome::Refused => format!(
            "Rollback refused, nothing destroyed: {}",
            r.error.as_deref().unwrap_or("")
        ),
        TeardownOutcome::Failed => format!(
            "Rollback failed after destroying {} of {}: {}",
            r.destroyed,
            r.targets.len(),
            r.error.as_deref().unwrap_or("")
        ),
        TeardownOutcome::Interrupted => format!(
            "Rollback interrupted after destroying {} of {}",
            r.destroyed,
            r.targets.len()
        ),
    }
}

fn finish(o: &DeployOutcome) -> Result<ExitStatus, CliError> {
    match o.outcome {
        Outcome::Succeeded | Outcome::Planned => Ok(ExitStatus::Success),
        Outcome::Cancelled => Ok(ExitStatus::CheckFailed),
        Outcome::Interrupted => Err(CliError::interrupted(format!(
            "deployment {} interrupted; terraform stopped gracefully and saved its state",
            o.id
        ))
        .with_hint(
            "run the same `atg deploy` command again to finish; `atg deploy list` shows the record",
        )),
        Outcome::Failed => {
            let f = o.failure.as_ref();
            let (step, cat, msg, hint) = match f {
                Some(f) => (
                    f.step,
                    f.category.name(),
                    f.message.as_str(),
                    f.hint.clone(),
                ),
                None => ("apply", "unclassified", "", String::new()),
            };
            let mut err = CliError::tool(format!("deployment {} failed in {step} ({cat})", o.id));
            if !msg.is_empty() {
                err = err.caused_by(msg);
            }
            Err(err.with_hint(format!("{hint} (full log: `{}`)", o.log.display())))
        }
    }
}

fn list(a: ListArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let registry = Registry::in_root(&a.output_root);
    let folded = registry.load().map_err(|e| deploy_error(e.into()))?;
    if folded.skipped_lines > 0 {
        printer.warn(&format!(
            "{} line(s) of `{}` were skipped: not a known registry entry (a torn last line after a crash, or a newer atg)",
            folded.skipped_lines,
            registry.path().display()
        ));
    }
    match a.format {
        ReportFormat::Json => printer.data(&report::json(&folded.deployments)),
        ReportFormat::Table => {
            if folded.deployments.is_empty() {
                printer.status(&format!(
                    "No deployments recorded in `{}`",
                    registry.path().display()
                ));
                return Ok(ExitStatus::Success);
            }
            let rows: Vec<Vec<String>> = folded.deployments.iter().map(list_row).collect();
            printer.data(&report::table(
                &[
                    "id",
                    "source",
                    "subscription",
                    "started",
                    "status",
                    "planned",
                    "applied",
                    "#retries",
                    "errors",
                ],
                &rows,
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn list_row(d: &Deployment) -> Vec<String> {
    let s = &d.start;
    let end = d.end.as_ref();
    vec![
        s.id.clone(),
        match s.iteration {
            Some(n) => format!("iteration {n}"),
            None => s.dir.display().to_string(),
        },
        s.target.subscription_id.clone(),
        s.at.clone(),
        d.status(),
        end.and_then(|e| e.planned)
            .map(|c| c.short())
            .unwrap_or_default(),
        if s.dry_run {
            String::new()
        } else {
            d.applied().short()
        },
        end.map_or(0, |e| e.retries).to_string(),
        end.map(|e| categories_text(&e.error_categories))
            .unwrap_or_default(),
    ]
}

fn destroy(a: DestroyArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    if !a.yes {
        return Err(CliError::input(format!(
            "refusing to destroy deployment `{}` without `--yes`",
            a.id
        ))
        .with_hint("`atg deploy list` shows what it holds; pass `--yes` to destroy it"));
    }
    let (target, credentials, terraform) =
        resolve(&a.target, &a.run, a.terraform_bin.as_deref(), printer)?;
    let auth = credentials.method;
    let recorded =
        deploy::run::destroyable(&a.output_root, &a.id, &target).map_err(deploy_error)?;
    // One folder holds one Terraform state: later deployments of it go too.
    let others: Vec<String> = Registry::in_root(&a.output_root)
        .load()
        .map(|f| {
            f.deployments
                .into_iter()
                .skip_while(|d| d.id() != a.id)
                .skip(1)
                .filter(|d| d.start.dir == recorded.start.dir && d.applied().total() > 0)
                .map(|d| d.start.id)
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        printer.warn(&format!(
            "`{}` holds one Terraform state, so this also destroys what later deployments of it applied: {}",
            recorded.start.dir.display(),
            others.join(", ")
        ));
    }
    let interrupted = super::interrupt_flag();
    printer.status(&format!(
        "Destroying deployment {} in subscription {} (tenant {}, auth: {})",
        a.id,
        target.subscription_id,
        target.tenant_id,
        auth.name()
    ));
    let reporter = printer.reporter();
    let outcome = deploy::destroy(
        &a.output_root,
        &a.id,
        &target,
        &terraform,
        &reporter,
        &interrupted as &AtomicBool,
    );
    drop(reporter);
    let o = outcome.map_err(deploy_error)?;
    if a.format == ReportFormat::Json {
        printer.data(&report::json(&o));
    }
    let log: PathBuf = o.log.clone();
    match o.outcome {
        TeardownOutcome::Destroyed => {
            printer.status(&format!(
                "Destroyed {} resource(s) of deployment {} (log `{}`)",
                o.destroyed,
                o.id,
                log.display()
            ));
            Ok(ExitStatus::Success)
        }
        TeardownOutcome::Interrupted => Err(CliError::interrupted(format!(
            "destroy of deployment {} interrupted; terraform stopped gracefully and saved its state",
            o.id
        ))
        .with_hint("run the same `atg deploy destroy` command again to finish")),
        TeardownOutcome::Failed | TeardownOutcome::Refused => {
            let mut err = CliError::tool(format!(
                "destroy of deployment {} failed after destroying {} resource(s)",
                o.id, o.destroyed
            ));
            let mut hint = format!("see the log `{}`", log.display());
            if let Some(f) = &o.failure {
                err = err.caused_by(&f.message);
                hint = format!("{} (full log: `{}`)", f.hint, log.display());
            }
            Err(err.with_hint(hint))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_guid;

    #[test]
    fn guids_are_recognised() {
        assert!(is_guid("00000000-0000-0000-0000-000000000000"));
        assert!(is_guid("A1b2C3d4-0000-0000-0000-00000000000f"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000"));
        assert!(!is_guid("contoso.onmicrosoft.com"));
    }
}
