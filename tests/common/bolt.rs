//! A Bolt server for the Neo4j tests: kglite-bolt-server (crates.io), the
//! one real Bolt 5 server that installs on these machines, started on a
//! free loopback port with an in-memory graph and stopped when dropped.
//!
//! The binary comes from `ATG_TEST_BOLT_SERVER`, which `.ci/run` sets, else
//! `target/tools/kglite/bin/kglite-bolt-server`, where `.ci/run` installs it.
//! A missing binary fails the test with the command that installs it: these
//! tests never skip.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The version `.ci/run` installs.
pub const VERSION: &str = "0.21.5";

/// The server binary; panics with the install command when it is missing.
pub fn binary() -> PathBuf {
    let path = std::env::var_os("ATG_TEST_BOLT_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/tools/kglite/bin/kglite-bolt-server")
        });
    assert!(
        path.is_file(),
        "the Neo4j tests need kglite-bolt-server at `{}` (or ATG_TEST_BOLT_SERVER): run `.ci/run`, or \
         `cargo install --locked kglite-bolt-server --version {VERSION} --root target/tools/kglite`",
        path.display()
    );
    path
}

/// A running server; killed on drop.
pub struct BoltServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl BoltServer {
    /// A server without authentication.
    pub fn start() -> Self {
        Self::spawn(None)
    }

    /// A server that requires this user and password (basic auth).
    pub fn with_auth(user: &str, password: &str) -> Self {
        Self::spawn(Some((user, password)))
    }

    fn spawn(auth: Option<(&str, &str)>) -> Self {
        let bin = binary();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let dir = tempfile::tempdir().expect("temp dir");
            let mut cmd = Command::new(&bin);
            cmd.arg("--graph")
                .arg(dir.path().join("graph.kgl"))
                .args([
                    "--storage",
                    "memory",
                    "--durability",
                    "off",
                    "--neo4j-compat",
                ])
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            if let Some((user, password)) = auth {
                cmd.args([
                    "--auth",
                    "basic",
                    "--auth-user",
                    user,
                    "--auth-pass",
                    password,
                ]);
            }
            let mut child = cmd.spawn().expect("start kglite-bolt-server");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("exited with {status}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return BoltServer {
                        child,
                        port,
                        _dir: dir,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last.is_empty() {
                last = "did not listen within 20 s".to_string();
            }
        }
        panic!(
            "kglite-bolt-server `{}` would not start: {last}",
            bin.display()
        );
    }

    /// `bolt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("bolt://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for BoltServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// Runs Cypher statements against `uri` (no auth), each in its own write
/// transaction, with `params` for all of them, and returns the last one's
/// rows as JSON objects. Panics on any error.
#[allow(clippy::result_large_err)] // the driver's closures return its own error type
pub fn cypher(
    uri: &str,
    statements: &[&str],
    params: &[(&str, neo4j::ValueSend)],
) -> Vec<serde_json::Map<String, serde_json::Value>> {
    use neo4j::driver::{ConnectionConfig, Driver, DriverConfig, RoutingControl};
    let driver = Driver::new(
        ConnectionConfig::try_from(uri).expect("bolt URI"),
        DriverConfig::new(),
    );
    let params: std::collections::HashMap<String, neo4j::ValueSend> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut last = Vec::new();
    for statement in statements {
        let mut session = driver.session(neo4j::session::SessionConfig::new());
        last = session
            .transaction()
            .with_routing_control(RoutingControl::Write)
            .run(|tx| {
                let records = tx
                    .query(statement)
                    .with_parameters(&params)
                    .run()?
                    .collect::<Result<Vec<_>, _>>()?;
                tx.commit()?;
                Ok(records)
            })
            .unwrap_or_else(|e| panic!("`{statement}`: {e}"))
            .into_iter()
            .map(|r| {
                r.into_entries()
                    .map(|(k, v)| (k.to_string(), atg::graph::neo4j::rows::to_json(v)))
                    .collect()
            })
            .collect();
    }
    last
}
