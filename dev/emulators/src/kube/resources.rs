//! The resource types the emulator serves and the discovery documents
//! that describe them (`/api`, `/api/v1`, `/apis`, `/apis/GROUP/VERSION`),
//! shaped like the API server's `APIVersions`, `APIGroupList` and
//! `APIResourceList` ("Discovery API",
//! <https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api>).
//!
//! A custom resource exists only while its CustomResourceDefinition is
//! installed; the emulator models an uninstalled CRD by not serving the
//! type, so its group answers `404 NotFound` as on a real cluster.

use serde_json::{Value, json};

/// One served resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: &'static str,
    /// Version, e.g. `v1`.
    pub version: &'static str,
    /// Plural resource name used in paths, e.g. `coderuns`.
    pub plural: &'static str,
    /// Singular name.
    pub singular: &'static str,
    /// Kind, e.g. `CodeRun`.
    pub kind: &'static str,
    /// Whether a `status` subresource splits spec and status writes
    /// (custom resources with `subresources.status`, most built-ins).
    pub status_subresource: bool,
    /// True for custom resources: updates must carry `metadata.resourceVersion`
    /// and strategic merge patch is refused (415), as for CRDs.
    pub custom: bool,
    /// `spec` fields the schema requires (CRD `openAPIV3Schema.required`),
    /// checked on create and update with `422 Invalid`.
    pub required_spec: &'static [&'static str],
    /// Subresources besides `status`, e.g. `log` for pods.
    pub extra_subresources: &'static [&'static str],
}

impl ResourceType {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural.group` (or `plural` for core): how the API server names the
    /// resource in messages, e.g. `coderuns.agents.platform`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The required spec fields of `agents.platform/v1` `CodeRun`, from the
/// 5dlabs/cto CRD's `openAPIV3Schema` (`spec.required`).
pub const CODERUN_REQUIRED: &[&str] = &[
    "service",
    "repositoryUrl",
    "docsRepositoryUrl",
    "workingDirectory",
    "model",
    "githubApp",
];

/// A type with no status subresource and no required fields; `custom`
/// types also get a status subresource, as atg's CRDs declare.
const fn kind(
    custom: bool,
    group: &'static str,
    version: &'static str,
    names: [&'static str; 3],
) -> ResourceType {
    ResourceType {
        group,
        version,
        plural: names[0],
        singular: names[1],
        kind: names[2],
        status_subresource: custom,
        custom,
        required_spec: &[],
        extra_subresources: &[],
    }
}

/// Every type the emulator can serve: ConfigMaps, Pods (with `log`),
/// `coordination.k8s.io/v1` Leases, the `CodeRun` CRD and the Argo
/// Workflows / Argo Events CRDs atg's manifests use.
pub fn all() -> Vec<ResourceType> {
    vec![
        kind(false, "", "v1", ["configmaps", "configmap", "ConfigMap"]),
        ResourceType {
            status_subresource: true,
            extra_subresources: &["log"],
            ..kind(false, "", "v1", ["pods", "pod", "Pod"])
        },
        kind(
            false,
            "coordination.k8s.io",
            "v1",
            ["leases", "lease", "Lease"],
        ),
        ResourceType {
            required_spec: CODERUN_REQUIRED,
            ..kind(
                true,
                "agents.platform",
                "v1",
                ["coderuns", "coderun", "CodeRun"],
            )
        },
        kind(
            true,
            "argoproj.io",
            "v1alpha1",
            ["workflowtemplates", "workflowtemplate", "WorkflowTemplate"],
        ),
        kind(
            true,
            "argoproj.io",
            "v1alpha1",
            ["workflows", "workflow", "Workflow"],
        ),
        kind(
            true,
            "argoproj.io",
            "v1alpha1",
            ["sensors", "sensor", "Sensor"],
        ),
        kind(
            true,
            "argoproj.io",
            "v1alpha1",
            ["eventsources", "eventsource", "EventSource"],
        ),
    ]
}

const VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// `APIResourceList` for one group version, or `None` when nothing in it
/// is served.
pub fn resource_list(types: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for t in types
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        resources.push(json!({
            "name": t.plural, "singularName": t.singular, "namespaced": true,
            "kind": t.kind, "verbs": VERBS,
        }));
        let mut subs: Vec<&str> = t.extra_subresources.to_vec();
        if t.status_subresource {
            subs.push("status");
        }
        for sub in subs {
            resources.push(json!({
                "name": format!("{}/{sub}", t.plural), "singularName": "", "namespaced": true,
                "kind": if sub == "log" { "Pod" } else { t.kind },
                "verbs": if sub == "log" { vec!["get"] } else { vec!["get", "patch", "update"] },
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": group_version, "resources": resources,
    }))
}

/// `APIGroupList` of the named groups served.
pub fn group_list(types: &[ResourceType]) -> Value {
    let mut groups: Vec<(&str, &str)> = types
        .iter()
        .filter(|t| !t.group.is_empty())
        .map(|t| (t.group, t.version))
        .collect();
    groups.sort();
    groups.dedup();
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}
