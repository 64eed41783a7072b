//! A Kubernetes API server emulator for atg's agent tests and demos: the
//! REST paths, `Status` errors, optimistic concurrency, watches, Leases
//! and ConfigMaps that `atg agent` uses, over HTTPS with bearer-token
//! authentication. No Kubernetes API server can be installed on the
//! machines atg is built on, so this plays one, following the documented
//! API conventions that each module cites (`store` for writes and
//! concurrency, `selector` for selectors, `server` for paths, errors and
//! watches, `resources` for discovery).
//!
//! Tests start it in-process with `KubeEmulator::spawn` and point atg at
//! it with a kubeconfig (`KubeEmulator::write_kubeconfig`); people run the
//! `kube-emulator` binary. Faults (`403` by verb and resource, `500` every
//! Nth request, latency) can be changed while it runs, a CRD can be
//! uninstalled, and `controller` can play the CodeRun controller.

pub mod controller;
pub mod resources;
pub mod selector;
pub mod server;
pub mod store;

pub use controller::Simulation;
pub use resources::ResourceType;
pub use store::ApiError;

use crate::serve::HttpsServer;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A `403 Forbidden` rule: requests with this RBAC verb (`get`, `list`,
/// `watch`, `create`, `update`, `patch`, `delete`) on this resource
/// (`coderuns` or `coderuns.agents.platform`) are refused; `None` matches
/// any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forbid {
    /// The verb, or any.
    pub verb: Option<String>,
    /// The resource, or any.
    pub resource: Option<String>,
}

/// Injected faults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Requests refused with `403 Forbidden`.
    pub forbid: Vec<Forbid>,
    /// Every Nth authenticated request gets `500 InternalError`.
    pub fail_every: Option<u64>,
    /// Delay before every response.
    pub latency: Duration,
}

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The bearer token clients must send.
    pub token: String,
    /// The user name the token stands for (in `403` messages).
    pub user: String,
    /// Resource types served (`resources::all()` by default).
    pub served: Vec<ResourceType>,
    /// Time between watch bookmarks.
    pub bookmark_interval: Duration,
    /// Faults to inject from the start.
    pub faults: Faults,
    /// Play the CodeRun controller, when set.
    pub simulation: Option<Simulation>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: "emulator-token".into(),
            user: "system:serviceaccount:agents:atg".into(),
            served: resources::all(),
            bookmark_interval: Duration::from_millis(500),
            faults: Faults::default(),
            simulation: None,
        }
    }
}

/// One request the emulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// RBAC verb (`list`, `watch`, `create`…); empty for discovery and
    /// requests refused before routing.
    pub verb: String,
    /// HTTP status answered.
    pub code: u16,
}

/// Everything the handlers share.
pub struct State {
    types: Mutex<Vec<ResourceType>>,
    store: Mutex<store::Store>,
    faults: Mutex<Faults>,
    logs: Mutex<HashMap<(String, String), String>>,
    requests: Mutex<Vec<RequestRecord>>,
    counter: AtomicU64,
    token: String,
    user: String,
    bookmark_interval: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub use crate::serve::ServeError as EmulatorError;

/// A running emulator. Dropping it stops the server.
pub struct KubeEmulator {
    url: String,
    ca_pem: String,
    state: Arc<State>,
    _server: HttpsServer,
}

impl KubeEmulator {
    /// Starts the server on its own thread with its own tokio runtime, so
    /// sync and async callers alike can use it.
    ///
    /// Errors: `EmulatorError` when certificates cannot be made or the
    /// address cannot be bound.
    pub fn spawn(options: EmulatorOptions) -> Result<KubeEmulator, EmulatorError> {
        let certs =
            crate::tls::generate("atg Kubernetes API emulator", &[]).map_err(EmulatorError::Tls)?;
        let state = Arc::new(State {
            types: Mutex::new(options.served),
            store: Mutex::new(store::Store::new()),
            faults: Mutex::new(options.faults),
            logs: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
            token: options.token,
            user: options.user,
            bookmark_interval: options.bookmark_interval,
        });
        let app_state = Arc::clone(&state);
        let simulation = options.simulation;
        let server = HttpsServer::spawn(
            options.bind,
            "kube-emulator",
            certs.server_config,
            move || {
                if let Some(sim) = simulation {
                    tokio::spawn(controller::run(app_state.clone(), sim));
                }
                axum::Router::new().fallback(move |method, uri, headers, body| {
                    server::handle(Arc::clone(&app_state), method, uri, headers, body)
                })
            },
        )?;
        Ok(KubeEmulator {
            url: server.url(),
            ca_pem: certs.ca_pem,
            state,
            _server: server,
        })
    }

    /// The server URL, e.g. `https://127.0.0.1:6443`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A kubeconfig (YAML) with one context, `emulator`, for this server:
    /// its URL, its CA as `certificate-authority-data`, the bearer token,
    /// and `namespace` as the context's namespace.
    pub fn kubeconfig(&self, namespace: &str) -> String {
        use base64::Engine as _;
        let ca = base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: emulator\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: emulator\n  user:\n    token: {token}\ncontexts:\n- name: emulator\n  context:\n    cluster: emulator\n    user: emulator\n    namespace: {namespace}\ncurrent-context: emulator\n",
            url = self.url,
            token = self.state.token
        )
    }

    /// Writes `kubeconfig(namespace)` to `path`.
    ///
    /// Errors: the write's I/O error.
    pub fn write_kubeconfig(&self, path: &Path, namespace: &str) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig(namespace))
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.state.faults) = faults;
    }

    /// Stops serving a group, as when its CRDs are deleted: its paths and
    /// discovery answer `404`; stored objects stay for a reinstall.
    pub fn uninstall_group(&self, group: &str) {
        lock(&self.state.types).retain(|t| t.group != group);
    }

    fn resource(&self, plural: &str) -> ResourceType {
        resources::all()
            .into_iter()
            .find(|t| t.plural == plural)
            .unwrap_or_else(|| panic!("the emulator has no resource `{plural}`"))
    }

    /// Every stored object of a resource (e.g. `coderuns`), in all namespaces.
    pub fn objects(&self, plural: &str) -> Vec<Value> {
        let rt = self.resource(plural);
        lock(&self.state.store).list(&rt, None, &Default::default(), &Default::default())
    }

    /// One stored object, if it exists.
    pub fn get(&self, plural: &str, ns: &str, name: &str) -> Option<Value> {
        let rt = self.resource(plural);
        lock(&self.state.store).get(&rt, ns, name).ok()
    }

    /// Creates an object as a client would (`generateName` and all).
    ///
    /// Errors: the `ApiError` a client would get.
    pub fn create(&self, plural: &str, ns: &str, object: Value) -> Result<Value, ApiError> {
        let rt = self.resource(plural);
        lock(&self.state.store).create(&rt, ns, object)
    }

    /// Merges `status` into an object's status through the status
    /// subresource, as a controller does.
    ///
    /// Errors: the `ApiError` a client would get.
    pub fn set_status(
        &self,
        plural: &str,
        ns: &str,
        name: &str,
        status: Value,
    ) -> Result<Value, ApiError> {
        let rt = self.resource(plural);
        let patch = serde_json::json!({ "status": status });
        lock(&self.state.store).patch(&rt, ns, name, &patch, true)
    }

    /// Deletes an object (and, by ownerReferences, its dependents).
    ///
    /// Errors: the `ApiError` a client would get.
    pub fn delete(&self, plural: &str, ns: &str, name: &str) -> Result<Value, ApiError> {
        let rt = self.resource(plural);
        let types = resources::all();
        lock(&self.state.store).delete(&types, &rt, ns, name, &Value::Null)
    }

    /// Appends text to a pod's log.
    pub fn append_log(&self, ns: &str, pod: &str, text: &str) {
        lock(&self.state.logs)
            .entry((ns.to_string(), pod.to_string()))
            .or_default()
            .push_str(text);
    }

    /// Drops the watch history: later watches from an older
    /// resourceVersion get `410 Gone`.
    pub fn compact(&self) {
        lock(&self.state.store).compact();
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state.requests).clone()
    }
}
