//! Reading and stopping runs: `atg agent list`, `status`, `cancel` and
//! `logs`. Logs come from the pods of the run's Job (`status.jobName`),
//! found by the `job-name` label the Kubernetes Job controller puts on
//! them ("Jobs", <https://kubernetes.io/docs/concepts/workloads/controllers/job/>).

use super::cluster::Cluster;
use super::coderun::{
    CodeRun, LABEL_AGENT, LABEL_ITERATION, LABEL_PR, LABEL_REPOSITORY, LABEL_ROLE, phase,
};
use super::error::AgentError;
use super::lock;
use super::start::ANNOTATION_LOCK;
use futures::{AsyncBufReadExt, TryStreamExt};
use kube::ResourceExt;
use kube::api::{DeleteParams, ListParams, LogParams};
use serde::Serialize;

/// One run, as `list` and `status` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `agent` label.
    pub agent: Option<String>,
    /// `role` label.
    pub role: Option<String>,
    /// `pr-number` label.
    pub pr_number: Option<String>,
    /// `iteration` label.
    pub iteration: Option<String>,
    /// `repository` label.
    pub repository: Option<String>,
    /// Phase (`Pending` when the controller has not set one).
    pub phase: String,
    /// Still active (phase missing, `Pending` or `Running`).
    pub active: bool,
    /// Creation time, RFC 3339.
    pub created: Option<String>,
    /// Status message.
    pub message: Option<String>,
    /// Pull request the agent opened.
    pub pull_request_url: Option<String>,
    /// The Job running the agent.
    pub job_name: Option<String>,
    /// The Lease guarding the run's key (runs atg created).
    pub lock: Option<String>,
}

/// The summary of a run.
pub fn summary(run: &CodeRun) -> RunSummary {
    let label = |k: &str| run.labels().get(k).cloned();
    let p = phase(run);
    let status = run.status.as_ref();
    RunSummary {
        name: run.name_any(),
        namespace: run.namespace().unwrap_or_default(),
        agent: label(LABEL_AGENT),
        role: label(LABEL_ROLE),
        pr_number: label(LABEL_PR),
        iteration: label(LABEL_ITERATION),
        repository: label(LABEL_REPOSITORY),
        phase: p.name().to_string(),
        active: p.is_active(),
        created: run.creation_timestamp().map(|t| t.0.to_string()),
        message: status.and_then(|s| s.message.clone()),
        pull_request_url: status.and_then(|s| s.pull_request_url.clone()),
        job_name: status.and_then(|s| s.job_name.clone()),
        lock: run.annotations().get(ANNOTATION_LOCK).cloned(),
    }
}

/// Runs in the namespace that carry an `agent` label (`agent=PROFILE`
/// when `agent` is given), newest first; only active ones when
/// `active_only`.
///
/// Errors: `CrdMissing`, API failures, classified.
pub async fn list(
    cluster: &Cluster,
    agent: Option<&str>,
    active_only: bool,
) -> Result<Vec<RunSummary>, AgentError> {
    cluster.preflight().await?;
    let selector = match agent {
        Some(a) => format!("{LABEL_AGENT}={a}"),
        None => LABEL_AGENT.to_string(),
    };
    let list = cluster
        .runs()
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| cluster.error(e, "list", "coderuns"))?;
    let mut out: Vec<RunSummary> = list
        .items
        .iter()
        .map(summary)
        .filter(|s| !active_only || s.active)
        .collect();
    out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Gets one run, after the preflight (so a missing CRD is told apart).
///
/// Errors: `NotFound`; `CrdMissing`; API failures, classified.
pub async fn get(cluster: &Cluster, name: &str) -> Result<CodeRun, AgentError> {
    cluster.preflight().await?;
    fetch(cluster, name).await
}

/// Gets one run (no preflight).
///
/// Errors: `NotFound`; API failures, classified.
pub async fn fetch(cluster: &Cluster, name: &str) -> Result<CodeRun, AgentError> {
    match cluster.runs().get_opt(name).await {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(AgentError::NotFound {
            kind: "CodeRun".into(),
            name: name.to_string(),
            namespace: cluster.namespace.clone(),
        }),
        Err(e) => Err(cluster.error(e, "get", "coderuns")),
    }
}

/// What `cancel` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cancelled {
    /// The run.
    pub name: String,
    /// Its phase when cancelled.
    pub phase: String,
    /// Whether it was deleted (false when it had already finished).
    pub deleted: bool,
    /// Whether its Lease was released.
    pub lock_released: bool,
}

/// Cancels an active run by deleting it (background propagation: its Job,
/// pods, facts ConfigMap and Lease go with it) and releasing its Lease. A
/// finished run is left alone.
///
/// Errors: `NotFound`; API failures, classified.
pub async fn cancel(cluster: &Cluster, name: &str) -> Result<Cancelled, AgentError> {
    let run = get(cluster, name).await?;
    let p = phase(&run);
    if !p.is_active() {
        return Ok(Cancelled {
            name: name.to_string(),
            phase: p.name().to_string(),
            deleted: false,
            lock_released: false,
        });
    }
    cluster
        .runs()
        .delete(name, &DeleteParams::background())
        .await
        .map_err(|e| cluster.error(e, "delete", "coderuns"))?;
    let lock_released = match run.annotations().get(ANNOTATION_LOCK) {
        Some(lock_name) => lock::release(cluster, lock_name, name).await?,
        None => false,
    };
    Ok(Cancelled {
        name: name.to_string(),
        phase: p.name().to_string(),
        deleted: true,
        lock_released,
    })
}

/// The pods of a run's Job, oldest first; empty when the run has no Job yet.
///
/// Errors: `NotFound`; API failures, classified.
pub async fn pods(cluster: &Cluster, run: &CodeRun) -> Result<Vec<String>, AgentError> {
    let Some(job) = run.status.as_ref().and_then(|s| s.job_name.clone()) else {
        return Ok(Vec::new());
    };
    let list = cluster
        .pods()
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .map_err(|e| cluster.error(e, "list", "pods"))?;
    let mut pods: Vec<(String, String)> = list
        .items
        .iter()
        .map(|p| {
            let created = p
                .creation_timestamp()
                .map(|t| t.0.to_string())
                .unwrap_or_default();
            (created, p.name_any())
        })
        .collect();
    pods.sort();
    Ok(pods.into_iter().map(|(_, n)| n).collect())
}

/// Reads a pod's log; with `follow`, streams it line by line to `on_line`
/// until the pod ends, else hands the whole text to `on_line` at once.
///
/// Errors: API failures, classified.
pub async fn pod_log(
    cluster: &Cluster,
    pod: &str,
    follow: bool,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), AgentError> {
    let api = cluster.pods();
    let params = LogParams {
        follow,
        ..LogParams::default()
    };
    if !follow {
        let text = api
            .logs(pod, &params)
            .await
            .map_err(|e| cluster.error(e, "get", "pods/log"))?;
        on_line(&text);
        return Ok(());
    }
    let reader = api
        .log_stream(pod, &params)
        .await
        .map_err(|e| cluster.error(e, "get", "pods/log"))?;
    let mut lines = reader.lines();
    while let Some(line) = lines.try_next().await.map_err(|e| AgentError::Connect {
        server: cluster.server.clone(),
        action: format!("read the log of pod `{pod}`"),
        message: e.to_string(),
    })? {
        on_line(&line);
    }
    Ok(())
}
