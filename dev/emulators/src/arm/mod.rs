//! A local HTTPS server that plays Azure for one tenant export: the Entra
//! token endpoint azure_identity's `ClientSecretCredential` and
//! `WorkloadIdentityCredential` use, Resource Graph queries (the subset atg
//! sends), and ARM GET/LIST with `nextLink` paging. It can inject faults:
//! `429` with `Retry-After`, `5xx`, slow responses, subscriptions that
//! answer `403`, and Resource Graph's per-user quota (15 queries per 5 s
//! window by default, with Azure's `x-ms-user-quota-*` headers) and ARM's
//! read token bucket (`x-ms-ratelimit-remaining-*-reads`).
//!
//! It serves HTTPS only (azure_identity refuses a non-HTTPS authority host)
//! with a CA made at start (`crate::tls`), which clients trust with
//! `--ca-cert`, on its own thread (`crate::serve`).
//! Tests start it in-process with `Emulator::spawn`;
//! `cargo run -p atg-emulators --example arm-emulator` wraps it for people.
//!
//! Data lives in `tenant`, the query language in `kql`, HTTP in `server`.

pub mod kql;
pub mod server;
pub mod tenant;

use crate::serve::{HttpsServer, ServeError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
pub use tenant::TenantData;

/// An application the token endpoint knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorClient {
    /// Client (application) ID.
    pub client_id: String,
    /// Its client secret, when it has one.
    pub secret: Option<String>,
    /// The federated token (the file content of `AZURE_FEDERATED_TOKEN_FILE`)
    /// accepted as its client assertion, when it has one.
    pub federated_token: Option<String>,
    /// When true, the right secret gets Entra's `AADSTS7000222` (expired).
    pub secret_expired: bool,
}

/// Resource Graph's per-user quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphQuota {
    /// Queries allowed per window.
    pub queries: u32,
    /// Window length.
    pub window: Duration,
}

impl GraphQuota {
    /// Azure's documented default: 15 queries per 5-second window.
    pub const AZURE: GraphQuota = GraphQuota {
        queries: 15,
        window: Duration::from_secs(5),
    };
}

/// ARM's read token bucket, per subscription (and one for tenant-level reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArmReads {
    /// Bucket size.
    pub capacity: u32,
    /// Reads added per second.
    pub refill_per_second: u32,
}

impl ArmReads {
    /// Azure Resource Manager's documented subscription read limits: a
    /// bucket of 250, refilled at 25 per second.
    pub const AZURE: ArmReads = ArmReads {
        capacity: 250,
        refill_per_second: 25,
    };
}

/// Injected faults. Counts are over authenticated requests (tokens excluded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Every Nth request gets `429` with `Retry-After`.
    pub throttle_every: Option<u64>,
    /// The wait those `429`s ask for (`Retry-After` rounded up to seconds,
    /// exact in `x-ms-retry-after-ms`).
    pub retry_after: Duration,
    /// Every Nth request gets `500` or `503`.
    pub server_error_every: Option<u64>,
    /// Delay before every response.
    pub latency: Duration,
    /// Subscriptions whose queries and ARM calls get `403 AuthorizationFailed`.
    pub failing_subscriptions: Vec<String>,
}

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to listen on; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Host names the certificate covers besides `localhost`, `127.0.0.1` and `::1`.
    pub extra_hosts: Vec<String>,
    /// Applications the token endpoint accepts.
    pub clients: Vec<EmulatorClient>,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
    /// Most rows per Resource Graph page, whatever `$top` asks (Azure: 1000).
    pub graph_page_rows: usize,
    /// Items per ARM LIST page before a `nextLink`.
    pub list_page_items: usize,
    /// Resource Graph quota; `None` turns quota emulation off.
    pub graph_quota: Option<GraphQuota>,
    /// ARM read limits; `None` turns them off.
    pub arm_reads: Option<ArmReads>,
    /// Faults to inject.
    pub faults: Faults,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            extra_hosts: Vec::new(),
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(3599),
            graph_page_rows: 1000,
            list_page_items: 100,
            graph_quota: Some(GraphQuota::AZURE),
            arm_reads: Some(ArmReads::AZURE),
            faults: Faults::default(),
        }
    }
}

/// Counters of what the emulator answered.
#[derive(Debug, Default)]
pub struct EmulatorStats {
    requests: AtomicU64,
    graph_queries: AtomicU64,
    list_requests: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
    forbidden: AtomicU64,
    unauthorized: AtomicU64,
    tokens: AtomicU64,
    rejected_tokens: AtomicU64,
}

/// A copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Authenticated ARM and Resource Graph requests.
    pub requests: u64,
    /// Resource Graph pages served.
    pub graph_queries: u64,
    /// ARM LIST pages served.
    pub list_requests: u64,
    /// `429` responses (injected, quota or read limit).
    pub throttled: u64,
    /// Injected `5xx` responses.
    pub server_errors: u64,
    /// `403` responses.
    pub forbidden: u64,
    /// `401` responses.
    pub unauthorized: u64,
    /// Access tokens issued.
    pub tokens: u64,
    /// Token requests refused.
    pub rejected_tokens: u64,
}

impl EmulatorStats {
    fn snapshot(&self) -> StatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            requests: g(&self.requests),
            graph_queries: g(&self.graph_queries),
            list_requests: g(&self.list_requests),
            throttled: g(&self.throttled),
            server_errors: g(&self.server_errors),
            forbidden: g(&self.forbidden),
            unauthorized: g(&self.unauthorized),
            tokens: g(&self.tokens),
            rejected_tokens: g(&self.rejected_tokens),
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The tenant file.
    #[error(transparent)]
    Tenant(#[from] tenant::TenantError),
    /// Certificates, or the address or runtime of the server.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    url: String,
    addr: SocketAddr,
    ca_pem: String,
    state: Arc<server::State>,
    /// Held for its `Drop`, which stops the server.
    _server: HttpsServer,
}

impl Emulator {
    /// Starts the server on its own thread (with its own tokio runtime,
    /// see `crate::serve`), so sync and async callers alike can use it.
    ///
    /// Errors: `EmulatorError` when certificates cannot be made or the
    /// address cannot be bound.
    pub fn spawn(tenant: TenantData, config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        let certs = crate::tls::generate("atg ARM emulator", &config.extra_hosts)
            .map_err(ServeError::Tls)?;
        let bind = config.bind;
        let state = Arc::new(server::State::new(tenant, config));
        let app_state = Arc::clone(&state);
        let server = HttpsServer::spawn(bind, "arm-emulator", certs.server_config, move || {
            axum::Router::new().fallback(move |method, uri, headers, body| {
                let state = Arc::clone(&app_state);
                async move { server::handle(&state, method, uri, headers, body).await }
            })
        })?;
        Ok(Emulator {
            url: server.url(),
            addr: server.addr(),
            ca_pem: certs.ca_pem,
            state,
            _server: server,
        })
    }

    /// The base URL, e.g. `https://127.0.0.1:8443`: both the ARM endpoint
    /// and the authority host.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The CA certificate (PEM) clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The tenant GUID served.
    pub fn tenant_id(&self) -> &str {
        &self.state.tenant.tenant_id
    }

    /// The tenant served.
    pub fn tenant(&self) -> &TenantData {
        &self.state.tenant
    }

    /// What was answered so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }
}
