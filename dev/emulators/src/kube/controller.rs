//! A stand-in for the CodeRun controller (5dlabs/cto), for demos and
//! tests that need runs to progress on their own: each new `CodeRun`
//! becomes `Running` with a Job name and a Pod that carries the Job
//! controller's `job-name` label, writes a few log lines, and finishes
//! `Succeeded` or `Failed`. Status is written through the status
//! subresource like a real controller would.
//!
//! It is off unless `EmulatorOptions::simulation` is set.

use super::State;
use super::resources::ResourceType;
use super::store::{EventType, now};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How simulated runs progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulation {
    /// Time a new run stays without a phase (pending) before `Running`.
    pub start_after: Duration,
    /// Time from `Running` to the final phase.
    pub finish_after: Duration,
    /// The final phase: `Succeeded` or `Failed`.
    pub outcome: String,
}

impl Default for Simulation {
    fn default() -> Self {
        Simulation {
            start_after: Duration::from_millis(500),
            finish_after: Duration::from_secs(2),
            outcome: "Succeeded".into(),
        }
    }
}

fn find(state: &State, plural: &str) -> Option<ResourceType> {
    state
        .types
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|t| t.plural == plural)
        .cloned()
}

/// Runs the simulated controller until the emulator stops.
pub async fn run(state: Arc<State>, sim: Simulation) {
    let mut rx = state
        .store
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .subscribe();
    while let Ok(event) = rx.recv().await {
        if event.kind == EventType::Added && event.resource == "coderuns.agents.platform" {
            tokio::spawn(progress(state.clone(), sim.clone(), event.object));
        }
    }
}

fn log(state: &State, ns: &str, pod: &str, line: &str) {
    let mut logs = state.logs.lock().unwrap_or_else(|p| p.into_inner());
    let text = logs.entry((ns.to_string(), pod.to_string())).or_default();
    text.push_str(&format!("{} {line}\n", now()));
}

async fn progress(state: Arc<State>, sim: Simulation, run: Value) {
    let (Some(runs), Some(pods)) = (find(&state, "coderuns"), find(&state, "pods")) else {
        return;
    };
    let ns = run["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let name = run["metadata"]["name"].as_str().unwrap_or("").to_string();
    let job = format!("{name}-job");
    tokio::time::sleep(sim.start_after).await;
    let pod_name = {
        let mut store = state.store.lock().unwrap_or_else(|p| p.into_inner());
        if store.get(&runs, &ns, &name).is_err() {
            return;
        }
        let status = json!({"status": {"phase": "Running", "jobName": job, "lastUpdate": now(),
            "message": "agent job started (simulated by the Kubernetes API emulator)"}});
        let _ = store.patch(&runs, &ns, &name, &status, true);
        let pod = json!({
            "metadata": {"generateName": format!("{job}-"),
                "labels": {"job-name": job, "batch.kubernetes.io/job-name": job}},
            "spec": {"containers": [{"name": "agent", "image": "emulated"}]},
        });
        match store.create(&pods, &ns, pod) {
            Ok(p) => p["metadata"]["name"].as_str().unwrap_or("").to_string(),
            Err(_) => return,
        }
    };
    log(
        &state,
        &ns,
        &pod_name,
        &format!("starting agent for CodeRun {name}"),
    );
    let github_app = run["spec"]["githubApp"].as_str().unwrap_or("");
    let model = run["spec"]["model"].as_str().unwrap_or("");
    log(
        &state,
        &ns,
        &pod_name,
        &format!("github app {github_app}, model {model}"),
    );
    if let Some(first) = run["spec"]["promptModification"]
        .as_str()
        .and_then(|p| p.lines().next())
    {
        log(&state, &ns, &pod_name, &format!("task: {first}"));
    }
    tokio::time::sleep(sim.finish_after).await;
    let succeeded = sim.outcome == "Succeeded";
    log(
        &state,
        &ns,
        &pod_name,
        &format!("agent finished: {}", sim.outcome),
    );
    let mut store = state.store.lock().unwrap_or_else(|p| p.into_inner());
    if store.get(&runs, &ns, &name).is_err() {
        return;
    }
    let at = now();
    let status = json!({"status": {"phase": sim.outcome, "lastUpdate": at, "finishedAt": at,
        "workCompleted": succeeded,
        "message": if succeeded { "work completed (simulated)" } else { "agent failed (simulated)" }}});
    let _ = store.patch(&runs, &ns, &name, &status, true);
    let _ = store.patch(
        &pods,
        &ns,
        &pod_name,
        &json!({"status": {"phase": sim.outcome}}),
        true,
    );
}
