//! `atg agent wait`: follows one run with a watch (`?watch=true` on the
//! run's name, resumed from the last `resourceVersion` or bookmark, and
//! re-read after a `410 Gone`) until its phase is `Succeeded` or
//! `Failed`. Nothing is polled. Stopping early (Ctrl-C, `--timeout`)
//! stops only the waiting; the run goes on.
//!
//! When the run finishes, the Lease it held is released (`lock::release`),
//! so the next run for its key need not take over a stale one.

use super::cluster::Cluster;
use super::coderun::{CodeRun, Phase, phase};
use super::error::AgentError;
use super::lock;
use super::start::ANNOTATION_LOCK;
use futures::{StreamExt, TryStreamExt};
use kube::ResourceExt;
use kube::api::{WatchEvent, WatchParams};
use std::future::Future;
use std::time::Duration;

/// How waiting ended.
#[derive(Debug, Clone)]
pub enum WaitEnd {
    /// The run reached `Succeeded` or `Failed`.
    Finished(Box<CodeRun>),
    /// The run was deleted while waiting.
    Deleted,
    /// `stop` fired (Ctrl-C); the run's last known state.
    Stopped(Box<CodeRun>),
    /// The timeout passed; the run's last known state.
    TimedOut(Box<CodeRun>),
}

/// Server-side watch timeout, in seconds: each watch request ends after
/// this and is re-issued from the last resourceVersion.
const WATCH_SECONDS: u32 = 290;

/// Waits for run `name` to finish. `on_change` is called with the run
/// each time its phase changes (first with the phase it has at the start);
/// `stop` ends the wait when it completes (e.g. Ctrl-C); `timeout` bounds it.
///
/// Errors: `NotFound` for an unknown run; API failures, classified.
pub async fn wait(
    cluster: &Cluster,
    name: &str,
    timeout: Option<Duration>,
    stop: impl Future<Output = ()>,
    mut on_change: impl FnMut(&CodeRun),
) -> Result<WaitEnd, AgentError> {
    let runs = cluster.runs();
    let get = || super::runs::fetch(cluster, name);
    let mut last = super::runs::get(cluster, name).await?;
    let mut last_phase = phase(&last);
    on_change(&last);
    if !last_phase.is_active() {
        release(cluster, &last).await;
        return Ok(WaitEnd::Finished(Box::new(last)));
    }
    let mut version = last.resource_version().unwrap_or_default();
    let follow = async {
        let params = WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(WATCH_SECONDS);
        loop {
            let stream = runs
                .watch(&params, &version)
                .await
                .map_err(|e| cluster.error(e, "watch", "coderuns"))?;
            let mut stream = stream.boxed();
            while let Some(event) = stream
                .try_next()
                .await
                .map_err(|e| cluster.error(e, "watch", "coderuns"))?
            {
                match event {
                    WatchEvent::Added(run) | WatchEvent::Modified(run) => {
                        version = run.resource_version().unwrap_or_default();
                        let now = phase(&run);
                        if now != last_phase {
                            on_change(&run);
                            last_phase = now.clone();
                        }
                        last = run;
                        if !now.is_active() {
                            return Ok(None);
                        }
                    }
                    WatchEvent::Deleted(_) => return Ok(Some(WaitEnd::Deleted)),
                    WatchEvent::Bookmark(b) => version = b.metadata.resource_version,
                    // 410 Gone: the version is too old to resume from; read
                    // the run afresh and watch from there.
                    WatchEvent::Error(s) if s.code == 410 => {
                        last = get().await?;
                        version = last.resource_version().unwrap_or_default();
                        let now = phase(&last);
                        if now != last_phase {
                            on_change(&last);
                            last_phase = now.clone();
                        }
                        if !now.is_active() {
                            return Ok(None);
                        }
                        break;
                    }
                    WatchEvent::Error(s) => {
                        return Err(AgentError::Api {
                            action: format!("watch coderuns in namespace `{}`", cluster.namespace),
                            code: s.code,
                            reason: s.reason,
                            message: s.message,
                        });
                    }
                }
            }
        }
    };
    let limit = async {
        match timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let outcome: Result<Option<WaitEnd>, AgentError> = tokio::select! {
        r = follow => r,
        _ = stop => Ok(Some(WaitEnd::Stopped(Box::new(last_known(cluster, name).await)))),
        _ = limit => Ok(Some(WaitEnd::TimedOut(Box::new(last_known(cluster, name).await)))),
    };
    match outcome? {
        Some(end) => Ok(end),
        None => {
            let run = get().await.unwrap_or(last);
            release(cluster, &run).await;
            Ok(WaitEnd::Finished(Box::new(run)))
        }
    }
}

/// The run as it is now, for reporting after waiting stopped (the watch's
/// copy is borrowed by the cancelled future).
async fn last_known(cluster: &Cluster, name: &str) -> CodeRun {
    match cluster.runs().get_opt(name).await {
        Ok(Some(r)) => r,
        _ => CodeRun::new(name, &super::coderun::api_resource(), Default::default()),
    }
}

async fn release(cluster: &Cluster, run: &CodeRun) {
    if let Some(lock_name) = run.annotations().get(ANNOTATION_LOCK) {
        // Best effort: a Lease left behind is stale and taken over later.
        let _ = lock::release(cluster, lock_name, &run.name_any()).await;
    }
}

/// True when the phase is `Succeeded`.
pub fn succeeded(run: &CodeRun) -> bool {
    phase(run) == Phase::Succeeded
}
