//! `atg agent doctor`: what is wrong with the agents in a namespace, and
//! what to do about it. Four checks, each a `Finding`:
//!
//! - `duplicate-runs`: more than one active run for one key (the labels
//!   agent, role, pr-number or iteration, repository), the failure the
//!   one-active-run rule exists to prevent;
//! - `active-too-long`: a run active longer than the limit;
//! - `stale-lock`: an atg Lease that names no holder or whose holder run
//!   no longer exists: workflows (which take over only a Lease whose holder
//!   finished) skip its key until `atg agent run` takes it over. A Lease
//!   whose holder finished is not a problem: CLI and workflows take it over;
//! - `drift`: a live WorkflowTemplate, Sensor or ConfigMap whose `spec` /
//!   `data` differs from the manifests `atg agent manifests` wrote, or that
//!   is missing (the sensor-drift case).

use super::cluster::Cluster;
use super::coderun::{CodeRun, LABEL_AGENT, LABEL_MANAGED_BY, phase};
use super::error::AgentError;
use super::key::key_of_labels;
use super::lock;
use super::manifests;
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Most differing paths listed per drifted object.
const LISTED_PATHS: usize = 5;

/// What `doctor` checks.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// Runs active longer than this many minutes are reported.
    pub max_active_minutes: u64,
    /// The manifests folder to compare the cluster with, if any.
    pub manifests: Option<PathBuf>,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `duplicate-runs`, `active-too-long`, `stale-lock` or `drift`.
    pub check: &'static str,
    /// The object(s) concerned, e.g. `CodeRun/x` or `Sensor/atg-github`.
    pub object: String,
    /// What is wrong.
    pub detail: String,
    /// What to do.
    pub action: String,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    /// The namespace checked.
    pub namespace: String,
    /// Runs (with an `agent` label) looked at.
    pub runs: usize,
    /// Of those, active ones.
    pub active_runs: usize,
    /// atg Leases looked at.
    pub locks: usize,
    /// Manifest objects compared with the cluster.
    pub manifests: usize,
    /// The problems, by check.
    pub findings: Vec<Finding>,
}

fn minutes(secs: i64) -> String {
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}

fn created_secs(run: &CodeRun) -> Option<i64> {
    run.creation_timestamp().map(|t| t.0.as_second())
}

/// Runs the checks.
///
/// Errors: `CrdMissing`, `Input` for an unreadable manifests folder, API
/// failures, classified.
pub async fn check(cluster: &Cluster, opts: &DoctorOptions) -> Result<DoctorReport, AgentError> {
    cluster.preflight().await?;
    let runs = cluster
        .runs()
        .list(&ListParams::default().labels(LABEL_AGENT))
        .await
        .map_err(|e| cluster.error(e, "list", "coderuns"))?
        .items;
    let mut findings = Vec::new();
    let active: Vec<&CodeRun> = runs.iter().filter(|r| phase(r).is_active()).collect();

    let mut by_key: BTreeMap<Vec<(String, String)>, Vec<&CodeRun>> = BTreeMap::new();
    for run in &active {
        if let Some(key) = key_of_labels(run.labels()) {
            by_key.entry(key).or_default().push(run);
        }
    }
    for (key, mut group) in by_key.into_iter().filter(|(_, g)| g.len() > 1) {
        group.sort_by_key(|r| (created_secs(r), r.name_any()));
        let names: Vec<String> = group.iter().map(|r| r.name_any()).collect();
        let key_text: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
        findings.push(Finding {
            check: "duplicate-runs",
            object: names
                .iter()
                .map(|n| format!("CodeRun/{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            detail: format!(
                "{} active runs for one key ({})",
                names.len(),
                key_text.join(" ")
            ),
            action: format!(
                "keep the oldest, `{}`; cancel the others: {}",
                names[0],
                names[1..]
                    .iter()
                    .map(|n| format!("`atg agent cancel {n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }

    let now = Timestamp::now().as_second();
    let limit = (opts.max_active_minutes as i64) * 60;
    for run in &active {
        if let Some(age) = created_secs(run).map(|c| now - c).filter(|a| *a > limit) {
            let name = run.name_any();
            findings.push(Finding {
                check: "active-too-long",
                object: format!("CodeRun/{name}"),
                detail: format!(
                    "{} for {} (limit {})",
                    phase(run).name(),
                    minutes(age),
                    minutes(limit)
                ),
                action: format!(
                    "read `atg agent logs {name}`; `atg agent cancel {name}` if it is stuck"
                ),
            });
        }
    }

    let leases = cluster
        .leases()
        .list(&ListParams::default().labels(&format!("{LABEL_MANAGED_BY}=atg")))
        .await
        .map_err(|e| cluster.error(e, "list", "leases"))?
        .items;
    for lease in &leases {
        let holder = lock::holder(lease);
        let run = holder.and_then(|h| runs.iter().find(|r| r.name_any() == h));
        let why = match (holder, run) {
            (None, _) => Some("names no holder".to_string()),
            (Some(h), None) if !lock::fresh(lease) => {
                Some(format!("is held by `{h}`, which no longer exists"))
            }
            _ => None,
        };
        if let Some(why) = why {
            findings.push(Finding {
                check: "stale-lock",
                object: format!("Lease/{}", lease.name_any()),
                detail: format!(
                    "the lock {why}; workflows started by the sensor skip its key meanwhile"
                ),
                action: "the next `atg agent run` for the key takes it over; or delete the Lease"
                    .into(),
            });
        }
    }

    let mut compared = 0;
    if let Some(dir) = &opts.manifests {
        for (file, want) in manifests::read_dir(dir)? {
            compared += 1;
            if let Some(f) = drift(cluster, &file, &want).await? {
                findings.push(f);
            }
        }
    }
    Ok(DoctorReport {
        namespace: cluster.namespace.clone(),
        runs: runs.len(),
        active_runs: active.len(),
        locks: leases.len(),
        manifests: compared,
        findings,
    })
}

async fn drift(
    cluster: &Cluster,
    file: &std::path::Path,
    want: &Value,
) -> Result<Option<Finding>, AgentError> {
    let api_version = want["apiVersion"].as_str().unwrap_or("");
    let kind = want["kind"].as_str().unwrap_or("");
    let name = want["metadata"]["name"].as_str().unwrap_or("");
    let namespace = want["metadata"]["namespace"]
        .as_str()
        .unwrap_or(&cluster.namespace);
    let object = format!("{kind}/{name}");
    let apply = format!(
        "apply `{}` again (`kubectl apply -f`, or sync it in Argo CD), or regenerate it with `atg agent manifests` if the cluster is right",
        file.display()
    );
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let (ar, _) = match kube::discovery::pinned_kind(&cluster.client, &gvk).await {
        Ok(found) => found,
        Err(kube::Error::Api(s)) if s.code == 404 => {
            return Ok(Some(Finding {
                check: "drift",
                object,
                detail: format!(
                    "the cluster does not serve `{api_version}` `{kind}`: its CRD is not installed"
                ),
                action: format!("install {kind}'s controller, then {apply}"),
            }));
        }
        Err(e) => {
            return Err(AgentError::from_kube(
                e,
                &format!("discover `{api_version}` `{kind}`"),
                &cluster.server,
            ));
        }
    };
    let api: Api<DynamicObject> = Api::namespaced_with(cluster.client.clone(), namespace, &ar);
    let live = match api.get_opt(name).await {
        Ok(Some(o)) => serde_json::to_value(o).expect("objects serialise"),
        Ok(None) => {
            return Ok(Some(Finding {
                check: "drift",
                object,
                detail: format!("not in namespace `{namespace}`"),
                action: apply,
            }));
        }
        Err(e) => return Err(cluster.error(e, "get", &ar.plural)),
    };
    let mut paths = Vec::new();
    for field in ["spec", "data"] {
        if want.get(field).is_some() || live.get(field).is_some() {
            diff(field, &want[field], &live[field], &mut paths);
        }
    }
    if paths.is_empty() {
        return Ok(None);
    }
    let total = paths.len();
    paths.truncate(LISTED_PATHS);
    let more = if total > LISTED_PATHS {
        format!(" (and {} more)", total - LISTED_PATHS)
    } else {
        String::new()
    };
    Ok(Some(Finding {
        check: "drift",
        object,
        detail: format!(
            "differs from `{}`: {}{more}",
            file.display(),
            paths.join("; ")
        ),
        action: apply,
    }))
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// Paths where `live` differs from `want`, in document order.
fn diff(path: &str, want: &Value, live: &Value, out: &mut Vec<String>) {
    match (want, live) {
        (Value::Object(w), Value::Object(l)) => {
            for (k, wv) in w {
                let p = format!("{path}.{k}");
                match l.get(k) {
                    Some(lv) => diff(&p, wv, lv, out),
                    None if wv.is_null() => {}
                    None => out.push(format!("`{p}` is missing in the cluster")),
                }
            }
            for k in l.keys().filter(|k| !w.contains_key(*k)) {
                out.push(format!("`{path}.{k}` is only in the cluster"));
            }
        }
        (Value::Array(w), Value::Array(l)) => {
            for (i, (wv, lv)) in w.iter().zip(l).enumerate() {
                diff(&format!("{path}[{i}]"), wv, lv, out);
            }
            if w.len() != l.len() {
                out.push(format!(
                    "`{path}` has {} items in the cluster, {} in the manifests",
                    l.len(),
                    w.len()
                ));
            }
        }
        (w, l) if w != l => out.push(format!(
            "`{path}` is {} in the cluster, {} in the manifests",
            short(l),
            short(w)
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::diff;
    use serde_json::json;

    #[test]
    fn diff_names_changed_missing_and_added_paths() {
        let want = json!({"a": 1, "b": {"c": [1, 2]}, "d": "x"});
        let live = json!({"a": 2, "b": {"c": [1]}, "e": true});
        let mut out = Vec::new();
        diff("spec", &want, &live, &mut out);
        assert_eq!(
            out,
            [
                "`spec.a` is 2 in the cluster, 1 in the manifests",
                "`spec.b.c` has 1 items in the cluster, 2 in the manifests",
                "`spec.d` is missing in the cluster",
                "`spec.e` is only in the cluster",
            ]
        );
    }
}
