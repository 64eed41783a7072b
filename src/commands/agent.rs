//! `atg agent …`: resolve the settings (flags, then the config file), call
//! the agents stage, and print. Stopping on Ctrl-C is wired here; the
//! work is in `crate::agents`.

use crate::agents::cluster::{self, Cluster, ClusterOptions};
use crate::agents::coderun::{CodeRun, phase};
use crate::agents::profile::{self, Profile, RunRequest, Work, WorkFlags};
use crate::agents::runs::{self, RunSummary};
use crate::agents::settings::{self, Loaded, RunFields};
use crate::agents::start::{self, Started};
use crate::agents::watch::{self, WaitEnd};
use crate::agents::{doctor, manifests};
use crate::cli::ReportFormat;
use crate::cli::agent::{
    AgentArgs, AgentCommand, ClusterArgs, DoctorArgs, ListArgs, LogsArgs, ManifestsArgs, NameArgs,
    ProfileArg, RunArgs,
};
use crate::error::{CliError, ExitStatus};
use crate::output::Printer;
use crate::report;
use serde_json::json;
use std::time::Duration;

/// Runs `atg agent …`.
pub async fn run(args: AgentArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    match args.command {
        AgentCommand::Run(a) => run_profile(*a, printer).await,
        AgentCommand::List(a) => list(a, printer).await,
        AgentCommand::Status(a) => status(a, printer).await,
        AgentCommand::Wait(a) => {
            let (_, cluster) = connect(&a.cluster).await?;
            wait(&cluster, &a.name, a.timeout, a.format, printer).await
        }
        AgentCommand::Cancel(a) => cancel(a, printer).await,
        AgentCommand::Logs(a) => logs(a, printer).await,
        AgentCommand::Manifests(a) => write_manifests(a, printer),
        AgentCommand::Doctor(a) => run_doctor(a, printer).await,
    }
}

fn profile_of(p: ProfileArg) -> Profile {
    match p {
        ProfileArg::IterationAnalyzer => Profile::IterationAnalyzer,
        ProfileArg::CiPrManager => Profile::CiPrManager,
        ProfileArg::DeploymentOrchestrator => Profile::DeploymentOrchestrator,
    }
}

/// The config file and the cluster options: flags first, then the file.
fn cluster_options(args: &ClusterArgs) -> Result<(Loaded, ClusterOptions), CliError> {
    let loaded = settings::load(args.config.as_deref())?;
    let f = &loaded.file;
    let options = ClusterOptions {
        kubeconfig: args.kubeconfig.clone().or_else(|| f.kubeconfig.clone()),
        context: args.context.clone().or_else(|| f.context.clone()),
        namespace: args.namespace.clone().or_else(|| f.namespace.clone()),
    };
    Ok((loaded, options))
}

async fn connect(args: &ClusterArgs) -> Result<(Loaded, Cluster), CliError> {
    let (loaded, options) = cluster_options(args)?;
    let cluster = cluster::connect(&options).await?;
    Ok((loaded, cluster))
}

/// A future that completes on Ctrl-C (never, if the handler cannot be set).
async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn key_text(s: &RunSummary) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("agent", &s.agent),
        ("role", &s.role),
        ("pr-number", &s.pr_number),
        ("iteration", &s.iteration),
        ("repository", &s.repository),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    }
    parts.join(" ")
}

async fn run_profile(args: RunArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (loaded, options) = cluster_options(&args.cluster)?;
    let profile = profile_of(args.profile);
    let work = Work::from_flags(
        profile,
        &WorkFlags {
            iterations: args.iterations.clone(),
            pr: args.pr,
            iteration: args.iteration,
            target_subscription: args.target_subscription.clone(),
        },
    )?;
    let flags = RunFields {
        service: args.service.clone(),
        model: args.model.clone(),
        github_app: args.github_app.clone(),
        repository_url: args.repository_url.clone(),
        docs_repository_url: args.docs_repository_url.clone(),
        working_directory: args.working_directory.clone(),
        docs_branch: args.docs_branch.clone(),
        ..RunFields::default()
    };
    // Builds the spec and checks the CRD's required fields: no API call yet.
    let built = profile::build(&RunRequest {
        profile,
        work,
        repository: args.repository.clone(),
        role: args.role.clone(),
        output_root: args.output_root.clone(),
        fields: settings::spec_fields(profile, &flags, &loaded.file),
    })?;
    if args.dry_run {
        let namespace = match &options.namespace {
            Some(ns) => ns.clone(),
            None => cluster::config(&options)
                .await
                .map(|c| c.default_namespace)
                .unwrap_or_else(|_| "default".into()),
        };
        let rendered = start::render(&built, &built.key.new_run_name(), &namespace);
        let mut docs = vec![serde_json::to_value(&rendered.run).expect("runs serialise")];
        if let Some(cm) = &rendered.config_map {
            docs.push(serde_json::to_value(cm).expect("config maps serialise"));
        }
        let text = match args.format {
            ReportFormat::Json => report::json(&docs),
            ReportFormat::Table => serde_saphyr::to_string_multiple(&docs)
                .map_err(|e| CliError::tool("cannot render the CodeRun as YAML").caused_by(e))?,
        };
        printer.data(&text);
        printer.status(&format!(
            "Dry run: nothing created; the lock for this work is Lease `{}` in namespace `{namespace}`",
            built.key.lock_name()
        ));
        return Ok(ExitStatus::Success);
    }
    let cluster = cluster::connect(&options).await?;
    let started = start::start(&cluster, &built).await?;
    let key = built.key.labels();
    let key_line: Vec<String> = key
        .iter()
        .filter(|(k, _)| !k.contains('/'))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let (name, created, phase_name) = match &started {
        Started::Created {
            run,
            config_map,
            took_over,
        } => {
            if let Some((holder, why)) = took_over {
                printer.status(&format!(
                    "Took over the lock `{}` from `{holder}`: {why}",
                    built.key.lock_name()
                ));
            }
            if let Some(cm) = config_map {
                printer.status(&format!("The facts are in ConfigMap `{cm}`"));
            }
            printer.status(&format!(
                "Created CodeRun `{}` in namespace `{}` ({})",
                kube::ResourceExt::name_any(run.as_ref()),
                cluster.namespace,
                key_line.join(" ")
            ));
            (
                kube::ResourceExt::name_any(run.as_ref()),
                true,
                phase(run).name().to_string(),
            )
        }
        Started::Active { name, phase } => {
            printer.status(&format!(
                "A run is already active for this work: `{name}` ({}); not starting another",
                phase.name()
            ));
            (name.clone(), false, phase.name().to_string())
        }
    };
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&json!({
            "name": name, "namespace": cluster.namespace, "created": created, "phase": phase_name,
            "lock": built.key.lock_name(), "key": built.key,
            "facts_config_map": match &started { Started::Created { config_map, .. } => config_map.clone(), _ => None },
            "took_over": match &started {
                Started::Created { took_over: Some((h, why)), .. } => json!({"holder": h, "reason": why}),
                _ => serde_json::Value::Null,
            },
        }))),
        ReportFormat::Table => printer.data(&name),
    }
    if args.wait {
        return wait(&cluster, &name, None, ReportFormat::Table, printer).await;
    }
    if !created && args.fail_if_active {
        return Ok(ExitStatus::CheckFailed);
    }
    Ok(ExitStatus::Success)
}

/// How long ago an RFC 3339 time was: `45s`, `12m`, `3h`, `2d`.
fn age(created: Option<&str>) -> String {
    let Some(t) = created.and_then(|c| c.parse::<k8s_openapi::jiff::Timestamp>().ok()) else {
        return "-".into();
    };
    let secs = k8s_openapi::jiff::Timestamp::now().as_second() - t.as_second();
    match secs {
        s if s < 120 => format!("{}s", s.max(0)),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

async fn list(args: ListArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (_, cluster) = connect(&args.cluster).await?;
    let agent = args.agent.map(|a| profile_of(a).name());
    let runs = runs::list(&cluster, agent, args.active).await?;
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&runs)),
        ReportFormat::Table => {
            if runs.is_empty() {
                printer.status(&format!(
                    "No {}agent runs in namespace `{}`",
                    if args.active { "active " } else { "" },
                    cluster.namespace
                ));
                return Ok(ExitStatus::Success);
            }
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    let subject = match (&r.pr_number, &r.iteration) {
                        (Some(pr), _) => format!("pr {pr}"),
                        (None, Some(i)) => format!("iteration {i}"),
                        _ => "-".into(),
                    };
                    vec![
                        r.name.clone(),
                        r.agent.clone().unwrap_or_default(),
                        r.role.clone().unwrap_or_default(),
                        subject,
                        r.repository.clone().unwrap_or_default(),
                        r.phase.clone(),
                        age(r.created.as_deref()),
                    ]
                })
                .collect();
            printer.data(&report::table(
                &[
                    "name",
                    "agent",
                    "role",
                    "work",
                    "repository",
                    "phase",
                    "age",
                ],
                &rows,
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn summary_rows(s: &RunSummary) -> Vec<Vec<String>> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    vec![
        vec!["name".into(), s.name.clone()],
        vec!["namespace".into(), s.namespace.clone()],
        vec!["key".into(), key_text(s)],
        vec!["phase".into(), s.phase.clone()],
        vec!["active".into(), s.active.to_string()],
        vec!["created".into(), opt(&s.created)],
        vec!["message".into(), opt(&s.message)],
        vec!["job".into(), opt(&s.job_name)],
        vec!["pull request".into(), opt(&s.pull_request_url)],
        vec!["lock".into(), opt(&s.lock)],
    ]
}

async fn status(args: NameArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (_, cluster) = connect(&args.cluster).await?;
    let run = runs::get(&cluster, &args.name).await?;
    let s = runs::summary(&run);
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&json!({"run": s, "spec": run.spec}))),
        ReportFormat::Table => printer.data(&report::table(&["field", "value"], &summary_rows(&s))),
    }
    Ok(ExitStatus::Success)
}

async fn wait(
    cluster: &Cluster,
    name: &str,
    timeout: Option<u64>,
    format: ReportFormat,
    printer: &Printer,
) -> Result<ExitStatus, CliError> {
    printer.status(&format!(
        "Waiting for `{name}` in namespace `{}` (Ctrl-C stops waiting, not the run)",
        cluster.namespace
    ));
    let on_change = |run: &CodeRun| {
        let msg = run.status.as_ref().and_then(|s| s.message.clone());
        printer.status(&format!(
            "{name}: {}{}",
            phase(run).name(),
            msg.map(|m| format!(" ({m})")).unwrap_or_default()
        ));
    };
    let end = watch::wait(
        cluster,
        name,
        timeout.map(Duration::from_secs),
        ctrl_c(),
        on_change,
    )
    .await?;
    let report_run = |run: &CodeRun| match format {
        ReportFormat::Json => printer.data(&report::json(&runs::summary(run))),
        ReportFormat::Table => {
            let s = runs::summary(run);
            let pr = s
                .pull_request_url
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            printer.data(&format!("{} {}{pr}", s.name, s.phase));
        }
    };
    match end {
        WaitEnd::Finished(run) => {
            report_run(&run);
            Ok(if watch::succeeded(&run) {
                ExitStatus::Success
            } else {
                ExitStatus::CheckFailed
            })
        }
        WaitEnd::Deleted => {
            printer.status(&format!("`{name}` was deleted while waiting (cancelled?)"));
            Ok(ExitStatus::CheckFailed)
        }
        WaitEnd::TimedOut(run) => {
            report_run(&run);
            printer.status(&format!(
                "Stopped waiting after {} s: `{name}` is {}; the run goes on",
                timeout.unwrap_or(0),
                phase(&run).name()
            ));
            Ok(ExitStatus::CheckFailed)
        }
        WaitEnd::Stopped(run) => Err(CliError::interrupted(format!(
            "stopped waiting for `{name}` ({}); the run goes on",
            phase(&run).name()
        ))
        .with_hint(format!(
            "`atg agent wait {name}` waits again; `atg agent cancel {name}` stops the run"
        ))),
    }
}

async fn cancel(args: NameArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (_, cluster) = connect(&args.cluster).await?;
    let c = runs::cancel(&cluster, &args.name).await?;
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&c)),
        ReportFormat::Table => printer.data(&format!(
            "{} {}",
            c.name,
            if c.deleted {
                "cancelled"
            } else {
                "already finished"
            }
        )),
    }
    if c.deleted {
        printer.status(&format!(
            "Cancelled `{}` (was {}): deleted with its job and facts{}",
            c.name,
            c.phase,
            if c.lock_released {
                "; lock released"
            } else {
                ""
            }
        ));
    } else {
        printer.status(&format!(
            "`{}` already finished ({}); nothing to cancel",
            c.name, c.phase
        ));
    }
    Ok(ExitStatus::Success)
}

async fn logs(args: LogsArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (_, cluster) = connect(&args.cluster).await?;
    let run = runs::get(&cluster, &args.name).await?;
    let pods = runs::pods(&cluster, &run).await?;
    if pods.is_empty() {
        printer.status(&format!(
            "`{}` has no agent pod yet ({}); try again once it runs, or `atg agent wait {}`",
            args.name,
            phase(&run).name(),
            args.name
        ));
        return Ok(ExitStatus::Success);
    }
    let mut collected = Vec::new();
    for pod in &pods {
        if pods.len() > 1 && args.format == ReportFormat::Table {
            printer.status(&format!("==> pod {pod} <=="));
        }
        let mut text = String::new();
        let mut on_line = |line: &str| match (args.format, args.follow) {
            (ReportFormat::Json, true) => {
                printer.data(&json!({"pod": pod, "line": line}).to_string())
            }
            (ReportFormat::Json, false) => text.push_str(line),
            (ReportFormat::Table, _) => printer.data(line),
        };
        runs::pod_log(&cluster, pod, args.follow, &mut on_line).await?;
        if args.format == ReportFormat::Json && !args.follow {
            collected.push(json!({"pod": pod, "log": text}));
        }
    }
    if args.format == ReportFormat::Json && !args.follow {
        printer.data(&report::json(&json!({"run": args.name, "pods": collected})));
    }
    Ok(ExitStatus::Success)
}

fn write_manifests(args: ManifestsArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let loaded = settings::load(args.config.as_deref())?;
    let fields = Profile::ALL
        .iter()
        .map(|p| {
            (
                p.name(),
                settings::spec_fields(*p, &RunFields::default(), &loaded.file),
            )
        })
        .collect();
    let options = manifests::ManifestOptions {
        namespace: args
            .namespace
            .or_else(|| loaded.file.namespace.clone())
            .unwrap_or_else(|| "agents".into()),
        event_source: args.event_source,
        event_name: args.event_name,
        max_parallel: args.max_parallel,
        fields,
    };
    let built = manifests::build(&options)?;
    let written = manifests::write(&args.output, &built)?;
    for path in &written {
        printer.data(&path.display().to_string());
    }
    printer.status(&format!(
        "Wrote {} manifests for namespace `{}` into `{}`; apply them with `kubectl apply -f {}` or an Argo CD Application",
        written.len(),
        options.namespace,
        args.output.display(),
        args.output.display()
    ));
    Ok(ExitStatus::Success)
}

async fn run_doctor(args: DoctorArgs, printer: &Printer) -> Result<ExitStatus, CliError> {
    let (loaded, cluster) = connect(&args.cluster).await?;
    let options = doctor::DoctorOptions {
        max_active_minutes: args
            .max_active_minutes
            .or(loaded.file.max_active_minutes)
            .unwrap_or(settings::DEFAULT_MAX_ACTIVE_MINUTES),
        manifests: args.manifests.or_else(|| loaded.file.manifests_dir.clone()),
    };
    let report = doctor::check(&cluster, &options).await?;
    match args.format {
        ReportFormat::Json => printer.data(&report::json(&report)),
        ReportFormat::Table if !report.findings.is_empty() => {
            let rows: Vec<Vec<String>> = report
                .findings
                .iter()
                .map(|f| {
                    vec![
                        f.check.to_string(),
                        f.object.clone(),
                        f.detail.clone(),
                        f.action.clone(),
                    ]
                })
                .collect();
            printer.data(&report::table(
                &["check", "object", "problem", "what to do"],
                &rows,
            ));
        }
        ReportFormat::Table => {}
    }
    let checked = format!(
        "{} runs ({} active), {} locks, {} manifest objects in namespace `{}`",
        report.runs, report.active_runs, report.locks, report.manifests, report.namespace
    );
    if options.manifests.is_none() {
        printer.warn("drift not checked: pass `--manifests DIR` (or set `manifests_dir`) to compare the cluster with `atg agent manifests` output");
    }
    if report.findings.is_empty() {
        printer.status(&format!("No problems: checked {checked}"));
        Ok(ExitStatus::Success)
    } else {
        printer.status(&format!(
            "{} problem(s) found; checked {checked}",
            report.findings.len()
        ));
        Ok(ExitStatus::CheckFailed)
    }
}
