//! Connecting to a Neo4j server: the `--graph` URI and its settings, the
//! Bolt driver, and how driver errors become `GraphError`s.
//!
//! The driver is the `neo4j` crate (Bolt 4.4 and 5.0–5.8: Neo4j 4.4, every
//! 5.x release and current ones, with cluster routing for `neo4j://`). It is
//! a blocking driver; the store calls it from its async methods as the
//! SQLite backend calls rusqlite. What is stored is left to the parent module.

use super::super::GraphError;
use neo4j::driver::auth::AuthToken;
use neo4j::driver::{ConnectionConfig, Driver, DriverConfig};
use std::sync::Arc;
use std::time::Duration;

/// The URI schemes Neo4j drivers accept: `neo4j` routes through a cluster,
/// `bolt` talks to one server; `+s` verifies TLS against the system's CA
/// roots, `+ssc` accepts a self-signed certificate.
pub const SCHEMES: [&str; 6] = [
    "neo4j",
    "neo4j+s",
    "neo4j+ssc",
    "bolt",
    "bolt+s",
    "bolt+ssc",
];

/// How long to wait for a TCP connection before the server counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to connect. The password is read from the environment
/// only, is never displayed, and never reaches disk or logs.
#[derive(Clone)]
pub struct Neo4jSettings {
    /// The URI as given, e.g. `neo4j://localhost:7687` (no database part).
    pub uri: String,
    /// The user (`NEO4J_USER`, default `neo4j`).
    pub user: String,
    password: Option<String>,
    /// The database (`--neo4j-database` or `NEO4J_DATABASE`); `None` is the
    /// server's default database.
    pub database: Option<String>,
}

impl std::fmt::Debug for Neo4jSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Neo4jSettings")
            .field("uri", &self.uri)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .field("database", &self.database)
            .finish()
    }
}

/// The separator between a `--graph` URI and the database atg was told to
/// use (`graph::with_database` adds it; it is never sent to the server).
pub const DATABASE_MARK: &str = "#database=";

/// True when `spec` names a Neo4j server (one of `SCHEMES`).
pub fn is_neo4j(spec: &str) -> bool {
    spec.split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

impl Neo4jSettings {
    /// Settings for a `--graph` value that `is_neo4j`, with the user and
    /// password from `NEO4J_USER` and `NEO4J_PASSWORD` and the database
    /// from the value's `#database=NAME` part, else `NEO4J_DATABASE`.
    ///
    /// Errors: `GraphError::BadUri` for a URI with a user or password in it
    /// (they belong in the environment) or without a host.
    pub fn from_spec(spec: &str) -> Result<Self, GraphError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let (uri, database) = match spec.split_once(DATABASE_MARK) {
            Some((uri, db)) => (uri, Some(db.to_string())),
            None => (spec, env("NEO4J_DATABASE")),
        };
        let bad = |why: &str| GraphError::BadUri {
            uri: uri.to_string(),
            why: why.to_string(),
        };
        let rest = uri.split_once("://").map(|(_, r)| r).unwrap_or_default();
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad(
                "a user or password in the URI is not accepted: set NEO4J_USER and NEO4J_PASSWORD",
            ));
        }
        if authority.is_empty() || authority.starts_with(':') {
            return Err(bad("it names no host"));
        }
        Ok(Neo4jSettings {
            uri: uri.to_string(),
            user: env("NEO4J_USER").unwrap_or_else(|| "neo4j".to_string()),
            password: env("NEO4J_PASSWORD"),
            database: database.filter(|d| !d.is_empty()),
        })
    }

    /// A settings value for tests and the benchmark: this URI, user and
    /// password, the default database.
    pub fn new(uri: &str, user: &str, password: Option<&str>) -> Self {
        Neo4jSettings {
            uri: uri.to_string(),
            user: user.to_string(),
            password: password.map(str::to_string),
            database: None,
        }
    }

    /// Builds the driver and checks that the server answers and accepts the
    /// credentials.
    ///
    /// Errors: `Unreachable` (no server at the URI, TLS failure),
    /// `Unauthorized` (user or password refused), `BadUri`.
    pub fn connect(&self) -> Result<Driver, GraphError> {
        // `+s` URIs build a rustls client: use the provider the rest of atg
        // uses (ring) rather than the driver's fallback.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config =
            ConnectionConfig::try_from(self.uri.as_str()).map_err(|e| GraphError::BadUri {
                uri: self.uri.clone(),
                why: e.to_string(),
            })?;
        let auth = match &self.password {
            Some(p) => AuthToken::new_basic_auth(self.user.clone(), p.clone()),
            None => AuthToken::new_none_auth(),
        };
        let driver = Driver::new(
            config,
            DriverConfig::new()
                .with_auth(Arc::new(auth))
                .with_connection_timeout(CONNECT_TIMEOUT)
                .with_connection_acquisition_timeout(CONNECT_TIMEOUT * 3)
                .with_user_agent(format!("atg/{}", env!("CARGO_PKG_VERSION"))),
        );
        driver
            .verify_connectivity()
            .map_err(|e| self.error(e, "connect"))?;
        Ok(driver)
    }

    /// Turns a driver error into a `GraphError` naming this server; `doing`
    /// says what failed (`connect`, `write resources`, …).
    pub fn error(&self, e: neo4j::Neo4jError, doing: &str) -> GraphError {
        use neo4j::Neo4jError as E;
        match &e {
            E::ServerError { error, .. } => {
                let code = error.code();
                if code.starts_with("Neo.ClientError.Security.") && self.password.is_none() {
                    GraphError::NeedsPassword {
                        uri: self.uri.clone(),
                    }
                } else if code.starts_with("Neo.ClientError.Security.") {
                    GraphError::Unauthorized {
                        uri: self.uri.clone(),
                        user: self.user.clone(),
                        message: error.message().to_string(),
                    }
                } else if code == "Neo.ClientError.Database.DatabaseNotFound" {
                    GraphError::NoDatabase {
                        uri: self.uri.clone(),
                        database: self.database.clone().unwrap_or_default(),
                    }
                } else {
                    GraphError::Query(format!(
                        "{doing} on `{}`: {code}: {}",
                        self.uri,
                        error.message()
                    ))
                }
            }
            E::Disconnect { .. } | E::Timeout { .. } => GraphError::Unreachable {
                uri: self.uri.clone(),
                message: root_cause(&e.to_string()),
            },
            E::InvalidConfig { .. } => GraphError::BadUri {
                uri: self.uri.clone(),
                why: e.to_string(),
            },
            _ => GraphError::Query(format!("{doing} on `{}`: {e}", self.uri)),
        }
    }
}

/// The last cause in a driver error's text, without its bookkeeping:
/// `connection failed: … (during commit: false) caused by: Connection
/// refused (os error 111)` gives `Connection refused (os error 111)`.
fn root_cause(text: &str) -> String {
    let clean = text
        .replace(" (during commit: false)", "")
        .replace(" (during commit: true)", "");
    clean
        .rsplit_once("caused by: ")
        .map_or(clean.as_str(), |(_, last)| last)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_recognised_case_insensitively() {
        assert!(is_neo4j("neo4j://h:7687"));
        assert!(is_neo4j("BOLT://h"));
        assert!(is_neo4j("neo4j+s://h.example.com"));
        assert!(!is_neo4j("sqlite:x.db"));
        assert!(!is_neo4j("http://h"));
        assert!(!is_neo4j(".atg/graph.db"));
    }

    #[test]
    fn the_database_part_is_split_off_and_credentials_in_the_uri_refused() {
        let s = Neo4jSettings::from_spec("bolt://h:7687#database=tenants").unwrap();
        assert_eq!(s.uri, "bolt://h:7687");
        assert_eq!(s.database.as_deref(), Some("tenants"));
        let e = Neo4jSettings::from_spec("neo4j://u:secret@h:7687").unwrap_err();
        assert!(e.to_string().contains("NEO4J_PASSWORD"), "{e}");
        assert!(Neo4jSettings::from_spec("bolt://:7687").is_err());
    }

    #[test]
    fn a_driver_error_is_cut_to_its_root_cause() {
        assert_eq!(
            root_cause(
                "connection failed: unable to retrieve routing information; last error: connection failed: failed to open connection (during commit: false) caused by: Connection refused (os error 111) (during commit: false)"
            ),
            "Connection refused (os error 111)"
        );
        assert_eq!(root_cause("timed out"), "timed out");
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let s = Neo4jSettings::new("bolt://h", "neo4j", Some("hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
