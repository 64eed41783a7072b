//! The connection to a cluster: kube's client built from a kubeconfig
//! (`--kubeconfig`, the config file's `kubeconfig`, `KUBECONFIG` or
//! `~/.kube/config`, with `--context`) or, inside a pod, the in-cluster
//! service account; the namespace; typed `Api`s for the objects atg uses;
//! and the preflight that tells a missing CRD from a missing run. atg never
//! shells out to kubectl.

use super::coderun::{self, CodeRun};
use super::error::AgentError;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use std::path::PathBuf;

/// Where the cluster is.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// A kubeconfig file; else `KUBECONFIG` or `~/.kube/config`, else in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context; else its `current-context`.
    pub context: Option<String>,
    /// The namespace; else the context's (in-cluster: the pod's).
    pub namespace: Option<String>,
}

/// A connected client and the namespace commands work in.
#[derive(Clone)]
pub struct Cluster {
    /// The kube client.
    pub client: Client,
    /// The namespace.
    pub namespace: String,
    /// The API server URL, for messages.
    pub server: String,
}

fn default_kubeconfig_exists() -> bool {
    std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
        || std::env::var_os("HOME")
            .map(PathBuf::from)
            .is_some_and(|h| h.join(".kube/config").exists())
}

/// Loads the client configuration (no network).
///
/// Errors: `Config` when the kubeconfig cannot be read or has no such
/// context, or when there is neither a kubeconfig nor an in-cluster
/// service account.
pub async fn config(opts: &ClusterOptions) -> Result<Config, AgentError> {
    let options = KubeConfigOptions {
        context: opts.context.clone(),
        ..KubeConfigOptions::default()
    };
    let bad = |source: &str, e: &dyn std::fmt::Display| AgentError::Config {
        message: format!("cannot use the kubeconfig {source}: {e}"),
        hint: "check the file, or pick a context that exists with `--context`".into(),
    };
    if let Some(path) = &opts.kubeconfig {
        let shown = format!("`{}`", path.display());
        let kc = Kubeconfig::read_from(path).map_err(|e| bad(&shown, &e))?;
        return Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| bad(&shown, &e));
    }
    if default_kubeconfig_exists() {
        return Config::from_kubeconfig(&options)
            .await
            .map_err(|e| bad("(KUBECONFIG or ~/.kube/config)", &e));
    }
    if let Some(ctx) = &opts.context {
        return Err(AgentError::Config {
            message: format!("`--context {ctx}` needs a kubeconfig, and none was found"),
            hint: "pass `--kubeconfig FILE` or set KUBECONFIG".into(),
        });
    }
    Config::incluster().map_err(|e| AgentError::Config {
        message: format!("no Kubernetes configuration: no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster ({e})"),
        hint: "pass `--kubeconfig FILE` (and `--context NAME`), or run atg in a pod with a service account".into(),
    })
}

/// Connects: the configuration, the namespace and the client. No request
/// is sent yet.
///
/// Errors: as `config`, plus `Config` when the TLS settings are unusable.
pub async fn connect(opts: &ClusterOptions) -> Result<Cluster, AgentError> {
    let config = config(opts).await?;
    let namespace = opts
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let client = Client::try_from(config).map_err(|e| AgentError::Config {
        message: format!("cannot set up a client for `{server}`: {e}"),
        hint: "check the kubeconfig's certificate-authority data".into(),
    })?;
    Ok(Cluster {
        client,
        namespace,
        server,
    })
}

impl Cluster {
    /// CodeRuns in the namespace.
    pub fn runs(&self) -> Api<CodeRun> {
        Api::namespaced_with(
            self.client.clone(),
            &self.namespace,
            &coderun::api_resource(),
        )
    }

    /// Leases in the namespace.
    pub fn leases(&self) -> Api<Lease> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// ConfigMaps in the namespace.
    pub fn config_maps(&self) -> Api<ConfigMap> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Pods in the namespace.
    pub fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// A kube error from `verb`ing `resource` in this namespace, classified.
    pub fn error(&self, e: kube::Error, verb: &str, resource: &str) -> AgentError {
        AgentError::from_kube(
            e,
            &format!("{verb} {resource} in namespace `{}`", self.namespace),
            &self.server,
        )
    }

    /// Checks that the cluster serves `coderuns` in `agents.platform/v1`
    /// (one discovery request), so a missing CRD is reported as such and
    /// not as a missing run.
    ///
    /// Errors: `CrdMissing` on a `404` for the group or a group without
    /// `coderuns`; otherwise as `AgentError::from_kube`.
    pub async fn preflight(&self) -> Result<(), AgentError> {
        let gv = format!("{}/{}", coderun::GROUP, coderun::VERSION);
        match self.client.list_api_group_resources(&gv).await {
            Ok(list) if list.resources.iter().any(|r| r.name == coderun::PLURAL) => Ok(()),
            Ok(_) => Err(AgentError::CrdMissing {
                server: self.server.clone(),
            }),
            Err(kube::Error::Api(s)) if s.code == 404 => Err(AgentError::CrdMissing {
                server: self.server.clone(),
            }),
            Err(e) => Err(AgentError::from_kube(
                e,
                &format!("discover `{gv}`"),
                &self.server,
            )),
        }
    }
}
