//! `atg agent run`'s work once the run is built: render the CodeRun (and
//! its facts ConfigMap when the prompt is long), take the key's Lease, and
//! create the objects, or report the run that is already active. The
//! one-active-run rule itself is `lock`'s.

use super::cluster::Cluster;
use super::coderun::{self, CodeRun, Phase, phase};
use super::error::AgentError;
use super::lock::{self, Acquired};
use super::profile::BuiltRun;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{DeleteParams, PostParams};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use std::collections::BTreeMap;

/// Longest prompt carried inline in `promptModification`, in bytes; a
/// longer one goes into a ConfigMap the prompt names.
pub const INLINE_PROMPT_MAX: usize = 8 * 1024;
/// Longest prompt put into a ConfigMap, in bytes (ConfigMaps hold at most
/// 1 MiB); the rest is cut with a note.
pub const CONFIG_MAP_PROMPT_MAX: usize = 900 * 1024;
/// The ConfigMap key holding the prompt.
pub const PROMPT_KEY: &str = "prompt.md";
/// Annotation on a run naming the Lease that guards its key.
pub const ANNOTATION_LOCK: &str = "atg/lock";

/// The objects a run consists of.
#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    /// The CodeRun.
    pub run: CodeRun,
    /// The facts ConfigMap, for long prompts.
    pub config_map: Option<ConfigMap>,
}

fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Renders the objects of run `name` in `namespace`: the prompt inline
/// when it is at most `INLINE_PROMPT_MAX` bytes, else in ConfigMap
/// `NAME-facts` (key `prompt.md`) with the task line and a pointer inline.
pub fn render(built: &BuiltRun, name: &str, namespace: &str) -> Rendered {
    let mut spec = built.spec.clone();
    let mut annotations = built.key.annotations();
    annotations.insert(ANNOTATION_LOCK.into(), built.key.lock_name());
    let meta = |name: String| ObjectMeta {
        name: Some(name),
        namespace: Some(namespace.to_string()),
        labels: Some(built.key.labels()),
        annotations: Some(annotations.clone()),
        ..ObjectMeta::default()
    };
    let config_map = if built.prompt.len() <= INLINE_PROMPT_MAX {
        spec.prompt_modification = Some(built.prompt.clone());
        None
    } else {
        let cm_name = format!("{name}-facts");
        let mut text = cut(&built.prompt, CONFIG_MAP_PROMPT_MAX).to_string();
        if text.len() < built.prompt.len() {
            text.push_str(&format!(
                "\n\n(cut at {CONFIG_MAP_PROMPT_MAX} of {} bytes)\n",
                built.prompt.len()
            ));
        }
        let task = built.prompt.lines().next().unwrap_or_default();
        spec.prompt_modification = Some(format!(
            "{task}\n\nThe facts ({} bytes of Markdown) are in ConfigMap `{cm_name}`, key `{PROMPT_KEY}`, namespace `{namespace}`.",
            text.len()
        ));
        Some(ConfigMap {
            metadata: meta(cm_name),
            data: Some(BTreeMap::from([(PROMPT_KEY.to_string(), text)])),
            ..ConfigMap::default()
        })
    };
    let mut run = CodeRun::new(name, &coderun::api_resource(), spec);
    run.metadata = meta(name.to_string());
    Rendered { run, config_map }
}

/// How `start` ended.
#[derive(Debug, Clone)]
pub enum Started {
    /// The run was created.
    Created {
        /// The run as stored.
        run: Box<CodeRun>,
        /// Its facts ConfigMap, if the prompt needed one.
        config_map: Option<String>,
        /// The stale holder taken over and why, if any.
        took_over: Option<(String, String)>,
    },
    /// A run for the key is already active; nothing was created.
    Active {
        /// Its name.
        name: String,
        /// Its phase.
        phase: Phase,
    },
}

/// Starts a run unless one is active for its key: preflight, take the
/// Lease for a fresh name, create the ConfigMap (if any) and the CodeRun,
/// then hand the Lease and ConfigMap to the run as owner. If creating
/// fails, the Lease is released and the ConfigMap deleted.
///
/// Errors: `CrdMissing`, `Forbidden` and other API failures, classified.
pub async fn start(cluster: &Cluster, built: &BuiltRun) -> Result<Started, AgentError> {
    cluster.preflight().await?;
    let name = built.key.new_run_name();
    let (lease, took_over) = match lock::acquire(cluster, &built.key, &name).await? {
        Acquired::Active(run) => {
            return Ok(Started::Active {
                name: run.name_any(),
                phase: phase(&run),
            });
        }
        Acquired::Starting(holder) => {
            return Ok(Started::Active {
                name: holder,
                phase: Phase::Pending,
            });
        }
        Acquired::Held { lease, took_over } => (lease, took_over),
    };
    let rendered = render(built, &name, &cluster.namespace);
    let created = create(cluster, &rendered).await;
    let run = match created {
        Ok(run) => run,
        Err(e) => {
            // Best effort: the error already says what failed.
            let _ = lock::release(cluster, &built.key.lock_name(), &name).await;
            return Err(e);
        }
    };
    lock::attach_owner(cluster, &lease, &run).await?;
    let cm_name = rendered.config_map.as_ref().map(|c| c.name_any());
    if let (Some(cm), Some(owner)) = (
        &rendered.config_map,
        run.controller_owner_ref(&coderun::api_resource()),
    ) {
        let api = cluster.config_maps();
        let mut stored = api
            .get(&cm.name_any())
            .await
            .map_err(|e| cluster.error(e, "get", "configmaps"))?;
        stored.metadata.owner_references = Some(vec![owner]);
        api.replace(&cm.name_any(), &PostParams::default(), &stored)
            .await
            .map_err(|e| cluster.error(e, "update", "configmaps"))?;
    }
    Ok(Started::Created {
        run: Box::new(run),
        config_map: cm_name,
        took_over,
    })
}

async fn create(cluster: &Cluster, rendered: &Rendered) -> Result<CodeRun, AgentError> {
    let pp = PostParams::default();
    if let Some(cm) = &rendered.config_map {
        cluster
            .config_maps()
            .create(&pp, cm)
            .await
            .map_err(|e| cluster.error(e, "create", "configmaps"))?;
    }
    match cluster.runs().create(&pp, &rendered.run).await {
        Ok(run) => Ok(run),
        Err(e) => {
            if let Some(cm) = &rendered.config_map {
                let _ = cluster
                    .config_maps()
                    .delete(&cm.name_any(), &DeleteParams::default())
                    .await;
            }
            Err(cluster.error(e, "create", "coderuns"))
        }
    }
}
