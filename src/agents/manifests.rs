//! The GitOps side of agents, as files for Argo CD or `kubectl apply`:
//! `atg agent manifests -o DIR` writes
//!
//! - `semaphores.yaml`: the ConfigMap whose keys cap how many runs of each
//!   profile are active at once (Argo synchronization semaphores,
//!   `configMapKeyRef`, the plural `semaphores:` form of Argo Workflows 3.6+);
//! - `workflowtemplate-coderun.yaml`: WorkflowTemplate `atg-coderun`, one
//!   template per profile (semaphore-limited) over a `run` template that
//!   takes the key's Lease by create, takes over a Lease whose holder
//!   finished by a merge patch carrying the read `resourceVersion` (a
//!   compare-and-swap), and only then creates the CodeRun and waits on its
//!   `status.phase` (`successCondition` / `failureCondition`);
//! - `workflowtemplate-orchestrator.yaml`: WorkflowTemplate
//!   `atg-orchestrator`, a DAG chaining analysis, the analysis PR, and the
//!   deployment;
//! - `sensor-github.yaml`: an Argo Events Sensor submitting `atg-coderun`
//!   for pull request opened/synchronized, review approved and CI failed.
//!
//! The Lease name is computed in the templates with sprig's `sha256sum`
//! over the same canonical key atg hashes (`key::RunKey::canonical`), so a
//! run started by `atg agent run` and one started by a webhook guard the
//! same work with the same object. Resource manifests inside templates are
//! JSON (valid YAML), so Argo's `{{…}}` substitution yields parseable text.
//! Output is deterministic: `doctor` compares the live objects with it.

use super::coderun::{self, CodeRunSpec, missing_required};
use super::error::AgentError;
use super::profile::{Profile, task_text};
use super::start::ANNOTATION_LOCK;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Name of the semaphore ConfigMap.
pub const SEMAPHORES: &str = "atg-agent-semaphores";
/// Name of the CodeRun WorkflowTemplate.
pub const CODERUN_TEMPLATE: &str = "atg-coderun";
/// Name of the orchestrator WorkflowTemplate.
pub const ORCHESTRATOR_TEMPLATE: &str = "atg-orchestrator";
/// Name of the Sensor.
pub const SENSOR: &str = "atg-github";
/// `leaseDurationSeconds` of Leases taken by workflows: resource steps
/// each start a pod, so the run appears seconds after its Lease.
pub const WORKFLOW_LEASE_SECONDS: i64 = 120;
/// Seconds a finished workflow is kept before it is deleted.
pub const WORKFLOW_TTL_SECONDS: i64 = 300;

/// What the manifests are made from.
#[derive(Debug, Clone)]
pub struct ManifestOptions {
    /// Namespace of every object.
    pub namespace: String,
    /// Argo Events EventSource the sensor listens to.
    pub event_source: String,
    /// Its event name (the webhook's name in the EventSource).
    pub event_name: String,
    /// Most active runs per profile (deployments: always 1).
    pub max_parallel: u32,
    /// Each profile's CodeRun fields from the config file.
    pub fields: BTreeMap<&'static str, CodeRunSpec>,
}

/// One file: its name and its objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// File name inside the output folder.
    pub file: &'static str,
    /// The Kubernetes objects, in order.
    pub objects: Vec<Value>,
}

const RAW: &str = "@raw:";

/// A resource manifest as JSON text; strings starting `@raw:` are written
/// without quotes (integers and `toJson` expressions after substitution).
fn manifest_text(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).expect("manifests serialise");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    let needle = format!("\"{RAW}");
    while let Some(i) = rest.find(&needle) {
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        let end = after.find('"').expect("raw values end with a quote");
        out.push_str(&after[..end]);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out.push('\n');
    out
}

fn input(name: &str) -> String {
    format!("{{{{inputs.parameters.{name}}}}}")
}

fn params(names: &[&str]) -> Value {
    Value::Array(names.iter().map(|n| json!({"name": n})).collect())
}

/// Arguments passing the template's own inputs through, by name.
fn pass(names: &[&str]) -> Value {
    json!({"parameters": names.iter().map(|n| json!({"name": n, "value": input(n)})).collect::<Vec<_>>()})
}

fn args(pairs: &[(&str, String)]) -> Value {
    json!({"parameters": pairs.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>()})
}

/// The labels every atg object carries, as Argo placeholders.
fn key_labels() -> Value {
    let mut m = Map::new();
    m.insert("agent".into(), json!(input("agent")));
    m.insert("role".into(), json!(input("role")));
    m.insert(input("subject-label"), json!(input("subject")));
    m.insert("repository".into(), json!(input("repository-label")));
    m.insert(coderun::LABEL_MANAGED_BY.into(), json!("atg"));
    Value::Object(m)
}

fn run_key() -> String {
    format!(
        "{}|{}|{}={}|{}",
        input("agent"),
        input("role"),
        input("subject-label"),
        input("subject"),
        input("repository")
    )
}

const KEY_INPUTS: [&str; 8] = [
    "agent",
    "role",
    "subject-label",
    "subject",
    "repository",
    "repository-label",
    "lock",
    "run-name",
];

const SPEC_INPUTS: [&str; 8] = [
    "task-id",
    "prompt",
    "service",
    "model",
    "github-app",
    "repository-url",
    "docs-repository-url",
    "working-directory",
];

fn run_inputs() -> Vec<&'static str> {
    KEY_INPUTS
        .iter()
        .chain(SPEC_INPUTS.iter())
        .copied()
        .collect()
}

fn acquire_template() -> Value {
    let lease = json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": input("lock"), "labels": key_labels(),
            "annotations": {coderun::ANNOTATION_KEY: run_key()}},
        "spec": {"holderIdentity": input("run-name"),
            "leaseDurationSeconds": format!("{RAW}{WORKFLOW_LEASE_SECONDS}")},
    });
    json!({
        "name": "acquire",
        "inputs": {"parameters": params(&KEY_INPUTS)},
        "resource": {"action": "create", "setOwnerReference": true, "manifest": manifest_text(&lease)},
    })
}

fn read_lease_template() -> Value {
    let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": input("lock")}});
    json!({
        "name": "read-lease",
        "inputs": {"parameters": params(&["lock"])},
        "resource": {"action": "get", "manifest": manifest_text(&lease)},
        "outputs": {"parameters": [
            {"name": "holder", "valueFrom": {"jsonPath": "{.spec.holderIdentity}", "default": ""}},
            {"name": "resource-version", "valueFrom": {"jsonPath": "{.metadata.resourceVersion}", "default": ""}},
        ]},
    })
}

fn read_holder_template() -> Value {
    let run = json!({"apiVersion": format!("{}/{}", coderun::GROUP, coderun::VERSION), "kind": coderun::KIND,
        "metadata": {"name": input("holder")}});
    json!({
        "name": "read-holder",
        "inputs": {"parameters": params(&["holder"])},
        "resource": {"action": "get", "manifest": manifest_text(&run)},
        "outputs": {"parameters": [
            {"name": "phase", "valueFrom": {"jsonPath": "{.status.phase}", "default": ""}},
        ]},
    })
}

fn take_over_template() -> Value {
    // A merge patch carrying metadata.resourceVersion is applied only if
    // the Lease still has that version: 409 Conflict otherwise.
    let patch = json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": input("lock"), "resourceVersion": input("resource-version"), "ownerReferences": null},
        "spec": {"holderIdentity": input("run-name")},
    });
    json!({
        "name": "take-over",
        "inputs": {"parameters": params(&["lock", "run-name", "resource-version"])},
        "resource": {"action": "patch", "mergeStrategy": "merge", "manifest": manifest_text(&patch)},
    })
}

fn coderun_template() -> Value {
    let mut annotations = Map::new();
    annotations.insert(coderun::ANNOTATION_KEY.into(), json!(run_key()));
    annotations.insert(ANNOTATION_LOCK.into(), json!(input("lock")));
    let run = json!({
        "apiVersion": format!("{}/{}", coderun::GROUP, coderun::VERSION), "kind": coderun::KIND,
        "metadata": {"name": input("run-name"), "labels": key_labels(), "annotations": annotations},
        "spec": {
            "taskId": format!("{RAW}{}", input("task-id")),
            "runType": "implementation",
            "service": input("service"),
            "repositoryUrl": input("repository-url"),
            "docsRepositoryUrl": input("docs-repository-url"),
            "workingDirectory": input("working-directory"),
            "model": input("model"),
            "githubApp": input("github-app"),
            "promptModification": format!("{RAW}{{{{=toJson(inputs.parameters.prompt)}}}}"),
        },
    });
    json!({
        "name": "coderun",
        "inputs": {"parameters": params(&run_inputs())},
        "resource": {
            "action": "create",
            "successCondition": "status.phase == Succeeded",
            "failureCondition": "status.phase == Failed",
            "manifest": manifest_text(&run),
        },
        "outputs": {"parameters": [
            {"name": "pull-request-url", "valueFrom": {"jsonPath": "{.status.pullRequestUrl}", "default": ""}},
        ]},
    })
}

fn run_template() -> Value {
    let contended = "{{=steps.acquire.status != 'Succeeded'}}";
    json!({
        "name": "run",
        "inputs": {"parameters": params(&run_inputs())},
        "steps": [
            [{"name": "acquire", "template": "acquire", "arguments": pass(&KEY_INPUTS),
                "continueOn": {"failed": true}}],
            [{"name": "read-lease", "template": "read-lease", "when": contended,
                "arguments": pass(&["lock"])}],
            [{"name": "read-holder", "template": "read-holder", "when": contended,
                "continueOn": {"failed": true},
                "arguments": args(&[("holder", "{{steps.read-lease.outputs.parameters.holder}}".into())])}],
            [{"name": "take-over", "template": "take-over",
                "when": "{{=steps.acquire.status != 'Succeeded' && (steps['read-holder'].outputs.parameters.phase ?? '') in ['Succeeded', 'Failed']}}",
                "continueOn": {"failed": true},
                "arguments": args(&[
                    ("lock", input("lock")),
                    ("run-name", input("run-name")),
                    ("resource-version", "{{steps.read-lease.outputs.parameters.resource-version}}".into()),
                ])}],
            [{"name": "coderun", "template": "coderun",
                "when": "{{=steps.acquire.status == 'Succeeded' || steps['take-over'].status == 'Succeeded'}}",
                "arguments": pass(&run_inputs())}],
        ],
        "outputs": {"parameters": [
            {"name": "pull-request-url", "valueFrom": {"parameter": "{{steps.coderun.outputs.parameters.pull-request-url}}", "default": ""}},
        ]},
    })
}

/// The Argo expression for the Lease name of a key whose canonical form is
/// `prefix` followed by the `subject` input and `|` and the `repository`
/// input: `atg-lock-` and 16 hex digits of its SHA-256, as
/// `key::RunKey::lock_name`.
fn lock_expression(prefix: &str, subject: &str) -> String {
    format!(
        "atg-lock-{{{{=sprig.trunc(16, sprig.sha256sum('{prefix}' + inputs.parameters.{subject} + '|' + inputs.parameters.repository))}}}}"
    )
}

fn profile_template(profile: Profile, spec: &CodeRunSpec) -> Value {
    let (subject_input, subject_label, own_inputs): (&str, &str, Vec<&str>) = match profile {
        Profile::IterationAnalyzer => (
            "iterations",
            coderun::LABEL_ITERATION,
            vec!["iterations", "repository"],
        ),
        Profile::CiPrManager => ("pr", coderun::LABEL_PR, vec!["pr", "repository"]),
        Profile::DeploymentOrchestrator => (
            "iteration",
            coderun::LABEL_ITERATION,
            vec!["iteration", "target", "repository"],
        ),
    };
    let subject = input(subject_input);
    let task_id = match profile {
        // The task number of an analysis is its last iteration.
        Profile::IterationAnalyzer => {
            format!("{{{{=sprig.regexFind('[0-9]+$', inputs.parameters.{subject_input})}}}}")
        }
        _ => subject.clone(),
    };
    let prefix = format!("{}|{}|{subject_label}=", profile.name(), profile.role());
    let repository_url = if spec.repository_url.is_empty() {
        format!("https://github.com/{}", input("repository"))
    } else {
        spec.repository_url.clone()
    };
    let mut inputs: Vec<Value> = own_inputs.iter().map(|n| json!({"name": n})).collect();
    inputs.push(json!({"name": "run-name", "default": "{{workflow.name}}"}));
    json!({
        "name": profile.name(),
        "synchronization": {"semaphores": [
            {"configMapKeyRef": {"name": SEMAPHORES, "key": profile.name()}},
        ]},
        "inputs": {"parameters": inputs},
        "steps": [[{"name": "run", "template": "run", "arguments": args(&[
            ("agent", profile.name().into()),
            ("role", profile.role().into()),
            ("subject-label", subject_label.into()),
            ("subject", subject.clone()),
            ("repository", input("repository")),
            ("repository-label", "{{=sprig.replace('/', '.', inputs.parameters.repository)}}".into()),
            ("lock", lock_expression(&prefix, subject_input)),
            ("run-name", input("run-name")),
            ("task-id", task_id),
            ("prompt", task_text(profile, &subject, &input("repository"), &input("target"))),
            ("service", spec.service.clone()),
            ("model", spec.model.clone()),
            ("github-app", spec.github_app.clone()),
            ("repository-url", repository_url),
            ("docs-repository-url", spec.docs_repository_url.clone()),
            ("working-directory", spec.working_directory.clone()),
        ])}]],
        "outputs": {"parameters": [
            {"name": "pull-request-url", "valueFrom": {"parameter": "{{steps.run.outputs.parameters.pull-request-url}}", "default": ""}},
        ]},
    })
}

fn metadata(name: &str, namespace: &str) -> Value {
    json!({"name": name, "namespace": namespace, "labels": {coderun::LABEL_MANAGED_BY: "atg"}})
}

fn workflow_arguments(names: &[&str]) -> Value {
    json!({"parameters": names.iter().map(|n| json!({"name": n, "value": ""})).collect::<Vec<_>>()})
}

fn coderun_workflow_template(opts: &ManifestOptions) -> Value {
    let mut templates: Vec<Value> = Profile::ALL
        .iter()
        .map(|p| profile_template(*p, &opts.fields[p.name()]))
        .collect();
    templates.extend([
        run_template(),
        acquire_template(),
        read_lease_template(),
        read_holder_template(),
        take_over_template(),
        coderun_template(),
    ]);
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": metadata(CODERUN_TEMPLATE, &opts.namespace),
        "spec": {
            "entrypoint": Profile::CiPrManager.name(),
            "arguments": workflow_arguments(&["pr", "iterations", "iteration", "target", "repository"]),
            "ttlStrategy": {"secondsAfterCompletion": WORKFLOW_TTL_SECONDS},
            "podGC": {"strategy": "OnPodCompletion"},
            "workflowMetadata": {"labels": {coderun::LABEL_MANAGED_BY: "atg"}},
            "templates": templates,
        },
    })
}

fn orchestrator_workflow_template(opts: &ManifestOptions) -> Value {
    let template_ref = |p: Profile| json!({"name": CODERUN_TEMPLATE, "template": p.name()});
    let wf = |n: &str| format!("{{{{workflow.parameters.{n}}}}}");
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": metadata(ORCHESTRATOR_TEMPLATE, &opts.namespace),
        "spec": {
            "entrypoint": "orchestrate",
            "arguments": workflow_arguments(&["iterations", "iteration", "target", "repository"]),
            "ttlStrategy": {"secondsAfterCompletion": WORKFLOW_TTL_SECONDS},
            "podGC": {"strategy": "OnPodCompletion"},
            "workflowMetadata": {"labels": {coderun::LABEL_MANAGED_BY: "atg"}},
            "templates": [{
                "name": "orchestrate",
                "dag": {"tasks": [
                    {"name": "analyze", "templateRef": template_ref(Profile::IterationAnalyzer),
                        "arguments": args(&[("iterations", wf("iterations")), ("repository", wf("repository")),
                            ("run-name", "{{workflow.name}}-analyze".into())])},
                    {"name": "manage-pr", "depends": "analyze", "templateRef": template_ref(Profile::CiPrManager),
                        "when": "{{=(tasks.analyze.outputs.parameters['pull-request-url'] ?? '') != ''}}",
                        "arguments": args(&[
                            ("pr", "{{=sprig.regexFind('[0-9]+$', tasks.analyze.outputs.parameters['pull-request-url'] ?? '')}}".into()),
                            ("repository", wf("repository")),
                            ("run-name", "{{workflow.name}}-pr".into())])},
                    {"name": "deploy", "depends": "manage-pr.Succeeded || manage-pr.Skipped",
                        "templateRef": template_ref(Profile::DeploymentOrchestrator),
                        "arguments": args(&[("iteration", wf("iteration")), ("target", wf("target")),
                            ("repository", wf("repository")), ("run-name", "{{workflow.name}}-deploy".into())])},
                ]},
            }],
        },
    })
}

/// A sensor trigger submitting `atg-coderun` for ci-pr-manager when
/// dependency `dep` fires, with the PR number from `pr_key`.
fn pr_trigger(dep: &str, pr_key: &str) -> Value {
    let workflow = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "atg-ci-pr-manager-", "labels": {coderun::LABEL_MANAGED_BY: "atg"}},
        "spec": {
            "workflowTemplateRef": {"name": CODERUN_TEMPLATE},
            "entrypoint": Profile::CiPrManager.name(),
            "arguments": {"parameters": [{"name": "pr", "value": ""}, {"name": "repository", "value": ""}]},
        },
    });
    json!({
        "template": {
            "name": format!("ci-pr-manager-on-{dep}"),
            "conditions": dep,
            "argoWorkflow": {"operation": "submit", "source": {"resource": workflow}},
        },
        "parameters": [
            {"src": {"dependencyName": dep, "dataKey": pr_key}, "dest": "spec.arguments.parameters.0.value"},
            {"src": {"dependencyName": dep, "dataKey": "body.repository.full_name"}, "dest": "spec.arguments.parameters.1.value"},
        ],
        "retryStrategy": {"steps": 3},
    })
}

fn filter(path: &str, values: &[&str]) -> Value {
    json!({"path": path, "type": "string", "value": values})
}

fn sensor(opts: &ManifestOptions) -> Value {
    let dep = |name: &str, filters: Vec<Value>| {
        json!({"name": name, "eventSourceName": opts.event_source, "eventName": opts.event_name,
            "filters": {"data": filters}})
    };
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor",
        "metadata": metadata(SENSOR, &opts.namespace),
        "spec": {
            "dependencies": [
                dep("pr-changed", vec![
                    filter("headers.X-Github-Event", &["pull_request"]),
                    filter("body.action", &["opened", "synchronize", "reopened"]),
                ]),
                dep("review-approved", vec![
                    filter("headers.X-Github-Event", &["pull_request_review"]),
                    filter("body.action", &["submitted"]),
                    filter("body.review.state", &["approved"]),
                ]),
                dep("ci-failed", vec![
                    filter("headers.X-Github-Event", &["check_suite"]),
                    filter("body.action", &["completed"]),
                    filter("body.check_suite.conclusion", &["failure"]),
                    json!({"path": "body.check_suite.pull_requests.0.number", "type": "number",
                        "comparator": ">", "value": ["0"]}),
                ]),
            ],
            "triggers": [
                pr_trigger("pr-changed", "body.pull_request.number"),
                pr_trigger("review-approved", "body.pull_request.number"),
                pr_trigger("ci-failed", "body.check_suite.pull_requests.0.number"),
            ],
        },
    })
}

fn semaphores(opts: &ManifestOptions) -> Value {
    let mut data = Map::new();
    for p in Profile::ALL {
        // Deployments to Azure run one at a time whatever the limit.
        let n = if p == Profile::DeploymentOrchestrator {
            1
        } else {
            opts.max_parallel
        };
        data.insert(p.name().into(), json!(n.to_string()));
    }
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(SEMAPHORES, &opts.namespace), "data": data})
}

/// Checks each profile's required CodeRun fields; `repositoryUrl` may be
/// empty (the templates derive it from the repository).
///
/// Errors: `Input` naming the profile, the fields, their flags and config keys.
pub fn check(opts: &ManifestOptions) -> Result<(), AgentError> {
    for p in Profile::ALL {
        let missing: Vec<_> = missing_required(&opts.fields[p.name()])
            .into_iter()
            .filter(|m| m.0 != "repositoryUrl")
            .collect();
        if !missing.is_empty() {
            let fields: Vec<String> = missing.iter().map(|m| format!("`{}`", m.0)).collect();
            let keys: Vec<&str> = missing.iter().map(|m| m.2).collect();
            return Err(AgentError::input(
                format!(
                    "the `{}` CodeRuns are missing required field(s) {}",
                    p.name(),
                    fields.join(", ")
                ),
                format!(
                    "set {} under `[run]` or `[profiles.{}]` in `.atg/agents.toml` (see docs/AGENTS.md#configuration)",
                    keys.join(", "),
                    p.name()
                ),
            ));
        }
    }
    Ok(())
}

/// The manifests, file by file.
///
/// Errors: as `check`.
pub fn build(opts: &ManifestOptions) -> Result<Vec<Manifest>, AgentError> {
    check(opts)?;
    let one = |file, object| Manifest {
        file,
        objects: vec![object],
    };
    Ok(vec![
        one("semaphores.yaml", semaphores(opts)),
        one(
            "workflowtemplate-coderun.yaml",
            coderun_workflow_template(opts),
        ),
        one(
            "workflowtemplate-orchestrator.yaml",
            orchestrator_workflow_template(opts),
        ),
        one("sensor-github.yaml", sensor(opts)),
    ])
}

/// A manifest as YAML: a header comment, then one document per object.
///
/// Errors: the YAML serializer's message (not expected for these values).
pub fn render(m: &Manifest) -> Result<String, AgentError> {
    let body = serde_saphyr::to_string_multiple(&m.objects).map_err(|e| {
        AgentError::input(
            format!("cannot render `{}` as YAML: {e}", m.file),
            "report this as a bug",
        )
    })?;
    Ok(format!(
        "# Written by `atg agent manifests`; `atg agent doctor --manifests DIR` compares the cluster with it.\n{body}"
    ))
}

/// Writes each manifest atomically into `dir` (created if needed).
///
/// Errors: `Write` naming the file.
pub fn write(dir: &Path, manifests: &[Manifest]) -> Result<Vec<PathBuf>, AgentError> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| AgentError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    let mut written = Vec::new();
    for m in manifests {
        let path = dir.join(m.file);
        let text = render(m)?;
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| fail(&path, &e))?;
        written.push(path);
    }
    Ok(written)
}

/// Every object in the `*.yaml` / `*.yml` files of `dir`, with its file,
/// in file-name order.
///
/// Errors: `Input` when the folder or a file cannot be read or parsed.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, Value)>, AgentError> {
    let bad = |path: &Path, e: &dyn std::fmt::Display| {
        AgentError::input(
            format!("cannot read manifests `{}`: {e}", path.display()),
            "pass the folder `atg agent manifests -o DIR` wrote",
        )
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| bad(dir, &e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| bad(&f, &e))?;
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).map_err(|e| bad(&f, &e))?;
        out.extend(
            docs.into_iter()
                .filter(|d| d.is_object())
                .map(|d| (f.clone(), d)),
        );
    }
    Ok(out)
}
