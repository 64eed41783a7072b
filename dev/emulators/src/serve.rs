//! Serving an emulator: an axum app over HTTPS on its own thread and tokio
//! runtime, so sync tests, async tests and the emulator binaries start it
//! the same way. Dropping the `HttpsServer` shuts it down.

use std::net::SocketAddr;
use std::sync::Arc;

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Certificate generation.
    #[error("cannot make the TLS certificates: {0}")]
    Tls(String),
    /// Binding the address or starting the runtime.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A running HTTPS server.
pub struct HttpsServer {
    addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpsServer {
    /// Binds `bind`, then on a new thread named `name` builds a tokio
    /// runtime, calls `app` inside it (so `app` may spawn background
    /// tasks) and serves the router it returns with `tls`.
    ///
    /// Errors: `ServeError::Listen` when the address cannot be bound or the
    /// runtime or thread cannot start.
    pub fn spawn<F>(
        bind: SocketAddr,
        name: &str,
        tls: Arc<rustls::ServerConfig>,
        app: F,
    ) -> Result<HttpsServer, ServeError>
    where
        F: FnOnce() -> axum::Router + Send + 'static,
    {
        let listen = |addr, source| ServeError::Listen { addr, source };
        let listener = std::net::TcpListener::bind(bind)
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .map_err(|e| listen(bind, e))?;
        let addr = listener.local_addr().map_err(|e| listen(bind, e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| listen(addr, e))?;
        let handle = axum_server::Handle::new();
        let thread_handle = handle.clone();
        let tls = axum_server::tls_rustls::RustlsConfig::from_config(tls);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let server = match axum_server::tls_rustls::from_tcp_rustls(listener, tls) {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let router = app();
                    let _ = ready_tx.send(Ok(()));
                    let _ = server
                        .handle(thread_handle)
                        .serve(router.into_make_service())
                        .await;
                });
            })
            .map_err(|e| listen(addr, e))?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(listen(addr, e)),
            Err(_) => {
                return Err(listen(
                    addr,
                    std::io::Error::other("the server thread stopped"),
                ));
            }
        }
        Ok(HttpsServer {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://HOST:PORT` for the bound address.
    pub fn url(&self) -> String {
        let host = match self.addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        format!("https://{host}:{}", self.addr.port())
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
