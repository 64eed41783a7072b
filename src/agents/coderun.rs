//! The `CodeRun` custom resource (`agents.platform/v1`, namespaced), as
//! the 5dlabs/cto CRD defines it: the spec atg fills in, the status the
//! controller reports, the phase rules and the labels atg puts on every
//! run. Talking to the cluster is left to `cluster`; building a spec from
//! atg's data to `profile`.

use kube::core::{ApiResource, GroupVersionKind, Object};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// API group of the CRD.
pub const GROUP: &str = "agents.platform";
/// API version of the CRD.
pub const VERSION: &str = "v1";
/// Kind.
pub const KIND: &str = "CodeRun";
/// Plural resource name.
pub const PLURAL: &str = "coderuns";

/// The kube `ApiResource` for CodeRuns.
pub fn api_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(GROUP, VERSION, KIND), PLURAL)
}

/// An environment variable taken from a Kubernetes Secret: only the
/// secret's name and key travel in the CodeRun, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretEnvVar {
    /// The variable's name in the agent's container.
    pub name: String,
    /// The Secret.
    pub secret_name: String,
    /// The key in the Secret.
    pub secret_key: String,
}

/// `CodeRun.spec`. Strings are empty when unset; the six the CRD requires
/// are listed by `missing_required`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRunSpec {
    /// Task number: the PR number or the iteration atg hands over
    /// (required by the CRD for `implementation` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<u64>,
    /// `implementation`, `documentation` or `intake` (the CRD's enum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_type: Option<String>,
    /// Target service name (required).
    #[serde(default)]
    pub service: String,
    /// Repository the agent works in (required).
    #[serde(default)]
    pub repository_url: String,
    /// Documentation repository (required).
    #[serde(default)]
    pub docs_repository_url: String,
    /// Folder inside the repository (required).
    #[serde(default)]
    pub working_directory: String,
    /// Model identifier (required).
    #[serde(default)]
    pub model: String,
    /// GitHub App the agent authenticates as (required).
    #[serde(default)]
    pub github_app: String,
    /// Docs branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs_branch: Option<String>,
    /// The task text: the facts atg hands over (or where to find them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_modification: Option<String>,
    /// Continue the previous session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_session: Option<bool>,
    /// Overwrite memory before starting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwrite_memory: Option<bool>,
    /// Plain environment variables (never secrets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Environment variables from Secrets, by reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from_secrets: Vec<SecretEnvVar>,
    /// Context version, incremented on retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_version: Option<u32>,
    /// CLI-specific configuration, passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_config: Option<serde_json::Value>,
}

/// `CodeRun.status`, as far as atg reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeRunStatus {
    /// `Pending`, `Running`, `Succeeded` or `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Human-readable state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the phase was reached (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update: Option<String>,
    /// The pull request the agent opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request_url: Option<String>,
    /// Whether the work was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_completed: Option<bool>,
    /// The Kubernetes Job running the agent (its pods carry `job-name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
}

/// A CodeRun as the kube client reads and writes it.
pub type CodeRun = Object<CodeRunSpec, CodeRunStatus>;

/// The required spec fields (the CRD's `spec.required`), each with the
/// flag and config-file key that set it.
pub const REQUIRED: [(&str, &str, &str); 6] = [
    ("service", "--service", "service"),
    ("repositoryUrl", "--repository-url", "repository_url"),
    (
        "docsRepositoryUrl",
        "--docs-repository-url",
        "docs_repository_url",
    ),
    (
        "workingDirectory",
        "--working-directory",
        "working_directory",
    ),
    ("model", "--model", "model"),
    ("githubApp", "--github-app", "github_app"),
];

/// The required fields `spec` leaves empty, as `REQUIRED` entries.
pub fn missing_required(spec: &CodeRunSpec) -> Vec<(&'static str, &'static str, &'static str)> {
    let values = [
        &spec.service,
        &spec.repository_url,
        &spec.docs_repository_url,
        &spec.working_directory,
        &spec.model,
        &spec.github_app,
    ];
    REQUIRED
        .iter()
        .zip(values)
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(r, _)| *r)
        .collect()
}

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// No phase yet, or `Pending`: active.
    Pending,
    /// `Running`: active.
    Running,
    /// `Succeeded`: finished.
    Succeeded,
    /// `Failed`: finished.
    Failed,
    /// A phase the CRD does not name; counted as active, so an unknown
    /// state never lets a second run start.
    Other(String),
}

impl Phase {
    /// The phase of a status (missing status or phase is `Pending`).
    pub fn of(status: Option<&CodeRunStatus>) -> Phase {
        match status.and_then(|s| s.phase.as_deref()) {
            None | Some("") | Some("Pending") => Phase::Pending,
            Some("Running") => Phase::Running,
            Some("Succeeded") => Phase::Succeeded,
            Some("Failed") => Phase::Failed,
            Some(other) => Phase::Other(other.to_string()),
        }
    }

    /// True until the run has finished (architecture: active = phase
    /// missing, `Pending` or `Running`).
    pub fn is_active(&self) -> bool {
        !matches!(self, Phase::Succeeded | Phase::Failed)
    }

    /// The name shown to people and in JSON.
    pub fn name(&self) -> &str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
            Phase::Other(s) => s,
        }
    }
}

/// The phase of a run.
pub fn phase(run: &CodeRun) -> Phase {
    Phase::of(run.status.as_ref())
}

/// Label naming the agent profile.
pub const LABEL_AGENT: &str = "agent";
/// Label naming the role.
pub const LABEL_ROLE: &str = "role";
/// Label naming the pull request.
pub const LABEL_PR: &str = "pr-number";
/// Label naming the iteration(s).
pub const LABEL_ITERATION: &str = "iteration";
/// Label naming the repository (`org.repo`: label values cannot hold `/`).
pub const LABEL_REPOSITORY: &str = "repository";
/// The standard label saying who manages the object.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Annotation holding the full run key (`key::RunKey::canonical`).
pub const ANNOTATION_KEY: &str = "atg/run-key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_active_rule() {
        let st = |p: &str| CodeRunStatus {
            phase: Some(p.into()),
            ..Default::default()
        };
        assert!(Phase::of(None).is_active());
        assert!(Phase::of(Some(&st("Pending"))).is_active());
        assert!(Phase::of(Some(&st("Running"))).is_active());
        assert!(Phase::of(Some(&st("Queued"))).is_active());
        assert!(!Phase::of(Some(&st("Succeeded"))).is_active());
        assert!(!Phase::of(Some(&st("Failed"))).is_active());
    }

    #[test]
    fn missing_required_names_flag_and_config_key() {
        let spec = CodeRunSpec {
            service: "atg".into(),
            repository_url: "https://github.com/o/r".into(),
            docs_repository_url: "https://github.com/o/d".into(),
            working_directory: ".".into(),
            ..Default::default()
        };
        let missing = missing_required(&spec);
        assert_eq!(
            missing,
            vec![
                ("model", "--model", "model"),
                ("githubApp", "--github-app", "github_app")
            ]
        );
    }
}
